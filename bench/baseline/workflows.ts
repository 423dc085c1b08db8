/**
 * Hand-written Temporal workflows that the interpreter is measured against:
 * the same work with nothing else (no IR, no budget, no blobs).
 */
import { executeChild, proxyActivities, workflowInfo } from '@temporalio/workflow';

export interface BaselineActivities {
  noop(i: number): Promise<number>;
  /** One chat completion against the simulated model (bench/baseline/activities.ts). */
  modelCall(agent: number, turn: number): Promise<number>;
}

const { noop, modelCall } = proxyActivities<BaselineActivities>({ startToCloseTimeout: '1 minute', retry: { maximumAttempts: 3 } });

/** Figure 1: N sequential no-op activities. */
export async function baselineWorkflow(n: number): Promise<number> {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += await noop(i);
  return sum;
}

/** Figure 2, one sub-agent: `turns` model calls, the first `toolTurns` of them each followed by a tool call (a no-op), as the swarm's agent does. */
export async function baselineAgent(agent: number, turns: number, toolTurns: number): Promise<number> {
  let tokens = 0;
  for (let t = 0; t < turns; t++) {
    tokens += await modelCall(agent, t);
    if (t < toolTurns) await noop(t);
  }
  return tokens;
}

/** Figure 2: `agents` child workflows, all started at once. */
export async function baselineFanOut(agents: number, turns: number, toolTurns: number): Promise<number> {
  const id = workflowInfo().workflowId;
  const tokens = await Promise.all(Array.from({ length: agents }, (_, i) => executeChild(baselineAgent, { workflowId: `${id}/a${i}`, args: [i, turns, toolTurns] })));
  return tokens.reduce((a, b) => a + b, 0);
}
