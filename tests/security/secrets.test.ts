/**
 * Security rule 9 end to end: an inference endpoint that needs an API key
 * (`apiKeyEnv`), served by the simulated server, runs swarms through the
 * API; the key is then looked for everywhere it could leak: every stored
 * history (read raw, no codec, so redaction and not encryption is what is
 * tested), every log line of the SDK (at DEBUG, with Core's logs forwarded),
 * the API's log, stdout/stderr and console, every API answer about the run
 * and the pool, and the data directory (blobs, transcripts, workspaces).
 *
 * Both the right key (runs succeed) and a wrong one that the endpoint echoes
 * back in its 401 answer (the run fails with an auth error) must stay out.
 */
import { DefaultLogger, Runtime, type LogEntry } from '@temporalio/worker';
import { Client, Connection } from '@temporalio/client';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import type { Application } from 'express';
import { startSimServer, type SimServer } from '../../sim/server';
import { buildWorkerServices, type WorkerServices } from '../../runtime/services';
import { startWorkers, type WorkerSet } from '../../runtime/worker';
import { connectClient } from '../../runtime/runs';
import type { Settings } from '../../runtime/config';
import { createApp } from '../../server/app';
import { parseKeyEntries } from '../../server/auth';
import { dslCompiler } from '../../server/start';
import { memoryStore } from '../../server/store/memory';
import { historyText } from '../helpers/history-text';
import { describeTemporal, testBundle, testSettings } from '../helpers/temporal';
import { waitUntil } from '../helpers/wait';
import { ownTemporal, rawRunHistories } from './encrypted-env';
import type { DevServer } from '../../runtime/dev-server';

const KEY_VAR = `SWARMFLOW_TEST_SECRET_${randomBytes(3).toString('hex').toUpperCase()}`;
const RIGHT = `sk-right-${randomBytes(16).toString('hex')}`;
const WRONG = `sk-wrong-${randomBytes(16).toString('hex')}`;
const API_KEY = 'secrets-test-api-key-0123456789';

const SWARM = `swarm: sec-secret
version: 1
models:
  m: { pool: default, model: kimi-k2.6, maxTokens: 64 }
agents:
  helper: { model: m, instructions: be brief }
steps:
  - id: ask
    llm: m
    prompt: "say something about \${{ inputs.topic }}"
  - id: delegate
    agent: helper
    prompt: "and now you"
output:
  ask: \${{ steps.ask.output }}
  agent: \${{ steps.delegate.output }}
`;

/** Everything written to the process's output streams and console while installed. */
function captureOutput(): { text(): string; restore(): void } {
  const parts: string[] = [];
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  const tee =
    (orig: typeof out) =>
    (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
      parts.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return (orig as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
    };
  process.stdout.write = tee(out) as typeof process.stdout.write;
  process.stderr.write = tee(err) as typeof process.stderr.write;
  const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((m) => jest.spyOn(console, m).mockImplementation((...args: unknown[]) => void parts.push(args.map(String).join(' '))));
  return {
    text: () => parts.join('\n'),
    restore() {
      process.stdout.write = out;
      process.stderr.write = err;
      for (const s of spies) s.mockRestore();
    },
  };
}

function filesText(dir: string): string {
  const parts: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) parts.push(p, fs.readFileSync(p).toString('utf8'));
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return parts.join('\n');
}

describeTemporal('secrets stay out of history, logs and API answers', () => {
  const sdkLogs: LogEntry[] = [];
  const apiLogs: string[] = [];
  let output: ReturnType<typeof captureOutput>;
  let temporal: DevServer;
  let sim: SimServer;
  let settings: Settings;
  let services: WorkerServices;
  let workers: WorkerSet;
  let client: Client;
  let raw: Client;
  let app: Application;
  const runIds: string[] = [];
  const auth = ['Authorization', `Bearer ${API_KEY}`] as const;

  beforeAll(async () => {
    // Ours is installed first, so startWorkers keeps it: every SDK log line, Core's included, at DEBUG.
    Runtime.install({ logger: new DefaultLogger('DEBUG', (e) => void sdkLogs.push(e)), telemetryOptions: { logging: { forward: {}, filter: { core: 'DEBUG', other: 'INFO' } } }, shutdownSignals: [] });
    output = captureOutput();
    process.env[KEY_VAR] = RIGHT;
    sim = await startSimServer({ seed: 3, apiKey: RIGHT });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swarmflow-secrets-'));
    const config = path.join(dir, 'inference.yaml');
    fs.writeFileSync(config, `pools:\n  default:\n    endpoints:\n      - name: keyed\n        kind: sim\n        url: ${sim.url}\n        apiKeyEnv: ${KEY_VAR}\n`);
    // Our own server: on the shared one, other files' workers (no key, other endpoints) would take our tasks and we theirs.
    temporal = await ownTemporal();
    settings = testSettings({ inferenceConfig: config, simUrl: null, temporalAddress: temporal.address, namespace: temporal.namespace });
    services = await buildWorkerServices(settings);
    workers = await startWorkers({ settings, bundlePath: testBundle(), inference: { pools: services.poolSlots, chat: services.chat }, tools: services.tools, skills: services.skills, resolver: services.resolver });
    client = await connectClient(settings);
    raw = new Client({ connection: await Connection.connect({ address: settings.temporalAddress }), namespace: settings.namespace });
    app = createApp({ temporal: () => client, store: memoryStore(), auth: { keys: parseKeyEntries(`ops:admin:${API_KEY}`) }, compiler: dslCompiler, services: { pool: services.pool }, log: (l) => void apiLogs.push(l), limits: { pollMs: 100 } });
  }, 120_000);

  afterAll(async () => {
    output?.restore();
    delete process.env[KEY_VAR];
    await workers?.shutdown();
    await services?.close();
    await client?.connection.close();
    await raw?.connection.close();
    await sim?.close();
    await temporal?.stop();
  });

  async function runThroughApi(topic: string): Promise<{ id: string; answers: string[] }> {
    const answers: string[] = [];
    const started = await request(app).post('/v1/runs').set(...auth).send({ yaml: SWARM, input: { topic }, file: 'secret.swarm.yaml' });
    if (started.status !== 201) throw new Error(`POST /v1/runs answered ${started.status}: ${started.text.slice(0, 300)}`);
    answers.push(started.text);
    const id = String(started.body.id);
    runIds.push(id);
    const enc = encodeURIComponent(id);
    await waitUntil(`run ${id} ends`, async () => {
      const r = await request(app).get(`/v1/runs/${enc}`).set(...auth);
      answers.push(r.text);
      return r.status === 200 && r.body.status !== 'running';
    });
    for (const p of [`/v1/runs/${enc}`, `/v1/runs/${enc}/events`, `/v1/runs/${enc}/history`, '/v1/runs', '/v1/pool']) {
      const r = await request(app).get(p).set(...auth);
      expect(r.status).toBe(200);
      answers.push(r.text);
    }
    return { id, answers };
  }

  function expectNowhere(secret: string, texts: Record<string, string>): void {
    for (const [where, text] of Object.entries(texts)) {
      if (text.includes(secret)) throw new Error(`the API key appears in ${where}: ...${text.slice(Math.max(0, text.indexOf(secret) - 80), text.indexOf(secret) + 40)}...`);
    }
  }

  test('with the right key: runs succeed and the key is in no history, log, API answer or data file', async () => {
    const { id, answers } = await runThroughApi('durability');
    const run = await request(app).get(`/v1/runs/${encodeURIComponent(id)}`).set(...auth);
    expect(run.body.status).toBe('succeeded');
    // The key really was needed and used: the endpoint refuses calls without it.
    expect(sim.stats().completed).toBeGreaterThanOrEqual(2);
    const histories = (await rawRunHistories(raw, id)).map(historyText).join('\n');
    expect(histories).toContain('say something about'); // the check reads real history text
    expectNowhere(RIGHT, {
      history: histories,
      'SDK logs': sdkLogs.map((e) => `${e.message} ${JSON.stringify(e.meta ?? {})}`).join('\n'),
      'API logs': apiLogs.join('\n'),
      'process output': output.text(),
      'API answers': answers.join('\n'),
      'the data directory': filesText(settings.home),
    });
    expect(sdkLogs.length).toBeGreaterThan(0); // the logger really captured (DEBUG)
  });

  test('with a wrong key that the endpoint echoes back: the run fails on auth and neither key leaks', async () => {
    process.env[KEY_VAR] = WRONG;
    try {
      const { id, answers } = await runThroughApi('failure');
      const run = await request(app).get(`/v1/runs/${encodeURIComponent(id)}`).set(...auth);
      expect(run.body.status).toBe('failed');
      expect(JSON.stringify(run.body)).toMatch(/401|\$SWARMFLOW_TEST_SECRET_/);
      const histories = (await rawRunHistories(raw, id)).map(historyText).join('\n');
      const texts = {
        history: histories,
        'SDK logs': sdkLogs.map((e) => `${e.message} ${JSON.stringify(e.meta ?? {})}`).join('\n'),
        'API logs': apiLogs.join('\n'),
        'process output': output.text(),
        'API answers': answers.join('\n'),
        'the data directory': filesText(settings.home),
      };
      expectNowhere(WRONG, texts);
      expectNowhere(RIGHT, texts);
      // The error says what to fix without the value.
      expect(histories).toMatch(new RegExp(`\\$${KEY_VAR}`));
    } finally {
      process.env[KEY_VAR] = RIGHT;
    }
  });
});
