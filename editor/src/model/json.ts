/** Small JSON helpers for data read out of a YAML document (checked, never cast). */
import type { Json } from '../../../dsl/ir';

export type JsonObject = { [key: string]: Json };

export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `unknown` -> `Json`, or null when it holds something JSON cannot (functions, non-finite numbers, cycles). */
export function asJson(v: unknown, depth = 0): Json | undefined {
  if (depth > 200) return undefined;
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (Array.isArray(v)) {
    const out: Json[] = [];
    for (const item of v) {
      const j = asJson(item, depth + 1);
      if (j === undefined) return undefined;
      out.push(j);
    }
    return out;
  }
  if (typeof v === 'object') {
    const out: JsonObject = {};
    for (const [k, item] of Object.entries(v)) {
      const j = asJson(item, depth + 1);
      if (j === undefined) return undefined;
      out[k] = j;
    }
    return out;
  }
  return undefined;
}

export function jsonEqual(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i] ?? null) && b[i] !== undefined);
  if (isJsonObject(a)) {
    if (!isJsonObject(b)) return false;
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    if (ka.length !== kb.length) return false;
    return ka.every((k) => k in b && jsonEqual(a[k] ?? null, b[k] ?? null));
  }
  return false;
}
