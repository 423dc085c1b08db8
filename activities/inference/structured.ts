/**
 * Structured output: the answer of a call that asked for `outputSchema` is
 * checked against it. @cfworker/json-schema interprets the user's schema
 * (no code is generated from definition text: security rule 1).
 */
import { Validator, type Schema } from '@cfworker/json-schema';

const cache = new Map<string, Validator>();
const MAX_CACHED = 256;
const MAX_ERRORS = 20;

function isSchema(v: unknown): v is Schema {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function validatorFor(schema: Record<string, unknown>): Validator {
  const key = JSON.stringify(schema);
  let v = cache.get(key);
  if (v === undefined) {
    if (!isSchema(schema)) throw new Error('output schema must be a JSON object');
    v = new Validator(schema, '2020-12', false);
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(key, v);
  }
  return v;
}

/** Errors of `content` against `schema`, as `location: message` lines; [] when valid. */
export function schemaErrorsOf(content: string | null, schema: Record<string, unknown>): string[] {
  if (content === null) return ['the model gave no answer text (expected JSON for the output schema)'];
  let value: unknown;
  try {
    value = JSON.parse(content);
  } catch (e) {
    return [`the answer is not valid JSON: ${e instanceof Error ? e.message : String(e)}`];
  }
  const result = validatorFor(schema).validate(value);
  if (result.valid) return [];
  const lines = new Set<string>();
  for (const err of result.errors) {
    lines.add(`${err.instanceLocation === '#' ? '(root)' : err.instanceLocation.replace(/^#/, '')}: ${err.error}`);
    if (lines.size >= MAX_ERRORS) break;
  }
  return [...lines];
}
