/**
 * What the API does with hostile or broken requests: oversized, mistyped,
 * compressed or malformed bodies, prototype keys, floods of requests and
 * internal failures. Every error has the one JSON shape and no stack trace.
 */
import * as zlib from 'node:zlib';
import request from 'supertest';
import { TokenBuckets } from '../../server/rate-limit';
import { memoryStore } from '../../server/store/memory';
import { API_CSP, EDITOR_CSP } from '../../server/headers';
import { bearer, HELLO, KEYS, testApp } from './helpers';

const read = bearer(KEYS.read);
const run = bearer(KEYS.readRun);

function expectErrorShape(body: unknown, code: string): void {
  expect(body).toEqual({ error: expect.objectContaining({ code, message: expect.any(String), details: expect.any(Array) }) });
  expect(JSON.stringify(body)).not.toMatch(/\n\s+at |node_modules|\.ts:\d+/);
}

describe('bodies', () => {
  const { app } = testApp({ limits: { bodyBytes: 4096 } });

  test('over the limit: 413, for JSON and YAML alike', async () => {
    const big = `${HELLO}\n# ${'x'.repeat(5000)}\n`;
    const json = await request(app).post('/v1/validate').set(...read).send({ yaml: big });
    expect(json.status).toBe(413);
    expectErrorShape(json.body, 'payload_too_large');
    expect(json.body.error.message).toMatch(/4096 bytes/);
    const yaml = await request(app).post('/v1/validate').set(...read).set('Content-Type', 'application/yaml').send(big);
    expect(yaml.status).toBe(413);
  });

  test('malformed JSON: 400 malformed_json, no parser internals beyond one line', async () => {
    const res = await request(app).post('/v1/validate').set(...read).set('Content-Type', 'application/json').send('{"yaml": ');
    expect(res.status).toBe(400);
    expectErrorShape(res.body, 'malformed_json');
  });

  test('JSON that is not an object or array is refused (strict parsing)', async () => {
    const res = await request(app).post('/v1/runs').set(...run).set('Content-Type', 'application/json').send('"hello"');
    expect(res.status).toBe(400);
  });

  test('an unsupported type: 415; YAML only where a definition is taken', async () => {
    const text = await request(app).post('/v1/validate').set(...read).set('Content-Type', 'text/plain').send(HELLO);
    expect(text.status).toBe(415);
    expectErrorShape(text.body, 'unsupported_media_type');
    const form = await request(app).post('/v1/runs').set(...run).set('Content-Type', 'application/x-www-form-urlencoded').send('swarm=hello');
    expect(form.status).toBe(415);
    const yamlToRuns = await request(app).post('/v1/runs').set(...run).set('Content-Type', 'application/yaml').send(HELLO);
    expect(yamlToRuns.status).toBe(415);
    expect(yamlToRuns.body.error.message).toMatch(/takes application\/json/);
  });

  test('a compressed body: 415 (it could inflate past any limit)', async () => {
    const res = await request(app).post('/v1/validate').set(...read).set('Content-Type', 'application/json').set('Content-Encoding', 'gzip').send(zlib.gzipSync(JSON.stringify({ yaml: HELLO })));
    expect(res.status).toBe(415);
  });

  test('__proto__ and constructor keys are refused and pollute nothing', async () => {
    for (const raw of ['{"yaml": "swarm: x", "__proto__": {"polluted": true}}', '{"swarm": "hello", "constructor": {"prototype": {"polluted": true}}}']) {
      const res = await request(app).post('/v1/runs').set(...run).set('Content-Type', 'application/json').send(raw);
      expect(res.status).toBe(400);
      expect(res.body.error.details.join('\n')).toMatch(/unknown property "(__proto__|constructor)"/);
    }
    const res = await request(app).post('/v1/validate').set(...read).set('Content-Type', 'application/json').send(`{"yaml": ${JSON.stringify(HELLO)}, "__proto__": {"polluted": true}}`);
    expect(res.status).toBe(400);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });
});

describe('rate limits', () => {
  test('token bucket: burst, then 429 with Retry-After, refilled over time', () => {
    let now = 0;
    const b = new TokenBuckets({ burst: 2, perSecond: 0.5 }, () => now);
    expect(b.take('k')).toBe(0);
    expect(b.take('k')).toBe(0);
    expect(b.take('k')).toBe(2);
    expect(b.take('other')).toBe(0);
    now += 2000;
    expect(b.take('k')).toBe(0);
    expect(b.take('k')).toBe(2);
  });

  test('buckets are bounded: the least recently used go first', () => {
    const b = new TokenBuckets({ burst: 1, perSecond: 0.001, maxBuckets: 2 }, () => 0);
    expect(b.take('a')).toBe(0);
    expect(b.take('b')).toBe(0);
    expect(b.take('c')).toBe(0); // evicts a
    expect(b.take('a')).toBe(0); // a fresh bucket
    expect(b.take('c')).toBeGreaterThan(0);
  });

  test('per key: 429 with Retry-After; another key is unaffected; health is never limited', async () => {
    const { app } = testApp({ limits: { rate: { burst: 3, perSecond: 0.01 } } });
    for (let i = 0; i < 3; i++) expect((await request(app).get('/v1/swarms').set(...read)).status).toBe(200);
    const limited = await request(app).get('/v1/swarms').set(...read);
    expect(limited.status).toBe(429);
    expectErrorShape(limited.body, 'rate_limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await request(app).get('/v1/swarms').set(...bearer(KEYS.admin))).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await request(app).get('/v1/health')).status).toBe(200);
  });

  test('wrong keys from one address: 429 after the failure budget', async () => {
    const { app } = testApp({ limits: { authFailures: { burst: 2, perSecond: 0.01 } } });
    expect((await request(app).get('/v1/swarms').set(...bearer('guess-0000000000000001'))).status).toBe(401);
    expect((await request(app).get('/v1/swarms').set(...bearer('guess-0000000000000002'))).status).toBe(401);
    const res = await request(app).get('/v1/swarms').set(...bearer('guess-0000000000000003'));
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBeDefined();
  });
});

describe('headers and errors', () => {
  test('security headers on answers and errors', async () => {
    const { app } = testApp();
    for (const res of [await request(app).get('/v1/health'), await request(app).get('/v1/swarms')]) {
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['content-security-policy']).toBe(API_CSP);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['x-powered-by']).toBeUndefined();
    }
    expect(EDITOR_CSP).toContain("script-src 'self'");
    expect(EDITOR_CSP).toContain("frame-ancestors 'none'");
  });

  test('an internal failure is a 500 without its message; the log has it', async () => {
    const store = memoryStore();
    store.listDefinitions = () => Promise.reject(new Error('disk on fire at /secret/path SECRET=hunter2'));
    const { app, logs } = testApp({ store });
    const res = await request(app).get('/v1/swarms').set(...read);
    expect(res.status).toBe(500);
    expectErrorShape(res.body, 'internal');
    expect(JSON.stringify(res.body)).not.toContain('hunter2');
    expect(JSON.stringify(res.body)).not.toContain('/secret/path');
    expect(logs.join('\n')).toContain('disk on fire');
  });

  test('Temporal out of reach: 503 temporal_unavailable on the routes that need it', async () => {
    const { app } = testApp();
    const res = await request(app).post('/v1/runs').set(...run).send({ yaml: HELLO, input: { name: 'Ada' } });
    expect(res.status).toBe(503);
    expectErrorShape(res.body, 'temporal_unavailable');
    expect(res.body.error.message).toMatch(/swarmflow dev/);
    for (const p of ['/v1/runs', '/v1/runs/hello%2Fabc', '/v1/runs/hello%2Fabc/history', '/v1/runs/hello%2Fabc/events']) {
      expect((await request(app).get(p).set(...read)).status).toBe(503);
    }
  });

  test('a run input that breaks the inputs schema is refused before Temporal is asked: 400 invalid_input', async () => {
    const { app } = testApp();
    const res = await request(app).post('/v1/runs').set(...run).send({ yaml: HELLO, input: { nom: 'Ada' } });
    expect(res.status).toBe(400);
    expectErrorShape(res.body, 'invalid_input');
    expect(res.body.error.details.join('\n')).toMatch(/name/);
  });

  test('POST /v1/runs bodies: exactly one of yaml and swarm; version needs swarm', async () => {
    const { app } = testApp();
    const both = await request(app).post('/v1/runs').set(...run).send({ yaml: HELLO, swarm: 'hello' });
    expect(both.status).toBe(400);
    expect(both.body.error.details).toContain('body: give exactly one of "yaml" (a definition to run) or "swarm" (a stored definition)');
    const neither = await request(app).post('/v1/runs').set(...run).send({ input: {} });
    expect(neither.status).toBe(400);
    const version = await request(app).post('/v1/runs').set(...run).send({ yaml: HELLO, version: 2 });
    expect(version.status).toBe(400);
    const badId = await request(app).post('/v1/runs').set(...run).send({ swarm: 'hello', id: '../x' });
    expect(badId.status).toBe(400);
    const unknown = await request(app).post('/v1/runs').set(...run).send({ swarm: 'hello' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toMatch(/swarm "hello" is not stored/);
    const empty = await request(app).post('/v1/runs').set(...run);
    expect(empty.status).toBe(400);
  });

  test('signals: names a waitFor step can wait for only', async () => {
    const { app } = testApp();
    for (const name of ['swarmflow.cancel', '1abc', 'a%20b']) {
      const res = await request(app).post(`/v1/runs/hello%2Fabc/signals/${name}`).set(...run).send({ payload: true });
      expect(res.status).toBe(400);
    }
    const extra = await request(app).post('/v1/runs/hello%2Fabc/signals/approve').set(...run).send({ payload: 1, more: 2 });
    expect(extra.status).toBe(400);
  });

  test('events: a bad Last-Event-ID or ?after= is a 400', async () => {
    const { app } = testApp();
    expect((await request(app).get('/v1/runs/hello%2Fabc/events?after=x').set(...read)).status).toBe(400);
    expect((await request(app).get('/v1/runs/hello%2Fabc/events').set('Last-Event-ID', '-1').set(...read)).status).toBe(400);
  });

  test('skills and pool without those services attached', async () => {
    const { app } = testApp();
    expect((await request(app).get('/v1/skills').set(...read)).body).toEqual({ skills: [] });
    expect((await request(app).get('/v1/skills/nope').set(...read)).status).toBe(404);
    expect((await request(app).get('/v1/skills/Bad!').set(...read)).status).toBe(400);
    const pool = await request(app).get('/v1/pool').set(...read);
    expect(pool.status).toBe(503);
    expectErrorShape(pool.body, 'unavailable');
  });
});
