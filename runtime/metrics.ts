/**
 * Prometheus metrics of swarmflow processes (prom-client), plus the Temporal
 * SDK's own metrics, on one `/metrics` endpoint per process:
 *
 *   swarmflow_runs_started_total{swarm}            swarm runs (and child swarms) that began
 *   swarmflow_runs_finished_total{swarm,status}    ... and how they ended (workflow sink)
 *   swarmflow_steps_total{kind,outcome}            LLM calls, agent turns, tool calls, skill captures (attempts)
 *   swarmflow_tokens_total{pool,model,type}        prompt and completion tokens
 *   swarmflow_inference_latency_seconds{pool,endpoint,outcome}
 *   swarmflow_inference_in_flight{pool,endpoint}   calls an endpoint is serving now
 *   swarmflow_pool_queued{pool}                    calls waiting for a slot (queue depth)
 *   swarmflow_pool_slots{pool}
 *   temporal_*                                     the SDK's worker and client metrics
 *
 * Workflow code cannot touch prom-client (it runs in the sandbox), so the
 * run's end reaches this process through a sink (`metricsSinks`); activities
 * are counted by an activity interceptor, model calls by wrapping the pool's
 * chat function. Label values are bounded (names checked, statuses from a
 * fixed list) so no run input or secret can become a label.
 */
import { listenHttp } from './listen';
import type { RequestHandler } from 'express';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { InjectedSinks, TelemetryOptions } from '@temporalio/worker';
import type { Sinks } from '@temporalio/workflow';
import { CancelledFailure } from '@temporalio/common';
import * as http from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ChatFn } from '../activities/registry';
import type { PoolStatus } from '../activities/inference/pool';

/** What the workflow reports through its sink; the lead's workflow code calls `swarmMetrics.runFinished(name, status)`. */
export interface SwarmMetricsSinks extends Sinks {
  swarmMetrics: {
    runFinished(swarm: string, status: string): void;
  };
}

export interface SwarmMetrics {
  registry: Registry;
  runsStarted: Counter<'swarm'>;
  runsFinished: Counter<'swarm' | 'status'>;
  steps: Counter<'kind' | 'outcome'>;
  tokens: Counter<'pool' | 'model' | 'type'>;
  inferenceLatency: Histogram<'pool' | 'endpoint' | 'outcome'>;
  inferenceInFlight: Gauge<'pool' | 'endpoint'>;
  poolQueued: Gauge<'pool'>;
  poolSlots: Gauge<'pool'>;
  /** Reads in-flight, queue depth and slots from this pool at every scrape. */
  watchPool(pool: { status(): PoolStatus }): void;
  /** The exposition text: this registry, then the SDK's metrics when `sdkMetricsUrl` is set. */
  render(): Promise<{ contentType: string; body: string }>;
}

export interface MetricsOptions {
  /** Node process metrics (CPU, memory, event loop). Default true. */
  defaultMetrics?: boolean;
  /**
   * The SDK's Prometheus exporter (`http://127.0.0.1:PORT/metrics`, see
   * `sdkTelemetryOptions`), appended to every scrape. Default none.
   */
  sdkMetricsUrl?: string | null;
}

const RUN_STATUSES = new Set(['succeeded', 'failed', 'budget_exhausted', 'cancelled', 'deadline_exceeded', 'running']);
/** Activity name -> step kind; other activities (resolveRun) are not steps. */
const STEP_KINDS: Record<string, string> = { llmStep: 'llm', agentTurn: 'agent_turn', toolCall: 'tool', captureSkill: 'capture_skill' };
const NAME = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/;

/** A label value from configuration or a definition: kept when it looks like a name, else `other`. */
export function labelName(v: unknown): string {
  return typeof v === 'string' && NAME.test(v) ? v : 'other';
}

export function createMetrics(o: MetricsOptions = {}): SwarmMetrics {
  const registry = new Registry();
  if (o.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'swarmflow_' });
  const pools: { status(): PoolStatus }[] = [];
  const sdkUp = o.sdkMetricsUrl ? new Gauge({ name: 'swarmflow_sdk_metrics_up', help: '1 when the last scrape read the Temporal SDK metrics exporter', registers: [registry] }) : null;
  const inferenceInFlight = new Gauge({
    name: 'swarmflow_inference_in_flight',
    help: 'Model calls an endpoint is serving now',
    labelNames: ['pool', 'endpoint'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const p of pools) for (const pool of p.status().pools) for (const ep of pool.endpoints) this.set({ pool: labelName(pool.name), endpoint: labelName(ep.name) }, ep.inFlight);
    },
  });
  const poolQueued = new Gauge({
    name: 'swarmflow_pool_queued',
    help: 'Model calls waiting for a free endpoint slot (queue depth)',
    labelNames: ['pool'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const p of pools) for (const pool of p.status().pools) this.set({ pool: labelName(pool.name) }, pool.queued);
    },
  });
  const poolSlots = new Gauge({
    name: 'swarmflow_pool_slots',
    help: 'Model calls a pool can run at once (sum of its endpoints maxConcurrency)',
    labelNames: ['pool'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const p of pools) for (const pool of p.status().pools) this.set({ pool: labelName(pool.name) }, pool.slots);
    },
  });
  const m: SwarmMetrics = {
    registry,
    runsStarted: new Counter({ name: 'swarmflow_runs_started_total', help: 'Swarm runs (and child swarm runs) that began on this worker', labelNames: ['swarm'] as const, registers: [registry] }),
    runsFinished: new Counter({ name: 'swarmflow_runs_finished_total', help: 'Swarm runs that ended, by final status', labelNames: ['swarm', 'status'] as const, registers: [registry] }),
    steps: new Counter({ name: 'swarmflow_steps_total', help: 'Step activities executed (each attempt): LLM calls, agent turns, tool calls, skill captures', labelNames: ['kind', 'outcome'] as const, registers: [registry] }),
    tokens: new Counter({ name: 'swarmflow_tokens_total', help: 'Model tokens used, prompt and completion', labelNames: ['pool', 'model', 'type'] as const, registers: [registry] }),
    inferenceLatency: new Histogram({
      name: 'swarmflow_inference_latency_seconds',
      help: 'Duration of model calls through the inference pool, queueing included',
      labelNames: ['pool', 'endpoint', 'outcome'] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers: [registry],
    }),
    inferenceInFlight,
    poolQueued,
    poolSlots,
    watchPool(pool) {
      pools.push(pool);
    },
    async render() {
      // The SDK's text first, so swarmflow_sdk_metrics_up describes this very scrape.
      const sdk = o.sdkMetricsUrl ? await fetchText(o.sdkMetricsUrl) : null;
      sdkUp?.set(sdk === null ? 0 : 1);
      const own = await registry.metrics();
      const tail = o.sdkMetricsUrl ? (sdk ?? '# the Temporal SDK metrics exporter did not answer\n') : '';
      return { contentType: registry.contentType, body: own + tail };
    },
  };
  return m;
}

async function fetchText(url: string): Promise<string | null> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    if (!res.ok) return null;
    const text = await res.text();
    return text.endsWith('\n') ? text : `${text}\n`;
  } catch {
    return null;
  }
}

/** Wraps the pool's chat function: latency per endpoint and tokens per model. */
export function instrumentChat(chat: ChatFn, m: SwarmMetrics): ChatFn {
  return async (req, opts) => {
    const pool = labelName(opts.pool ?? 'default');
    const started = process.hrtime.bigint();
    const seconds = (): number => Number(process.hrtime.bigint() - started) / 1e9;
    try {
      const res = await chat(req, opts);
      m.inferenceLatency.observe({ pool, endpoint: labelName(res.endpoint), outcome: 'ok' }, seconds());
      const model = labelName(req.model);
      m.tokens.inc({ pool, model, type: 'prompt' }, res.usage.promptTokens);
      m.tokens.inc({ pool, model, type: 'completion' }, res.usage.completionTokens);
      return res;
    } catch (err) {
      m.inferenceLatency.observe({ pool, endpoint: 'none', outcome: err instanceof CancelledFailure || opts.signal?.aborted ? 'cancelled' : 'error' }, seconds());
      throw err;
    }
  };
}

function swarmNameOf(args: readonly unknown[]): string {
  const a = args[0];
  if (typeof a !== 'object' || a === null || !('ir' in a)) return 'other';
  const ir: unknown = a.ir;
  return typeof ir === 'object' && ir !== null && 'name' in ir ? labelName(ir.name) : 'other';
}

/** Counts step activities by kind and outcome, and runs started (the first attempt of `resolveRun`). */
export function metricsActivityInterceptor(m: SwarmMetrics): ActivityInterceptorsFactory {
  return (ctx) => ({
    inbound: {
      async execute(input, next) {
        const type = ctx.info.activityType;
        const kind = STEP_KINDS[type];
        if (type === 'resolveRun' && ctx.info.attempt === 1) m.runsStarted.inc({ swarm: swarmNameOf(input.args) });
        try {
          const result = await next(input);
          if (kind) m.steps.inc({ kind, outcome: 'ok' });
          return result;
        } catch (err) {
          if (kind) m.steps.inc({ kind, outcome: err instanceof CancelledFailure || ctx.cancellationSignal.aborted ? 'cancelled' : 'error' });
          throw err;
        }
      },
    },
  });
}

/**
 * The workers' sink for the run's end. Always register it (with or without
 * metrics): a workflow calling a sink the worker lacks logs an error.
 */
export function metricsSinks(m?: SwarmMetrics): InjectedSinks<SwarmMetricsSinks> {
  return {
    swarmMetrics: {
      runFinished: {
        fn: (_info, swarm, status) => {
          m?.runsFinished.inc({ swarm: labelName(swarm), status: RUN_STATUSES.has(status) ? status : 'other' });
        },
        callDuringReplay: false,
      },
    },
  };
}

/**
 * Runtime telemetry for the SDK's Prometheus exporter at `bindAddress`
 * (`host:port`): pass as `Runtime.install({ telemetryOptions })`. Durations
 * in seconds and `_total` counters, as Prometheus conventions want.
 */
export function sdkTelemetryOptions(bindAddress: string): TelemetryOptions {
  return { metrics: { prometheus: { bindAddress, countersTotalSuffix: true, useSecondsForDurations: true } } };
}

/** `SWARMFLOW_SDK_METRICS_ADDRESS` (e.g. 127.0.0.1:9465) as SDK telemetry options, or undefined when unset. */
export function sdkTelemetryFromEnv(env: NodeJS.ProcessEnv = process.env): TelemetryOptions | undefined {
  const a = env.SWARMFLOW_SDK_METRICS_ADDRESS?.trim();
  return a ? sdkTelemetryOptions(a) : undefined;
}

/** Where to read the SDK's exporter for a bind address: `0.0.0.0:9465` is read on 127.0.0.1. */
export function sdkMetricsUrl(bindAddress: string): string {
  const i = bindAddress.lastIndexOf(':');
  const host = bindAddress.slice(0, i);
  const port = bindAddress.slice(i + 1);
  const readHost = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '[::]' ? '[::1]' : host;
  return `http://${readHost}:${port}/metrics`;
}

/** Express handler of `GET /metrics`. */
export function metricsHandler(m: SwarmMetrics): RequestHandler {
  return async (_req, res) => {
    const { contentType, body } = await m.render();
    res.setHeader('Cache-Control', 'no-store');
    res.type(contentType).send(body);
  };
}

export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

/**
 * A tiny HTTP server for worker processes: `GET /metrics` and `GET /health`,
 * nothing else. Default host 127.0.0.1; containers pass 0.0.0.0 so
 * Prometheus on the same network can scrape it.
 */
export async function startMetricsServer(port: number, o: { metrics: SwarmMetrics; host?: string }): Promise<MetricsServer> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/health') {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"ok":true}');
      return;
    }
    if (path !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('this server answers GET /metrics and GET /health\n');
      return;
    }
    o.metrics.render().then(
      ({ contentType, body }) => {
        res.writeHead(200, { 'Content-Type': contentType, 'Cache-Control': 'no-store' }).end(req.method === 'HEAD' ? undefined : body);
      },
      () => {
        res.writeHead(500, { 'Content-Type': 'text/plain' }).end('metrics could not be collected\n');
      },
    );
  });
  const { url, close } = await listenHttp(server, port, o.host ?? '127.0.0.1');
  return { url, close };
}

/**
 * The metrics server a process starts when `SWARMFLOW_METRICS_PORT` is set
 * (host `SWARMFLOW_METRICS_HOST`, default 127.0.0.1; containers use
 * 0.0.0.0), or null. Prometheus scrapes it on the internal network; the
 * port is never the public API's.
 */
export async function startMetricsServerFromEnv(metrics: SwarmMetrics, env: NodeJS.ProcessEnv = process.env): Promise<MetricsServer | null> {
  const raw = env.SWARMFLOW_METRICS_PORT?.trim();
  if (!raw) return null;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new MetricsConfigError(`SWARMFLOW_METRICS_PORT is "${raw.slice(0, 20)}": use a port number such as 9464`);
  return startMetricsServer(port, { metrics, host: env.SWARMFLOW_METRICS_HOST?.trim() || '127.0.0.1' });
}

/** Metrics for a process from its environment: the SDK's exporter is merged in when SWARMFLOW_SDK_METRICS_ADDRESS is set. */
export function metricsFromEnv(env: NodeJS.ProcessEnv = process.env): SwarmMetrics {
  const sdk = env.SWARMFLOW_SDK_METRICS_ADDRESS?.trim();
  return createMetrics({ sdkMetricsUrl: sdk ? sdkMetricsUrl(sdk) : null });
}

/** A metrics setting that cannot be used; the message says what to set. */
export class MetricsConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MetricsConfigError';
  }
}
