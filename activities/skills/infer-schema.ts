/**
 * A JSON Schema inferred from one output value: used as a skill's output
 * schema when the model gave none (or an empty one), so that later outputs
 * keep the captured output's structure: same types, same fields.
 */
import type { JSONSchema } from '../tools/types';
import type { Json } from './types';

const MAX_DEPTH = 8;

function typeName(v: Json): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return 'number';
  return typeof v;
}

function mergeObjects(schemas: JSONSchema[]): JSONSchema {
  const properties: { [key: string]: Json } = {};
  let required: string[] | null = null;
  for (const s of schemas) {
    const props = s['properties'];
    if (typeof props === 'object' && props !== null && !Array.isArray(props)) {
      for (const [k, v] of Object.entries(props)) if (!(k in properties)) properties[k] = v;
    }
    const req = Array.isArray(s['required']) ? s['required'].filter((x): x is string => typeof x === 'string') : [];
    required = required === null ? req : required.filter((r) => req.includes(r));
  }
  return { type: 'object', properties, required: required ?? [] };
}

export function inferSchema(value: Json, depth = 0): JSONSchema {
  if (depth > MAX_DEPTH) return {};
  if (value === null) return { type: 'null' };
  if (Array.isArray(value)) {
    if (value.length === 0) return { type: 'array' };
    const types = new Set(value.map(typeName));
    if (types.size !== 1) return { type: 'array' };
    const items = value.slice(0, 20).map((v) => inferSchema(v, depth + 1));
    const first = items[0] ?? {};
    return { type: 'array', items: types.has('object') ? mergeObjects(items) : first };
  }
  if (typeof value === 'object') {
    const properties: { [key: string]: Json } = {};
    for (const [k, v] of Object.entries(value)) properties[k] = inferSchema(v, depth + 1);
    return { type: 'object', properties, required: Object.keys(value) };
  }
  return { type: typeName(value) };
}

/** True for schemas that accept anything (`{}`, `true`, only annotations). */
export function isTrivialSchema(schema: Json): boolean {
  if (schema === true) return true;
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return false;
  return Object.keys(schema).every((k) => ['$schema', '$id', 'title', 'description', '$comment', 'examples'].includes(k));
}
