/**
 * Checking a run input against its swarm's `inputs` schema, in bounded time,
 * for every way a run starts (API, CLI, tests). The DSL refuses patterns that
 * backtrack exponentially (dsl/regex-safety.ts); what it lets through is at
 * worst quadratic in the length of the string it runs on, so here a schema
 * `pattern` only ever runs on strings of at most MAX_PATTERNED_LENGTH
 * characters (longer ones fail as too long), and when the schema has
 * `patternProperties`, property names are bounded the same way.
 *
 * A RangeError from the recursive validator (an input nested deeper than
 * the stack, under a recursive schema) is an invalid input, not a crash; the
 * API's body reader already caps nesting (server/body.ts).
 */
import { Validator } from '@cfworker/json-schema';
import { BoundedCache } from '../dsl/bounded-cache';
import type { Json, SwarmIR } from '../dsl/ir';
import { SCHEMA_DATA_KEYWORDS, SCHEMA_MAP_KEYWORDS, schemaPatterns } from '../dsl/regex-safety';

/** A run input that does not satisfy the swarm's `inputs` schema. */
export class InvalidRunInputError extends Error {
  constructor(
    readonly swarm: string,
    readonly problems: string[],
    /** The sentence before the problems, for answers that list them apart (the API's). */
    readonly summary = `the input does not match the inputs schema of swarm "${swarm}"`,
  ) {
    super(`${summary}: ${problems.join('; ')}`);
    this.name = 'InvalidRunInputError';
  }
}

/** An inputs schema that cannot be used (a pattern that is not a regular expression): the definition is at fault, not the input. */
export class UnusableInputsSchemaError extends Error {
  constructor(readonly swarm: string) {
    super(`the inputs schema of swarm "${swarm}" has a pattern that is not a valid regular expression; fix the definition (swarmflow validate reports it)`);
    this.name = 'UnusableInputsSchemaError';
  }
}

/** Longest string (and, with patternProperties, property name) a schema pattern runs on. */
export const MAX_PATTERNED_LENGTH = 1000;

const isObject = (v: unknown): v is { [k: string]: unknown } => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The schema with each string `pattern` moved under a length guard:
 * `{pattern: P}` becomes `{allOf: [{if: {maxLength: N}, then: {pattern: P}, else: {maxLength: N}}]}`
 * (appended to any allOf there, so pointers into the schema stay valid). The
 * walk follows schema keywords; data keywords (const, enum, ...) are kept as they are.
 */
export function guardPatterns(schema: Json, limit = MAX_PATTERNED_LENGTH, depth = 0): Json {
  if (depth > 256) return schema;
  if (Array.isArray(schema)) return schema.map((x) => guardPatterns(x, limit, depth + 1));
  if (schema === null || typeof schema !== 'object') return schema;
  const out: { [k: string]: Json } = {};
  for (const [k, v] of Object.entries(schema)) {
    if (SCHEMA_DATA_KEYWORDS.has(k) || (k === 'pattern' && typeof v === 'string')) out[k] = v;
    else if (SCHEMA_MAP_KEYWORDS.has(k) && v !== null && typeof v === 'object' && !Array.isArray(v)) out[k] = Object.fromEntries(Object.entries(v).map(([name, sub]) => [name, guardPatterns(sub, limit, depth + 1)]));
    else out[k] = guardPatterns(v, limit, depth + 1);
  }
  const pattern = out.pattern;
  if (typeof pattern !== 'string') return out;
  delete out.pattern;
  const guard = { if: { maxLength: limit }, then: { pattern }, else: { maxLength: limit } };
  out.allOf = Array.isArray(out.allOf) ? [...out.allOf, guard] : [guard];
  return out;
}

/** Where the input has a property name longer than `limit`, or null (iterative: the input may be deep). */
export function longKeyAt(input: unknown, limit = MAX_PATTERNED_LENGTH): string | null {
  const stack: { v: unknown; at: string }[] = [{ v: input, at: 'input' }];
  while (stack.length > 0) {
    const { v, at } = stack.pop() as { v: unknown; at: string };
    if (Array.isArray(v)) v.forEach((x, i) => stack.push({ v: x, at: `${at}/${i}` }));
    else if (isObject(v)) {
      for (const [k, x] of Object.entries(v)) {
        if (k.length > limit) return at;
        stack.push({ v: x, at: `${at}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}` });
      }
    }
  }
  return null;
}

const guarded = new BoundedCache<Json>(1000);

/** The guarded inputs schema of a definition (cached by its hash: definitions are immutable). */
function guardedInputs(ir: SwarmIR): Json {
  return guarded.get(ir.sha256) ?? guarded.set(ir.sha256, guardPatterns(ir.inputs));
}

/** The guard's allOf/if wrapping reports itself too; where a pattern or length problem is reported at the same place, that is noise. */
function withoutGuardNoise(problems: string[]): string[] {
  const place = (p: string): string => p.slice(0, p.indexOf(': '));
  const specific = new Set(problems.filter((p) => /: String (does not match pattern|is too long)/.test(p)).map(place));
  return problems.filter((p) => !(specific.has(place(p)) && /: Instance does not match (every subschema|"then" schema|"else" schema)\.$/.test(p)));
}

function validate(schema: Json, input: Json): string[] {
  const v = new Validator(schema as ConstructorParameters<typeof Validator>[0], '2020-12', false).validate(input);
  if (v.valid) return [];
  return v.errors.filter((e) => e.keyword !== 'properties').slice(0, 5).map((e) => `${e.instanceLocation === '#' ? 'input' : e.instanceLocation.replace(/^#/, 'input')}: ${e.error}`);
}

/** Checks a run input against the swarm's inputs schema in bounded time; throws InvalidRunInputError. */
export function checkRunInput(ir: SwarmIR, input: Json): void {
  if (!isObject(ir.inputs)) return;
  const patterns = schemaPatterns(ir.inputs, '');
  if (patterns.some((p) => p.onKeys)) {
    const at = longKeyAt(input);
    if (at !== null) throw new InvalidRunInputError(ir.name, [`${at}: a property name is longer than ${MAX_PATTERNED_LENGTH} characters`], `the input has a property name longer than ${MAX_PATTERNED_LENGTH} characters (in ${at}), and the inputs schema of swarm "${ir.name}" matches property names against patterns`);
  }
  const schema = patterns.length > 0 ? guardedInputs(ir) : ir.inputs;
  let problems: string[];
  try {
    problems = validate(schema, input);
  } catch (err) {
    if (err instanceof RangeError) throw new InvalidRunInputError(ir.name, ['input: nested too deeply'], `the input is nested too deeply to check against the inputs schema of swarm "${ir.name}"; flatten it`);
    if (err instanceof SyntaxError) throw new UnusableInputsSchemaError(ir.name);
    throw err;
  }
  if (problems.length === 0) return;
  if (patterns.length > 0) problems = withoutGuardNoise(problems);
  const note = patterns.length > 0 && problems.some((p) => p.includes('String is too long')) ? [`strings checked against a schema pattern may have at most ${MAX_PATTERNED_LENGTH} characters (docs/security.md)`] : [];
  throw new InvalidRunInputError(ir.name, [...problems, ...note]);
}
