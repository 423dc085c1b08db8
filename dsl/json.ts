/**
 * Narrowing helpers for JSON data of unknown shape. The checks walk data that
 * may have failed the schema, so they look before they take, and never cast.
 */
import type { Json } from './ir';

export type JsonMap = { [key: string]: unknown };

/** A mapping (not a list, not null). */
export function isMap(v: unknown): v is JsonMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function str(m: JsonMap, key: string): string | undefined {
  const v = own(m, key);
  return typeof v === 'string' ? v : undefined;
}

export function int(m: JsonMap, key: string): number | undefined {
  const v = own(m, key);
  return typeof v === 'number' && Number.isInteger(v) ? v : undefined;
}

export function num(m: JsonMap, key: string): number | undefined {
  const v = own(m, key);
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function list(m: JsonMap, key: string): unknown[] | undefined {
  const v = own(m, key);
  return Array.isArray(v) ? v : undefined;
}

export function map(m: JsonMap, key: string): JsonMap | undefined {
  const v = own(m, key);
  return isMap(v) ? v : undefined;
}

/** Own property only: a key named like an Object.prototype member reads as absent. */
export function own(m: JsonMap, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(m, key) ? m[key] : undefined;
}

export function has(m: JsonMap, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(m, key);
}

/** Checks that a value is plain JSON (what YAML's core schema produces) and returns it typed. */
export function toJson(v: unknown): Json {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new NotJsonError(`the number ${String(v)} has no JSON form`);
    return v;
  }
  if (Array.isArray(v)) return v.map(toJson);
  if (isMap(v)) {
    const entries: [string, Json][] = [];
    for (const k of Object.keys(v)) entries.push([k, toJson(v[k])]);
    // fromEntries defines own properties, so a `__proto__` key stays data.
    return Object.fromEntries(entries);
  }
  throw new NotJsonError(`a value of type ${typeof v} has no JSON form`);
}

/** Thrown when data that should be JSON holds something else (infinity, a function...). */
export class NotJsonError extends Error {
  override name = 'NotJsonError';
}

/** Deep equality of JSON values (key order ignored). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'number' && typeof b === 'number') return a === b || (Number.isNaN(a) && Number.isNaN(b));
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (isMap(a)) {
    if (!isMap(b)) return false;
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    for (const k of ka) if (!has(b, k) || !jsonEqual(a[k], b[k])) return false;
    return true;
  }
  return false;
}
