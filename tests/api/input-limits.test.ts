/**
 * Run inputs and signal payloads that used to cost a 500 or hours of CPU
 * (the API fuzzer's api-deep-input-500 and api-redos-inputs-pattern): deep
 * nesting is refused at parse time with a located 400, a recursive inputs
 * schema cannot overflow the stack, schema patterns only run on short
 * strings, and a definition with a catastrophic pattern is refused.
 */
import request from 'supertest';
import { MAX_JSON_DEPTH, tooDeepAt } from '../../server/body';
import { checkInput, guardPatterns, longKeyAt, MAX_PATTERNED_LENGTH } from '../../server/input-check';
import { compile } from '../../dsl';
import type { SwarmIR } from '../../dsl/ir';
import { fakeTemporal } from '../fuzz/fake-temporal';
import { ApiError } from '../../server/errors';
import { bearer, HELLO, KEYS, testApp } from './helpers';

const admin = bearer(KEYS.admin);
const deep = (n: number): string => '['.repeat(n) + ']'.repeat(n);
const json = (body: string) => ['Content-Type', 'application/json'] as [string, string];

/** A swarm whose inputs schema is given. */
function withInputs(inputs: string): string {
  return `swarm: pat\nversion: 1\ninputs:\n${inputs}\nsteps:\n  - id: a\n    set: { v: 1 }\n`;
}

function irOf(text: string): SwarmIR {
  const { ir, diagnostics } = compile(text, 'x.swarm.yaml');
  if (!ir) throw new Error(diagnostics.map((d) => d.message).join('\n'));
  return ir;
}

describe('deep JSON bodies', () => {
  const { app } = testApp({ temporal: () => fakeTemporal().client });

  test('tooDeepAt: null at the limit, the path of the first value past it', () => {
    expect(tooDeepAt(JSON.parse(deep(MAX_JSON_DEPTH)))).toBeNull();
    expect(tooDeepAt(JSON.parse(deep(MAX_JSON_DEPTH + 1)))).toBe('body/0/0/0/0/0/0/0/0/…');
    expect(tooDeepAt({ a: { 'b/c': 1, d: [{}] } }, 3)).toBe('body/a/d/0');
    expect(tooDeepAt(JSON.parse(deep(200_000)))).not.toBeNull(); // iterative: no stack overflow
  });

  test('a run input nested 10,000 deep is a 400 naming the limit and the place, not a 500', async () => {
    const res = await request(app).post('/v1/runs').set(...admin).set(...json('')).send(`{"yaml": ${JSON.stringify(HELLO)}, "input": {"name": "x", "deep": ${deep(10_000)}}}`);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/nests deeper than 128 levels \(at body\/input\/deep\/0\/0\/0\/0\/0\/0\/…\)/);
  });

  test('a signal payload nested 10,000 deep is a 400', async () => {
    const res = await request(app).post('/v1/runs/hello%2Fx/signals/approve').set(...admin).set(...json('')).send(`{"payload": ${deep(10_000)}}`);
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([expect.stringMatching(/^body\/payload\/0\/.*nested more than 128 levels deep$/)]);
  });

  test('a run input nested 5,000 deep under a recursive inputs schema is a 400', async () => {
    const yaml = withInputs('  type: object\n  properties:\n    t: { $ref: "#/$defs/node" }\n  $defs:\n    node: { type: array, items: { $ref: "#/$defs/node" } }');
    const res = await request(app).post('/v1/runs').set(...admin).set(...json('')).send(`{"yaml": ${JSON.stringify(yaml)}, "input": {"t": ${deep(5_000)}}}`);
    expect(res.status).toBe(400);
  });

  test('nesting within the limit still starts a run', async () => {
    const res = await request(app).post('/v1/runs').set(...admin).set(...json('')).send(`{"yaml": ${JSON.stringify(HELLO)}, "input": {"name": "x", "deep": ${deep(100)}}}`);
    expect(res.status).toBe(201);
  });

  test('checkInput turns a stack overflow of the validator into a 400 (defence behind the body cap)', () => {
    const ir = irOf(withInputs('  type: object\n  properties:\n    t: { $ref: "#/$defs/node" }\n  $defs:\n    node: { type: array, items: { $ref: "#/$defs/node" } }'));
    let err: unknown;
    try {
      checkInput(ir, { t: JSON.parse(deep(20_000)) });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(400);
    expect((err as ApiError).message).toMatch(/nested too deeply/);
  });
});

describe('inputs patterns', () => {
  const { app } = testApp({ temporal: () => fakeTemporal().client });

  test('a definition with a catastrophic pattern is refused at the pattern, in bounded time', async () => {
    const yaml = withInputs('  type: object\n  properties:\n    x: { type: string, pattern: "^(a+)+$" }');
    const c0 = process.cpuUsage();
    const res = await request(app).post('/v1/runs').set(...admin).set(...json('')).send({ yaml, input: { x: `${'a'.repeat(40)}!` } });
    const c = process.cpuUsage(c0);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_definition');
    expect(res.body.error.details[0]).toMatch(/^definition\.swarm\.yaml:6:\d+: the pattern "\^\(a\+\)\+\$" of inputs\.properties\.x is refused/);
    expect((c.user + c.system) / 1000).toBeLessThan(1000);
    const v = await request(app).post('/v1/validate').set(...admin).send({ yaml });
    expect(v.body.diagnostics ?? v.body).toEqual(expect.anything());
    expect(JSON.stringify(v.body)).toContain('SF114');
  });

  test('a patterned string longer than the bound is refused before the pattern runs; shorter ones are checked', async () => {
    // Quadratic on a failing text: accepted by the DSL, bounded here.
    const yaml = withInputs('  type: object\n  properties:\n    x: { type: string, pattern: "^.*@.*$" }\n    free: { type: string }');
    const long = await request(app).post('/v1/runs').set(...admin).send({ yaml, input: { x: 'a'.repeat(MAX_PATTERNED_LENGTH + 1), free: 'b'.repeat(50_000) } });
    expect(long.status).toBe(400);
    expect(long.body.error.code).toBe('invalid_input');
    expect(long.body.error.details).toEqual(expect.arrayContaining([expect.stringMatching(/^input\/x: String is too long/), expect.stringMatching(/at most 1000 characters/)]));
    const bad = await request(app).post('/v1/runs').set(...admin).send({ yaml, input: { x: 'no at sign' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toEqual([expect.stringMatching(/^input\/x: String does not match pattern/)]);
    // An unpatterned field may be long.
    const ok = await request(app).post('/v1/runs').set(...admin).send({ yaml, input: { x: 'a@b', free: 'b'.repeat(50_000) } });
    expect(ok.status).toBe(201);
  });

  test('guardPatterns moves each pattern under a length guard and leaves data keywords alone', () => {
    expect(guardPatterns({ type: 'object', properties: { x: { pattern: '^a$', allOf: [{ minLength: 1 }] } }, const: { pattern: 'p' } }, 10)).toEqual({
      type: 'object',
      properties: { x: { allOf: [{ minLength: 1 }, { if: { maxLength: 10 }, then: { pattern: '^a$' }, else: { maxLength: 10 } }] } },
      const: { pattern: 'p' },
    });
  });

  test('with patternProperties, long property names are refused before any pattern runs', () => {
    const ir = irOf(withInputs('  type: object\n  patternProperties:\n    "^k[a-z]*$": { type: string }'));
    expect(longKeyAt({ a: [{ ['k'.repeat(1001)]: 1 }] })).toBe('input/a/0');
    expect(() => checkInput(ir, { ['k'.repeat(MAX_PATTERNED_LENGTH + 1)]: 'v' })).toThrow(/property name longer than 1000 characters/);
    expect(() => checkInput(ir, { kab: 'v' })).not.toThrow();
    expect(() => checkInput(ir, { kab: 1 })).toThrow(/does not match the inputs schema/);
  });

  test('propertyNames patterns are guarded too', () => {
    const ir = irOf(withInputs('  type: object\n  propertyNames: { pattern: "^[a-z]+$" }'));
    expect(() => checkInput(ir, { abc: 1 })).not.toThrow();
    expect(() => checkInput(ir, { ['a'.repeat(MAX_PATTERNED_LENGTH + 1)]: 1 })).toThrow(/does not match/);
  });
});
