/**
 * A Temporal client in memory, for fuzzing the API without a server: the
 * calls server/temporal.ts and runtime/*.ts make (start, describe, query,
 * result, signal, cancel, fetchHistory, list, withDeadline), answering the
 * way the real client does, including its errors (unknown run:
 * WorkflowNotFoundError; id taken: WorkflowExecutionAlreadyStartedError).
 *
 * Start arguments, signal payloads and memos go through the SDK's default
 * payload converter, as with a real server, so a request whose data the SDK
 * cannot serialise fails here as it would in production.
 *
 * Runs are RUNNING until cancelled. Only what the API reads is modelled.
 */
import type { Client } from '@temporalio/client';
import { CancelledFailure, defaultPayloadConverter, RetryState, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';

interface FakeRun {
  id: string;
  runId: string;
  state: 'RUNNING' | 'CANCELLED';
  startTime: Date;
  closeTime: Date | null;
  memo: Record<string, unknown>;
  searchAttributes: Record<string, unknown[]>;
  signals: number;
}

export interface FakeTemporal {
  client: Client;
  runs: Map<string, FakeRun>;
  /** Calls made, by name (for the summary). */
  calls: Map<string, number>;
}

function plainRecord(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? Object.fromEntries(Object.entries(v)) : {};
}

export function fakeTemporal(): FakeTemporal {
  const runs = new Map<string, FakeRun>();
  const calls = new Map<string, number>();
  const called = (name: string): void => void calls.set(name, (calls.get(name) ?? 0) + 1);
  let serial = 0;

  const find = (id: string, runId?: string): FakeRun => {
    const r = runs.get(id);
    if (!r || (runId !== undefined && runId !== r.runId)) throw new WorkflowNotFoundError(`workflow not found for ID: ${id}`, id, runId);
    return r;
  };

  const handle = (id: string, runId?: string) => ({
    workflowId: id,
    async describe() {
      called('describe');
      const r = find(id, runId);
      return { workflowId: r.id, runId: r.runId, type: 'swarmWorkflow', status: { name: r.state }, startTime: r.startTime, closeTime: r.closeTime ?? undefined, memo: r.memo, searchAttributes: r.searchAttributes, historyLength: 3 };
    },
    async query(_name: string, after: unknown) {
      called('query');
      const r = find(id, runId);
      const seq = typeof after === 'number' ? after : 0;
      return {
        runId: r.id, swarm: String(r.memo.swarm ?? ''), version: Number(r.memo.version ?? 0), status: r.state === 'RUNNING' ? 'running' : 'cancelled',
        steps: {}, usage: { steps: 0, tokens: 0 }, budget: { steps: 0, tokens: 0 }, agents: { running: 0, queued: 0, done: 0 }, subAgents: {},
        currentSteps: [], continuedAsNew: 0, historyLength: 3, events: seq < 1 ? [{ seq: 1, type: 'run.started' }] : [], lastSeq: 1,
      };
    },
    async result() {
      called('result');
      const r = find(id, runId);
      if (r.state === 'CANCELLED') throw new WorkflowFailedError('Workflow execution cancelled', new CancelledFailure('cancelled', [{ status: 'cancelled', output: null, error: 'cancelled', steps: {}, usage: { steps: 0, tokens: 0 }, continuedAsNew: 0 }]), RetryState.NON_RETRYABLE_FAILURE);
      return { status: 'succeeded', output: null, error: null, steps: {}, usage: { steps: 0, tokens: 0 }, continuedAsNew: 0 };
    },
    async signal(name: string, payload: unknown) {
      called('signal');
      const r = find(id, runId);
      defaultPayloadConverter.toPayload([name, payload]);
      r.signals++;
    },
    async cancel() {
      called('cancel');
      const r = find(id, runId);
      r.state = 'CANCELLED';
      r.closeTime = new Date();
    },
    async fetchHistory() {
      called('fetchHistory');
      const r = find(id, runId);
      return { events: [{ eventId: '1', eventType: 1, workflowExecutionStartedEventAttributes: { workflowType: { name: 'swarmWorkflow' }, firstExecutionRunId: r.runId } }] };
    },
  });

  const client = {
    workflow: {
      async start(type: string, o: { workflowId: string; args?: unknown[]; memo?: unknown; searchAttributes?: unknown }) {
        called('start');
        // What the real client does first: serialise everything it sends.
        defaultPayloadConverter.toPayload(o.args ?? []);
        defaultPayloadConverter.toPayload(o.memo ?? {});
        const existing = runs.get(o.workflowId);
        if (existing) throw new WorkflowExecutionAlreadyStartedError('Workflow execution already started', o.workflowId, type);
        const searchAttributes: Record<string, unknown[]> = {};
        for (const [k, v] of Object.entries(plainRecord(o.searchAttributes))) if (Array.isArray(v)) searchAttributes[k] = v;
        const r: FakeRun = { id: o.workflowId, runId: `run-${++serial}`, state: 'RUNNING', startTime: new Date(), closeTime: null, memo: plainRecord(o.memo), searchAttributes, signals: 0 };
        runs.set(r.id, r);
        return handle(r.id);
      },
      getHandle(id: string, runId?: string) {
        return handle(id, runId);
      },
      list(_o: { query?: string; pageSize?: number }) {
        called('list');
        const rows = [...runs.values()].reverse().map((r) => ({ workflowId: r.id, runId: r.runId, status: { name: r.state }, startTime: r.startTime, closeTime: r.closeTime ?? undefined, searchAttributes: r.searchAttributes }));
        return (async function* () {
          yield* rows;
        })();
      },
    },
    async withDeadline<T>(_deadline: number, fn: () => Promise<T>): Promise<T> {
      return fn();
    },
    connection: { async close() {} },
  };
  // A structural stand-in for the SDK's Client: only the members above are used (see the file comment).
  return { client: client as unknown as Client, runs, calls };
}
