/**
 * The OpenAPI document matches the server: every route of the live express
 * router is documented and every documented operation is routed; every
 * reference resolves; every schema compiles; and real answers of the server
 * (successes and errors) satisfy the documented schemas.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import request from 'supertest';
import { FsSkillStore } from '../../activities/skills/fs-store';
import { parseInferenceConfig } from '../../activities/inference/config';
import { createPool, type InferencePool } from '../../activities/inference/pool';
import { openApiDocument, openApiPath } from '../../server/openapi';
import { ROUTES } from '../../server/routes';
import { schemas } from '../../server/schemas';
import { apiAjv, validatorFor } from '../../server/validation';
import { expectDocumented } from './conformance';
import { bearer, HELLO, HELLO_BAD, helloV, KEYS, testApp } from './helpers';

type Obj = Record<string, unknown>;
const doc = openApiDocument() as Obj & { paths: Record<string, Record<string, Obj>> };

/** method + path of every route the express router serves. */
function routerRoutes(app: ReturnType<typeof testApp>['app']): string[] {
  const router = (app as unknown as { router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] } }).router;
  const out: string[] = [];
  for (const layer of router.stack) {
    if (!layer.route) continue;
    for (const [m, on] of Object.entries(layer.route.methods)) if (on && m !== '_all') out.push(`${m.toUpperCase()} ${openApiPath(layer.route.path)}`);
  }
  return out.sort();
}

function documentedRoutes(): string[] {
  const out: string[] = [];
  for (const [p, item] of Object.entries(doc.paths)) for (const m of Object.keys(item)) out.push(`${m.toUpperCase()} ${p}`);
  return out.sort();
}

describe('the document and the router agree', () => {
  test('every routed operation is documented and every documented one is routed', () => {
    const { app } = testApp();
    const routed = routerRoutes(app);
    expect(routed.length).toBe(ROUTES.length);
    expect(documentedRoutes()).toEqual(routed);
  });

  test('it covers every route interfaces.md names', () => {
    const spec = ['POST /v1/validate', 'POST /v1/compile', 'GET /v1/swarms/{name}', 'PUT /v1/swarms/{name}', 'POST /v1/runs', 'GET /v1/runs', 'GET /v1/runs/{id}', 'GET /v1/runs/{id}/events', 'POST /v1/runs/{id}/signals/{name}', 'POST /v1/runs/{id}/cancel', 'GET /v1/runs/{id}/history', 'GET /v1/skills', 'GET /v1/pool', 'GET /v1/health', 'GET /v1/openapi.json'];
    expect(documentedRoutes()).toEqual(expect.arrayContaining(spec));
  });

  test('OpenAPI 3.1 basics: unique operation ids, path parameters declared, only health open', () => {
    expect(doc.openapi).toBe('3.1.0');
    const ids = new Set<string>();
    for (const [p, item] of Object.entries(doc.paths)) {
      for (const [m, op] of Object.entries(item)) {
        const id = op.operationId as string;
        expect(ids.has(id)).toBe(false);
        ids.add(id);
        const declared = (op.parameters as { name: string; in: string }[]).filter((x) => x.in === 'path').map((x) => x.name).sort();
        const inPath = [...p.matchAll(/\{(\w+)\}/g)].map((x) => x[1]).sort();
        expect(declared).toEqual(inPath);
        expect(op.security !== undefined).toBe(`${m} ${p}` === 'get /v1/health');
        expect(Object.keys(op.responses as Obj).length).toBeGreaterThan(1);
      }
    }
  });

  test('every $ref resolves and every schema compiles under Ajv (2020-12, strict)', () => {
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
    expect(refs.length).toBeGreaterThan(20);
    for (const r of refs) {
      const name = /#\/components\/schemas\/(\w+)/.exec(r)?.[1];
      expect(name && name in schemas).toBeTruthy();
    }
    for (const name of Object.keys(schemas)) expect(typeof validatorFor(name)).toBe('function');
    expect(apiAjv().getSchema('swarmflow-api')).toBeDefined();
  });

  test('GET /v1/openapi.json serves this document', async () => {
    const { app } = testApp();
    const res = await request(app).get('/v1/openapi.json').set(...bearer(KEYS.read));
    expect(res.status).toBe(200);
    expect(res.body).toEqual(JSON.parse(JSON.stringify(doc)));
  });
});

describe('the conformance check itself', () => {
  const fake = (status: number, body: unknown): Parameters<typeof expectDocumented>[2] => ({ status, body, headers: { 'content-type': 'application/json; charset=utf-8' } }) as unknown as Parameters<typeof expectDocumented>[2];

  test('fails on an undocumented status, a wrong shape, or an unknown operation', () => {
    expect(() => expectDocumented('GET', '/v1/health', fake(418, { status: 'ok' }))).toThrow(/does not document/);
    expect(() => expectDocumented('GET', '/v1/health', fake(200, { status: 'fine' }))).toThrow(/does not match the documented schema/);
    expect(() => expectDocumented('GET', '/v1/swarms', fake(200, { swarms: [{ name: 'x' }] }))).toThrow(/does not match/);
    expect(() => expectDocumented('GET', '/v1/runs', fake(404, { error: { code: 'nope', message: 'x', details: [] } }))).toThrow();
    expect(() => expectDocumented('DELETE', '/v1/runs', fake(200, {}))).toThrow(/not an object/);
    expect(() => expectDocumented('GET', '/v1/health', fake(200, { status: 'ok' }))).not.toThrow();
  });
});

describe('answers match their documented schemas', () => {
  const read = bearer(KEYS.read);
  const admin = bearer(KEYS.admin);
  const runKey = bearer(KEYS.readRun);
  let pool: InferencePool;
  let skillsDir: string;
  let t: ReturnType<typeof testApp>;

  beforeAll(async () => {
    skillsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'swarmflow-skills-'));
    const skills = new FsSkillStore(skillsDir);
    await skills.put({ name: 'greeting', description: 'How to greet someone in one line.', outputSchema: { type: 'string' }, provenance: null, extra: {}, body: '# Greeting\n\nSay hello.\n' });
    // A loopback endpoint nobody listens on, with credentials in its URL that must not come back.
    const config = parseInferenceConfig('pools:\n  default:\n    endpoints:\n      - name: local\n        url: http://user:pw@127.0.0.1:9/v1?api_key=sekrit\n        models: [kimi-k2.6]\n        maxConcurrency: 4\n', 'inference.yaml');
    pool = createPool(config);
    t = testApp({ extra: { services: { pool }, skills } });
  });
  afterAll(async () => {
    await pool.close();
    fs.rmSync(skillsDir, { recursive: true, force: true });
  });

  test('definitions: validate, compile, put, get, list, versions', async () => {
    const { app } = t;
    expectDocumented('POST', '/v1/validate', await request(app).post('/v1/validate').set(...read).send({ yaml: HELLO }));
    expectDocumented('POST', '/v1/validate', await request(app).post('/v1/validate').set(...read).send({ yaml: HELLO_BAD }));
    expectDocumented('POST', '/v1/compile', await request(app).post('/v1/compile').set(...read).send({ yaml: HELLO }));
    expectDocumented('POST', '/v1/compile', await request(app).post('/v1/compile').set(...read).send({ yaml: HELLO_BAD }));
    expectDocumented('PUT', '/v1/swarms/{name}', await request(app).put('/v1/swarms/hello').set(...admin).send({ yaml: HELLO, layout: { '/steps/0': { x: 1, y: 2 } } }));
    expectDocumented('PUT', '/v1/swarms/{name}', await request(app).put('/v1/swarms/hello').set(...admin).send({ yaml: HELLO }));
    await t.store.markUsed('hello', 1, 'hello/abc');
    expectDocumented('PUT', '/v1/swarms/{name}', await request(app).put('/v1/swarms/hello').set(...admin).send({ yaml: helloV(1, 'Hi') }));
    expectDocumented('GET', '/v1/swarms/{name}', await request(app).get('/v1/swarms/hello').set(...read));
    expectDocumented('GET', '/v1/swarms/{name}', await request(app).get('/v1/swarms/nope').set(...read));
    expectDocumented('GET', '/v1/swarms/{name}/versions/{version}', await request(app).get('/v1/swarms/hello/versions/1').set(...read));
    expectDocumented('GET', '/v1/swarms/{name}/versions', await request(app).get('/v1/swarms/hello/versions').set(...read));
    expectDocumented('GET', '/v1/swarms', await request(app).get('/v1/swarms').set(...read));
  });

  test('service: health, skills, pool (with credentials stripped from endpoint URLs)', async () => {
    const { app } = t;
    expectDocumented('GET', '/v1/health', await request(app).get('/v1/health'));
    expectDocumented('GET', '/v1/skills', await request(app).get('/v1/skills').set(...read));
    const skill = await request(app).get('/v1/skills/greeting').set(...read);
    expect(skill.body).toMatchObject({ name: 'greeting', version: '1.0.0', body: expect.stringContaining('Say hello.') });
    expectDocumented('GET', '/v1/skills/{name}', skill);
    expectDocumented('GET', '/v1/skills/{name}', await request(app).get('/v1/skills/greeting?range=%5E2').set(...read));
    const poolRes = await request(app).get('/v1/pool').set(...read);
    expectDocumented('GET', '/v1/pool', poolRes);
    expect(JSON.stringify(poolRes.body)).not.toMatch(/sekrit|user:pw/);
    expect(poolRes.body.pools[0].endpoints[0].url).toBe('http://127.0.0.1:9/v1');
  });

  test('errors: every documented error status answers with the Error schema', async () => {
    const { app } = t;
    expectDocumented('POST', '/v1/runs', await request(app).post('/v1/runs').set(...runKey).send({ yaml: HELLO, swarm: 'x' }));
    expectDocumented('POST', '/v1/runs', await request(app).post('/v1/runs').send({}));
    expectDocumented('POST', '/v1/runs', await request(app).post('/v1/runs').set(...read).send({}));
    expectDocumented('POST', '/v1/runs', await request(app).post('/v1/runs').set(...runKey).send({ swarm: 'nope' }));
    expectDocumented('POST', '/v1/runs', await request(app).post('/v1/runs').set(...runKey).set('Content-Type', 'text/plain').send('x'));
    expectDocumented('POST', '/v1/runs', await request(app).post('/v1/runs').set(...runKey).send({ yaml: HELLO, input: { name: 'Ada' } }));
    expectDocumented('GET', '/v1/runs/{id}', await request(app).get('/v1/runs/hello%2Fabc').set(...read));
    expectDocumented('GET', '/v1/pool', await request(testApp().app).get('/v1/pool').set(...read));
  });
});
