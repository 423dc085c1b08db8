/**
 * The hand-written Temporal workflow that the interpreter is measured
 * against: N sequential no-op activities, nothing else.
 */
import { proxyActivities } from '@temporalio/workflow';

const { noop } = proxyActivities<{ noop(i: number): Promise<number> }>({ startToCloseTimeout: '1 minute', retry: { maximumAttempts: 3 } });

export async function baselineWorkflow(n: number): Promise<number> {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += await noop(i);
  return sum;
}
