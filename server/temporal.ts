/**
 * The API's view of Temporal: a run's state, progress, outcome, signals,
 * cancellation, history and the list of runs, with Temporal's errors turned
 * into API errors (unknown run -> 404, id taken -> 409, server unreachable ->
 * 503). Everything goes through runtime/runs.ts and runtime/history.ts, so a
 * run looks the same from the CLI and from the API.
 */
import { WorkflowNotFoundError, isGrpcServiceError, type Client, type WorkflowExecutionDescription } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Json } from '../dsl/ir';
import { exportRunHistory, type ExportedRun } from '../runtime/history';
import { InvalidRunInputError, queryProgress, waitForRun, type RunOutcome } from '../runtime/runs';
import type { Progress, RunStatus } from '../workflows/types';
import { ApiError } from './errors';
import { isRunStatus } from './store/rows';

/** gRPC codes that mean "Temporal is not reachable right now". */
const UNAVAILABLE = new Set([14 /* UNAVAILABLE */, 4 /* DEADLINE_EXCEEDED */]);

function grpcCode(err: unknown): number | null {
  for (let e: unknown = err, i = 0; e && i < 5; e = (e as { cause?: unknown }).cause, i++) {
    if (isGrpcServiceError(e)) return e.code;
  }
  return null;
}

/** Turns what Temporal and runtime/runs.ts throw into API errors; anything else passes through (500). */
export function temporalError(err: unknown, id?: string): unknown {
  if (err instanceof ApiError) return err;
  if (err instanceof WorkflowNotFoundError) return new ApiError('not_found', `run ${id ?? err.workflowId} does not exist (list runs with GET /v1/runs)`);
  if (err instanceof WorkflowExecutionAlreadyStartedError) return new ApiError('conflict', `run ${id ?? err.workflowId} already exists: choose another id, or leave "id" out for a random one`);
  if (err instanceof InvalidRunInputError) return new ApiError('invalid_input', err.summary, err.problems);
  const code = grpcCode(err);
  if (code === 5 /* NOT_FOUND */) return new ApiError('not_found', `${id ? `run ${id}` : 'the run'} does not exist (list runs with GET /v1/runs)`);
  if (code !== null && UNAVAILABLE.has(code)) return new ApiError('temporal_unavailable', 'Temporal did not answer in time: check that it is running (swarmflow dev, or TEMPORAL_ADDRESS)');
  return err;
}

export type ClientSource = () => Promise<Client> | Client;

export class RunGateway {
  constructor(
    private readonly source: ClientSource,
    private readonly queryTimeoutMs = 5000,
  ) {}

  async client(): Promise<Client> {
    try {
      return await this.source();
    } catch (err) {
      throw new ApiError('temporal_unavailable', `cannot reach Temporal (${err instanceof Error ? (err.message.split('\n')[0] ?? '') : String(err)}): start it with \`swarmflow dev\`, or set TEMPORAL_ADDRESS`);
    }
  }

  /** Wraps a Temporal call: errors become API errors. */
  async call<T>(id: string | undefined, fn: (c: Client) => Promise<T>): Promise<T> {
    const c = await this.client();
    try {
      return await fn(c);
    } catch (err) {
      throw temporalError(err, id);
    }
  }

  describe(id: string): Promise<WorkflowExecutionDescription> {
    return this.call(id, (c) => c.workflow.getHandle(id).describe());
  }

  /**
   * Progress with the events after `after`, or null when no worker can answer
   * (none picked the run up yet, or it closed and its workers are gone). A
   * deadline keeps a query to a closed run without workers from hanging.
   */
  async progress(id: string, after: number, timeoutMs = this.queryTimeoutMs): Promise<Progress | null> {
    const c = await this.client();
    try {
      return await c.withDeadline(Date.now() + timeoutMs, () => queryProgress(c, id, after));
    } catch (err) {
      const mapped = temporalError(err, id);
      if (mapped instanceof ApiError && mapped.code === 'not_found') throw mapped;
      return null;
    }
  }

  /** The outcome of a closed run (returns at once for a closed one; do not call on a running one). */
  outcome(id: string): Promise<RunOutcome> {
    return this.call(id, (c) => waitForRun(c.workflow.getHandle(id)));
  }

  async signal(id: string, name: string, payload: Json): Promise<void> {
    await this.requireRunning(id, 'signal');
    await this.call(id, (c) => c.workflow.getHandle(id).signal(name, payload));
  }

  async cancel(id: string): Promise<void> {
    await this.requireRunning(id, 'cancel');
    await this.call(id, (c) => c.workflow.getHandle(id).cancel());
  }

  history(id: string): Promise<ExportedRun> {
    return this.call(id, (c) => exportRunHistory(c, id));
  }

  private async requireRunning(id: string, what: string): Promise<void> {
    const d = await this.describe(id);
    if (d.status.name !== 'RUNNING') throw new ApiError('conflict', `run ${id} has ended (${d.status.name.toLowerCase()}): there is nothing to ${what}`);
  }

  /** Root runs, newest first (child swarms, whose ids have more parts, are left out). */
  async list(o: { limit: number; swarm?: string }): Promise<ListedRun[]> {
    // The swarm name is checked against ^[a-z][a-z0-9-]*$ before it gets here, so it cannot break out of the quotes.
    const query = o.swarm ? `WorkflowType = 'swarmWorkflow' AND SwarmName = '${o.swarm}'` : `WorkflowType = 'swarmWorkflow'`;
    return this.call(undefined, async (c) => {
      const rows: ListedRun[] = [];
      for await (const w of c.workflow.list({ query, pageSize: Math.min(o.limit * 2, 1000) })) {
        if (w.workflowId.split('/').length !== 2) continue;
        const sa = w.searchAttributes as Record<string, unknown[] | undefined>;
        const status = sa.SwarmStatus?.[0];
        rows.push({
          id: w.workflowId,
          swarm: typeof sa.SwarmName?.[0] === 'string' ? sa.SwarmName[0] : (w.workflowId.split('/')[0] ?? ''),
          version: typeof sa.SwarmVersion?.[0] === 'number' ? sa.SwarmVersion[0] : null,
          status: statusOf(w.status.name, isRunStatus(status) ? status : null),
          startedAt: w.startTime.toISOString(),
          closedAt: w.closeTime ? w.closeTime.toISOString() : null,
          steps: typeof sa.SwarmSteps?.[0] === 'number' ? sa.SwarmSteps[0] : null,
          tokens: typeof sa.SwarmTokens?.[0] === 'number' ? sa.SwarmTokens[0] : null,
        });
        if (rows.length >= o.limit) break;
      }
      return rows;
    });
  }
}

export interface ListedRun {
  id: string;
  swarm: string;
  version: number | null;
  status: RunStatus;
  startedAt: string;
  closedAt: string | null;
  steps: number | null;
  tokens: number | null;
}

/**
 * A run's status from Temporal's execution status, refined by what the
 * workflow reported (its search attribute or progress), since Temporal calls
 * a run that ended with `budget_exhausted` simply COMPLETED.
 */
export function statusOf(temporalStatus: string, reported: RunStatus | null): RunStatus {
  switch (temporalStatus) {
    case 'RUNNING':
    case 'CONTINUED_AS_NEW':
      return 'running';
    case 'COMPLETED':
      return reported && reported !== 'running' ? reported : 'succeeded';
    case 'FAILED':
      return reported && reported !== 'running' && reported !== 'succeeded' ? reported : 'failed';
    case 'CANCELLED':
    case 'TERMINATED':
      return 'cancelled';
    case 'TIMED_OUT':
      return 'deadline_exceeded';
    default:
      return reported ?? 'running';
  }
}

/** The memo startRun writes: `{ swarm, version, irSha256 }`, read defensively. */
export function memoOf(d: { memo?: Record<string, unknown> }): { swarm: string | null; version: number | null; irSha256: string | null } {
  const m = d.memo ?? {};
  return {
    swarm: typeof m.swarm === 'string' ? m.swarm : null,
    version: typeof m.version === 'number' && Number.isInteger(m.version) ? m.version : null,
    irSha256: typeof m.irSha256 === 'string' ? m.irSha256 : null,
  };
}
