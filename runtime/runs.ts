/**
 * Starting, following and steering runs through the Temporal client. The
 * CLI, the API server and the tests all go through here, so a run looks the
 * same whoever started it.
 */
import { Client, Connection, WorkflowFailedError, WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure, TerminatedFailure, TimeoutFailure } from '@temporalio/common';
import type { DataConverter } from '@temporalio/common';
import { dataConverterFromEnv } from './codec/data-converter';
import { randomBytes } from 'node:crypto';
import type { Json, SwarmIR } from '../dsl/ir';
import type { Settings } from './config';
import { checkRunInput } from './run-input';
import { clientInterceptors, temporalConnectOptions } from './temporal-connection';
import { QUERIES, SWARM_TASK_QUEUE, type Progress, type RunStatus, type StepState, type SwarmOptions, type SwarmResult, type SwarmWorkflowInput } from '../workflows/types';

export async function connectClient(settings: Pick<Settings, 'temporalAddress' | 'namespace' | 'temporalSecurity'>, o: { dataConverter?: DataConverter } = {}): Promise<Client> {
  const connection = await Connection.connect({ address: settings.temporalAddress, connectTimeout: 10_000, interceptors: clientInterceptors(), ...temporalConnectOptions(settings.temporalSecurity) });
  return new Client({ connection, namespace: settings.namespace, dataConverter: o.dataConverter ?? dataConverterFromEnv() });
}

export { checkRunInput, InvalidRunInputError } from './run-input';

export function newRunId(): string {
  return randomBytes(6).toString('hex');
}

export interface StartRunOptions {
  ir: SwarmIR;
  input: Json;
  runId?: string;
  reuse?: Record<string, StepState>;
  options?: SwarmOptions;
}

export interface StartedRun {
  /** The run's id everywhere: the root workflow id, `swarm-name/run-id`. */
  id: string;
  handle: WorkflowHandle;
}

export async function startRun(client: Client, o: StartRunOptions): Promise<StartedRun> {
  checkRunInput(o.ir, o.input);
  const id = `${o.ir.name}/${o.runId ?? newRunId()}`;
  const args: SwarmWorkflowInput = { ir: o.ir, input: o.input, runId: id, startedAt: new Date().toISOString(), reuse: o.reuse, options: o.options };
  const handle = await client.workflow.start('swarmWorkflow', {
    workflowId: id,
    taskQueue: SWARM_TASK_QUEUE,
    args: [args],
    memo: { swarm: o.ir.name, version: o.ir.version, irSha256: o.ir.sha256 },
    searchAttributes: { SwarmName: [o.ir.name], SwarmVersion: [o.ir.version], SwarmStatus: ['running'], SwarmSteps: [0], SwarmTokens: [0] },
    staticSummary: `swarm ${o.ir.name} v${o.ir.version}`,
  });
  return { id, handle };
}

export interface RunOutcome {
  status: RunStatus;
  output: Json;
  error: string | null;
  result: SwarmResult | null;
}

/** Waits for a run's end and reads its outcome, whichever way it ended. */
export async function waitForRun(handle: WorkflowHandle): Promise<RunOutcome> {
  try {
    const result = (await handle.result()) as SwarmResult;
    return { status: result.status, output: result.output, error: result.error, result };
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) throw err;
    const cause = err.cause;
    const details = cause instanceof ApplicationFailure || cause instanceof CancelledFailure ? (cause.details?.[0] as SwarmResult | undefined) : undefined;
    if (cause instanceof CancelledFailure) return { status: 'cancelled', output: details?.output ?? null, error: 'the run was cancelled', result: details ?? null };
    if (cause instanceof TerminatedFailure) return { status: 'cancelled', output: null, error: 'the run was terminated', result: null };
    if (cause instanceof TimeoutFailure) return { status: 'deadline_exceeded', output: null, error: 'the run timed out', result: null };
    if (cause instanceof ApplicationFailure && cause.type === 'DeadlineExceeded') return { status: 'deadline_exceeded', output: details?.output ?? null, error: cause.message, result: details ?? null };
    return { status: 'failed', output: details?.output ?? null, error: cause?.message ?? err.message, result: details ?? null };
  }
}

export async function queryProgress(client: Client, id: string, after = 0): Promise<Progress> {
  return client.workflow.getHandle(id).query<Progress, [number]>(QUERIES.progress, after);
}

export function isNotFound(err: unknown): boolean {
  return err instanceof WorkflowNotFoundError;
}

/** Exit codes of `run` and `rerun`: 0 succeeded, 1 failed, 3 cancelled or timed out. */
export function exitCodeFor(status: RunStatus): number {
  if (status === 'succeeded') return 0;
  if (status === 'cancelled' || status === 'deadline_exceeded') return 3;
  return 1;
}
