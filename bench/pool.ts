/**
 * The inference pool's own cost: per-call overhead against calling the
 * simulated server directly with the same streamed request (median ms over
 * alternating sequential calls), and sustained calls/s through the pool with
 * three simulated endpoints (maxConcurrency 32 each, 96 callers).
 *
 * The direct client does what any caller must: POST, read the SSE stream,
 * parse each chunk. The difference is admission, routing, stitching,
 * accounting and the checks the pool adds. Target: under 2 ms at the median.
 */
import { Agent, request } from 'undici';
import { parseInferenceConfig } from '../activities/inference/config';
import { createPool } from '../activities/inference/pool';
import type { ChatRequest } from '../activities/inference/types';
import { startSimServer, type SimServer } from '../sim/server';

export interface PoolBenchOptions {
  /** Sequential calls each way for the overhead figure; default 400. */
  calls?: number;
  /** Calls for the throughput figure; default 3000. */
  throughputCalls?: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

const round = (v: number, d = 3): number => Math.round(v * 10 ** d) / 10 ** d;

export async function benchPool(
  opts: PoolBenchOptions = {},
): Promise<{ name: string; figures: Record<string, number>; targets: Record<string, ['<=' | '>=', number]>; notes: string[] }> {
  const calls = opts.calls ?? 400;
  const throughputCalls = opts.throughputCalls ?? 3000;
  const sims: SimServer[] = await Promise.all([0, 1, 2].map((seed) => startSimServer({ seed })));
  const yaml = (n: number, conc: number): string =>
    `pools:\n  default:\n    endpoints:\n${sims
      .slice(0, n)
      .map((s, i) => `      - { name: sim${i}, kind: sim, url: "${s.url}", maxConcurrency: ${conc} }`)
      .join('\n')}\n`;
  const req: ChatRequest = { model: 'kimi-k2.6', messages: [{ role: 'user', content: 'benchmark the pool overhead please' }] };
  const wire = JSON.stringify({ model: req.model, messages: [{ role: 'user', content: req.messages[0]?.content }], stream: true, stream_options: { include_usage: true } });
  const agent = new Agent({ connections: 4 });
  const first = sims[0];
  if (first === undefined) throw new Error('bench: no sim server');
  const direct = async (): Promise<void> => {
    const res = await request(`${first.url}/chat/completions`, { method: 'POST', dispatcher: agent, headers: { 'content-type': 'application/json' }, body: wire });
    const text = await res.body.text();
    for (const line of text.split('\n')) if (line.startsWith('data: {')) JSON.parse(line.slice(6));
  };
  const single = createPool(parseInferenceConfig(yaml(1, 4), 'bench'), { probes: false });
  const many = createPool(parseInferenceConfig(yaml(3, 32), 'bench'), { probes: false });
  try {
    // Warm both paths (connections, JIT).
    for (let i = 0; i < 50; i++) {
      await direct();
      await single.chat(req, {});
    }
    const d: number[] = [];
    const p: number[] = [];
    for (let i = 0; i < calls; i++) {
      let t = performance.now();
      await direct();
      d.push(performance.now() - t);
      t = performance.now();
      await single.chat(req, { affinityKey: 'bench' });
      p.push(performance.now() - t);
    }
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: 96 }, async (_, w) => {
        while (next < throughputCalls) {
          next += 1;
          await many.chat(req, { affinityKey: `agent-${w}` });
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    return {
      name: 'inference pool',
      figures: {
        direct_median_ms: round(median(d)),
        pool_median_ms: round(median(p)),
        overhead_median_ms: round(median(p) - median(d)),
        calls_per_s: Math.round(throughputCalls / seconds),
      },
      targets: { overhead_median_ms: ['<=', 2] },
      notes: [`${calls} alternating sequential calls; ${throughputCalls} calls by 96 callers over 3 simulated endpoints x 32 slots (one process: client and servers share the CPU)`],
    };
  } finally {
    await single.close();
    await many.close();
    await agent.close();
    await Promise.all(sims.map((s) => s.close()));
  }
}
