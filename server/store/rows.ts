/**
 * Reading rows back from a database without trusting their shape: each
 * column is checked, so a damaged or foreign database fails with a message
 * naming the table and column instead of a wrong type deep in a handler.
 */
import type { RunStatus } from '../../workflows/types';
import type { Layout, LayoutEntry } from './types';

/** A row (or stored JSON) that does not have the shape this version of swarmflow wrote. */
export class CorruptStoreError extends Error {
  constructor(where: string, what: string) {
    super(`the API database is damaged: ${where}: ${what} (restore .swarmflow/swarmflow.db from a backup or delete it)`);
    this.name = 'CorruptStoreError';
  }
}

export type Row = Record<string, unknown>;

export function asRow(v: unknown, where: string): Row {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new CorruptStoreError(where, 'not a row');
  return v as Row;
}

export function str(r: Row, k: string, where: string): string {
  const v = r[k];
  if (typeof v !== 'string') throw new CorruptStoreError(where, `column ${k} is not text`);
  return v;
}

export function strOrNull(r: Row, k: string, where: string): string | null {
  const v = r[k];
  if (v === null || v === undefined) return null;
  if (typeof v !== 'string') throw new CorruptStoreError(where, `column ${k} is not text`);
  return v;
}

export function int(r: Row, k: string, where: string): number {
  const v = r[k];
  if (typeof v === 'bigint') return Number(v);
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new CorruptStoreError(where, `column ${k} is not an integer`);
  return v;
}

const RUN_STATUSES: readonly RunStatus[] = ['running', 'succeeded', 'failed', 'budget_exhausted', 'cancelled', 'deadline_exceeded'];

export function isRunStatus(v: unknown): v is RunStatus {
  return typeof v === 'string' && (RUN_STATUSES as readonly string[]).includes(v);
}

export function runStatus(r: Row, k: string, where: string): RunStatus {
  const v = r[k];
  if (!isRunStatus(v)) throw new CorruptStoreError(where, `column ${k} is not a run status`);
  return v;
}

function isLayoutEntry(v: unknown): v is LayoutEntry {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const e = v as Record<string, unknown>;
  const num = (x: unknown): boolean => typeof x === 'number' && Number.isFinite(x);
  if (!num(e.x) || !num(e.y)) return false;
  if (e.width !== undefined && !num(e.width)) return false;
  if (e.height !== undefined && !num(e.height)) return false;
  if (e.collapsed !== undefined && typeof e.collapsed !== 'boolean') return false;
  return Object.keys(e).every((k) => k === 'x' || k === 'y' || k === 'width' || k === 'height' || k === 'collapsed');
}

/** A layout as stored (JSON text); the request schema already checked it on the way in. */
export function parseLayout(text: string | null, where: string): Layout | null {
  if (text === null) return null;
  let v: unknown;
  try {
    v = JSON.parse(text) as unknown;
  } catch {
    throw new CorruptStoreError(where, 'layout is not JSON');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new CorruptStoreError(where, 'layout is not an object');
  // A null-prototype map: a pointer such as "__proto__" stays a plain key.
  const out: Layout = Object.create(null) as Layout;
  for (const [k, e] of Object.entries(v)) {
    if (!isLayoutEntry(e)) throw new CorruptStoreError(where, `layout entry ${JSON.stringify(k)} is not {x, y}`);
    out[k] = e;
  }
  return out;
}
