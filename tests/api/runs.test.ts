/**
 * The run routes on the real dev server, with real workers and the
 * simulated model: start (inline and stored), follow the event stream (and
 * resume it), signal a waitFor step, cancel, export and replay a history,
 * list, child swarms resolved from the store, and the API client the CLI
 * uses. Answers are checked against the OpenAPI document as they come.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { apiClient, ApiClientError, type ApiClient, type RunEvent } from '../../cli/api-client';
import { readExport, replayHistories } from '../../runtime/history';
import { createApp } from '../../server/app';
import { storedSwarmLookup } from '../../server/lookup';
import { dslCompiler } from '../../server/start';
import { memoryStore } from '../../server/store/memory';
import type { ApiStore } from '../../server/store/types';
import { startSwarmEnv, type SwarmEnv } from '../helpers/swarm-env';
import { describeTemporal, testBundle } from '../helpers/temporal';
import { expectDocumented } from './conformance';
import { APPROVAL, bearer, HELLO, helloV, KEYS, testAuth } from './helpers';

const runKey = bearer(KEYS.readRun);
const admin = bearer(KEYS.admin);
const enc = encodeURIComponent;

async function collect(it: AsyncIterable<RunEvent>, stop?: (e: RunEvent) => boolean): Promise<RunEvent[]> {
  const out: RunEvent[] = [];
  for await (const e of it) {
    out.push(e);
    if (stop?.(e)) break;
  }
  return out;
}

describeTemporal('run routes on the dev server', () => {
  let env: SwarmEnv;
  let store: ApiStore;
  let app: ReturnType<typeof createApp>;
  let server: Server;
  let client: ApiClient;

  beforeAll(async () => {
    env = await startSwarmEnv();
    store = memoryStore();
    env.services.setSwarmLookup(storedSwarmLookup(store, dslCompiler));
    app = createApp({ temporal: () => env.client, store, auth: testAuth(), compiler: dslCompiler, services: { pool: env.services.pool }, ui: { url: 'http://127.0.0.1:8233', namespace: 'default' }, limits: { pollMs: 100 } });
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    client = apiClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, KEYS.readRun);
  });

  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    await env?.close();
  });

  test('inline YAML: 201, events to the end, then the run with its output', async () => {
    const res = await request(app).post('/v1/runs').set(...runKey).send({ yaml: HELLO, input: { name: 'Ada' }, file: 'hello.swarm.yaml' });
    expect(res.status).toBe(201);
    expectDocumented('POST', '/v1/runs', res);
    const id: string = res.body.id;
    expect(id).toMatch(/^hello\/[0-9a-f]{12}$/);
    expect(res.headers.location).toBe(`/v1/runs/${enc(id)}`);
    expect(res.body).toMatchObject({ swarm: 'hello', version: 1, status: 'running', startedBy: 'ci', links: { events: `/v1/runs/${enc(id)}/events`, ui: `http://127.0.0.1:8233/namespaces/default/workflows/${enc(id)}` } });

    const events = await collect(client.events(id));
    const types = events.map((e) => e.event);
    expect(types).toContain('run.started');
    expect(types).toContain('step.finished');
    expect(types.at(-1)).toBe('end');
    expect(events.at(-1)?.data).toEqual({ status: 'succeeded' });
    const seqs = events.flatMap((e) => (e.id === null ? [] : [e.id]));
    expect(seqs).toEqual([...new Set(seqs)].sort((a, b) => a - b));

    const got = await request(app).get(`/v1/runs/${enc(id)}`).set(...runKey);
    expectDocumented('GET', '/v1/runs/{id}', got);
    expect(got.body).toMatchObject({ id, swarm: 'hello', version: 1, status: 'succeeded', temporalStatus: 'COMPLETED', startedBy: 'ci', error: null });
    expect(got.body.output).toMatch(/^\[simulated\] /);
    expect(got.body.usage.steps).toBe(1);
    // The two-segment form names the same run.
    expect((await request(app).get(`/v1/runs/${id}`).set(...runKey)).body.id).toBe(id);
    expect((await store.getRun(id))?.status).toBe('succeeded');

    // Resuming after the second event sends only what came after it.
    const second = seqs[1] as number;
    const resumed = await collect(client.events(id, { after: second }));
    expect(resumed.flatMap((e) => (e.id === null ? [] : [e.id]))).toEqual(seqs.filter((s) => s > second));
    const raw = await request(app).get(`/v1/runs/${enc(id)}/events`).set(...runKey).set('Last-Event-ID', String(second)).buffer(true).parse((r, cb) => {
      let s = '';
      r.on('data', (c: Buffer) => (s += c.toString()));
      r.on('end', () => cb(null, s));
    });
    expect(raw.headers['content-type']).toMatch(/^text\/event-stream/);
    expectDocumented('GET', '/v1/runs/{id}/events', raw);
    const rawIds = [...String(raw.body).matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    expect(rawIds).toEqual(seqs.filter((s) => s > second));
  });

  test('a stored definition: runs by name, freezes its version, lists with who started it', async () => {
    expect((await request(app).put('/v1/swarms/hello').set(...admin).send({ yaml: HELLO })).status).toBe(201);
    const res = await request(app).post('/v1/runs').set(...runKey).send({ swarm: 'hello', input: { name: 'Bo' }, id: 'stored-1' });
    expect(res.status).toBe(201);
    expect(res.body.id).toBe('hello/stored-1');
    expect((await store.getDefinition('hello', 1))?.usedBy).toBe('hello/stored-1');
    const changed = await request(app).put('/v1/swarms/hello').set(...admin).send({ yaml: helloV(1, 'Wave at') });
    expect(changed.status).toBe(409);
    await collect(client.events('hello/stored-1'));
    const dup = await request(app).post('/v1/runs').set(...runKey).send({ swarm: 'hello', input: { name: 'Bo' }, id: 'stored-1' });
    expect(dup.status).toBe(409);
    expectDocumented('POST', '/v1/runs', dup);

    const list = await request(app).get('/v1/runs?swarm=hello&limit=50').set(...runKey);
    expectDocumented('GET', '/v1/runs', list);
    const row = (list.body.runs as { id: string }[]).find((r) => r.id === 'hello/stored-1');
    expect(row).toMatchObject({ swarm: 'hello', status: 'succeeded', startedBy: 'ci' });
    const viaClient = await client.list({ swarm: 'hello', limit: 50 });
    expect(viaClient.map((r) => r.id)).toContain('hello/stored-1');
  });

  test('a waitFor step: the signal through the API completes the run with its payload', async () => {
    const { id } = await client.run({ yaml: APPROVAL });
    const waiting = await collect(client.events(id), (e) => e.event === 'step.started' && e.data.step === 'approve');
    expect(waiting.at(-1)?.event).toBe('step.started');
    const sent = await request(app).post(`/v1/runs/${enc(id)}/signals/approve`).set(...runKey).send({ payload: { approved: true, by: 'ops' } });
    expect(sent.status).toBe(202);
    expectDocumented('POST', '/v1/runs/{id}/signals/{name}', sent);
    const end = await collect(client.events(id));
    expect(end.at(-1)?.data).toEqual({ status: 'succeeded' });
    const run = await client.status(id);
    expect(run.output).toEqual({ approved: { approved: true, by: 'ops' } });
    const late = await request(app).post(`/v1/runs/${enc(id)}/signals/approve`).set(...runKey).send({});
    expect(late.status).toBe(409);
    expect(late.body.error.message).toMatch(/has ended/);
  });

  test('cancel: 202, the run ends cancelled; cancelling again is 409', async () => {
    const { id } = await client.run({ yaml: APPROVAL });
    await collect(client.events(id), (e) => e.event === 'step.started' && e.data.step === 'approve');
    const res = await request(app).post(`/v1/runs/${enc(id)}/cancel`).set(...runKey);
    expect(res.status).toBe(202);
    expectDocumented('POST', '/v1/runs/{id}/cancel', res);
    const end = await collect(client.events(id));
    expect(end.at(-1)?.data).toEqual({ status: 'cancelled' });
    expect((await client.status(id)).status).toBe('cancelled');
    await expect(client.cancel(id)).rejects.toThrow(/has ended \(cancelled\): there is nothing to cancel/);
  });

  test('history: the full export, replayable against the current workflow code', async () => {
    const { id } = await client.run({ yaml: HELLO, input: { name: 'Cy' } });
    await collect(client.events(id));
    const res = await request(app).get(`/v1/runs/${enc(id)}/history`).set(...runKey);
    expect(res.status).toBe(200);
    expectDocumented('GET', '/v1/runs/{id}/history', res);
    expect(res.headers['content-disposition']).toMatch(/attachment; filename="hello_[0-9a-f]{12}\.history\.json"/);
    expect(res.body.runId).toBe(id);
    expect(res.body.executions.length).toBeGreaterThanOrEqual(1);
    const reports = await replayHistories(readExport(res.body, 'api'), testBundle());
    expect(reports.every((r) => r.ok)).toBe(true);
  });

  test('a swarm step resolves a stored definition through the store', async () => {
    const parent = `swarm: greeter\nversion: 1\nsteps:\n  - id: call\n    swarm: hello@1\n    with: { name: Dee }\noutput: \${{ steps.call.output }}\n`;
    const { id } = await client.run({ yaml: parent });
    const end = await collect(client.events(id));
    expect(end.at(-1)?.data).toEqual({ status: 'succeeded' });
    expect(String((await client.status(id)).output)).toMatch(/^\[simulated\] /);
    const missing = await client.run({ yaml: parent.replace('hello@1', 'hello@7').replace('greeter', 'greeter-two') });
    const failed = await collect(client.events(missing.id));
    expect(failed.at(-1)?.data).toEqual({ status: 'failed' });
    expect((await client.status(missing.id)).error).toMatch(/hello@7", which is not stored/);
  });

  test('unknown runs: 404 on every run route, one-line errors from the client', async () => {
    const id = enc('hello/does-not-exist');
    for (const [method, p] of [
      ['get', `/v1/runs/${id}`],
      ['get', `/v1/runs/${id}/events`],
      ['get', `/v1/runs/${id}/history`],
      ['post', `/v1/runs/${id}/cancel`],
      ['post', `/v1/runs/${id}/signals/approve`],
    ] as const) {
      const res = await request(app)[method](p).set(...runKey);
      expect(res.status).toBe(404);
      expect(res.body.error.message).toBe('run hello/does-not-exist does not exist (list runs with GET /v1/runs)');
    }
    const err = await client.status('hello/does-not-exist').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiClientError);
    expect((err as ApiClientError).message).toBe('run hello/does-not-exist does not exist (list runs with GET /v1/runs)');
    expect((err as ApiClientError).status).toBe(404);
  });
});
