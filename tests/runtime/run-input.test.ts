/**
 * The bounded input check is the one every run start goes through
 * (runtime/runs.ts startRun, hence the CLI, the API and the tests), not
 * only the API's: a pattern never runs on a long string, a deep input is an
 * invalid input, not a crash.
 */
import { compile } from '../../dsl';
import type { SwarmIR } from '../../dsl/ir';
import { checkRunInput, InvalidRunInputError } from '../../runtime/runs';
import { MAX_PATTERNED_LENGTH } from '../../runtime/run-input';

function swarm(inputs: string): SwarmIR {
  const { ir, diagnostics } = compile(`swarm: s\nversion: 1\ninputs: ${inputs}\nmodels: { m: { model: x } }\nsteps:\n  - { id: a, llm: m, prompt: p }\n`, 's.swarm.yaml');
  if (!ir) throw new Error(diagnostics.map((d) => d.message).join('; '));
  return ir;
}

test('a patterned string longer than the limit is refused before the pattern runs on it', () => {
  const ir = swarm(`{ type: object, properties: { name: { type: string, pattern: "^[a-z]+$" } } }`);
  expect(() => checkRunInput(ir, { name: 'a'.repeat(MAX_PATTERNED_LENGTH) })).not.toThrow();
  let err: unknown;
  try {
    checkRunInput(ir, { name: 'a'.repeat(MAX_PATTERNED_LENGTH + 1) });
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(InvalidRunInputError);
  expect((err as InvalidRunInputError).problems.join('\n')).toMatch(/input\/name: String is too long/);
  expect((err as InvalidRunInputError).problems.join('\n')).toMatch(new RegExp(`at most ${MAX_PATTERNED_LENGTH} characters`));
});

test('fields without a pattern are not limited, and a mismatch names the field', () => {
  const ir = swarm(`{ type: object, properties: { free: { type: string }, code: { type: string, pattern: "^[0-9]+$" } } }`);
  expect(() => checkRunInput(ir, { free: 'x'.repeat(100_000) })).not.toThrow();
  expect(() => checkRunInput(ir, { code: 'abc' })).toThrow(/input\/code: String does not match pattern/);
});

test('long property names are refused when the schema matches names against patterns', () => {
  const ir = swarm(`{ type: object, patternProperties: { "^x-[a-z]+$": { type: string } } }`);
  expect(() => checkRunInput(ir, { ['x-' + 'a'.repeat(MAX_PATTERNED_LENGTH)]: 'v' })).toThrow(/property name longer than/);
});

test('an input nested deeper than the validator can follow is an invalid input, not a RangeError', () => {
  const ir = swarm(`{ $defs: { n: { type: array, items: { $ref: "#/$defs/n" } } }, type: object, properties: { deep: { $ref: "#/$defs/n" } } }`);
  let deep: unknown = [];
  for (let i = 0; i < 20_000; i++) deep = [deep];
  expect(() => checkRunInput(ir, { deep } as never)).toThrow(InvalidRunInputError);
});
