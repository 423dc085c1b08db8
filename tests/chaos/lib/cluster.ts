/**
 * A private swarmflow cluster for crash and chaos tests: its own Temporal dev
 * server persisted in SQLite (so it can be stopped and started again on the
 * same port with its state), simulated model endpoints on fixed ports (so
 * they can be killed and started again where the workers expect them), real
 * worker processes, and a client. Private, because the shared test server's
 * task queue is polled by other test files' workers, which would pick up
 * this cluster's tasks and hide a kill.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Client } from '@temporalio/client';
import { startDevServer, type DevServer } from '../../../runtime/dev-server';
import { freePort } from '../../../runtime/ports';
import { connectClient } from '../../../runtime/runs';
import { dataPaths } from '../../../runtime/config';
import { startSimServer, type SimServer } from '../../../sim/server';
import { killWorker, spawnWorker, stopWorker, type WorkerProcess } from './workers';

export interface ClusterOptions {
  /** Model endpoints in the one pool `default` (each a simulated server with the same seed). */
  endpoints?: number;
  simSeed?: number;
  /** Circuit cooldown of the pool: how soon a restarted endpoint is tried again. */
  circuitCooldownMs?: number;
  log?: (line: string) => void;
  /** false: an in-memory dev server (it cannot be restarted with its state). */
  persist?: boolean;
  /** Extra dynamic config of the dev server. */
  dynamicConfig?: Record<string, string | number | boolean>;
}

export interface Cluster {
  home: string;
  ledgerDir: string;
  workspacesDir: string;
  client: Client;
  temporalAddress: string;
  workers: WorkerProcess[];
  /** Starts a worker process and waits until it is connected. */
  addWorker(): Promise<WorkerProcess>;
  /** SIGKILL one worker (it leaves `workers`). */
  killWorker(w: WorkerProcess): Promise<void>;
  /** Stops (SIGTERM) or kills (SIGKILL) the dev server, waits `downMs`, starts it again on the same port and database. */
  restartTemporal(how: 'stop' | 'kill', downMs: number): Promise<void>;
  /** Kills model endpoint `i` (open connections drop), waits `downMs`, starts it again on the same port. */
  restartEndpoint(i: number, downMs: number): Promise<void>;
  endpointCount: number;
  /**
   * Workers that were connected and then died on their own (not killed by the
   * test): a crash the test did not inject. A replacement that could not
   * connect at start (the dev server was down) exits with 1 and is retried;
   * it is not counted.
   */
  unexpectedExits(): string[];
  close(): Promise<void>;
}

export async function startCluster(o: ClusterOptions = {}): Promise<Cluster> {
  const log = o.log ?? (() => undefined);
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'swarmflow-chaos-'));
  const paths = dataPaths(home);
  const port = await freePort();
  const dbFile = o.persist === false ? undefined : paths.temporalDb;
  const logFile = path.join(paths.logs, 'temporal.log');
  const dynamicConfig = o.dynamicConfig;
  let temporal: DevServer = await startDevServer({ dbFile, port, ui: false, logFile, dynamicConfig });
  const temporalAddress = temporal.address;

  const seed = o.simSeed ?? 7;
  const n = o.endpoints ?? 1;
  const sims: (SimServer | null)[] = [];
  const simPorts: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = await startSimServer({ seed, latencyMs: 0 });
    sims.push(s);
    simPorts.push(s.port);
  }
  const endpointsYaml = simPorts
    .map((p, i) => `      - { name: sim${i}, kind: sim, url: "http://127.0.0.1:${p}/v1", quantization: int4, maxConcurrency: 256 }`)
    .join('\n');
  // Probes every second so a restarted endpoint is seen soon; a short cooldown for the same reason.
  const inference = `pools:\n  default:\n    health: { intervalMs: 1000, timeoutMs: 1000 }\n    circuit: { failures: 3, cooldownMs: ${o.circuitCooldownMs ?? 1000} }\n    endpoints:\n${endpointsYaml}\n`;
  // A file, as a deployment would mount it (inline text in SWARMFLOW_INFERENCE works too).
  const inferenceFile = path.join(home, 'inference.yaml');
  fs.writeFileSync(inferenceFile, inference);
  const workerEnv: Record<string, string> = {
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_NAMESPACE: 'default',
    SWARMFLOW_HOME: home,
    SWARMFLOW_INFERENCE: inferenceFile,
  };

  const client = await connectClient({ temporalAddress, namespace: 'default' });
  const workers: WorkerProcess[] = [];
  const killed = new Set<WorkerProcess>();
  const all: WorkerProcess[] = [];
  let closing = false;
  const unexpected: string[] = [];

  const cluster: Cluster = {
    home,
    ledgerDir: paths.ledger,
    workspacesDir: paths.workspaces,
    client,
    temporalAddress,
    workers,
    endpointCount: n,
    async addWorker() {
      const w = spawnWorker(workerEnv);
      all.push(w);
      workers.push(w);
      void w.exited.then(() => {
        const i = workers.indexOf(w);
        if (i >= 0) workers.splice(i, 1);
        if (killed.has(w) || closing) return;
        log(`worker #${w.id} exited on its own (${w.child.exitCode ?? w.child.signalCode})${w.wasReady() ? '' : ' before it connected'}`);
        if (w.wasReady()) unexpected.push(`worker #${w.id} (${w.child.exitCode ?? w.child.signalCode}):\n${w.tail()}`);
      });
      await w.ready;
      return w;
    },
    async killWorker(w) {
      killed.add(w);
      await killWorker(w);
    },
    async restartTemporal(how, downMs) {
      if (!dbFile) throw new Error('restartTemporal needs a persisted cluster (startCluster({ persist: true }))');
      if (how === 'stop') await temporal.stop();
      else {
        const gone = new Promise<void>((resolve) => {
          const t = setInterval(() => {
            try {
              process.kill(temporal.pid, 0);
            } catch {
              clearInterval(t);
              resolve();
            }
          }, 50);
        });
        temporal.kill();
        await gone;
      }
      await new Promise((r) => setTimeout(r, downMs));
      temporal = await startDevServer({ dbFile, port, ui: false, logFile, dynamicConfig });
    },
    async restartEndpoint(i, downMs) {
      const s = sims[i];
      if (s) await s.close();
      sims[i] = null;
      await new Promise((r) => setTimeout(r, downMs));
      sims[i] = await startSimServer({ seed, latencyMs: 0, port: simPorts[i] });
    },
    unexpectedExits() {
      return [...unexpected];
    },
    async close() {
      closing = true;
      await Promise.all(all.map((w) => stopWorker(w)));
      await client.connection.close().catch(() => undefined);
      for (const s of sims) await s?.close();
      await temporal.stop();
      if (!process.env.SWARMFLOW_CHAOS_KEEP) fs.rmSync(home, { recursive: true, force: true });
      else log(`kept ${home}`);
    },
  };
  return cluster;
}
