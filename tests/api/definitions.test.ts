/**
 * Validate, compile and stored definitions: both body forms, located
 * errors like the CLI's, versions from the definitions themselves, frozen
 * once used, and the editor's layout beside the YAML.
 */
import request from 'supertest';
import { bearer, HELLO, HELLO_BAD, helloV, KEYS, testApp } from './helpers';

const read = bearer(KEYS.read);
const admin = bearer(KEYS.admin);

describe('POST /v1/validate', () => {
  const { app } = testApp();

  test('a valid definition as YAML text', async () => {
    const res = await request(app).post('/v1/validate').set(...read).set('Content-Type', 'application/yaml').send(HELLO);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ valid: true, diagnostics: [], errors: [] });
  });

  test('an invalid one: 200 with located diagnostics, named after ?file=', async () => {
    const res = await request(app).post('/v1/validate?file=hello.swarm.yaml').set(...read).set('Content-Type', 'application/yaml').send(HELLO_BAD);
    expect(res.status).toBe(200);
    expect(res.body.valid).toBe(false);
    expect(res.body.errors).toEqual(['hello.swarm.yaml:13:10: step "greet" uses model "nope", which is not defined (models: default)']);
    expect(res.body.diagnostics[0]).toMatchObject({ file: 'hello.swarm.yaml', line: 13, col: 10, code: 'SF204', ptr: '/steps/0/llm' });
  });

  test('as JSON {yaml, file}', async () => {
    const res = await request(app).post('/v1/validate').set(...read).send({ yaml: HELLO_BAD, file: 'x/y.swarm.yaml' });
    expect(res.status).toBe(200);
    expect(res.body.errors[0]).toMatch(/^x\/y\.swarm\.yaml:13:10: /);
  });

  test('the default file name', async () => {
    const res = await request(app).post('/v1/validate').set(...read).send({ yaml: HELLO_BAD });
    expect(res.body.errors[0]).toMatch(/^definition\.swarm\.yaml:13:10: /);
  });

  test('YAML the DSL refuses (syntax, duplicate keys, __proto__) is a diagnostic, not a crash', async () => {
    for (const yaml of ['a: [', 'swarm: x\nswarm: y\n', '__proto__: { polluted: true }\n']) {
      const res = await request(app).post('/v1/validate').set(...read).set('Content-Type', 'application/yaml').send(yaml);
      expect(res.status).toBe(200);
      expect(res.body.valid).toBe(false);
      expect(res.body.errors.length).toBeGreaterThan(0);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test.each([
    [{}, 'body: missing required property "yaml"'],
    [{ yaml: 3 }, 'body/yaml: must be string'],
    [{ yaml: HELLO, extra: 1 }, 'body: unknown property "extra"'],
    [{ yaml: HELLO, file: 'a\nb' }, 'body/file: does not have the expected form'],
    [[HELLO], 'body: must be object'],
  ])('body %j: 400 with %s', async (body, detail) => {
    const res = await request(app).post('/v1/validate').set(...read).send(body as object);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_body');
    expect(res.body.error.details.some((d: string) => d.startsWith(detail))).toBe(true);
  });

  test('no body: 400 saying how to send one', async () => {
    const res = await request(app).post('/v1/validate').set(...read);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/application\/yaml/);
  });

  test('a bad ?file= name is refused', async () => {
    const res = await request(app).post('/v1/validate?file=').set(...read).set('Content-Type', 'application/yaml').send(HELLO);
    expect(res.status).toBe(400);
  });
});

describe('POST /v1/compile', () => {
  const { app } = testApp();

  test('returns the IR', async () => {
    const res = await request(app).post('/v1/compile').set(...read).set('Content-Type', 'text/yaml').send(HELLO);
    expect(res.status).toBe(200);
    expect(res.body.ir).toMatchObject({ irVersion: 1, name: 'hello', version: 1, steps: [{ id: 'greet', kind: 'llm', ptr: '/steps/0' }] });
    expect(res.body.ir.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  test('an invalid definition: 400 invalid_definition, details as the CLI prints them', async () => {
    const res = await request(app).post('/v1/compile').set(...read).send({ yaml: HELLO_BAD, file: 'hello.swarm.yaml' });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({
      code: 'invalid_definition',
      message: 'hello.swarm.yaml is not a valid swarm definition: 1 problem (see details)',
      details: ['hello.swarm.yaml:13:10: step "greet" uses model "nope", which is not defined (models: default)'],
    });
    expect(res.body.error.diagnostics[0].ptr).toBe('/steps/0/llm');
  });
});

describe('stored definitions', () => {
  test('PUT creates (201), the same YAML again is unchanged (200), GET returns it', async () => {
    const { app } = testApp();
    const created = await request(app).put('/v1/swarms/hello').set(...admin).set('Content-Type', 'application/yaml').send(HELLO);
    expect(created.status).toBe(201);
    expect(created.headers.location).toBe('/v1/swarms/hello/versions/1');
    expect(created.body.outcome).toBe('created');
    expect(created.body.definition).toMatchObject({ name: 'hello', version: 1, yaml: HELLO, layout: null, usedAt: null });
    const again = await request(app).put('/v1/swarms/hello').set(...admin).send({ yaml: HELLO });
    expect(again.status).toBe(200);
    expect(again.body.outcome).toBe('unchanged');
    const got = await request(app).get('/v1/swarms/hello').set(...read);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(again.body.definition);
  });

  test('versions come from the definition; GET returns the latest; each version stays readable', async () => {
    const { app } = testApp();
    await request(app).put('/v1/swarms/hello').set(...admin).send({ yaml: helloV(1) });
    const v2 = await request(app).put('/v1/swarms/hello').set(...admin).send({ yaml: helloV(2, 'Say hello to') });
    expect(v2.status).toBe(201);
    expect((await request(app).get('/v1/swarms/hello').set(...read)).body.version).toBe(2);
    expect((await request(app).get('/v1/swarms/hello/versions/1').set(...read)).body.yaml).toBe(helloV(1));
    const versions = await request(app).get('/v1/swarms/hello/versions').set(...read);
    expect(versions.body.name).toBe('hello');
    expect(versions.body.versions.map((v: { version: number }) => v.version)).toEqual([1, 2]);
    const list = await request(app).get('/v1/swarms').set(...read);
    expect(list.body.swarms).toEqual([expect.objectContaining({ name: 'hello', latest: 2, versions: [1, 2] })]);
  });

  test('new YAML for an unused version replaces it; for a used one it is 409', async () => {
    const { app, store } = testApp();
    await request(app).put('/v1/swarms/hello').set(...admin).send({ yaml: helloV(1) });
    const replaced = await request(app).put('/v1/swarms/hello').set(...admin).send({ yaml: helloV(1, 'Greet') });
    expect(replaced.status).toBe(200);
    expect(replaced.body.outcome).toBe('replaced');
    await store.markUsed('hello', 1, 'hello/run1');
    const refused = await request(app).put('/v1/swarms/hello').set(...admin).send({ yaml: helloV(1, 'Wave at') });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/version 1 of swarm "hello" is immutable: run hello\/run1 used it; bump `version:`/);
    // The same YAML as stored is still fine (a no-op), and a bumped version is a new one.
    expect((await request(app).put('/v1/swarms/hello').set(...admin).send({ yaml: helloV(1, 'Greet') })).status).toBe(200);
    expect((await request(app).put('/v1/swarms/hello').set(...admin).send({ yaml: helloV(2, 'Wave at') })).status).toBe(201);
  });

  test('the name in the YAML must be the name in the path', async () => {
    const { app } = testApp();
    const res = await request(app).put('/v1/swarms/other').set(...admin).send({ yaml: HELLO });
    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(/PUT it to \/v1\/swarms\/hello/);
  });

  test('an invalid definition is not stored: 400 with located details named after the swarm', async () => {
    const { app } = testApp();
    const res = await request(app).put('/v1/swarms/hello').set(...admin).set('Content-Type', 'application/yaml').send(HELLO_BAD);
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([expect.stringMatching(/^hello\.swarm\.yaml:13:10: /)]);
    expect((await request(app).get('/v1/swarms/hello').set(...read)).status).toBe(404);
  });

  test('the layout is stored beside the YAML, returned, updated on an unchanged PUT, never written into the YAML', async () => {
    const { app } = testApp();
    const layout = { '': { x: 0, y: 0 }, '/steps/0': { x: 120.5, y: -40, width: 200, collapsed: false } };
    const res = await request(app).put('/v1/swarms/hello').set(...admin).send({ yaml: HELLO, layout });
    expect(res.status).toBe(201);
    expect(res.body.definition.layout).toEqual(layout);
    expect(res.body.definition.yaml).toBe(HELLO);
    const moved = { '/steps/0': { x: 1, y: 2 } };
    const again = await request(app).put('/v1/swarms/hello').set(...admin).send({ yaml: HELLO, layout: moved });
    expect(again.body.outcome).toBe('unchanged');
    expect((await request(app).get('/v1/swarms/hello').set(...read)).body.layout).toEqual(moved);
    // Without a layout the stored one is kept; null clears it.
    await request(app).put('/v1/swarms/hello').set(...admin).send({ yaml: HELLO });
    expect((await request(app).get('/v1/swarms/hello').set(...read)).body.layout).toEqual(moved);
    await request(app).put('/v1/swarms/hello').set(...admin).send({ yaml: HELLO, layout: null });
    expect((await request(app).get('/v1/swarms/hello').set(...read)).body.layout).toBeNull();
  });

  test.each([
    [{ steps: { x: 1, y: 2 } }, /layout/],
    [{ '/steps/0': { x: 'a', y: 2 } }, /body\/layout\/~1steps~10\/x: must be number/],
    [{ '/steps/0': { x: 1 } }, /missing required property "y"/],
    [{ '/steps/0': { x: 1, y: 2, onclick: 'alert(1)' } }, /unknown property "onclick"/],
    [JSON.parse('{"__proto__": {"x": 1, "y": 2}}') as object, /layout keys are JSON pointers/],
    [{ '/a~2b': { x: 1, y: 2 } }, /layout keys are JSON pointers/],
  ])('a layout %j is refused', async (layout, re) => {
    const { app } = testApp();
    const res = await request(app).put('/v1/swarms/hello').set(...admin).set('Content-Type', 'application/json').send(JSON.stringify({ yaml: HELLO, layout }));
    expect(res.status).toBe(400);
    expect(res.body.error.details.join('\n')).toMatch(re);
  });

  test('unknown names and versions: 404 naming what to do; bad ones: 400', async () => {
    const { app } = testApp();
    const none = await request(app).get('/v1/swarms/nope').set(...read);
    expect(none.status).toBe(404);
    expect(none.body.error.message).toMatch(/PUT \/v1\/swarms\/nope/);
    expect((await request(app).get('/v1/swarms/nope/versions').set(...read)).status).toBe(404);
    expect((await request(app).get('/v1/swarms/nope/versions/3').set(...read)).status).toBe(404);
    expect((await request(app).get('/v1/swarms/Bad_Name').set(...read)).status).toBe(400);
    expect((await request(app).get('/v1/swarms/hello/versions/0').set(...read)).status).toBe(400);
    expect((await request(app).get('/v1/swarms/hello/versions/one').set(...read)).status).toBe(400);
    expect((await request(app).get('/v1/swarms').set(...read)).body).toEqual({ swarms: [] });
  });
});
