/**
 * `swarmflow pool status`: the configured inference endpoints, probed live:
 * health, circuit, calls in flight, engine load, probe latency p50/p95, and
 * tokens/s from the engine's generation counter between two probes.
 *
 * Exit 0 when the status was printed (whatever the endpoints' health),
 * 1 when the configuration is missing or invalid.
 */
import { InferenceConfigError, loadInferenceConfig } from '../activities/inference/config';
import type { EndpointStatus } from '../activities/inference/endpoint-state';
import { createPool, type PoolStatus } from '../activities/inference/pool';

export interface PoolStatusIo {
  out(s: string): void;
  err(s: string): void;
}

export interface PoolStatusOptions {
  json?: boolean;
  /** inference.yaml path; otherwise SWARMFLOW_INFERENCE, ./inference.yaml, or the simulated server. */
  config?: string;
  /** URL of the running simulated server (`swarmflow dev` writes it to .swarmflow/dev.json). */
  simUrl?: string;
  /** Time between the two probes that give tokens/s; default 1000 ms. */
  sampleMs?: number;
  env?: NodeJS.ProcessEnv;
}

function fmt(v: number | null | undefined, suffix = ''): string {
  return v === null || v === undefined ? '-' : `${v}${suffix}`;
}

function row(e: EndpointStatus): string[] {
  const lat = e.latencyMs ?? e.probeLatencyMs;
  return [
    e.pool,
    e.name,
    e.kind,
    e.role,
    e.health,
    e.circuit === 'closed' ? 'closed' : `${e.circuit}${e.openReason ? ` (${e.openReason})` : ''}`,
    `${e.inFlight}/${e.maxConcurrency}`,
    e.engineRunning === null && e.engineWaiting === null ? '-' : `${fmt(e.engineRunning)}/${fmt(e.engineWaiting)}`,
    lat ? `${lat.p50}/${lat.p95} ms` : '-',
    fmt(e.tokensPerSecond),
  ];
}

export function formatPoolStatus(st: PoolStatus): string {
  const header = ['pool', 'endpoint', 'kind', 'role', 'health', 'circuit', 'in flight', 'engine run/wait', 'latency p50/p95', 'tokens/s'];
  const rows = st.pools.flatMap((p) => p.endpoints.map(row));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  const out = [`configuration: ${st.source}`, line(header), ...rows.map(line)];
  for (const p of st.pools) {
    for (const e of p.endpoints) {
      const why = e.healthDetail ?? e.lastError;
      if (e.health !== 'up' && why) out.push(`  ${p.name}/${e.name}: ${why}`);
    }
  }
  return out.join('\n');
}

export async function poolStatusCommand(io: PoolStatusIo, opts: PoolStatusOptions = {}): Promise<number> {
  let config;
  try {
    config = loadInferenceConfig({
      ...(opts.config !== undefined ? { file: opts.config } : {}),
      ...(opts.simUrl !== undefined ? { simUrl: opts.simUrl } : {}),
      env: opts.env ?? process.env,
    });
  } catch (e) {
    if (e instanceof InferenceConfigError) {
      io.err(e.message);
      return 1;
    }
    throw e;
  }
  const pool = createPool(config, { probes: false, ...(opts.env ? { env: opts.env } : {}) });
  try {
    await pool.probeNow();
    await new Promise((r) => setTimeout(r, opts.sampleMs ?? 1000));
    const st = await pool.probeNow();
    io.out(opts.json ? JSON.stringify(st, null, 2) : formatPoolStatus(st));
    return 0;
  } finally {
    await pool.close();
  }
}
