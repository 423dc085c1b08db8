/**
 * forEach `as` names: a name the expression checker cannot declare (a CEL
 * keyword, a name cel-js reserves or already declares) is one located error at
 * the `as`, and every other error of the file is still reported. Found by the
 * DSL fuzzer: such names used to reach cel-js's registerVariable, which
 * throws, and validate answered one SF999 at 1:1 instead.
 */
import { Environment } from '@marcbachmann/cel-js';
import { compile, validate } from '../../dsl';
import { evaluateExpr } from '../../dsl/expr';
import { checkExpression, localNameRefusal } from '../../dsl/expr-check';
import { GLOBAL_NAMES } from '../../dsl/cel';

/** The `as` value is on line 6 at column 9; line 11 holds an unrelated error. */
const withAs = (as: string, use = '1'): string =>
  `swarm: x\nversion: 1\nsteps:\n  - id: a\n    forEach: \${{ [1] }}\n    as: ${as}\n    do:\n      - id: b\n        set: { v: "\${{ ${use} }}" }\n  - id: c\n    nope: 1\n`;

/** Every name a fresh cel-js environment declares (types, namespaces such as google and optional, cel). */
const celDeclared = new Environment().getDefinitions().variables.map((v) => v.name);

const REFUSED: [string, string][] = [
  ['""', 'SF104'],
  ['"1x"', 'SF104'],
  ['inputs', 'SF211'],
  ['steps', 'SF211'],
  ['run', 'SF211'],
  ['cel', 'SF211'],
  ['index', 'SF211'],
  ['iteration', 'SF211'],
  ['int', 'SF211'],
  ['string', 'SF211'],
  ['type', 'SF211'],
  ['null_type', 'SF211'],
  ['google', 'SF211'],
  ['optional', 'SF211'],
  ['in', 'SF211'],
  ['"null"', 'SF211'],
  ['"true"', 'SF211'],
  ['prototype', 'SF211'],
  ['__proto__', 'SF211'],
];

test('cel-js declares the names this suite expects (so the loop below covers them)', () => {
  expect(celDeclared).toEqual(expect.arrayContaining(['int', 'string', 'type', 'null_type', 'google', 'optional', 'cel']));
});

test.each([...REFUSED, ...celDeclared.map((n): [string, string] => [n, 'SF211'])])('as: %s is %s at the `as`, and the other errors of the file survive', (as, code) => {
  const ds = validate(withAs(as), 'x.swarm.yaml');
  expect(ds.map((d) => d.code)).not.toContain('SF999');
  const at = ds.filter((d) => d.line === 6);
  expect(at).toHaveLength(1);
  expect(at[0]).toMatchObject({ col: 9, code, ptr: '/steps/0/as' });
  expect(at[0]?.message).toMatch(/^the "as" of step "a" is /);
  // Step c's own errors (no kind key, unknown key) are still there.
  expect(ds.filter((d) => d.line === 10 || d.line === 11).map((d) => d.code)).toEqual(['SF106', 'SF102']);
});

test('the messages say why', () => {
  const msg = (as: string): string => validate(withAs(as), 'x.swarm.yaml').find((d) => d.line === 6)?.message ?? '';
  expect(msg('int')).toBe('the "as" of step "a" is "int", which would hide the CEL name int; choose another name');
  expect(msg('google')).toBe('the "as" of step "a" is "google", which would hide the CEL name google; choose another name');
  expect(msg('inputs')).toBe('the "as" of step "a" is "inputs", which would hide the expression name inputs; choose another name');
  expect(msg('in')).toBe('the "as" of step "a" is "in", a CEL reserved word; choose another name');
  expect(msg('prototype')).toBe('the "as" of step "a" is "prototype", a name the expression library reserves; choose another name');
});

test('a refused name used inside do is one more located error, never an internal one', () => {
  for (const as of ['int', 'google', '__proto__', 'inputs']) {
    const ds = validate(withAs(as, `${as}.x`), 'x.swarm.yaml');
    expect(ds.map((d) => d.code)).not.toContain('SF999');
    expect(ds.find((d) => d.line === 6)?.code).toBe('SF211');
    expect(ds.find((d) => d.line === 11)).toBeDefined();
  }
});

test('localNameRefusal agrees with what cel-js can declare', () => {
  const names = [...celDeclared, ...GLOBAL_NAMES, '', '1x', 'a-b', 'in', 'true', 'prototype', '__proto__', 'item', 'q', 'constructor', 'toString', 'dyn', 'size', 'has', 'timestamp'];
  for (const name of names) {
    let declarable = true;
    try {
      new Environment().registerVariable('inputs', 'dyn').registerVariable('steps', 'dyn').registerVariable('run', 'dyn').registerVariable(name, 'dyn');
    } catch {
      declarable = false;
    }
    // Refused whenever cel-js would throw; the extra refusals are names expressions could not spell or keywords.
    if (!declarable) expect({ name, refusal: localNameRefusal(name) }).toEqual({ name, refusal: expect.anything() });
  }
  for (const ok of ['item', 'q', 'constructor', 'toString', 'dyn', 'size', 'has', 'timestamp', 'hasOwnProperty']) expect(localNameRefusal(ok)).toBeNull();
});

test('the checker never declares a refused local, whatever scope it is given', () => {
  const facts = { stepIds: new Set<string>(), loopIds: new Set<string>(), itemNames: new Set<string>() };
  for (const name of ['', 'int', 'google', 'inputs', '__proto__', 'in']) {
    const scope = { locals: [[name, 'dyn'] as const, ['index', 'int'] as const], inLoop: false, inForEach: true };
    expect(() => checkExpression('index + 1', scope, facts)).not.toThrow();
    expect(checkExpression('index + 1', scope, facts).issues).toEqual([]);
  }
});

test('names that only look special (object methods, function names) work as item names', () => {
  for (const as of ['constructor', 'toString', 'hasOwnProperty', 'dyn', 'size', 'timestamp']) {
    const { ir, diagnostics } = compile(`swarm: x\nversion: 1\nsteps:\n  - id: a\n    forEach: \${{ [1] }}\n    as: ${as}\n    do:\n      - id: b\n        set: { v: "\${{ ${as} + 1 }}" }\n`, 'x.swarm.yaml');
    expect(diagnostics).toEqual([]);
    expect(ir).not.toBeNull();
    expect(evaluateExpr(`${as} + 1`, { [as]: 41 })).toBe(42);
  }
});
