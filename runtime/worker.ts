/**
 * Worker processes: the swarm worker (workflows, tools, run resolution) and
 * inference workers (LLM turns and Skill capture, one task queue per pool,
 * with concurrency set from the pool's endpoint slots). `swarmflow dev` runs
 * both in one process; production runs them apart (`swarmflow worker
 * [--inference]`) and scales by starting more on the same task queues.
 */
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
  const connection = await NativeConnection.connect({ address: o.settings.temporalAddress, ...(o.settings.temporalSecurity ? temporalConnectOptions(o.settings.temporalSecurity) : {}) });
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
