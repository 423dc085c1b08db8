/**
 * Narrowing of arguments that the registry has already validated against the
 * kind's schema. These helpers only convince the type checker; a mismatch
 * here means a kind's schema and code disagree.
 */
import { ToolError } from './errors';
import type { Json } from './types';

export type JsonObject = { [key: string]: Json };

export function asObject(value: Json, what: string): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ToolError(`${what} must be an object`);
  return value;
}

export function optString(o: JsonObject, key: string): string | undefined {
  const v = o[key];
  return typeof v === 'string' ? v : undefined;
}

export function reqString(o: JsonObject, key: string, what: string): string {
  const v = o[key];
  if (typeof v !== 'string') throw new ToolError(`${what}: "${key}" must be a string`);
  return v;
}

export function optStringList(o: JsonObject, key: string): string[] | undefined {
  const v = o[key];
  if (!Array.isArray(v)) return undefined;
  return v.filter((x): x is string => typeof x === 'string');
}
