/**
 * The fuzzers' detectors must detect: a pollution, a trap sprung, a canary
 * in a result, a value that is not plain JSON. Each is planted here and
 * must be reported (a detector that never fires would make every fuzz run
 * pass).
 */
import { checkAnswer } from './api-check';
import { checkCase, checkDiagnostics, FILE } from './dsl-check';
import { armGuards, notPlainJson, type Guards } from './guards';
import { hostileScopes } from './scopes';
import { FuzzStats } from './stats';

let g: Guards;
beforeEach(() => {
  g = armGuards();
});
afterEach(() => g.dispose());

test('a clean state reports nothing', () => {
  expect(g.check()).toEqual([]);
  expect(g.check()).toEqual([]);
});

test('a key added to, or removed from, Object.prototype is reported once', () => {
  Object.defineProperty(Object.prototype, 'sfPolluted', { value: 1, configurable: true, enumerable: false, writable: true });
  try {
    expect(g.check()).toEqual(['Object.prototype.sfPolluted was added', '({}).sfPolluted is 1']);
  } finally {
    Reflect.deleteProperty(Object.prototype, 'sfPolluted');
  }
  expect(g.check()).toEqual(['Object.prototype.sfPolluted was removed']);
  expect(g.check()).toEqual([]);
});

test('a built-in method replaced, and a global added, are reported', () => {
  const original = Array.prototype.includes;
  Object.defineProperty(Array.prototype, 'includes', { value: () => true, configurable: true, writable: true, enumerable: false });
  try {
    expect(g.check()).toEqual(['Array.prototype.includes was changed']);
  } finally {
    Object.defineProperty(Array.prototype, 'includes', { value: original, configurable: true, writable: true, enumerable: false });
  }
  g.check();
  Reflect.set(globalThis, 'leakedByFuzz', 1);
  try {
    expect(g.check()).toEqual(['globalThis.leakedByFuzz was added']);
  } finally {
    Reflect.deleteProperty(globalThis, 'leakedByFuzz');
  }
});

test('reading the trap on globalThis or process is reported; canaries are found in text', () => {
  expect(Reflect.get(globalThis, g.trapName)).toEqual(expect.any(String));
  expect(Reflect.get(process, g.trapName)).toEqual(expect.any(String));
  expect(g.check()).toEqual([`the trap ${g.trapName} on globalThis/process was read 2 time(s)`]);
  expect(g.check()).toEqual([]);
  for (const c of g.canaries) expect(g.clean(`{"x": "${c}"}`)).toBe(false);
  expect(g.clean(String(process.env.SWARMFLOW_FUZZ_CANARY))).toBe(false);
  expect(g.clean('{"x": "plain data"}')).toBe(true);
});

test('notPlainJson accepts JSON data only', () => {
  expect(notPlainJson({ a: [1, 'x', null, true, { b: -0.5 }] })).toBeNull();
  expect(notPlainJson(Object.create(null))).toBeNull();
  expect(notPlainJson(JSON.parse('{"__proto__": {"a": 1}}'))).toBeNull();
  expect(notPlainJson({ f: () => 1 })).toBe('$.f: a function');
  expect(notPlainJson([new Map()])).toBe('$[0]: an instance of Map');
  expect(notPlainJson({ d: new Date(0) })).toBe('$.d: an instance of Date');
  expect(notPlainJson(Object.defineProperty({}, 'g', { get: () => 1, enumerable: true }))).toBe('$.g: an accessor property');
  expect(notPlainJson({ [Symbol('s')]: 1 })).toBe('$: a symbol key');
  expect(notPlainJson(Number.NaN)).toBe('$: NaN is not a JSON number');
  expect(notPlainJson(10n)).toBe('$: a bigint');
  expect(notPlainJson(undefined)).toBe('$: a undefined');
});

describe('the answer and document checkers fail on what they must', () => {
  const app = { variant: 'keyed' as const, logs: [] as string[] };
  const req = { app: 'keyed' as const, method: 'GET', target: '/v1/swarms', headers: [] as [string, string][], body: null, bodyMode: 'length' as const, label: 'test' };
  const api = (status: number, body: unknown, headers: [string, string][] = [['x-content-type-options', 'nosniff']]) => ({ status, headers: new Map(headers), body: JSON.stringify(body), reset: false, timedOut: false, ms: 1 });
  const ctx = () => ({ stats: new FuzzStats('t'), guards: g, where: 'here' });

  test('a 4xx in the one error shape passes; a 500, a stack trace, a wrong shape, a hang or a log line fail', () => {
    expect(() => checkAnswer(req, api(404, { error: { code: 'not_found', message: 'no', details: [] } }), app, 0, ctx())).not.toThrow();
    expect(() => checkAnswer(req, api(500, { error: { code: 'internal', message: 'x', details: [] } }), app, 0, ctx())).toThrow(/never 5xx/);
    expect(() => checkAnswer(req, api(400, { error: { code: 'bad_request', message: 'Error: x\n    at f (/work/main/server/app.ts:1:2)', details: [] } }), app, 0, ctx())).toThrow(/no stack trace/);
    expect(() => checkAnswer(req, api(400, { message: 'x' }), app, 0, ctx())).toThrow(/one error shape/);
    expect(() => checkAnswer(req, api(404, { error: { code: 'bad_request', message: 'x', details: [] } }), app, 0, ctx())).toThrow(/status matches/);
    expect(() => checkAnswer(req, { ...api(200, {}), timedOut: true }, app, 0, ctx())).toThrow(/in time/);
    const logged = { ...app, logs: ['internal error on GET /v1/swarms: boom'] };
    expect(() => checkAnswer(req, api(200, { swarms: [] }), logged, 0, ctx())).toThrow(/internal error/);
    expect(() => checkAnswer(req, api(200, { key: 'admin-key-0123456789abcdef' }), app, 0, ctx())).toThrow(/key/);
  });

  test('diagnostics must be located inside the document, name the file, and never be SF999', () => {
    const text = 'swarm: x\nversion: 1\n';
    const d = { file: FILE, line: 2, col: 1, code: 'SF102' as const, ptr: '/version', message: 'a message long enough' };
    expect(() => checkDiagnostics(text, [d])).not.toThrow();
    expect(() => checkDiagnostics(text, [{ ...d, code: 'SF999' as const }])).toThrow(/no internal error/);
    expect(() => checkDiagnostics(text, [{ ...d, line: 4 }])).toThrow(/line is inside/);
    expect(() => checkDiagnostics(text, [{ ...d, col: 12 }])).toThrow(/column is inside/);
    expect(() => checkDiagnostics(text, [{ ...d, file: 'other.yaml' }])).toThrow(/name the file/);
    expect(() => checkDiagnostics(text, [{ ...d, ptr: 'version' }])).toThrow(/JSON pointer/);
  });

  test('a whole case: a valid definition passes, and its expressions are evaluated', () => {
    const c = { stats: new FuzzStats('t'), guards: g, scopes: hostileScopes(), where: 'here', scopesPerValue: 1, serial: 0 };
    checkCase({ family: 'text', text: 'swarm: x\nversion: 1\nsteps: [{ id: a, set: { v: "${{ 1 + 1 }}" } }]\n', exprs: ['inputs.x'] }, c);
    expect(c.stats.accepted).toBe(1);
    expect((c.stats.counts.get('eval-data') ?? 0) + (c.stats.counts.get('eval-refused') ?? 0)).toBe(2);
  });
});
