/**
 * Whole-run histories: every continue-as-new execution of the root and of
 * every child (agents, child swarms), exported to one JSON file, and replayed
 * against the current workflow code to prove it still reproduces them.
 */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { History } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { WORKFLOWS_ENTRY } from './bundle';
import { metricsSinks } from './metrics';

export interface ExportedExecution {
  workflowId: string;
  runId: string;
  workflowType: string;
  events: number;
  /**
   * The history as protobuf's plain-object form (enums as names, 64-bit ints
   * and bytes as strings). The SDK's `historyToJSON` cannot be used: it and
   * the client carry different copies of protobufjs.
   */
  history: unknown;
}

export interface ExportedRun {
  swarmflowHistory: 1;
  runId: string;
  exportedAt: string;
  executions: ExportedExecution[];
}

/** Walks a run: its continue-as-new chain and, recursively, every child it started. */
export async function exportRunHistory(client: Client, workflowId: string): Promise<ExportedRun> {
  const executions: ExportedExecution[] = [];
  const seen = new Set<string>();
  const firstRunId = (await client.workflow.getHandle(workflowId).describe()).runId;
  const queue: { workflowId: string; runId: string | undefined }[] = [{ workflowId, runId: await chainStart(client, workflowId, firstRunId) }];
  while (queue.length > 0) {
    const next = queue.shift() as { workflowId: string; runId: string | undefined };
    const handle = client.workflow.getHandle(next.workflowId, next.runId);
    const history = await handle.fetchHistory();
    const runId = next.runId ?? (await handle.describe()).runId;
    const key = `${next.workflowId}#${runId}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const events = history.events ?? [];
    const started = events[0]?.workflowExecutionStartedEventAttributes;
    executions.push({ workflowId: next.workflowId, runId, workflowType: started?.workflowType?.name ?? 'unknown', events: events.length, history: historyToObject(history) });
    for (const e of events) {
      const child = e.childWorkflowExecutionStartedEventAttributes?.workflowExecution;
      if (child?.workflowId && child.runId) queue.push({ workflowId: child.workflowId, runId: child.runId });
      const cont = e.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
      if (cont) queue.push({ workflowId: next.workflowId, runId: cont });
    }
  }
  return { swarmflowHistory: 1, runId: workflowId, exportedAt: new Date().toISOString(), executions };
}

/** The first execution of a continue-as-new chain, found through `firstExecutionRunId`. */
async function chainStart(client: Client, workflowId: string, latestRunId: string): Promise<string> {
  const history = await client.workflow.getHandle(workflowId, latestRunId).fetchHistory();
  const first = history.events?.[0]?.workflowExecutionStartedEventAttributes?.firstExecutionRunId;
  return first || latestRunId;
}

export interface ReplayReport {
  workflowId: string;
  runId: string;
  ok: boolean;
  error: string | null;
}

/** Parses an exported file (ours, or one history as Temporal prints it). */
export function readExport(json: unknown, source: string): ReplayItem[] {
  if (typeof json === 'object' && json !== null && (json as { swarmflowHistory?: unknown }).swarmflowHistory === 1) {
    const execs = (json as { executions?: unknown }).executions;
    if (!Array.isArray(execs)) throw new Error(`${source}: "executions" is missing or not a list`);
    return execs.map((e: unknown, i) => {
      const x = e as Partial<ExportedExecution>;
      if (typeof x.workflowId !== 'string' || typeof x.runId !== 'string') throw new Error(`${source}: execution ${i} has no workflowId/runId`);
      return { workflowId: x.workflowId, runId: x.runId, history: historyFromObject(x.history, `${source}: execution ${i}`) };
    });
  }
  return [{ workflowId: source, runId: '', history: historyFromObject(json, source) }];
}

const HistoryProto = temporal.api.history.v1.History;

export function historyToObject(history: History): unknown {
  return HistoryProto.toObject(HistoryProto.fromObject(history), { longs: String, enums: String, bytes: String });
}

export function historyFromObject(obj: unknown, where: string): History {
  if (typeof obj !== 'object' || obj === null || !Array.isArray((obj as { events?: unknown }).events)) throw new Error(`${where}: not a history (no "events" list)`);
  try {
    return HistoryProto.fromObject(obj as Record<string, unknown>);
  } catch (err) {
    throw new Error(`${where}: not a readable history (${err instanceof Error ? err.message : String(err)})`);
  }
}

export interface ReplayOptions {
  /**
   * Replay processes. The SDK replays one history at a time on one thread
   * (~0.4 ms of CPU per event here, most of it the SDK's own per-activation
   * work), so a long run's executions are shared out over child processes.
   * Default: one per CPU (at most 4) when there are several executions and
   * more than REPLAY_PARALLEL_MIN_EVENTS events; 1 replays in this process.
   */
  processes?: number;
}

/**
 * Below this many events a child process's start-up (~1 s of module and
 * bundle loading) costs more than it saves. Measured on 2 loaded cores: 6,000
 * events in 3 executions replayed slower over 2 processes (7.8 s vs 5.2 s);
 * 24,000 events in 9 executions faster (21 s vs 25 to 29 s).
 */
export const REPLAY_PARALLEL_MIN_EVENTS = 12_000;

/** Replays every history against the bundle (or the workflow sources); reports the first divergence of each, in input order. */
export async function replayHistories(items: ReplayItem[], bundlePath?: string | null, options: ReplayOptions = {}): Promise<ReplayReport[]> {
  const processes = Math.max(1, Math.min(options.processes ?? defaultReplayProcesses(items), items.length));
  // Children need the compiled child module and a prebuilt bundle (each would otherwise run webpack itself).
  if (processes === 1 || !bundlePath || !fs.existsSync(REPLAY_CHILD)) return replayInProcess(items, bundlePath);
  const chunks = shareOut(items, processes);
  const results = await Promise.all(chunks.map((chunk) => replayInChild(chunk.map((c) => c.item), bundlePath)));
  const reports: ReplayReport[] = new Array<ReplayReport>(items.length);
  chunks.forEach((chunk, i) => chunk.forEach((c, j) => (reports[c.index] = results[i]?.[j] ?? { workflowId: c.item.workflowId, runId: c.item.runId, ok: false, error: 'no report from the replay process' })));
  return reports;
}

export interface ReplayItem {
  workflowId: string;
  runId: string;
  history: History;
}

function defaultReplayProcesses(items: ReplayItem[]): number {
  const events = items.reduce((n, i) => n + (i.history.events?.length ?? 0), 0);
  if (items.length < 2 || events < REPLAY_PARALLEL_MIN_EVENTS) return 1;
  return Math.min(4, os.availableParallelism());
}

/** Largest first onto the least-loaded process, by event count. */
function shareOut(items: ReplayItem[], n: number): { index: number; item: ReplayItem }[][] {
  const chunks: { index: number; item: ReplayItem }[][] = Array.from({ length: n }, () => []);
  const load = new Array<number>(n).fill(0);
  const order = items.map((item, index) => ({ index, item })).sort((a, b) => (b.item.history.events?.length ?? 0) - (a.item.history.events?.length ?? 0));
  for (const o of order) {
    const k = load.indexOf(Math.min(...load));
    chunks[k]?.push(o);
    load[k] = (load[k] ?? 0) + (o.item.history.events?.length ?? 0);
  }
  return chunks.filter((c) => c.length > 0).map((c) => c.sort((a, b) => a.index - b.index));
}

/** One replay worker in this process: histories one after another. */
export async function replayInProcess(items: ReplayItem[], bundlePath?: string | null): Promise<ReplayReport[]> {
  const reports: ReplayReport[] = [];
  const source = bundlePath ? { workflowBundle: { codePath: bundlePath } } : { workflowsPath: WORKFLOWS_ENTRY };
  // The workflow calls the run-finished sink; registered (never called during replay) so the SDK does not log an error per run.
  const iter = Worker.runReplayHistories({ ...source, sinks: metricsSinks() }, items.map((i) => ({ workflowId: i.workflowId, history: i.history })));
  let n = 0;
  for await (const r of iter) {
    const item = items[n++];
    reports.push({ workflowId: r.workflowId, runId: item?.runId ?? '', ok: !r.error, error: r.error ? (r.error instanceof Error ? r.error.message : String(r.error)) : null });
  }
  return reports;
}

/**
 * For a process that only replays (runtime/replay-child.ts): nothing ever
 * asks a replay for a stack trace (the `__stack_trace` query behind a live
 * worker's Stack Trace tab in the Temporal UI), yet the SDK records one for
 * every promise the workflow creates, through a V8 promise hook that also
 * runs for every promise the SDK creates around it: a third of replay time
 * (bench figure 4). Without the hook the SDK runs as it does where V8 has
 * none, its supported "stack traces off" mode; the commands, and so the
 * verdicts, are the same (tests/runtime/history-parallel.test.ts). The hook
 * is internal to the SDK (`globalHandlers` of
 * @temporalio/worker/lib/workflow/vm-shared, pinned 1.24.x): if it is not
 * where this expects it, or already installed, this returns false and
 * changes nothing. Never call it in a process that runs live workers.
 */
export function disableStackTraceHook(handlers: unknown): boolean {
  if (typeof handlers !== 'object' || handlers === null) return false;
  if (Reflect.get(handlers, 'installed') !== false || typeof Reflect.get(handlers, 'setPromiseHook') !== 'function') return false;
  return Reflect.set(handlers, 'setPromiseHook', () => undefined);
}

/** The compiled child (dist/runtime/replay-child.js); absent when running from sources (jest), where replay stays in-process. */
const REPLAY_CHILD = path.join(__dirname, 'replay-child.js');

/** Histories cross as protobuf bytes (structured clone), far cheaper than the JSON object form. */
export interface ReplayChildRequest {
  bundlePath: string;
  items: { workflowId: string; runId: string; bytes: Uint8Array }[];
}

async function replayInChild(items: ReplayItem[], bundlePath: string): Promise<ReplayReport[]> {
  const child = fork(REPLAY_CHILD, [], { serialization: 'advanced', stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const request: ReplayChildRequest = { bundlePath, items: items.map((i) => ({ workflowId: i.workflowId, runId: i.runId, bytes: HistoryProto.encode(HistoryProto.fromObject(i.history)).finish() })) };
  return new Promise<ReplayReport[]>((resolve, reject) => {
    let done = false;
    child.once('message', (msg: unknown) => {
      done = true;
      const reports = (msg as { reports?: unknown }).reports;
      if (Array.isArray(reports) && reports.every(isReplayReport)) resolve(reports);
      else reject(new ReplayChildError(`sent an unreadable answer: ${JSON.stringify(msg).slice(0, 200)}`));
    });
    child.once('error', (err) => reject(new ReplayChildError(err.message)));
    child.once('exit', (code, signal) => {
      if (!done) reject(new ReplayChildError(`exited (${signal ?? code}) before answering`));
    });
    child.send(request);
  });
}

export class ReplayChildError extends Error {
  constructor(detail: string) {
    super(`replay child process (${REPLAY_CHILD}) ${detail}; replay in one process with { processes: 1 }`);
    this.name = 'ReplayChildError';
  }
}

export function isReplayReport(x: unknown): x is ReplayReport {
  if (typeof x !== 'object' || x === null) return false;
  const r = x as Record<string, unknown>;
  return typeof r.workflowId === 'string' && typeof r.runId === 'string' && typeof r.ok === 'boolean' && (r.error === null || typeof r.error === 'string');
}

/** Decodes a child's request (the child's side of the protocol). */
export function readChildRequest(msg: unknown): { bundlePath: string; items: ReplayItem[] } {
  const m = msg as Partial<ReplayChildRequest> | null;
  if (!m || typeof m.bundlePath !== 'string' || !Array.isArray(m.items)) throw new ReplayChildError('got a malformed request');
  return {
    bundlePath: m.bundlePath,
    items: m.items.map((i, n) => {
      if (typeof i?.workflowId !== 'string' || typeof i.runId !== 'string' || !(i.bytes instanceof Uint8Array)) throw new ReplayChildError(`got a malformed item ${n}`);
      return { workflowId: i.workflowId, runId: i.runId, history: HistoryProto.decode(i.bytes) };
    }),
  };
}
