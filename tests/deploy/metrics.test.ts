/**
 * Prometheus metrics, scraped the way Prometheus does: the exposition text
 * of `/metrics` from the workers' tiny server and the express handler, with
 * real values: model calls through a real pool against the simulated
 * server (latency, tokens, in-flight and queue depth per endpoint), activity
 * and sink counts from a real worker on the dev server, and the Temporal
 * SDK's own metrics merged into the same scrape.
 */
import { DefaultLogger, Runtime, Worker, NativeConnection } from '@temporalio/worker';
import { Client, Connection } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import express from 'express';
import request from 'supertest';
import * as path from 'node:path';
import { createMetrics, instrumentChat, labelName, metricsActivityInterceptor, metricsFromEnv, metricsHandler, metricsSinks, sdkMetricsUrl, sdkTelemetryOptions, startMetricsServer, startMetricsServerFromEnv, type SwarmMetrics } from '../../runtime/metrics';
import { loadInferenceConfig } from '../../activities/inference/config';
import { createPool, type InferencePool } from '../../activities/inference/pool';
import { startSimServer, type SimServer } from '../../sim/server';
import { freePort } from '../../runtime/ports';
import { startDevServer } from '../../runtime/dev-server';
import { describeTemporal } from '../helpers/temporal';
import { waitUntil } from '../helpers/wait';
import type { ChatRequest } from '../../activities/inference/types';
import { startWorkers, type WorkerSetOptions } from '../../runtime/worker';
import { buildWorkerServices } from '../../runtime/services';
import { startRun, waitForRun, connectClient } from '../../runtime/runs';
import { compileOrThrow } from '../helpers/swarm-env';
import { testBundle, testSettings } from '../helpers/temporal';

/** The option the wiring adds to startWorkers (runtime/worker.ts); declared here so this file type-checks before it lands. */
type WorkerSetOptionsWithMetrics = WorkerSetOptions & { metrics?: SwarmMetrics };

/** One sample's value from exposition text; labels must match exactly (order-free). */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number | null {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const got: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) got[l[1] ?? ''] = l[2] ?? '';
    const want = Object.entries(labels);
    if (want.length === Object.keys(got).length && want.every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return null;
}

const ask = (text: string): ChatRequest => ({ model: 'kimi-k2.6', messages: [{ role: 'user', content: text }], maxTokens: 32 });

describe('metrics: exposition and the worker server', () => {
  let m: SwarmMetrics;
  beforeEach(() => {
    m = createMetrics();
  });

  test('startMetricsServer serves /metrics and /health on 127.0.0.1, nothing else', async () => {
    m.runsStarted.inc({ swarm: 'hello' });
    m.runsFinished.inc({ swarm: 'hello', status: 'succeeded' });
    const s = await startMetricsServer(0, { metrics: m });
    try {
      expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await fetch(`${s.url}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await res.text();
      expect(sample(text, 'swarmflow_runs_started_total', { swarm: 'hello' })).toBe(1);
      expect(sample(text, 'swarmflow_runs_finished_total', { swarm: 'hello', status: 'succeeded' })).toBe(1);
      expect(text).toContain('# TYPE swarmflow_inference_latency_seconds histogram');
      expect(text).toContain('swarmflow_process_resident_memory_bytes');
      expect((await fetch(`${s.url}/health`)).status).toBe(200);
      expect((await fetch(`${s.url}/v1/runs`)).status).toBe(404);
      expect((await fetch(`${s.url}/metrics`, { method: 'POST' })).status).toBe(405);
    } finally {
      await s.close();
    }
  });

  test('the express handler answers the same text', async () => {
    m.steps.inc({ kind: 'llm', outcome: 'ok' }, 3);
    const app = express();
    app.get('/metrics', metricsHandler(m));
    const res = await request(app).get('/metrics');
    expect(res.status).toBe(200);
    expect(sample(res.text, 'swarmflow_steps_total', { kind: 'llm', outcome: 'ok' })).toBe(3);
    expect(res.headers['cache-control']).toBe('no-store');
  });

  test('labels from definitions or configuration are bounded: odd values become "other"', () => {
    expect(labelName('kimi-k2.6')).toBe('kimi-k2.6');
    expect(labelName('a"b')).toBe('other');
    expect(labelName('x'.repeat(500))).toBe('other');
    expect(labelName(42)).toBe('other');
    const sinks = metricsSinks(m);
    const info = {} as Parameters<typeof sinks.swarmMetrics.runFinished.fn>[0];
    sinks.swarmMetrics.runFinished.fn(info, 'ok-name', 'not-a-status');
    sinks.swarmMetrics.runFinished.fn(info, 'bad name {}', 'failed');
    return m.registry.metrics().then((text) => {
      expect(sample(text, 'swarmflow_runs_finished_total', { swarm: 'ok-name', status: 'other' })).toBe(1);
      expect(sample(text, 'swarmflow_runs_finished_total', { swarm: 'other', status: 'failed' })).toBe(1);
    });
  });

  test('sdkMetricsUrl reads a wildcard bind address on loopback', () => {
    expect(sdkMetricsUrl('0.0.0.0:9465')).toBe('http://127.0.0.1:9465/metrics');
    expect(sdkMetricsUrl('127.0.0.1:1234')).toBe('http://127.0.0.1:1234/metrics');
    expect(sdkTelemetryOptions('127.0.0.1:1')).toEqual({ metrics: { prometheus: { bindAddress: '127.0.0.1:1', countersTotalSuffix: true, useSecondsForDurations: true } } });
  });

  test('an SDK exporter that does not answer: the scrape still works and says so', async () => {
    const dead = createMetrics({ sdkMetricsUrl: `http://127.0.0.1:${await freePort()}/metrics`, defaultMetrics: false });
    const { body } = await dead.render();
    expect(sample(body, 'swarmflow_sdk_metrics_up')).toBe(0);
    expect(body).toContain('# the Temporal SDK metrics exporter did not answer');
  });
});

describe('metrics: model calls through a real pool and the simulated server', () => {
  let sim: SimServer;
  let pool: InferencePool;
  afterEach(async () => {
    await pool?.close();
    await sim?.close();
  });

  test('latency per endpoint, tokens per model, in-flight per endpoint and queue depth, read at scrape time', async () => {
    sim = await startSimServer({ seed: 1, latencyMs: 300 });
    pool = createPool(loadInferenceConfig({ file: undefined, env: { SWARMFLOW_INFERENCE: `pools:\n  default:\n    endpoints:\n      - { name: sim-a, kind: sim, url: "${sim.url}", maxConcurrency: 2 }\n` } }), { probes: false });
    const m = createMetrics({ defaultMetrics: false });
    m.watchPool(pool);
    const chat = instrumentChat((req, opts) => pool.chat(req, opts), m);
    const calls = Array.from({ length: 5 }, (_, i) => chat(ask(`q${i}`), { pool: 'default' }));
    // While the slow calls run: 2 in flight on the endpoint (its maxConcurrency), 3 waiting in the pool's queue.
    await waitUntil('two calls in flight', async () => sample(await m.registry.metrics(), 'swarmflow_inference_in_flight', { pool: 'default', endpoint: 'sim-a' }) === 2, 10_000);
    const during = await m.registry.metrics();
    expect(sample(during, 'swarmflow_pool_queued', { pool: 'default' })).toBe(3);
    expect(sample(during, 'swarmflow_pool_slots', { pool: 'default' })).toBe(2);
    const answers = await Promise.all(calls);
    const after = await m.registry.metrics();
    expect(sample(after, 'swarmflow_inference_in_flight', { pool: 'default', endpoint: 'sim-a' })).toBe(0);
    expect(sample(after, 'swarmflow_pool_queued', { pool: 'default' })).toBe(0);
    expect(sample(after, 'swarmflow_inference_latency_seconds_count', { pool: 'default', endpoint: 'sim-a', outcome: 'ok' })).toBe(5);
    // Queueing included: the last calls waited for two rounds of 300 ms.
    expect(sample(after, 'swarmflow_inference_latency_seconds_sum', { pool: 'default', endpoint: 'sim-a', outcome: 'ok' }) ?? 0).toBeGreaterThan(5 * 0.3);
    const prompt = answers.reduce((s, a) => s + a.usage.promptTokens, 0);
    const completion = answers.reduce((s, a) => s + a.usage.completionTokens, 0);
    expect(prompt).toBeGreaterThan(0);
    expect(sample(after, 'swarmflow_tokens_total', { pool: 'default', model: 'kimi-k2.6', type: 'prompt' })).toBe(prompt);
    expect(sample(after, 'swarmflow_tokens_total', { pool: 'default', model: 'kimi-k2.6', type: 'completion' })).toBe(completion);
  });

  test('a failed call is observed as an error, with no endpoint label', async () => {
    sim = await startSimServer({ seed: 1, faults: { serverError: {} } });
    pool = createPool(loadInferenceConfig({ env: { SWARMFLOW_INFERENCE: `pools:\n  default:\n    maxAttempts: 1\n    endpoints:\n      - { name: sim-a, kind: sim, url: "${sim.url}" }\n` } }), { probes: false });
    const m = createMetrics({ defaultMetrics: false });
    const chat = instrumentChat((req, opts) => pool.chat(req, opts), m);
    await expect(chat(ask('x'), {})).rejects.toThrow();
    expect(sample(await m.registry.metrics(), 'swarmflow_inference_latency_seconds_count', { pool: 'default', endpoint: 'none', outcome: 'error' })).toBe(1);
  });
});

describeTemporal('metrics: a real worker on the dev server, with the SDK metrics merged in', () => {
  let sdkAddress: string;
  beforeAll(async () => {
    sdkAddress = `127.0.0.1:${await freePort()}`;
    // This test file's own runtime: the SDK exports its metrics on sdkAddress.
    Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: sdkTelemetryOptions(sdkAddress), shutdownSignals: [] });
  });

  test('runs started/finished (sink), steps by kind and outcome (interceptor), and temporal_* metrics in one scrape', async () => {
    const m = createMetrics({ sdkMetricsUrl: sdkMetricsUrl(sdkAddress), defaultMetrics: false });
    const connection = await NativeConnection.connect({ address: process.env.SWARMFLOW_TEST_TEMPORAL ?? '' });
    const taskQueue = `metrics-fixture-${Date.now()}`;
    const worker = await Worker.create({
      connection,
      taskQueue,
      workflowsPath: path.join(__dirname, 'fixtures', 'metrics-workflow.ts'),
      activities: {
        resolveRun: async () => undefined,
        llmStep: async (n: number) => n,
        toolCall: async (fail: boolean) => {
          if (fail) throw ApplicationFailure.nonRetryable('tool refused', 'ToolError');
          return 'ok';
        },
      },
      sinks: metricsSinks(m),
      interceptors: { activity: [metricsActivityInterceptor(m)] },
    });
    const client = new Client({ connection: await Connection.connect({ address: process.env.SWARMFLOW_TEST_TEMPORAL ?? '' }) });
    const server = await startMetricsServer(0, { metrics: m });
    try {
      await worker.runUntil(async () => {
        const a = await client.workflow.execute('metricsFixture', { taskQueue, workflowId: `${taskQueue}-a`, args: ['met-a', 3, false] });
        const b = await client.workflow.execute('metricsFixture', { taskQueue, workflowId: `${taskQueue}-b`, args: ['met-a', 1, true] });
        expect([a, b]).toEqual(['succeeded', 'failed']);
      });
      const text = await (await fetch(`${server.url}/metrics`)).text();
      expect(sample(text, 'swarmflow_runs_started_total', { swarm: 'met-a' })).toBe(2);
      expect(sample(text, 'swarmflow_runs_finished_total', { swarm: 'met-a', status: 'succeeded' })).toBe(1);
      expect(sample(text, 'swarmflow_runs_finished_total', { swarm: 'met-a', status: 'failed' })).toBe(1);
      expect(sample(text, 'swarmflow_steps_total', { kind: 'llm', outcome: 'ok' })).toBe(4);
      expect(sample(text, 'swarmflow_steps_total', { kind: 'tool', outcome: 'ok' })).toBe(1);
      expect(sample(text, 'swarmflow_steps_total', { kind: 'tool', outcome: 'error' })).toBe(1);
      // The SDK's own metrics, from its exporter, in the same scrape.
      expect(sample(text, 'swarmflow_sdk_metrics_up')).toBe(1);
      expect(text).toMatch(/^temporal_workflow_completed_total\{/m);
      expect(text).toMatch(/^temporal_activity_execution_failed_total\{/m);
      expect(text).toMatch(/^temporal_request_total\{/m);
    } finally {
      await server.close();
      await client.connection.close();
      await connection.close();
    }
  });

  test('startWorkers({ metrics }) counts a real swarm run: runs, steps, tokens, latency per endpoint (needs the worker and workflow wiring)', async () => {
    // Its own dev server: on the shared one other files' workers would take some of this run's tasks (and this worker theirs).
    const temporal = await startDevServer({ ui: false });
    const sim = await startSimServer({ seed: 2 });
    const settings = testSettings({ simUrl: sim.url, temporalAddress: temporal.address, namespace: temporal.namespace });
    const services = await buildWorkerServices(settings);
    const m = createMetrics({ defaultMetrics: false });
    m.watchPool(services.pool);
    const options: WorkerSetOptionsWithMetrics = { settings, bundlePath: testBundle(), metrics: m, inference: { pools: services.poolSlots, chat: services.chat }, tools: services.tools, skills: services.skills, resolver: services.resolver };
    const workers = await startWorkers(options);
    const client = await connectClient(settings);
    try {
      const ir = compileOrThrow(`swarm: met-swarm\nversion: 1\nmodels:\n  m: { pool: default, model: kimi-k2.6, maxTokens: 32 }\nsteps:\n  - id: a\n    llm: m\n    prompt: one\n  - id: b\n    llm: m\n    prompt: two\n`);
      const out = await waitForRun((await startRun(client, { ir, input: {} })).handle);
      expect(out.status).toBe('succeeded');
      const text = (await m.render()).body;
      expect(sample(text, 'swarmflow_runs_started_total', { swarm: 'met-swarm' })).toBe(1);
      expect(sample(text, 'swarmflow_runs_finished_total', { swarm: 'met-swarm', status: 'succeeded' })).toBe(1);
      expect(sample(text, 'swarmflow_steps_total', { kind: 'llm', outcome: 'ok' })).toBe(2);
      expect((sample(text, 'swarmflow_tokens_total', { pool: 'default', model: 'kimi-k2.6', type: 'prompt' }) ?? 0) + (sample(text, 'swarmflow_tokens_total', { pool: 'default', model: 'kimi-k2.6', type: 'completion' }) ?? 0)).toBe(out.result?.usage.tokens);
      expect(sample(text, 'swarmflow_inference_latency_seconds_count', { pool: 'default', endpoint: 'sim', outcome: 'ok' })).toBe(2);
      expect(sample(text, 'swarmflow_pool_slots', { pool: 'default' })).toBeGreaterThan(0);
    } finally {
      await workers.shutdown();
      await services.close();
      await client.connection.close();
      await sim.close();
      await temporal.stop();
    }
  });
});

describe('metrics from the environment', () => {
  test('SWARMFLOW_METRICS_PORT starts the server; unset starts none; a bad value is refused', async () => {
    const m = metricsFromEnv({});
    expect(await startMetricsServerFromEnv(m, {})).toBeNull();
    await expect(startMetricsServerFromEnv(m, { SWARMFLOW_METRICS_PORT: 'ninety' })).rejects.toThrow(/SWARMFLOW_METRICS_PORT.*9464/);
    const s = await startMetricsServerFromEnv(m, { SWARMFLOW_METRICS_PORT: '0' });
    try {
      expect(s?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await fetch(`${s?.url}/metrics`)).status).toBe(200);
    } finally {
      await s?.close();
    }
    const withSdk = metricsFromEnv({ SWARMFLOW_SDK_METRICS_ADDRESS: `127.0.0.1:${await freePort()}` });
    expect(sample((await withSdk.render()).body, 'swarmflow_sdk_metrics_up')).toBe(0);
  });
});
