/**
 * Whole-run histories: every continue-as-new execution of the root and of
 * every child (agents, child swarms), exported to one JSON file, and replayed
 * against the current workflow code to prove it still reproduces them.
 */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { History } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { WORKFLOWS_ENTRY } from './bundle';

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
export function readExport(json: unknown, source: string): { workflowId: string; runId: string; history: History }[] {
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

/** Replays every history; reports the first divergence of each. */
export async function replayHistories(items: { workflowId: string; runId: string; history: History }[], bundlePath?: string | null): Promise<ReplayReport[]> {
  const reports: ReplayReport[] = [];
  const source = bundlePath ? { workflowBundle: { codePath: bundlePath } } : { workflowsPath: WORKFLOWS_ENTRY };
  const iter = Worker.runReplayHistories(source, items.map((i) => ({ workflowId: i.workflowId, history: i.history })));
  let n = 0;
  for await (const r of iter) {
    const item = items[n++];
    reports.push({ workflowId: r.workflowId, runId: item?.runId ?? '', ok: !r.error, error: r.error ? (r.error instanceof Error ? r.error.message : String(r.error)) : null });
  }
  return reports;
}
