/**
 * Real `swarmflow worker --inference --swarm` processes (from dist/), the way
 * production runs them, so that SIGKILL kills exactly what a crash would:
 * the process, its in-flight activities and its workflow cache.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { projectRoot } from '../../../runtime/root';

const CLI = path.join(projectRoot(), 'dist', 'cli', 'index.js');

/** dist/ is missing or older than the sources the worker runs. */
export class DistNotBuiltError extends Error {
  constructor(what: string) {
    super(`${what}: run \`node scripts/bootstrap.js\` (npm test and npm run test:chaos do) before the crash and chaos tests`);
    this.name = 'DistNotBuiltError';
  }
}

/** A worker process that exited before it said it was connected. */
export class WorkerStartError extends Error {
  constructor(id: number, detail: string) {
    super(`chaos worker #${id} did not start: ${detail}`);
    this.name = 'WorkerStartError';
  }
}

export function checkDist(): void {
  if (!fs.existsSync(CLI)) throw new DistNotBuiltError(`${CLI} is missing`);
  if (!fs.existsSync(path.join(projectRoot(), 'dist', 'workflow-bundle.js'))) throw new DistNotBuiltError('dist/workflow-bundle.js is missing');
}

export interface WorkerProcess {
  /** 1, 2, 3... in start order, for the fault log. */
  id: number;
  child: ChildProcess;
  /** Resolves when the worker printed that it is connected. */
  ready: Promise<void>;
  /** Resolves when the process has exited, whatever the cause. */
  exited: Promise<void>;
  alive(): boolean;
  /** Connected and not dead. */
  isReady(): boolean;
  /** It was connected at some point (a worker that could not connect at start is not a crash). */
  wasReady(): boolean;
  /** The last lines it wrote (stderr and stdout), for failure messages. */
  tail(): string;
}

let nextId = 1;

export function spawnWorker(env: Record<string, string>): WorkerProcess {
  checkDist();
  const id = nextId++;
  const child = spawn(process.execPath, [CLI, 'worker', '--inference', '--swarm'], {
    env: { ...process.env, SWARMFLOW_LOG_LEVEL: 'ERROR', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const keep = (chunk: Buffer): void => {
    for (const l of chunk.toString('utf8').split('\n')) if (l.trim()) lines.push(l);
    if (lines.length > 40) lines.splice(0, lines.length - 40);
  };
  let exitedFlag = false;
  let readyFlag = false;
  const exited = new Promise<void>((resolve) => child.once('exit', () => {
    exitedFlag = true;
    resolve();
  }));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (c: Buffer) => {
      keep(c);
      if (c.toString('utf8').includes('worker connected to')) {
        readyFlag = true;
        resolve();
      }
    });
    child.stderr?.on('data', keep);
    void exited.then(() => reject(new WorkerStartError(id, `exited with ${child.exitCode ?? child.signalCode}; last output:\n${lines.join('\n')}`)));
  });
  // A killed worker's ready promise rejects; nobody may be waiting for it any more.
  ready.catch(() => undefined);
  return {
    id,
    child,
    ready,
    exited,
    alive: () => !exitedFlag,
    isReady: () => readyFlag && !exitedFlag,
    wasReady: () => readyFlag,
    tail: () => lines.join('\n'),
  };
}

/** SIGKILL: no shutdown, no flush, in-flight activities and cached workflows die with it. */
export async function killWorker(w: WorkerProcess): Promise<void> {
  if (w.alive()) w.child.kill('SIGKILL');
  await w.exited;
}

/** SIGTERM and wait (graceful shutdown at the end of a test). */
export async function stopWorker(w: WorkerProcess): Promise<void> {
  if (!w.alive()) return;
  w.child.kill('SIGTERM');
  const t = setTimeout(() => w.child.kill('SIGKILL'), 8000);
  await w.exited;
  clearTimeout(t);
}
