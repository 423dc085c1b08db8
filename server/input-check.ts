/**
 * Checking a run input against its swarm's `inputs` schema, bounded. The DSL
 * refuses patterns that backtrack exponentially (dsl/regex-safety.ts); what
 * it lets through is at worst quadratic in the length of the string it runs
 * on, so here a schema `pattern` only ever runs on strings of at most
 * MAX_PATTERNED_LENGTH characters (longer ones fail as too long), and when
 * the schema has `patternProperties`, property names are bounded the same
 * way. Definitions stored before the DSL check existed are re-compiled when
 * a run starts, so they meet the DSL check too; this is the second line.
 *
 * A RangeError from the recursive validator (an input nested deeper than
 * the stack, under a recursive schema) becomes a 400 rather than a 500; the
 * body reader already caps nesting (server/body.ts), so this is defensive.
 */
import type { Json, SwarmIR } from '../dsl/ir';
import { SCHEMA_DATA_KEYWORDS, SCHEMA_MAP_KEYWORDS, schemaPatterns } from '../dsl/regex-safety';
import { checkRunInput, InvalidRunInputError } from '../runtime/runs';
import { ApiError } from './errors';

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

const guarded = new Map<string, Json>();

/** The guarded inputs schema of a definition (cached by its hash: definitions are immutable). */
function guardedInputs(ir: SwarmIR): Json {
  let g = guarded.get(ir.sha256);
  if (g === undefined) {
    if (guarded.size > 1000) guarded.clear();
    g = guardPatterns(ir.inputs);
    guarded.set(ir.sha256, g);
  }
  return g;
}

/** The guard's allOf/if wrapping reports itself too; where a pattern or length problem is reported at the same place, that is noise. */
function withoutGuardNoise(problems: string[]): string[] {
  const place = (p: string): string => p.slice(0, p.indexOf(': '));
  const specific = new Set(problems.filter((p) => /: String (does not match pattern|is too long)/.test(p)).map(place));
  return problems.filter((p) => !(specific.has(place(p)) && /: Instance does not match (every subschema|"then" schema|"else" schema)\.$/.test(p)));
}

/** Checks a run input against the swarm's inputs schema in bounded time; throws a 400 `invalid_input`. */
export function checkInput(ir: SwarmIR, input: Json): void {
  if (!isObject(ir.inputs)) return;
  const patterns = schemaPatterns(ir.inputs, '');
  if (patterns.some((p) => p.onKeys)) {
    const at = longKeyAt(input);
    if (at !== null) throw new ApiError('invalid_input', `the input has a property name longer than ${MAX_PATTERNED_LENGTH} characters (in ${at}), and the inputs schema of swarm "${ir.name}" matches property names against patterns`, [`${at}: a property name is longer than ${MAX_PATTERNED_LENGTH} characters`]);
  }
  const schema = patterns.length > 0 ? guardedInputs(ir) : ir.inputs;
  try {
    checkRunInput({ ...ir, inputs: schema }, input);
  } catch (err) {
    if (err instanceof InvalidRunInputError) {
      const problems = patterns.length > 0 ? withoutGuardNoise(err.problems) : err.problems;
      const note = patterns.length > 0 && problems.some((p) => p.includes('String is too long')) ? [`strings checked against a schema pattern may have at most ${MAX_PATTERNED_LENGTH} characters (docs/security.md)`] : [];
      throw new ApiError('invalid_input', `the input does not match the inputs schema of swarm "${err.swarm}"`, [...problems, ...note]);
    }
    if (err instanceof RangeError) throw new ApiError('invalid_input', `the input is nested too deeply to check against the inputs schema of swarm "${ir.name}"; flatten it`, ['input: nested too deeply']);
    if (err instanceof SyntaxError) throw new ApiError('invalid_definition', `the inputs schema of swarm "${ir.name}" has a pattern that is not a valid regular expression; fix the definition (swarmflow validate reports it)`);
    throw err;
  }
}
