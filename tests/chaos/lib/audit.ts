/**
 * What a disturbed run is checked against: the effect ledger (every tool
 * effect recorded exactly once per idempotency key, none missing against an
 * undisturbed run of the same input) and the files the tools wrote.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { readEffectLog, type EffectRecord } from '../../../activities/tools/ledger';
import { sha256Hex } from '../../../activities/tools/canonical-json';
import { workspaceDirName } from '../../../runtime/config';
import type { RunOutcome } from '../../../runtime/runs';

export interface EffectAudit {
  /** Distinct effects the undisturbed run recorded (the expectation). */
  expected: number;
  /** Ledger entries of the disturbed run (every application logged). */
  applied: number;
  /** Idempotency keys (relative to the run) the undisturbed run has and this one has nowhere in its ledger: lost. */
  missing: string[];
  /**
   * Keys whose record exists (`keys/`, written after the effect, so it was
   * applied) but whose line in the effect log is missing: the log, not the
   * effect, lost it (a crash between the ledger's two writes).
   */
  unlogged: string[];
  /** Keys recorded more than once, with their counts. */
  doubled: { key: string; count: number }[];
  /** Keys this run has that the undisturbed one has not (a different path through the swarm). */
  extra: string[];
  /** Keys the undisturbed run itself recorded more than once (a bug even without faults). */
  calmDoubled: string[];
  /** Keys whose call (tool, configuration, arguments) differs from the undisturbed run's. */
  changed: string[];
}

/** Ledger entries of one run, grouped by the idempotency key with the run id cut off: how many, and the call hashes seen. */
export function effectsByKey(log: EffectRecord[], runId: string): Map<string, { count: number; calls: Set<string> }> {
  const prefix = `${runId}/`;
  const out = new Map<string, { count: number; calls: Set<string> }>();
  for (const r of log) {
    if (!r.key.startsWith(prefix)) continue;
    const k = r.key.slice(prefix.length);
    const e = out.get(k) ?? { count: 0, calls: new Set<string>() };
    e.count += 1;
    e.calls.add(r.callHash);
    out.set(k, e);
  }
  return out;
}

/** The disturbed run's ledger entries against the undisturbed run's (each in its own cluster's ledger). */
export async function auditEffects(disturbed: { ledgerDir: string; runId: string }, calmRun: { ledgerDir: string; runId: string }): Promise<EffectAudit> {
  const mine = effectsByKey(await readEffectLog(disturbed.ledgerDir), disturbed.runId);
  const calm = effectsByKey(await readEffectLog(calmRun.ledgerDir), calmRun.runId);
  const absent = [...calm.keys()].filter((k) => !mine.has(k)).sort();
  const recorded = (k: string): boolean => fs.existsSync(path.join(disturbed.ledgerDir, 'keys', `${sha256Hex(`${disturbed.runId}/${k}`)}.json`));
  const unlogged = absent.filter(recorded);
  const missing = absent.filter((k) => !recorded(k));
  const extra = [...mine.keys()].filter((k) => !calm.has(k)).sort();
  const doubled = [...mine.entries()].filter(([, e]) => e.count > 1).map(([key, e]) => ({ key, count: e.count }));
  let applied = 0;
  for (const e of mine.values()) applied += e.count;
  const calmDoubled = [...calm.entries()].filter(([, e]) => e.count > 1).map(([k]) => k);
  // The same key must stand for the same call (tool, configuration, arguments) in both runs.
  const changed = [...mine.entries()].filter(([k, e]) => {
    const c = calm.get(k);
    return c !== undefined && (e.calls.size !== 1 || c.calls.size !== 1 || [...e.calls][0] !== [...c.calls][0]);
  }).map(([k]) => k);
  return { expected: calm.size, applied, missing, unlogged, doubled, extra, calmDoubled, changed };
}

/** Every file under a run's workspace: relative path -> content. */
export function workspaceFiles(workspacesDir: string, runId: string): Map<string, string> {
  const root = path.join(workspacesDir, workspaceDirName(runId));
  const out = new Map<string, string>();
  const walk = (dir: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(path.relative(root, p), fs.readFileSync(p, 'utf8'));
    }
  };
  walk(root);
  return out;
}

export interface Comparison {
  identical: boolean;
  /** What differs, in a sentence each (empty when identical). */
  differences: string[];
}

/** A disturbed run against an undisturbed one: status, output, every step's status and output, usage, files written. */
export function compareRuns(disturbed: RunOutcome, calm: RunOutcome, files: { disturbed: Map<string, string>; calm: Map<string, string>; shared: Set<string> }): Comparison {
  const d: string[] = [];
  if (disturbed.status !== calm.status) d.push(`status ${disturbed.status} (error: ${disturbed.error}) instead of ${calm.status}`);
  const out = firstDifference(disturbed.output, calm.output, 'output');
  if (out) d.push(out);
  const ds = disturbed.result?.steps ?? {};
  const cs = calm.result?.steps ?? {};
  for (const id of new Set([...Object.keys(ds), ...Object.keys(cs)])) {
    const diff = firstDifference(ds[id], cs[id], `steps.${id}`);
    if (diff) d.push(diff);
  }
  if (!isDeepStrictEqual(disturbed.result?.usage, calm.result?.usage)) d.push(`usage ${JSON.stringify(disturbed.result?.usage)} vs ${JSON.stringify(calm.result?.usage)}`);
  if (files.disturbed.size !== files.calm.size) d.push(`${files.disturbed.size} files written instead of ${files.calm.size}`);
  for (const [p, content] of files.calm) {
    if (!files.disturbed.has(p)) d.push(`file ${p} is missing`);
    // A file several calls wrote holds whichever came last, in either run: only its presence is compared.
    else if (!files.shared.has(p) && files.disturbed.get(p) !== content) d.push(`file ${p} has different content`);
  }
  return { identical: d.length === 0, differences: d };
}

/** Where two JSON values first differ, as `path: a vs b`, or null when they are equal. */
export function firstDifference(a: unknown, b: unknown, at: string): string | null {
  if (isDeepStrictEqual(a, b)) return null;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return `${at} has ${a.length} items instead of ${b.length}`;
    for (let i = 0; i < a.length; i++) {
      const d = firstDifference(a[i], b[i], `${at}[${i}]`);
      if (d) return d;
    }
  }
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const ka = a as Record<string, unknown>;
    const kb = b as Record<string, unknown>;
    for (const k of new Set([...Object.keys(ka), ...Object.keys(kb)])) {
      const d = firstDifference(ka[k], kb[k], `${at}.${k}`);
      if (d) return d;
    }
  }
  return `${at} differs: ${clip(a)} vs ${clip(b)} (undisturbed)`;
}

/** Paths that more than one effect of a run wrote (from the ledger's recorded results). */
export async function sharedPaths(ledgerDir: string, runId: string): Promise<Set<string>> {
  const seen = new Map<string, number>();
  for (const r of await readEffectLog(ledgerDir)) {
    if (!r.key.startsWith(`${runId}/`)) continue;
    const out = r.result.output;
    const p = out && typeof out === 'object' && !Array.isArray(out) ? out['path'] : undefined;
    if (typeof p === 'string') seen.set(p, (seen.get(p) ?? 0) + 1);
  }
  return new Set([...seen.entries()].filter(([, n]) => n > 1).map(([p]) => p));
}

function clip(v: unknown): string {
  const s = JSON.stringify(v) ?? 'undefined';
  return s.length > 400 ? `${s.slice(0, 400)}...` : s;
}
