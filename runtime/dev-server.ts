/**
 * The embedded Temporal: the Temporal CLI's `server start-dev`, persisted in a
 * SQLite file, bound to 127.0.0.1, with the Web UI and swarmflow's search
 * attributes registered. Used by `swarmflow dev`, the demo and the tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Connection } from '@temporalio/client';
import { freePort, waitForPort } from './ports';
import { temporalCliPath } from './temporal-cli';
import { SEARCH_ATTRIBUTES } from './search-attributes';

/**
 * Dynamic config every dev server gets (a caller's `dynamicConfig` overrides it).
 *
 * The dev server has one history shard, and each shard reads its task queues
 * (transfer: dispatching workflow and activity tasks to matching; timer;
 * visibility) at most `*MaxPollRPS` times a second, 20 by default. A serial
 * step needs two transfer reads (its activity, then the next workflow task),
 * so the default capped any run at ~10 steps/s (~100 ms a step, ~40 ms of it
 * waiting per dispatch) while the server sat at a quarter of one core. A
 * cluster spreads the same limit over hundreds of shards. Reads still happen
 * only when tasks are written (or every minute), so an idle server stays idle.
 * Measured (bench/README.md): 97 ms -> ~30 ms per serial step.
 */
export const DEV_SERVER_DYNAMIC_CONFIG: Readonly<Record<string, number>> = {
  'history.transferProcessorMaxPollRPS': 10_000,
  'history.timerProcessorMaxPollRPS': 10_000,
  'history.visibilityProcessorMaxPollRPS': 10_000,
};

/**
 * SQLite pragmas for a dev server persisted to a file. The default (rollback
 * journal, synchronous=FULL) fsyncs on every commit: ~95 ms a serial step.
 * WAL with synchronous=NORMAL keeps the database consistent after a crash of
 * the server process (tests/crash/server-restart.test.ts kills it); only an OS
 * crash or power loss can lose the last commits, which a dev server accepts.
 */
export const DEV_SERVER_SQLITE_PRAGMAS: readonly string[] = ['journal_mode=wal', 'synchronous=normal'];

export interface DevServerOptions {
  /** SQLite file; omit for an in-memory server. */
  dbFile?: string;
  port?: number;
  uiPort?: number;
  /** false turns the Web UI off (tests). */
  ui?: boolean;
  namespace?: string;
  /** More namespaces to create (tests give each jest worker its own, so their workers never take each other's tasks). */
  extraNamespaces?: string[];
  /** Extra `--dynamic-config-value KEY=VALUE` settings (benchmarks raise history limits). */
  dynamicConfig?: Record<string, string | number | boolean>;
  logFile?: string;
}

export interface DevServer {
  address: string;
  namespace: string;
  uiUrl: string | null;
  pid: number;
  stop(): Promise<void>;
  /** Kills the server without a clean shutdown (chaos tests). */
  kill(): void;
}

/** The port opens before the frontend serves ("Frontend is not healthy yet"): wait for a real answer. */
async function waitForFrontend(address: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  let last: unknown = null;
  while (Date.now() < until) {
    try {
      const c = await Connection.connect({ address, connectTimeout: 2000 });
      try {
        await c.workflowService.getSystemInfo({});
        return;
      } finally {
        await c.close();
      }
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`the Temporal dev server at ${address} did not become healthy in ${timeoutMs} ms: ${last instanceof Error ? last.message : String(last)}`);
}

export async function startDevServer(opts: DevServerOptions = {}): Promise<DevServer> {
  const cli = temporalCliPath();
  const port = opts.port ?? (await freePort());
  const ui = opts.ui !== false;
  const uiPort = ui ? (opts.uiPort ?? (await freePort())) : 0;
  const namespace = opts.namespace ?? 'default';
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--namespace', namespace, '--log-level', 'error'];
  for (const ns of opts.extraNamespaces ?? []) args.push('--namespace', ns);
  // The metrics endpoint would take a fixed port (and clash between servers) unless given a free one.
  args.push('--metrics-port', String(await freePort()));
  if (ui) args.push('--ui-port', String(uiPort), '--ui-ip', '127.0.0.1');
  else args.push('--headless');
  if (opts.dbFile) {
    fs.mkdirSync(path.dirname(opts.dbFile), { recursive: true });
    args.push('--db-filename', opts.dbFile);
    for (const p of DEV_SERVER_SQLITE_PRAGMAS) args.push('--sqlite-pragma', p);
  }
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) args.push('--search-attribute', `${name}=${type}`);
  for (const [k, v] of Object.entries({ ...DEV_SERVER_DYNAMIC_CONFIG, ...opts.dynamicConfig })) args.push('--dynamic-config-value', `${k}=${JSON.stringify(v)}`);

  if (opts.logFile) fs.mkdirSync(path.dirname(opts.logFile), { recursive: true });
  const out = opts.logFile ? fs.openSync(opts.logFile, 'a') : 'ignore';
  const child: ChildProcess = spawn(cli, args, { stdio: ['ignore', out, out], detached: false });
  if (typeof out === 'number') fs.closeSync(out);
  let exited = false;
  const exitPromise = new Promise<void>((resolve) => child.once('exit', () => { exited = true; resolve(); }));
  try {
    await Promise.race([
      waitForPort('127.0.0.1', port, 60_000).then(() => waitForFrontend(`127.0.0.1:${port}`, 60_000)),
      exitPromise.then(() => { throw new Error(`the Temporal dev server exited at start (${cli} ${args.join(' ')})${opts.logFile ? `; see ${opts.logFile}` : ''}`); }),
    ]);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    address: `127.0.0.1:${port}`,
    namespace,
    uiUrl: ui ? `http://127.0.0.1:${uiPort}` : null,
    pid: child.pid ?? -1,
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exitPromise;
      clearTimeout(t);
    },
    kill() {
      if (!exited) child.kill('SIGKILL');
    },
  };
}
