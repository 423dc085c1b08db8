/**
 * Hostile input: each refused with a located error, quickly, with nothing
 * polluted or hung.
 */
import { validate, compile, evaluateExpr, DOCUMENT_LIMITS } from '../../dsl';
import type { Diagnostic } from '../../dsl';
import { timed } from './helpers';

/** CPU milliseconds; generous for a loaded CI machine, where the typical figures are a few milliseconds. */
const FAST_MS = 1000;

function refused(text: string, code: string): Diagnostic[] {
  const { ms, result } = timed(() => validate(text, 'hostile.swarm.yaml'));
  expect(ms).toBeLessThan(FAST_MS);
  expect(result.map((d) => d.code)).toContain(code);
  for (const d of result) {
    expect(d.line).toBeGreaterThanOrEqual(1);
    expect(d.col).toBeGreaterThanOrEqual(1);
  }
  expect(compile(text, 'hostile.swarm.yaml').ir).toBeNull();
  return result;
}

const HEAD = 'swarm: demo\nversion: 1\nmodels: { fast: { model: m } }\nsteps:\n  - id: a\n    llm: fast\n';

beforeAll(() => {
  // Warm ajv and cel-js so the timings measure the checks, not module start-up.
  validate(`${HEAD}    prompt: \${{ inputs.x }}\n`, 'warm.swarm.yaml');
});

test('a document over 1 MiB is refused before parsing', () => {
  const text = `${HEAD}    prompt: "${'x'.repeat(DOCUMENT_LIMITS.maxBytes)}"\n`;
  const [d] = refused(text, 'SF001');
  expect(d?.message).toMatch(/limit is 1 MiB/);
  expect(d?.line).toBe(1);
});

test('a document just under 1 MiB of multi-byte text is measured in bytes', () => {
  // 400k three-byte characters: 1.2 MB of UTF-8 in 400k UTF-16 units.
  refused(`${HEAD}    prompt: "${'€'.repeat(400_000)}"\n`, 'SF001');
});

test.each([
  ['flow lists', `${HEAD}    prompt: ${'['.repeat(500_000)}`],
  ['flow maps', `${HEAD}    prompt: ${'{a: '.repeat(200_000)}`],
  ['block sequences on one line', `${HEAD}    prompt:\n${'- '.repeat(400_000)}x\n`],
  ['complex keys', `${HEAD}    prompt:\n${'? '.repeat(400_000)}x\n`],
  ['indentation', `swarm: demo\nsteps:\n${Array.from({ length: 1000 }, (_, i) => `${' '.repeat(i + 1)}k${i}:`).join('\n')}\n`],
])('nesting deeper than 64 (%s) is refused in milliseconds', (_name, text) => {
  refused(text, 'SF003');
});

test('nesting of exactly 64 is accepted, 65 refused, at the offending node', () => {
  const nest = (n: number): string => `${'['.repeat(n - 4)}1${']'.repeat(n - 4)}`;
  // root map (1) > steps (2) > step (3) > set (4) > v: lists from level 5.
  const text = (n: number): string => `swarm: demo\nversion: 1\nsteps:\n  - id: a\n    set: { v: ${nest(n)} }\n`;
  expect(validate(text(64), 'x')).toEqual([]);
  const [d] = refused(text(65), 'SF003');
  expect(d?.line).toBe(5);
});

test('more than 100 aliases are refused at the 101st', () => {
  const text = `${HEAD}    prompt: &p hello\n    with: [${Array.from({ length: 101 }, () => '*p').join(', ')}]\n`;
  const [d] = refused(text, 'SF002');
  // `    with: [` puts the first alias at column 12; each `*p, ` is 4 more.
  expect(d?.col).toBe(12 + 4 * 100);
});

test('a billion laughs within 100 aliases is refused by its expansion', () => {
  let text = 'swarm: demo\nversion: 1\nl0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n';
  for (let i = 1; i < 10; i++) text += `l${i}: &l${i} [${Array.from({ length: 9 }, () => `*l${i - 1}`).join(', ')}]\n`;
  text += 'steps: [{ id: a, set: { x: *l9 } }]\n';
  refused(text, 'SF011');
});

test('an alias that contains itself, and one to no anchor, are refused', () => {
  refused(`${HEAD}    prompt: hi\n    with: &w { again: *w }\n`, 'SF010');
  refused(`${HEAD}    prompt: *nothing\n`, 'SF010');
});

test('duplicate keys are refused, naming both places', () => {
  const [d] = refused(`${HEAD}    prompt: a\n    prompt: b\n`, 'SF004');
  expect(d?.message).toMatch(/first on line 7/);
});

test.each(['__proto__', 'constructor', 'prototype'])('the key %s is refused anywhere, and nothing is polluted', (key) => {
  const text = `${HEAD}    prompt: hi\n    with:\n      ${key}: { polluted: true }\n      nested: { ${key}: { polluted: true } }\n`;
  refused(text, 'SF005');
  expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')).toBe(false);
});

test('tags outside the core schema are refused (no !!js/function, no !!binary)', () => {
  refused(`${HEAD}    prompt: !!js/function "function () { return process.exit(1) }"\n`, 'SF007');
  refused(`${HEAD}    prompt: !!binary aGVsbG8=\n`, 'SF007');
  refused(`${HEAD}    prompt: !custom hello\n`, 'SF007');
});

test('YAML 1.1 spellings stay strings under the core schema', () => {
  const { ir: ir2 } = compile(`swarm: demo\nversion: 1\ntools: { t: { uses: fs.read } }\nsteps:\n  - id: a\n    tool: t\n    with: { a: yes, b: no, c: on, d: 0o17, e: 017, f: 1_000 }\n`, 'x');
  const tool = ir2?.steps[0];
  expect(tool?.kind).toBe('tool');
  if (tool?.kind === 'tool') expect(tool.with).toEqual({ a: 'yes', b: 'no', c: 'on', d: 15, e: 17, f: '1_000' });
});

test('.inf and .nan are refused: they have no JSON form', () => {
  refused(`${HEAD}    prompt: hi\n    with: { x: .inf }\n`, 'SF103');
  refused(`${HEAD}    prompt: hi\n    with: { x: .nan }\n`, 'SF103');
});

test('a runaway expression is refused at compile time by length, at run time by its budget', () => {
  refused(`${HEAD}    prompt: "\${{ ${Array.from({ length: 2000 }, () => 'inputs.a').join(' + ')} }}"\n`, 'SF311');
  const list = `[${Array.from({ length: 10 }, (_, i) => i).join(', ')}]`;
  let bomb = 'a';
  for (const v of 'abcdefgh') bomb = `${list}.map(${v}, ${bomb})`;
  expect(() => evaluateExpr(`${bomb}.size() >= 0`, {})).toThrow(/evaluation steps/); // warm the JIT
  const { ms } = timed(() => expect(() => evaluateExpr(`${bomb}.size() > 0`, {})).toThrow(/evaluation steps/));
  expect(ms).toBeLessThan(FAST_MS);
});

test('regular expressions are refused at compile time and at run time', () => {
  refused(`${HEAD}    prompt: "\${{ inputs.x.matches('(a+)+$') }}"\n`, 'SF308');
  expect(() => evaluateExpr('"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!".matches("(a+)+$")', {})).toThrow(/matches\(\) is not allowed/);
});

test('garbage never throws: random bytes give located diagnostics', () => {
  let seed = 42;
  const next = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
  for (let i = 0; i < 200; i++) {
    const len = next() % 400;
    let s = '';
    for (let j = 0; j < len; j++) s += String.fromCharCode(next() % 2 === 0 ? 32 + (next() % 95) : next() % 0x3000);
    const ds = validate(s, 'garbage.swarm.yaml');
    for (const d of ds) {
      expect(d.code).not.toBe('SF999');
      expect(d.line).toBeGreaterThanOrEqual(1);
    }
  }
});
