/**
 * The effect ledger: where tool calls with effects are recorded under their
 * idempotency key.
 *
 * For kinds that deduplicate (fs.write, http.post) the registry asks the
 * ledger first and, when the key is there, answers with the recorded result
 * instead of repeating the effect. Every applied effect (shell runs too) is
 * also appended to a log, so chaos tests can count how often an effect
 * really happened.
 *
 * The record is written after the effect: a worker that dies between the
 * two repeats the effect once on retry. That window is the at-least-once
 * remainder no ledger outside the target system can close.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { errnoCode } from './errors';
import { isJson } from './json-schema';
import { sha256Hex } from './canonical-json';
import type { Json, ToolRunResult } from './types';

export interface EffectRecord {
  /** The call's idempotency key. */
  key: string;
  uses: string;
  /** sha256 of the canonical {uses, config, args}: a key reused for a different call is detected. */
  callHash: string;
  result: ToolRunResult;
  /** ISO time the effect was recorded. */
  at: string;
}

export interface EffectLedger {
  /** The first record under `key`, or null. */
  get(key: string): Promise<EffectRecord | null>;
  /** Records an applied effect. The first record of a key is the one `get` returns; every record is logged. */
  put(key: string, record: EffectRecord): Promise<void>;
}

/** Thrown when a ledger file holds something that is not an effect record (a corrupted or foreign file). */
export class LedgerCorruptError extends Error {
  constructor(
    public readonly file: string,
    detail: string,
  ) {
    super(`effect ledger file ${file} is not valid: ${detail}; move it aside to continue`);
    this.name = 'LedgerCorruptError';
  }
}

function isResult(v: Json): v is { ok: boolean; output: Json; error: string | null } {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof v['ok'] === 'boolean' && 'output' in v && (v['error'] === null || typeof v['error'] === 'string');
}

export function parseEffectRecord(text: string, file: string): EffectRecord {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new LedgerCorruptError(file, 'not JSON');
  }
  if (!isJson(v) || typeof v !== 'object' || v === null || Array.isArray(v)) throw new LedgerCorruptError(file, 'not an object');
  const { key, uses, callHash, result, at } = v;
  if (typeof key !== 'string' || typeof uses !== 'string' || typeof callHash !== 'string' || typeof at !== 'string' || result === undefined || !isResult(result)) {
    throw new LedgerCorruptError(file, 'missing key, uses, callHash, result or at');
  }
  return { key, uses, callHash, at, result: { ok: result.ok, output: result.output, error: result.error } };
}

/**
 * A ledger in a directory: `keys/<sha256 of key>.json` holds the first
 * record of each key (created atomically with link(2), so two racing writers
 * cannot both win), `effects.jsonl` logs every record.
 */
export class FileEffectLedger implements EffectLedger {
  constructor(public readonly dir: string) {}

  private keyFile(key: string): string {
    return path.join(this.dir, 'keys', `${sha256Hex(key)}.json`);
  }

  async get(key: string): Promise<EffectRecord | null> {
    const file = this.keyFile(key);
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return null;
      throw err;
    }
    return parseEffectRecord(text, file);
  }

  async put(key: string, record: EffectRecord): Promise<void> {
    const file = this.keyFile(key);
    await fs.mkdir(path.dirname(file), { recursive: true });
    const line = JSON.stringify(record);
    const tmp = `${file}.${process.pid}.${Date.now()}.${Math.random().toString(36).slice(2)}.tmp`;
    await fs.writeFile(tmp, line);
    try {
      await fs.link(tmp, file);
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw err;
    } finally {
      await fs.unlink(tmp).catch(() => undefined);
    }
    await fs.appendFile(path.join(this.dir, 'effects.jsonl'), `${line}\n`);
  }
}

/** Every effect recorded in a FileEffectLedger directory, in the order written (for tests and audits). */
export async function readEffectLog(dir: string): Promise<EffectRecord[]> {
  const file = path.join(dir, 'effects.jsonl');
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return [];
    throw err;
  }
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => parseEffectRecord(l, file));
}

/** An in-process ledger, for tests and single-process tools. */
export class MemoryEffectLedger implements EffectLedger {
  private readonly first = new Map<string, EffectRecord>();
  readonly log: EffectRecord[] = [];

  async get(key: string): Promise<EffectRecord | null> {
    return this.first.get(key) ?? null;
  }

  async put(key: string, record: EffectRecord): Promise<void> {
    if (!this.first.has(key)) this.first.set(key, record);
    this.log.push(record);
  }
}
