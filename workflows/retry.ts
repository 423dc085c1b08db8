/**
 * How every activity of a run is scheduled and retried: the one place for
 * activity options (tool and model calls of the root and of agents, Skill
 * capture, run resolution).
 *
 * The rule: an infrastructure failure (a heartbeat timeout: the worker died
 * or lost the server; a start-to-close timeout of an activity that does not
 * heartbeat) says nothing about the call, so it is retried with no attempt
 * cap, until `retryUntil` (the run's deadline). An application failure (the
 * activity threw: a model endpoint refused, an answer off its schema, an
 * attempt longer than the step's `timeout`) counts against the author's
 * `retry` (the engine's policy when none is written); a non-retryable one
 * ends the call at once. Temporal's own retry policy cannot tell the two
 * apart (every attempt counts), so each attempt is scheduled with
 * `maximumAttempts: 1` and the loop below decides.
 *
 * Before the patch `infra-retry-uncapped` the options were fixed per call
 * site (`legacy`); histories recorded then replay with them.
 */
import * as wf from '@temporalio/workflow';
import type { RetryIR } from '../dsl/ir';
import type { SwarmActivities } from '../activities/registry';
import { act } from './act';

export const INFRA_RETRY_PATCH = 'infra-retry-uncapped';

/** The engine's policy when a step has no `retry`. */
export const DEFAULT_RETRY: RetryIR = { maxAttempts: 5, initialIntervalMs: 1000, backoffCoefficient: 2, maxIntervalMs: 60_000 };

/** Pause before re-scheduling after the second and later infrastructure failures of a call: 1 s, doubling, at most 30 s (the first is rescheduled at once). */
const INFRA_BACKOFF = { initialMs: 1000, coefficient: 2, maxMs: 30_000 };

export interface CallOptions {
  taskQueue: string;
  summary: string;
  /** Longest one attempt may take (the step's `timeout`, or the kind's default). */
  attemptTimeoutMs: number;
  /** Set for activities that heartbeat; null for those that do not. */
  heartbeatTimeoutMs: number | null;
  /** The author's retry; null = DEFAULT_RETRY. Counts application failures only. */
  retry: RetryIR | null;
  /** Epoch ms (workflow time) after which an infrastructure failure is no longer retried. */
  retryUntil: number;
}

export type FailureKind = 'infrastructure' | 'application' | 'final';

/** Sorts an activity's failure by what a retry can do about it. */
export function classifyFailure(err: unknown, heartbeats: boolean): FailureKind {
  if (!(err instanceof wf.ActivityFailure)) return 'final';
  if (wf.isCancellation(err)) return 'final';
  const cause = err.cause;
  if (cause instanceof wf.TimeoutFailure) {
    if (cause.timeoutType === 'HEARTBEAT') return 'infrastructure';
    // A heartbeating activity that ran past start-to-close was alive and slow: the step's own timeout.
    if (cause.timeoutType === 'START_TO_CLOSE') return heartbeats ? 'application' : 'infrastructure';
    return 'final';
  }
  if (cause instanceof wf.ApplicationFailure && cause.nonRetryable) return 'final';
  if (cause instanceof wf.TerminatedFailure || cause instanceof wf.CancelledFailure) return 'final';
  return 'application';
}

/** The Temporal retry policy of the author's `retry` (before the patch, and for children). */
export function retryPolicy(r: RetryIR | null): wf.RetryPolicy {
  const p = r ?? DEFAULT_RETRY;
  return { maximumAttempts: p.maxAttempts, initialInterval: p.initialIntervalMs, backoffCoefficient: p.backoffCoefficient, maximumInterval: p.maxIntervalMs };
}

function backoff(n: number, initialMs: number, coefficient: number, maxMs: number): number {
  return Math.min(maxMs, Math.round(initialMs * Math.pow(coefficient, Math.max(0, n - 1))));
}

/**
 * Schedules activity `name` and retries it by the rule above. `legacy` are
 * the options the call site used before the patch.
 */
export async function callActivity<K extends keyof SwarmActivities>(
  name: K,
  args: Parameters<SwarmActivities[K]>,
  o: CallOptions,
  legacy: wf.ActivityOptions,
): Promise<Awaited<ReturnType<SwarmActivities[K]>>> {
  if (!wf.patched(INFRA_RETRY_PATCH)) return await act(name, args, legacy);
  const policy = o.retry ?? DEFAULT_RETRY;
  let applicationFailures = 0;
  let infrastructureFailures = 0;
  for (let attempt = 1; ; attempt++) {
    const left = o.retryUntil - Date.now();
    const options: wf.ActivityOptions = {
      taskQueue: o.taskQueue,
      summary: attempt === 1 ? o.summary : `${o.summary} (attempt ${attempt})`,
      startToCloseTimeout: o.attemptTimeoutMs,
      // No attempt may outlive the bound: past it the call fails with a schedule-to-close timeout.
      scheduleToCloseTimeout: Math.max(1000, left),
      retry: { maximumAttempts: 1 },
    };
    if (o.heartbeatTimeoutMs !== null) options.heartbeatTimeout = o.heartbeatTimeoutMs;
    try {
      return await act(name, args, options);
    } catch (err) {
      // The bound reached (this attempt's schedule-to-close is the deadline): the deadline decides
      // how the run ends, not this step's timeout. The run's deadline timer fires first and cancels us.
      if (isScheduleToCloseTimeout(err)) await outliveTheBound(o.retryUntil, err);
      const kind = classifyFailure(err, o.heartbeatTimeoutMs !== null);
      if (kind === 'final') throw err;
      let delay: number;
      if (kind === 'application') {
        applicationFailures++;
        if (applicationFailures >= policy.maxAttempts) throw err;
        delay = backoff(applicationFailures, policy.initialIntervalMs, policy.backoffCoefficient, policy.maxIntervalMs);
      } else {
        infrastructureFailures++;
        // The first one is rescheduled at once: the task waits in the queue for a live worker, so a
        // killed worker's call resumes as soon as a replacement polls (a timer here cost a second and a
        // workflow task of every recovery). Repeated ones back off.
        delay = infrastructureFailures === 1 ? 0 : backoff(infrastructureFailures - 1, INFRA_BACKOFF.initialMs, INFRA_BACKOFF.coefficient, INFRA_BACKOFF.maxMs);
      }
      if (Date.now() + delay >= o.retryUntil) await outliveTheBound(o.retryUntil, err);
      if (delay > 0) await wf.sleep(delay);
    }
  }
}

function isScheduleToCloseTimeout(err: unknown): boolean {
  return err instanceof wf.ActivityFailure && err.cause instanceof wf.TimeoutFailure && err.cause.timeoutType === 'SCHEDULE_TO_CLOSE';
}

/**
 * Waits past `until` (the run's deadline), then throws `err`. When `until`
 * is the run's deadline, the root's deadline timer fires first and cancels
 * this wait, so the run ends `deadline_exceeded` rather than with this
 * call's timeout as a step failure (the two timers fire in the same instant
 * otherwise, and whichever the worker saw first decided). When nothing
 * cancels it (a bound that is not the run's deadline), the failure stands.
 */
async function outliveTheBound(until: number, err: unknown): Promise<never> {
  await wf.sleep(Math.max(0, until - Date.now()) + 1000);
  throw err;
}
