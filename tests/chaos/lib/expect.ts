/**
 * The check every crash and chaos test makes of a faulted run: it ended
 * like its undisturbed twin (same status, steps and result), and the effect
 * ledger shows every effect of the twin once, none missing, doubled, extra
 * or changed. The calm twin's count is checked too, so the comparison is
 * never between two empty runs.
 */
import type { RunReport } from './scenario';
import type { Workload } from './workloads';

export function expectLikeCalmTwin(run: RunReport | undefined, w: Workload): void {
  if (!run) throw new Error(`the report of ${w.label} is missing`);
  expect({ run: run.label, status: run.status, steps: run.steps }).toEqual({ run: w.label, status: 'succeeded', steps: w.expectedSteps });
  expect(run.differences).toEqual([]);
  expect(run.audit.expected).toBe(w.expectedEffects);
  expect(run.audit.missing).toEqual([]);
  expect(run.audit.doubled).toEqual([]);
  expect(run.audit.extra).toEqual([]);
  expect(run.audit.changed).toEqual([]);
}
