/**
 * The pure parts of the retry rule and of fair leases, without Temporal:
 * which failures count against a step's `retry`, and how a lease is sized.
 * (tests/workflows/infra-retry.test.ts and budget.test.ts run them on the
 * dev server.)
 */
import { ActivityFailure, ApplicationFailure, CancelledFailure, TimeoutFailure } from '@temporalio/common';
import { classifyFailure } from '../../workflows/retry';
import { Budget } from '../../workflows/budget';

const activityFailure = (cause: Error): ActivityFailure => new ActivityFailure('activity failed', 'toolCall', '1', 'MAXIMUM_ATTEMPTS_REACHED', 'worker', cause);

describe('classifyFailure', () => {
  test('a heartbeat timeout is infrastructure, whatever the activity', () => {
    const err = activityFailure(new TimeoutFailure('activity Heartbeat timeout', undefined, 'HEARTBEAT'));
    expect(classifyFailure(err, true)).toBe('infrastructure');
    expect(classifyFailure(err, false)).toBe('infrastructure');
  });

  test('start-to-close is the step\'s own timeout when the activity heartbeats, infrastructure when it cannot tell', () => {
    const err = activityFailure(new TimeoutFailure('activity StartToClose timeout', undefined, 'START_TO_CLOSE'));
    expect(classifyFailure(err, true)).toBe('application');
    expect(classifyFailure(err, false)).toBe('infrastructure');
  });

  test('the deadline (schedule-to-close), a non-retryable error and a cancellation end the call', () => {
    expect(classifyFailure(activityFailure(new TimeoutFailure('deadline', undefined, 'SCHEDULE_TO_CLOSE')), true)).toBe('final');
    expect(classifyFailure(activityFailure(ApplicationFailure.nonRetryable('bad expression', 'ExpressionError')), true)).toBe('final');
    expect(classifyFailure(activityFailure(new CancelledFailure('cancelled')), true)).toBe('final');
    expect(classifyFailure(new Error('not an activity failure'), true)).toBe('final');
  });

  test('a retryable error the activity threw counts against the step\'s retry', () => {
    expect(classifyFailure(activityFailure(ApplicationFailure.retryable('endpoint down', 'AllEndpointsFailedError')), true)).toBe('application');
  });
});

describe('Budget.fairLease', () => {
  test('shares what is left among the agents still to run, between need and want', () => {
    const b = new Budget({ steps: 60, tokens: 1_000_000 }, { steps: 0, tokens: 0 });
    // 20 agents, one asking: 60 / 20 = 3 each, under the 8 it would like.
    expect(b.fairLease({ steps: 1, tokens: 100 }, { steps: 8, tokens: 1000 }, 20)).toEqual({ steps: 3, tokens: 1000 });
    expect(b.available.steps).toBe(57);
    // Alone, it gets what it wants, no more.
    expect(b.fairLease({ steps: 1, tokens: 0 }, { steps: 8, tokens: 0 }, 1)).toEqual({ steps: 8, tokens: 0 });
  });

  test('grants at least the need when it fits, and only what is there when it does not', () => {
    const b = new Budget({ steps: 5, tokens: 1000 }, { steps: 0, tokens: 0 });
    expect(b.fairLease({ steps: 2, tokens: 0 }, { steps: 8, tokens: 0 }, 100)).toEqual({ steps: 2, tokens: 0 });
    expect(b.reserve({ steps: 2, tokens: 0 })).toBe(true);
    expect(b.fairLease({ steps: 2, tokens: 0 }, { steps: 8, tokens: 0 }, 1)).toEqual({ steps: 1, tokens: 0 });
    expect(b.fits({ steps: 1, tokens: 0 })).toBe(false);
  });

  test('a rest given back is free again; settling counts only what was spent', () => {
    const b = new Budget({ steps: 10, tokens: 0 }, { steps: 0, tokens: 0 });
    const lease = b.lease({ steps: 8, tokens: 0 });
    b.release({ steps: 5, tokens: 0 });
    expect(b.available.steps).toBe(7);
    b.settle({ steps: 3, tokens: 0 }, { steps: 2, tokens: 0 });
    expect(lease.steps).toBe(8);
    expect(b.usage.steps).toBe(2);
    expect(b.available.steps).toBe(8);
  });
});
