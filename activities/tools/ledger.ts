/**
 * The effect ledger: where tool calls with effects are recorded under their
 * idempotency key, so that an effect is applied once however often
 * Temporal runs the activity.
 *
 * For kinds that deduplicate (fs.write, http.post) the registry does not
 * "check, then act": two attempts of one activity can run at once (a
 * heartbeat late under load makes Temporal start attempt 2 while attempt 1
 * still runs), and both would pass the check. Instead it *acquires* the key:
 *
 * 1. a committed record answers at once (`{ done }`);
 * 2. otherwise the attempt creates a claim atomically (link(2) of a complete
 *    file: of two racing attempts exactly one succeeds) and applies the
 *    effect; the other finds the claim and waits for the claimant's record;
 * 3. a claim whose claimant is gone (its process is dead on this host, or it
 *    has not refreshed the claim for `staleMs`) is
 *    taken over by creating the next generation's claim, again atomically.
 *    The taker first looks for the claimant's log line: a claimant that died
 *    between logging and recording had applied the effect, and its commit is
 *    completed instead of applying again. Otherwise the taker gets the claim
 *    with `takeover` set: the effect may or may not have happened, and the
 *    registry redoes it only for kinds whose effect is safe to repeat
 *    (fs.write of known content); other kinds report the unknown outcome.
 *
 * Committing appends the effect log line first, then links the record, then
 * removes the claims: a crash between any two leaves a state the next
 * attempt reads correctly (see docs/tools.md, "Retries, replays and effects").
 * Every applied effect (shell runs too, through `put`) is in the log, so
 * chaos tests can count how often an effect really happened.
 */
import { pauseFor } from '../../runtime/pause';
import { promises as fs, readFileSync } from 'node:fs';
import * as os from 'node:os';
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

/** Who holds a claim on a key: enough to tell, from another process, whether it is still alive. */
export interface ClaimHolder {
  host: string;
  pid: number;
  /** The process's start time (Linux clock ticks since boot, from /proc), so a reused pid is not taken for the claimant. */
  started: string | null;
  /** Unique per claim. */
  token: string;
  /** ISO time the claim was made. */
  at: string;
}

/** A line of `claims.jsonl` (see `FileEffectLedger`). */
export interface ClaimEvent {
  at: string;
  key: string;
  /** waited: another live attempt held the key (ms: how long until its record or its end); took-over: its claimant was gone; recovered: it had logged the effect, its record was completed. */
  event: 'waited' | 'took-over' | 'recovered';
  ms?: number;
  reason?: string;
  from?: ClaimHolder | null;
}

/** Why a claim was taken over: its claimant stopped without a record, so the effect may or may not have happened. */
export interface Takeover {
  /** The previous claimant, or null when its claim file could not be read. */
  from: ClaimHolder | null;
  reason: string;
}

/** A held claim on a key. Exactly one of commit / release ends it. */
export interface EffectClaim {
  readonly key: string;
  /** Set when this claim replaced a claimant that stopped without recording. */
  readonly takeover: Takeover | null;
  /**
   * Records the call's result: appends the log line (when `applied`, the
   * default: the effect happened), then the record, then drops the claims.
   * Returns the record that stands: ours, or one committed first by an
   * attempt that took over from us while we were stalled.
   */
  commit(record: EffectRecord, opts?: { applied?: boolean }): Promise<EffectRecord>;
  /** The effect did not happen (or is safe to redo): the next attempt runs it. */
  release(): Promise<void>;
}

export type Acquired = { done: EffectRecord; claim?: undefined } | { claim: EffectClaim; done?: undefined };

export interface AcquireOptions {
  /** Aborting it stops a wait for another attempt's claim (`LedgerWaitCancelledError`). */
  signal?: AbortSignal;
  /**
   * A claim not refreshed for this long is taken over when its claimant runs
   * on another host; one whose claimant runs on this host with its pid alive,
   * after 10 times this (default 60 s). A claimant on this host whose process
   * is gone is taken over at once. The claimant refreshes its claim every
   * `staleMs / 5`.
   */
  staleMs?: number;
  /** Called once when the attempt starts waiting for another claimant. */
  onWait?(holder: ClaimHolder | null): void;
}

export interface EffectLedger {
  /** The first record under `key`, or null. */
  get(key: string): Promise<EffectRecord | null>;
  /** Logs an applied effect and records it (for kinds that do not deduplicate: the first record of a key stands). */
  put(key: string, record: EffectRecord): Promise<void>;
  /** The recorded result of `key`, or a claim to apply its effect (waiting while another live attempt holds it). */
  acquire(key: string, callHash: string, opts?: AcquireOptions): Promise<Acquired>;
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

/** Thrown by `acquire` when its signal is aborted while it waits for another attempt's claim. */
export class LedgerWaitCancelledError extends Error {
  constructor(key: string) {
    super(`waiting for another attempt of ${key} to record its effect was cancelled`);
    this.name = 'LedgerWaitCancelledError';
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

/** A claim file's holder, or null when it is not one (a claim file is written whole by link(2), so null means foreign). */
export function parseClaimHolder(text: string): ClaimHolder | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isJson(v) || typeof v !== 'object' || v === null || Array.isArray(v)) return null;
  const { host, pid, started, token, at } = v;
  if (typeof host !== 'string' || typeof pid !== 'number' || !Number.isInteger(pid) || typeof token !== 'string' || typeof at !== 'string') return null;
  if (started !== null && typeof started !== 'string') return null;
  return { host, pid, started, token, at };
}

const DEFAULT_STALE_MS = 60_000;
/** A claim whose holder runs on this host (pid alive) goes stale after this many times `staleMs`. */
const SAME_HOST_TRUST = 10;
const HOST = os.hostname();

/** State (field 3) and start time (field 22) of /proc/<pid>/stat, or null where there is no /proc or no such process. */
function procStat(pid: number): { state: string; start: string } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count fields after its closing one.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const [state, start] = [rest[0], rest[19]];
    return state && start ? { state, start } : null;
  } catch {
    return null;
  }
}

const OWN_START = procStat(process.pid)?.start ?? null;

/** Whether the process that made a claim on this host still runs (the same process, not a reuse of its pid). */
function processAlive(pid: number, started: string | null): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if (errnoCode(err) === 'ESRCH') return false;
  }
  const now = procStat(pid);
  if (now === null) return true; // no /proc: kill(0) is all we know
  // A SIGKILLed process its parent has not reaped yet is a zombie: gone, though its pid answers.
  if (now.state === 'Z' || now.state === 'X') return false;
  return started === null || now.start === started;
}

function randomToken(): string {
  return `${process.pid}.${Date.now().toString(36)}.${Math.random().toString(36).slice(2)}`;
}

/** Writes `text` to a temporary file and links it to `file`: the file appears whole or not at all. False when `file` exists. */
async function createWhole(file: string, text: string): Promise<boolean> {
  const tmp = `${file}.${randomToken()}.tmp`;
  await fs.writeFile(tmp, text);
  try {
    await fs.link(tmp, file);
    return true;
  } catch (err) {
    if (errnoCode(err) === 'EEXIST') return false;
    throw err;
  } finally {
    await fs.unlink(tmp).catch(() => undefined);
  }
}

interface TopClaim {
  gen: number;
  file: string;
  holder: ClaimHolder | null;
  mtimeMs: number;
}

/**
 * A ledger in a directory, shared by every worker that points at it:
 * - `keys/<sha256 of key>.json`: the first record of each key (linked, so two writers cannot both win);
 * - `claims/<sha256 of key>.<generation>.json`: who is applying the key's effect now (removed after the record);
 * - `effects.jsonl`: every applied effect, one line each, appended before its record.
 */
export class FileEffectLedger implements EffectLedger {
  constructor(public readonly dir: string) {}

  private keyFile(key: string): string {
    return path.join(this.dir, 'keys', `${sha256Hex(key)}.json`);
  }

  private get claimsDir(): string {
    return path.join(this.dir, 'claims');
  }

  private get logFile(): string {
    return path.join(this.dir, 'effects.jsonl');
  }

  /**
   * `claims.jsonl`: one line per attempt that found another's claim (waited,
   * took over, or finished a dead claimant's commit), for operators and the
   * crash tests to see how often the race happens. Best effort: never fails a call.
   */
  private async note(event: ClaimEvent): Promise<void> {
    await fs.appendFile(path.join(this.dir, 'claims.jsonl'), `${JSON.stringify(event)}\n`).catch(() => undefined);
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

  /** Log line first, record second: a crash between them leaves a logged effect with no record, never a record with no log line. */
  async put(key: string, record: EffectRecord): Promise<void> {
    await this.logAndRecord(key, record, true);
  }

  /** Returns the record that stands under the key (ours unless one was there first). */
  private async logAndRecord(key: string, record: EffectRecord, applied: boolean): Promise<EffectRecord> {
    const file = this.keyFile(key);
    await fs.mkdir(path.dirname(file), { recursive: true });
    const line = JSON.stringify(record);
    if (applied) await fs.appendFile(this.logFile, `${line}\n`);
    if (await createWhole(file, line)) return record;
    return (await this.get(key)) ?? record;
  }

  async acquire(key: string, callHash: string, opts: AcquireOptions = {}): Promise<Acquired> {
    const staleMs = opts.staleMs ?? DEFAULT_STALE_MS;
    const h = sha256Hex(key);
    await fs.mkdir(this.claimsDir, { recursive: true });
    let pause = 25;
    let waitingSince: number | null = null;
    let waitedFor: ClaimHolder | null = null;
    const waited = async (): Promise<void> => {
      if (waitingSince !== null) await this.note({ at: new Date().toISOString(), key, event: 'waited', ms: Date.now() - waitingSince, from: waitedFor });
      waitingSince = null;
    };
    for (;;) {
      const done = await this.get(key);
      if (done) {
        await waited();
        // Claims a crash left after the record (between linking and cleaning up) are never read again.
        await this.removeClaims(h);
        return { done };
      }
      if (opts.signal?.aborted) {
        await waited();
        throw new LedgerWaitCancelledError(key);
      }
      const top = await this.topClaim(h);
      let gen = 0;
      let takeover: Takeover | null = null;
      if (top) {
        const dead = this.deadReason(top, staleMs);
        if (dead === null) {
          if (waitingSince === null) {
            waitingSince = Date.now();
            waitedFor = top.holder;
            opts.onWait?.(top.holder);
          }
          await pauseFor(pause, opts.signal);
          pause = Math.min(pause * 2, 500);
          continue;
        }
        gen = top.gen + 1;
        takeover = { from: top.holder, reason: dead };
      }
      const holder: ClaimHolder = { host: HOST, pid: process.pid, started: OWN_START, token: randomToken(), at: new Date().toISOString() };
      const file = path.join(this.claimsDir, `${h}.${gen}.json`);
      if (!(await createWhole(file, JSON.stringify(holder)))) continue; // another attempt claimed (or took over) first
      await waited();
      // A record committed between our look and our claim: the claimant removes claims only after its record.
      const committed = await this.get(key);
      if (committed) {
        await this.removeClaims(h);
        return { done: committed };
      }
      if (takeover) {
        // The claimant may have died after logging its effect and before recording it: finish its commit.
        const logged = await this.loggedRecord(key, callHash);
        if (logged) {
          const standing = await this.logAndRecord(key, logged, false);
          await this.removeClaims(h);
          await this.note({ at: new Date().toISOString(), key, event: 'recovered', reason: takeover.reason, from: takeover.from });
          return { done: standing };
        }
        await this.note({ at: new Date().toISOString(), key, event: 'took-over', reason: takeover.reason, from: takeover.from });
      }
      return { claim: this.heldClaim(key, h, file, holder, takeover, staleMs) };
    }
  }

  /** Null when the claimant may still be working; otherwise why it is not. */
  private deadReason(top: TopClaim, staleMs: number): string | null {
    const { holder } = top;
    let limit = staleMs;
    if (holder && holder.host === HOST) {
      if (!processAlive(holder.pid, holder.started)) return `its process (pid ${holder.pid} on ${holder.host}) is gone`;
      // Alive on this host but not refreshing: its event loop is frozen (a loaded machine, a long
      // synchronous call). It will most likely resume and record; taking over would risk a second
      // application, so it is trusted far longer than a holder whose liveness only its refreshes show.
      limit = staleMs * SAME_HOST_TRUST;
    }
    const age = Date.now() - top.mtimeMs;
    if (age > limit) return `it was not refreshed for ${Math.round(age / 1000)} s (limit ${Math.round(limit / 1000)} s)`;
    return null;
  }

  /** The newest generation's claim of a key, or null when there is none. */
  private async topClaim(h: string): Promise<TopClaim | null> {
    for (;;) {
      const gens = (await fs.readdir(this.claimsDir))
        .map((name) => /^([0-9a-f]{64})\.(\d+)\.json$/.exec(name))
        .filter((m): m is RegExpExecArray => m !== null && m[1] === h)
        .map((m) => Number(m[2]));
      if (gens.length === 0) return null;
      const gen = Math.max(...gens);
      const file = path.join(this.claimsDir, `${h}.${gen}.json`);
      try {
        const [text, st] = await Promise.all([fs.readFile(file, 'utf8'), fs.stat(file)]);
        return { gen, file, holder: parseClaimHolder(text), mtimeMs: st.mtimeMs };
      } catch (err) {
        if (errnoCode(err) !== 'ENOENT') throw err; // removed meanwhile: look again
      }
    }
  }

  private async removeClaims(h: string): Promise<void> {
    const names = (await fs.readdir(this.claimsDir)).filter((n) => n.startsWith(`${h}.`) && n.endsWith('.json'));
    await Promise.all(names.map((n) => fs.unlink(path.join(this.claimsDir, n)).catch(() => undefined)));
  }

  /** The last log line of `key` for the same call, tolerating lines a crash cut short. */
  private async loggedRecord(key: string, callHash: string): Promise<EffectRecord | null> {
    let text: string;
    try {
      text = await fs.readFile(this.logFile, 'utf8');
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return null;
      throw err;
    }
    const lines = text.split('\n');
    for (let i = lines.length - 1; i >= 0; i--) {
      const line = lines[i];
      if (!line || !line.includes(JSON.stringify(key))) continue;
      try {
        const r = parseEffectRecord(line, this.logFile);
        if (r.key === key && r.callHash === callHash) return r;
      } catch {
        // a torn line: not a record
      }
    }
    return null;
  }

  private heldClaim(key: string, h: string, file: string, holder: ClaimHolder, takeover: Takeover | null, staleMs: number): EffectClaim {
    // Refreshing the claim's mtime tells other hosts the claimant is alive; same-host attempts also check the pid.
    const refreshMs = Math.min(Math.max(staleMs / 5, 200), 10_000);
    const timer = setInterval(() => {
      const now = new Date();
      fs.utimes(file, now, now).catch(() => undefined);
    }, refreshMs);
    timer.unref();
    let ended = false;
    const end = (what: string): void => {
      if (ended) throw new Error(`the claim on ${key} was already ended; ${what} called twice (a bug in the caller)`);
      ended = true;
      clearInterval(timer);
    };
    return {
      key,
      takeover,
      commit: async (record, opts = {}) => {
        end('commit');
        const standing = await this.logAndRecord(key, record, opts.applied ?? true);
        await this.removeClaims(h);
        return standing;
      },
      release: async () => {
        end('release');
        await fs.unlink(file).catch(() => undefined);
      },
    };
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

/** An in-process ledger, for tests and single-process tools: claims are a map, waiters are woken when a claim ends. */
export class MemoryEffectLedger implements EffectLedger {
  private readonly first = new Map<string, EffectRecord>();
  private readonly claims = new Map<string, { holder: ClaimHolder; ended: Promise<void> }>();
  readonly log: EffectRecord[] = [];

  async get(key: string): Promise<EffectRecord | null> {
    return this.first.get(key) ?? null;
  }

  async put(key: string, record: EffectRecord): Promise<void> {
    this.log.push(record);
    if (!this.first.has(key)) this.first.set(key, record);
  }

  async acquire(key: string, _callHash: string, opts: AcquireOptions = {}): Promise<Acquired> {
    let waiting = false;
    for (;;) {
      const done = this.first.get(key);
      if (done) return { done };
      if (opts.signal?.aborted) throw new LedgerWaitCancelledError(key);
      const held = this.claims.get(key);
      if (!held) break;
      if (!waiting) {
        waiting = true;
        opts.onWait?.(held.holder);
      }
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          opts.signal?.removeEventListener('abort', stop);
          resolve();
        };
        opts.signal?.addEventListener('abort', stop, { once: true });
        void held.ended.then(stop);
      });
    }
    const holder: ClaimHolder = { host: HOST, pid: process.pid, started: OWN_START, token: randomToken(), at: new Date().toISOString() };
    let finish = (): void => undefined;
    this.claims.set(key, { holder, ended: new Promise<void>((r) => (finish = r)) });
    let ended = false;
    const end = (what: string): void => {
      if (ended) throw new Error(`the claim on ${key} was already ended; ${what} called twice (a bug in the caller)`);
      ended = true;
      this.claims.delete(key);
      finish();
    };
    return {
      claim: {
        key,
        // A process that held a claim here died with it: no takeover in memory.
        takeover: null,
        commit: async (record, o = {}) => {
          if (o.applied ?? true) this.log.push(record);
          if (!this.first.has(key)) this.first.set(key, record);
          end('commit');
          return this.first.get(key) ?? record;
        },
        release: async () => end('release'),
      },
    };
  }
}
