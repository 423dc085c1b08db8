/**
 * JSON Schema validation for tool arguments and results, and for schemas
 * written by users or models (skill output schemas).
 *
 * @cfworker/json-schema interprets the schema; it does not generate code, so a
 * schema from a definition or a model is never compiled into JavaScript.
 */
import { Validator } from '@cfworker/json-schema';
import { messageOf } from './errors';
import type { Json, JSONSchema } from './types';

const MAX_PROBLEMS = 10;

/** Keywords whose failure only says "a child failed"; the child's own error is reported instead. */
const CONTAINER_KEYWORDS = new Set(['properties', 'items', 'prefixItems', 'additionalItems', 'unevaluatedItems', 'allOf', '$ref', '$dynamicRef', 'dependentSchemas', 'patternProperties']);

const validators = new WeakMap<object, Validator>();

function validatorFor(schema: JSONSchema | boolean): Validator {
  if (typeof schema === 'boolean') return new Validator(schema, '2020-12', false);
  let v = validators.get(schema);
  if (!v) {
    v = new Validator(schema, '2020-12', false);
    validators.set(schema, v);
  }
  return v;
}

function where(instanceLocation: string): string {
  const p = instanceLocation.replace(/^#/, '');
  return p === '' ? '(root)' : p;
}

/**
 * Validates `value` against `schema`. Returns readable problems
 * (`/path: message`), empty when valid. A broken schema (unresolvable `$ref`)
 * is reported as a problem, not thrown.
 */
export function validateJson(schema: JSONSchema | boolean, value: unknown): string[] {
  let result;
  try {
    result = validatorFor(schema).validate(value);
  } catch (err) {
    return [`the schema cannot be used: ${messageOf(err).split('\n')[0]}`];
  }
  if (result.valid) return [];
  const problems: string[] = [];
  for (const e of result.errors) {
    if (CONTAINER_KEYWORDS.has(e.keyword)) continue;
    if (e.keyword === 'additionalProperties' || e.keyword === 'unevaluatedProperties') {
      const m = /Property "(.*)" does not match/.exec(e.error);
      problems.push(`${where(e.instanceLocation)}: property ${m ? JSON.stringify(m[1]) : ''} is not allowed`.replace('property  is', 'a property is'));
      continue;
    }
    if (e.keyword === 'false') continue; // reported by the additionalProperties entry above
    problems.push(`${where(e.instanceLocation)}: ${e.error}`);
  }
  if (problems.length === 0) problems.push(...result.errors.map((e) => `${where(e.instanceLocation)}: ${e.error}`));
  const unique = [...new Set(problems)];
  return unique.length > MAX_PROBLEMS ? [...unique.slice(0, MAX_PROBLEMS), `(${unique.length - MAX_PROBLEMS} more)`] : unique;
}

const TYPE_NAMES = new Set(['array', 'boolean', 'integer', 'null', 'number', 'object', 'string']);
const SUBSCHEMA = ['not', 'if', 'then', 'else', 'items', 'contains', 'additionalProperties', 'unevaluatedProperties', 'propertyNames', 'additionalItems', 'unevaluatedItems'];
const SUBSCHEMA_LISTS = ['allOf', 'anyOf', 'oneOf', 'prefixItems'];
const SUBSCHEMA_MAPS = ['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas'];
const MAX_SCHEMA_DEPTH = 32;
const MAX_SCHEMA_BYTES = 64 * 1024;

function isPlainObject(v: unknown): v is { [key: string]: unknown } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Structural check of a schema that came from outside (a model, an imported
 * skill): right kinds of values under the keywords we know, valid type names,
 * compilable patterns, size and depth caps. Returns problems, empty when usable.
 */
export function checkSchema(schema: unknown): string[] {
  if (typeof schema === 'boolean') return [];
  if (!isPlainObject(schema)) return ['a schema must be an object or a boolean'];
  if (JSON.stringify(schema).length > MAX_SCHEMA_BYTES) return [`the schema is larger than ${MAX_SCHEMA_BYTES} bytes`];
  const problems: string[] = [];
  const walk = (s: unknown, at: string, depth: number): void => {
    if (typeof s === 'boolean') return;
    if (!isPlainObject(s)) {
      problems.push(`${at || '(root)'}: expected a schema (object or boolean)`);
      return;
    }
    if (depth > MAX_SCHEMA_DEPTH) {
      problems.push(`${at}: nested deeper than ${MAX_SCHEMA_DEPTH}`);
      return;
    }
    const t = s['type'];
    if (t !== undefined) {
      const names = Array.isArray(t) ? t : [t];
      for (const n of names) if (typeof n !== 'string' || !TYPE_NAMES.has(n)) problems.push(`${at}/type: ${JSON.stringify(n)} is not a JSON Schema type`);
    }
    const pattern = s['pattern'];
    if (pattern !== undefined) {
      try {
        if (typeof pattern !== 'string') throw new Error('not a string');
        new RegExp(pattern, 'u');
      } catch {
        problems.push(`${at}/pattern: not a valid regular expression`);
      }
    }
    if (s['required'] !== undefined && !(Array.isArray(s['required']) && s['required'].every((r) => typeof r === 'string'))) {
      problems.push(`${at}/required: must be a list of property names`);
    }
    for (const k of SUBSCHEMA) if (s[k] !== undefined) walk(s[k], `${at}/${k}`, depth + 1);
    for (const k of SUBSCHEMA_LISTS) {
      const list = s[k];
      if (list === undefined) continue;
      if (!Array.isArray(list)) problems.push(`${at}/${k}: must be a list of schemas`);
      else list.forEach((item, i) => walk(item, `${at}/${k}/${i}`, depth + 1));
    }
    for (const k of SUBSCHEMA_MAPS) {
      const map = s[k];
      if (map === undefined) continue;
      if (!isPlainObject(map)) problems.push(`${at}/${k}: must map names to schemas`);
      else for (const [name, sub] of Object.entries(map)) walk(sub, `${at}/${k}/${name}`, depth + 1);
    }
  };
  walk(schema, '', 0);
  if (problems.length === 0) {
    // Resolves every $ref once, so a dangling reference is found now and not at the first check.
    try {
      new Validator(schema, '2020-12', false).validate(null);
    } catch (err) {
      problems.push(`the schema cannot be used: ${messageOf(err).split('\n')[0]}`);
    }
  }
  return problems;
}

/** Narrows an unknown parsed value to JSON (no functions, undefined, NaN or class instances). */
export function isJson(v: unknown, depth = 0): v is Json {
  if (depth > 200) return false;
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  if (Array.isArray(v)) return v.every((x) => isJson(x, depth + 1));
  if (typeof v === 'object') {
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) return false;
    return Object.values(v).every((x) => isJson(x, depth + 1));
  }
  return false;
}
