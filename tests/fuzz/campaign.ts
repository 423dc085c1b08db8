/**
 * `npm run fuzz`: the fuzzers of `npm test`, much longer (a million
 * definitions by default), in chunks spread over worker processes.
 *
 * Every chunk is seeded (seed + chunk index), so a run is reproducible and
 * any chunk can be run again alone; progress and counts are printed as
 * chunks finish; a worker whose chunk stops making progress is killed and
 * reported as a hang with the command that replays the chunk with a trace
 * of every case. Exit status 1 when anything failed.
 *
 *   npm run fuzz                               # escape corpus, limits table, 1,000,000 definitions, 20,000 requests
 *   npm run fuzz -- --only dsl --runs 50000    # a shorter run of one fuzzer
 *   npm run fuzz -- --only dsl --seed 20260716 --runs 1000 --chunk 1000 --workers 1 --trace
 *   npm run fuzz -- --only dsl --seed 20260716 --runs 1000 --chunk 1000 --path 349:2 --shrink   # one case, shrunk
 *
 * Started by scripts/fuzz.js, which lets Node load these TypeScript files.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { cpus } from 'node:os';
import { apiFuzzer, type ApiFuzzer } from './api-fuzz';
import { chunksOf, dslFuzzer, type DslFuzzer, type FuzzFailureReport } from './dsl-fuzz';
import { CALL_CAP_MS } from './dsl-check';
import { runEscapeCorpus } from './escape-corpus';
import { knownSlowShape } from './known-bugs';
import { formatRows, measureShapes } from './pathological';
import { armGuards } from './guards';
import { DEFAULT_SEED } from './settings';
import { FuzzStats, shorten } from './stats';

type FuzzerName = 'dsl' | 'api';
type Stage = 'escapes' | 'limits' | FuzzerName;

export interface CampaignOptions {
  only: Set<Stage>;
  runs: Record<FuzzerName, number>;
  chunk: Record<FuzzerName, number>;
  seed: number;
  workers: number;
  path: string | null;
  trace: boolean;
  shrink: boolean;
  scopesPerValue: number;
  stallMs: number;
}

/** Thrown for a command line that cannot be run; the message says what to write instead. */
export class UsageError extends Error {
  override name = 'UsageError';
}

const USAGE = 'usage: npm run fuzz -- [--only escapes,limits,dsl,api] [--runs N | --dsl-runs N --api-runs N] [--seed S] [--chunk N] [--workers N] [--path P] [--trace] [--shrink] [--scopes N] [--stall-minutes M]';

function count(v: string | undefined, flag: string): number {
  if (v === undefined || !/^[0-9][0-9_,]*$/.test(v)) throw new UsageError(`${flag} takes a whole number, e.g. ${flag} 1000 (${USAGE})`);
  return Number(v.replace(/[_,]/g, ''));
}

export function parseArgs(argv: readonly string[]): CampaignOptions {
  const o: CampaignOptions = {
    only: new Set(['escapes', 'limits', 'dsl', 'api']),
    runs: { dsl: 1_000_000, api: 20_000 },
    chunk: { dsl: 1_000, api: 500 },
    seed: DEFAULT_SEED,
    workers: Math.max(1, cpus().length),
    path: null,
    trace: false,
    shrink: false,
    scopesPerValue: 2,
    stallMs: 10 * 60_000,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = (): string | undefined => argv[++i];
    switch (a) {
      case '--only': {
        const names = (next() ?? '').split(',');
        const stages = names.filter((n): n is Stage => n === 'escapes' || n === 'limits' || n === 'dsl' || n === 'api');
        if (stages.length !== names.length || names.length === 0) throw new UsageError(`--only takes escapes, limits, dsl or api, comma-separated (${USAGE})`);
        o.only = new Set(stages);
        break;
      }
      case '--runs': {
        const n = count(next(), '--runs');
        o.runs = { dsl: n, api: n };
        break;
      }
      case '--dsl-runs':
        o.runs.dsl = count(next(), a);
        break;
      case '--api-runs':
        o.runs.api = count(next(), a);
        break;
      case '--chunk': {
        const n = Math.max(1, count(next(), a));
        o.chunk = { dsl: n, api: n };
        break;
      }
      case '--seed': {
        const v = next();
        if (v === undefined || !/^-?[0-9]+$/.test(v)) throw new UsageError(`--seed takes a whole number (${USAGE})`);
        o.seed = Number(v) | 0;
        break;
      }
      case '--workers':
        o.workers = Math.max(1, count(next(), a));
        break;
      case '--path':
        o.path = next() ?? null;
        break;
      case '--trace':
        o.trace = true;
        break;
      case '--shrink':
        o.shrink = true;
        break;
      case '--scopes':
        o.scopesPerValue = Math.max(1, count(next(), a));
        break;
      case '--stall-minutes':
        o.stallMs = Math.max(1, count(next(), a)) * 60_000;
        break;
      default:
        throw new UsageError(`unknown argument "${String(a)}" (${USAGE})`);
    }
  }
  return o;
}

// ---- messages between the parent and its workers -------------------------------------------------

interface ChunkJob {
  type: 'chunk';
  fuzzer: FuzzerName;
  index: number;
  seed: number;
  size: number;
  path: string | null;
}

type FromWorker =
  | { type: 'ready' }
  | { type: 'done'; fuzzer: FuzzerName; index: number; seed: number; size: number; stats: unknown; failure: FuzzFailureReport | null; cpuMs: number };

function isFromWorker(m: unknown): m is FromWorker {
  return typeof m === 'object' && m !== null && 'type' in m && (m.type === 'ready' || m.type === 'done');
}

function isChunkJob(m: unknown): m is ChunkJob {
  return typeof m === 'object' && m !== null && 'type' in m && m.type === 'chunk';
}

/** A worker process: runs the chunks it is sent, one at a time, and reports each. */
export async function workerMain(o: { trace: boolean; shrink: boolean; scopesPerValue: number }): Promise<void> {
  // Orphaned by a parent that died: stop (between chunks; a chunk runs to its end).
  process.on('disconnect', () => process.exit(1));
  let dsl: DslFuzzer | null = null;
  let api: ApiFuzzer | null = null;
  const send = (m: FromWorker): void => void process.send?.(m);
  process.on('message', (m: unknown) => {
    if (typeof m === 'object' && m !== null && 'type' in m && m.type === 'stop') {
      void api?.close().finally(() => process.exit(0));
      if (!api) process.exit(0);
      return;
    }
    if (!isChunkJob(m)) return;
    void (async () => {
      const c0 = process.cpuUsage();
      let failure: FuzzFailureReport | null;
      let stats: FuzzStats;
      if (m.fuzzer === 'dsl') {
        dsl ??= dslFuzzer('dsl', { scopesPerValue: o.scopesPerValue, shrink: o.shrink, ...(o.trace ? { trace: (where, c) => process.stderr.write(`[trace] ${where} ${c.family}: ${shorten(c.text, 300)}\n`) } : {}) });
        failure = dsl.runChunk(m.index, m.seed, m.size, undefined, m.path ?? undefined);
        stats = dsl.stats;
      } else {
        api ??= await apiFuzzer('api');
        failure = await api.runChunk(m.index, m.seed, m.size, undefined, m.path ?? undefined);
        stats = api.stats;
      }
      const c = process.cpuUsage(c0);
      send({ type: 'done', fuzzer: m.fuzzer, index: m.index, seed: m.seed, size: m.size, stats: stats.toJSON(), failure, cpuMs: (c.user + c.system) / 1000 });
    })();
  });
  send({ type: 'ready' });
}

// ---- the parent -------------------------------------------------------------------------------------------

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  const m = Math.round(s / 60);
  return m < 120 ? `${m} min` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

interface Slot {
  child: ChildProcess;
  job: ChunkJob | null;
  startedAt: number;
  /** The worker's cumulative stats as last reported. */
  stats: FuzzStats | null;
}

/** Runs one fuzzer's chunks over `workers` processes; resolves with its merged stats and failures. */
async function runFuzzer(fuzzer: FuzzerName, o: CampaignOptions, script: string, log: (line: string) => void): Promise<{ stats: FuzzStats; failures: FuzzFailureReport[]; cpuMs: number }> {
  const queue: ChunkJob[] = chunksOf({ seed: o.seed, runs: o.runs[fuzzer], chunk: o.chunk[fuzzer] }).map(([index, seed, size]) => ({ type: 'chunk', fuzzer, index, seed, size, path: o.path }));
  const total = queue.length;
  const planned = o.runs[fuzzer];
  const failures: FuzzFailureReport[] = [];
  const finished: FuzzStats[] = [];
  let done = 0;
  let cases = 0;
  let cpuMs = 0;
  const t0 = Date.now();
  const slots = new Set<Slot>();
  const workers = Math.min(o.workers, total);

  return new Promise((resolve) => {
    const merged = (): FuzzStats => {
      const s = new FuzzStats(fuzzer);
      for (const f of finished) s.merge(f);
      for (const slot of slots) if (slot.stats) s.merge(slot.stats);
      return s;
    };
    const maybeEnd = (): void => {
      if (done < total || [...slots].some((s) => s.job)) return;
      clearInterval(watchdog);
      const stats = merged();
      for (const slot of slots) slot.child.send({ type: 'stop' });
      resolve({ stats, failures, cpuMs });
    };
    const next = (slot: Slot): void => {
      const job = queue.shift();
      slot.job = job ?? null;
      slot.startedAt = Date.now();
      if (job) slot.child.send(job);
      else maybeEnd();
    };
    const spawn = (): void => {
      const child = fork(script, ['--worker', ...(o.trace ? ['--trace'] : []), ...(o.shrink ? ['--shrink'] : []), '--scopes', String(o.scopesPerValue)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      const slot: Slot = { child, job: null, startedAt: Date.now(), stats: null };
      slots.add(slot);
      child.on('message', (m: unknown) => {
        if (!isFromWorker(m)) return;
        if (m.type === 'ready') return next(slot);
        slot.stats = FuzzStats.fromJSON(m.stats);
        done++;
        cases += m.size;
        cpuMs += m.cpuMs;
        if (m.failure) {
          failures.push(m.failure);
          log(`[fuzz] ${fuzzer} FAILURE in chunk ${m.index} (seed ${m.seed}):\n${m.failure.message}\n  replay: npm run fuzz -- ${m.failure.replay}`);
        }
        const elapsed = Date.now() - t0;
        const eta = done < total ? ` eta ${duration((elapsed / done) * (total - done))},` : '';
        const s = merged();
        log(`[fuzz] ${fuzzer} ${cases.toLocaleString('en-US')}/${planned.toLocaleString('en-US')} (${((100 * done) / total).toFixed(1)}%) chunk ${m.index} seed ${m.seed} in ${(m.cpuMs / 1000).toFixed(1)} s CPU; ${failures.length} failures, ${s.refused} refused, ${s.accepted} accepted, max ${s.slowest.ms.toFixed(0)} ms;${eta} ${duration(elapsed)} so far`);
        next(slot);
      });
      child.on('exit', (code, signal) => {
        slots.delete(slot);
        if (slot.stats) finished.push(slot.stats);
        const job = slot.job;
        if (job) {
          // The worker died with a chunk in hand: a crash (or our watchdog's kill) to report, then carry on.
          done++;
          const why = signal === 'SIGKILL' && Date.now() - slot.startedAt >= o.stallMs ? `made no progress for ${duration(o.stallMs)} (a hang?)` : `crashed (exit ${String(code)}, ${String(signal)})`;
          failures.push({ fuzzer, seed: job.seed, path: null, message: `chunk ${job.index} ${why}`, replay: `--only ${fuzzer} --seed ${job.seed} --runs ${job.size} --chunk ${job.size} --workers 1 --trace` });
          log(`[fuzz] ${fuzzer} FAILURE: chunk ${job.index} (seed ${job.seed}) ${why}; replay with a trace of each case: npm run fuzz -- --only ${fuzzer} --seed ${job.seed} --runs ${job.size} --chunk ${job.size} --workers 1 --trace`);
          if (queue.length > 0) spawn();
        }
        maybeEnd();
      });
    };
    const watchdog = setInterval(() => {
      for (const slot of slots) if (slot.job && Date.now() - slot.startedAt > o.stallMs) slot.child.kill('SIGKILL');
    }, 5_000);
    log(`[fuzz] ${fuzzer}: ${planned.toLocaleString('en-US')} cases in ${total} chunks of ${o.chunk[fuzzer]}, seeds ${o.seed}..${(o.seed + total - 1) | 0}, ${workers} worker process${workers === 1 ? '' : 'es'}`);
    for (let i = 0; i < workers; i++) spawn();
  });
}

export async function main(argv: readonly string[], script: string): Promise<number> {
  const log = (line: string): void => void process.stdout.write(`${line}\n`);
  let o: CampaignOptions;
  try {
    o = parseArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const t0 = Date.now();
  const summaries: string[] = [];
  let failed = 0;
  let cpuMs = 0;

  if (o.only.has('escapes')) {
    const c0 = process.cpuUsage();
    const guards = armGuards();
    try {
      const r = runEscapeCorpus(guards);
      for (const s of [r.direct, r.placed, r.documents]) summaries.push(s.summary());
    } catch (err) {
      failed++;
      log(`[fuzz] escapes FAILURE: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      guards.dispose();
    }
    const c = process.cpuUsage(c0);
    cpuMs += (c.user + c.system) / 1000;
    log(summaries[summaries.length - 1] ?? '[fuzz] escapes: failed');
  }
  if (o.only.has('limits')) {
    // Documents as large as the limits allow, at growing sizes: the cost table, and which calls pass the cap.
    const c0 = process.cpuUsage();
    const rows = measureShapes([64 * 1024, 256 * 1024, 1000 * 1024]);
    const c = process.cpuUsage(c0);
    cpuMs += (c.user + c.system) / 1000;
    const over = rows.filter((r) => r.ms > CALL_CAP_MS);
    const known = [...new Set(over.map((r) => knownSlowShape(r.diagnostics) ?? 'many nodes, linear'))];
    log(`[fuzz] limits: ${rows.length} pathological documents, max ${Math.max(...rows.map((r) => r.ms)).toFixed(0)} ms CPU, ${over.length} over the ${CALL_CAP_MS} ms cap${known.length > 0 ? ` (${known.join(', ')})` : ''}\n${formatRows(rows)}`);
    summaries.push(`[fuzz] limits: ${rows.length} documents up to 1 MiB, ${over.length} over the cap, slowest ${[...rows].sort((a, b) => b.ms - a.ms)[0]?.shape ?? ''} at ${Math.max(...rows.map((r) => r.ms)).toFixed(0)} ms CPU`);
  }
  for (const fuzzer of ['dsl', 'api'] as const) {
    if (!o.only.has(fuzzer) || o.runs[fuzzer] === 0) continue;
    const r = await runFuzzer(fuzzer, o, script, log);
    failed += r.failures.length;
    cpuMs += r.cpuMs;
    summaries.push(`${r.stats.summary(fuzzer === 'api' ? 'ms wall' : 'ms CPU')} | ${r.failures.length} failures, ${(r.cpuMs / 1000).toFixed(0)} s CPU in workers`);
    for (const f of r.failures) summaries.push(`  failed: ${f.message.split('\n')[0] ?? ''} -- replay: npm run fuzz -- ${f.replay}`);
  }
  log('');
  for (const s of summaries) log(s);
  log(`[fuzz] done in ${duration(Date.now() - t0)} (${(cpuMs / 1000).toFixed(0)} s CPU), seed ${o.seed}: ${failed === 0 ? 'no failures' : `${failed} FAILURES`}`);
  return failed === 0 ? 0 : 1;
}
