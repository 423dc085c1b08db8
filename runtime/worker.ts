/**
 * Worker processes: the swarm worker (workflows, tools, run resolution) and
 * inference workers (LLM turns and Skill capture, one task queue per pool,
 * with concurrency set from the pool's endpoint slots). `swarmflow dev` runs
 * both in one process; production runs them apart (`swarmflow worker
 * [--inference]`) and scales by starting more on the same task queues.
 */
import { pauseFor } from './pause';
import { temporalConnectOptions } from './temporal-connection';
import { DefaultLogger, NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import type { DataConverter } from '@temporalio/common';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FsBlobStore } from '../activities/blobs';
import { createActivities, type ActivityDeps, type ChatFn, type RunResolver, type SkillService, type ToolRunner } from '../activities/registry';
import { SWARM_TASK_QUEUE, inferenceTaskQueue } from '../workflows/types';
import { dataPaths, workspaceDirName, type Settings } from './config';
import { WORKFLOWS_ENTRY } from './bundle';
import { projectRoot } from './root';
import { defaultEncryptedBundlePath } from './codec/bundle';
import { dataConverterFromEnv } from './codec/data-converter';
import { instrumentChat, metricsActivityInterceptor, metricsSinks, sdkTelemetryFromEnv, type SwarmMetrics } from './metrics';

export interface WorkerSetOptions {
  settings: Settings;
  /** Run the swarm worker (workflows + tools). Default true. */
  swarm?: boolean;
  /** Run inference workers for these pools, with these slots each. */
  inference?: { pools: Record<string, number>; chat: ChatFn } | null;
  tools?: ToolRunner;
  skills?: SkillService;
  resolver?: RunResolver;
  /** Workflow tasks and activities the swarm worker runs at once. */
  maxConcurrentActivities?: number;
  maxCachedWorkflows?: number;
  /** Pre-built workflow bundle; default dist/workflow-bundle.js when present. */
  bundlePath?: string;
  /** Payload encryption; default from SWARMFLOW_CODEC_KEYS. The workflow bundle must be built with its failure converter. */
  dataConverter?: DataConverter;
  /** Prometheus metrics of this process (runtime/metrics.ts). */
  metrics?: SwarmMetrics;
  /** Keep trying to reach Temporal at start (default: fail at once, as tests and `swarmflow dev` want). */
  waitForTemporal?: WaitForTemporal;
}

/** Waiting for an unreachable Temporal at start, instead of exiting (production workers under a supervisor or compose). */
export interface WaitForTemporal {
  /** One line per failed attempt. */
  log: (line: string) => void;
  /** Aborting stops the wait (Ctrl-C, SIGTERM): startWorkers rejects with TemporalWaitAbortedError. */
  signal?: AbortSignal;
  /** First pause and longest pause between attempts (default 500 ms, 10 s). */
  initialMs?: number;
  maxMs?: number;
}

/** The wait for Temporal was stopped before it answered. */
export class TemporalWaitAbortedError extends Error {
  constructor(readonly address: string) {
    super(`stopped while waiting for Temporal at ${address}`);
    this.name = 'TemporalWaitAbortedError';
  }
}

/** "Connection refused", "failed to lookup address information: ..." out of the core bridge's tonic error text. */
export function transportReason(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const m = /message: "([^"]+)"/.exec(text) ?? /error: "([^"]+)"/.exec(text);
  return (m?.[1] ?? text.split('\n')[0] ?? '').slice(0, 160);
}

/** An error that means "not reachable (yet)": the core bridge's TransportError (refused, DNS, timeout). */
export function isTransportError(err: unknown): boolean {
  return err instanceof Error && err.name === 'TransportError';
}

/**
 * Calls `connect` until it succeeds, pausing 500 ms, 1 s, 2 s ... up to 10 s
 * between attempts and logging one line each; errors other than "not
 * reachable" are thrown at once (a bad address or TLS setting does not fix
 * itself). The pause ends early when `signal` aborts.
 */
export async function connectWithRetry<T>(address: string, connect: () => Promise<T>, o: WaitForTemporal): Promise<T> {
  const max = o.maxMs ?? 10_000;
  let pause = o.initialMs ?? 500;
  for (let attempt = 1; ; attempt++) {
    if (o.signal?.aborted) throw new TemporalWaitAbortedError(address);
    try {
      return await connect();
    } catch (err) {
      if (!isTransportError(err)) throw err;
      if (o.signal?.aborted) throw new TemporalWaitAbortedError(address);
      o.log(`waiting for Temporal at ${address} (attempt ${attempt}: ${transportReason(err)}); retrying in ${pause < 1000 ? `${pause} ms` : `${Math.round(pause / 1000)} s`}`);
      await pauseFor(pause, o.signal);
      if (o.signal?.aborted) throw new TemporalWaitAbortedError(address);
      pause = Math.min(max, pause * 2);
    }
  }
}

export interface WorkerSet {
  /** Resolves when every worker has stopped. */
  done: Promise<void>;
  shutdown(): Promise<void>;
}

let runtimeInstalled = false;

/** Keeps the SDK's own logging to warnings (the CLI prints what people need). */
function installRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    // Inference workers register activities only; the SDK's warning that they poll no workflows is expected.
    const level = (process.env.SWARMFLOW_LOG_LEVEL ?? 'WARN').toUpperCase();
    const lvl = level === 'ERROR' || level === 'INFO' || level === 'DEBUG' || level === 'TRACE' ? level : 'WARN';
    const base = new DefaultLogger(lvl);
    const logger = new DefaultLogger(lvl, (entry) => {
      if (!entry.message.startsWith('No workflows registered')) base.log(entry.level, entry.message, entry.meta);
    });
    Runtime.install({ logger, shutdownSignals: [], telemetryOptions: sdkTelemetryFromEnv() });
  } catch {
    // Already installed by the host process (tests): keep theirs.
  }
}

export function defaultBundlePath(): string | null {
  const p = path.join(projectRoot(), 'dist', 'workflow-bundle.js');
  return fs.existsSync(p) ? p : null;
}

export async function startWorkers(o: WorkerSetOptions): Promise<WorkerSet> {
  installRuntime();
  const paths = dataPaths(o.settings.home);
  const blobs = new FsBlobStore(paths.blobs);
  const dataConverter = o.dataConverter ?? dataConverterFromEnv();
  const chat = o.inference?.chat && o.metrics ? instrumentChat(o.inference.chat, o.metrics) : o.inference?.chat;
  // Every worker: the codec, the run-finished sink (always registered: the workflow calls it) and step counting.
  const common = { dataConverter, sinks: metricsSinks(o.metrics), interceptors: o.metrics ? { activity: [metricsActivityInterceptor(o.metrics)] } : undefined };
  const deps: ActivityDeps = {
    blobs,
    chat,
    tools: o.tools,
    skills: o.skills,
    resolver: o.resolver,
    workspaceFor: (runId) => {
      const dir = path.join(paths.workspaces, workspaceDirName(runId.split('/').slice(0, 2).join('/')));
      fs.mkdirSync(dir, { recursive: true });
      return dir;
    },
  };
  const activities = createActivities(deps);
  const address = o.settings.temporalAddress;
  const connect = (): Promise<NativeConnection> => NativeConnection.connect({ address, ...temporalConnectOptions(o.settings.temporalSecurity) });
  const connection = o.waitForTemporal ? await connectWithRetry(address, connect, o.waitForTemporal) : await connect();
  const workers: Worker[] = [];
  if (o.swarm !== false) {
    const bundle = o.bundlePath ?? (dataConverter ? defaultEncryptedBundlePath() : defaultBundlePath());
    const wfSource: Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> = bundle ? { workflowBundle: { codePath: bundle } } : { workflowsPath: WORKFLOWS_ENTRY };
    workers.push(
      await Worker.create({
        ...common,
        connection,
        namespace: o.settings.namespace,
        taskQueue: SWARM_TASK_QUEUE,
        ...wfSource,
        activities: { resolveRun: activities.resolveRun, toolCall: activities.toolCall },
        maxConcurrentActivityTaskExecutions: o.maxConcurrentActivities ?? 100,
        maxCachedWorkflows: o.maxCachedWorkflows ?? 400,
        // A killed worker's sticky queue holds its workflows' next task this long before any worker may take it.
        stickyQueueScheduleToStartTimeout: '3s',
        shutdownGraceTime: '5s',
      }),
    );
  }
  for (const [pool, slots] of Object.entries(o.inference?.pools ?? {})) {
    workers.push(
      await Worker.create({
        ...common,
        connection,
        namespace: o.settings.namespace,
        taskQueue: inferenceTaskQueue(pool),
        activities: { llmStep: activities.llmStep, agentTurn: activities.agentTurn, captureSkill: activities.captureSkill },
        // The pool queues beyond its slots itself; a little headroom keeps its queue fed.
        maxConcurrentActivityTaskExecutions: Math.max(1, slots),
        shutdownGraceTime: '5s',
      }),
    );
  }
  const done = Promise.all(workers.map((w) => w.run())).then(() => undefined);
  let stopping: Promise<void> | null = null;
  return {
    done,
    shutdown() {
      stopping ??= (async () => {
        for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
        await done.catch(() => undefined);
        await connection.close();
      })();
      return stopping;
    },
  };
}
