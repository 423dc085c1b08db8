/**
 * One crash/chaos scenario: the same workloads run twice at once, on a calm
 * cluster that nothing disturbs and on a chaos cluster that the fault plan
 * hits; then every disturbed run is compared with its calm twin (status,
 * output, every step, usage, the files its tools wrote) and its effects are
 * counted in the ledger.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import { WorkflowFailedError } from '@temporalio/client';
import { startRun, waitForRun, type RunOutcome } from '../../../runtime/runs';
import type { SwarmOptions } from '../../../workflows/types';
import { auditEffects, compareRuns, sharedPaths, workspaceFiles, type EffectAudit } from './audit';
import { explainDifference } from './diag';
import type { Cluster } from './cluster';
import { executePlan, type FaultRecord, type PlannedFault } from './faults';
import { LedgerProgress } from './progress';
import type { Workload } from './workloads';

/** A killed worker's activity is retried after 2 s instead of the default 10 s. */
export const CHAOS_OPTIONS: SwarmOptions = { heartbeatTimeoutMs: 2000 };

export interface RunReport {
  label: string;
  runId: string;
  calmRunId: string;
  status: string;
  /** Steps (LLM + tool calls) the disturbed run counted. */
  steps: number;
  expectedSteps: number;
  identical: boolean;
  differences: string[];
  audit: EffectAudit;
  /** Injected faults that struck while this run was in flight. */
  faultsDuring: number;
  wallMs: number;
  calmWallMs: number;
}

export interface ScenarioReport {
  name: string;
  seed: string;
  faults: FaultRecord[];
  runs: RunReport[];
  /** Worker processes that died without being killed by the test. */
  unexpectedExits: string[];
  wallMs: number;
}

/**
 * Waits for a run's end through dev server restarts: a lost connection is
 * retried (the client reconnects to the same address) until `timeoutMs`.
 */
export async function waitThrough(handle: WorkflowHandle, timeoutMs: number): Promise<RunOutcome> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await waitForRun(handle);
    } catch (err) {
      if (err instanceof WorkflowFailedError || Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

async function startThrough(client: Client, w: Workload): Promise<{ id: string; handle: WorkflowHandle }> {
  return startRun(client, { ir: w.ir, input: w.input, options: CHAOS_OPTIONS });
}

export async function runScenario(o: {
  name: string;
  seed: string;
  chaos: Cluster;
  calm: Cluster;
  workloads: Workload[];
  plan: PlannedFault[];
  targetWorkers: number;
  /** See `ExecuteOptions.minReadyToKill`. */
  minReadyToKill: number;
  timeoutMs: number;
  log: (line: string) => void;
}): Promise<ScenarioReport> {
  const t0 = Date.now();
  const progress = new LedgerProgress(o.chaos.ledgerDir);
  const started = await Promise.all(
    o.workloads.map(async (w) => {
      const [disturbed, calm] = await Promise.all([startThrough(o.chaos.client, w), startThrough(o.calm.client, w)]);
      const s = { w, disturbed, calm, ended: false, endedAt: 0, calmEndedAt: 0 };
      return s;
    }),
  );
  const outcomes = started.map((s) => ({
    disturbed: waitThrough(s.disturbed.handle, o.timeoutMs).finally(() => {
      s.ended = true;
      s.endedAt = Date.now();
    }),
    calm: waitThrough(s.calm.handle, o.timeoutMs).finally(() => {
      s.calmEndedAt = Date.now();
    }),
  }));
  // Settled either way; the comparisons below report a failure.
  for (const oc of outcomes) {
    oc.disturbed.catch(() => undefined);
    oc.calm.catch(() => undefined);
  }
  o.log(`${o.name}: started ${started.map((s) => `${s.w.label} as ${s.disturbed.id} (calm twin ${s.calm.id})`).join('; ')}`);

  const faults = await executePlan(
    o.chaos,
    started.map((s) => ({ label: s.w.label, runId: s.disturbed.id, expectedEffects: s.w.expectedEffects, progress: () => progress.count(s.disturbed.id), ended: () => s.ended })),
    o.plan,
    { targetWorkers: o.targetWorkers, minReadyToKill: o.minReadyToKill, log: o.log },
  );

  const runs: RunReport[] = [];
  for (const [i, s] of started.entries()) {
    const oc = outcomes[i] as (typeof outcomes)[number];
    const [disturbed, calm] = await Promise.all([oc.disturbed, oc.calm]);
    // The server's close time of the run's last execution: a fault struck during the run if it came before.
    const closed = (await o.chaos.client.workflow.getHandle(s.disturbed.id).describe()).closeTime?.getTime() ?? Date.now();
    const cmp = compareRuns(disturbed, calm, {
      disturbed: workspaceFiles(o.chaos.workspacesDir, s.disturbed.id),
      calm: workspaceFiles(o.calm.workspacesDir, s.calm.id),
      shared: await sharedPaths(o.calm.ledgerDir, s.calm.id),
    });
    if (!cmp.identical) cmp.differences.push(...(await explainDifference(o.chaos.client, s.disturbed.id, o.calm.client, s.calm.id, cmp.differences)));
    const audit = await auditEffects({ ledgerDir: o.chaos.ledgerDir, runId: s.disturbed.id }, { ledgerDir: o.calm.ledgerDir, runId: s.calm.id });
    runs.push({
      label: s.w.label,
      runId: s.disturbed.id,
      calmRunId: s.calm.id,
      status: disturbed.status,
      steps: disturbed.result?.usage.steps ?? 0,
      expectedSteps: s.w.expectedSteps,
      identical: cmp.identical,
      differences: cmp.differences,
      audit,
      faultsDuring: faults.filter((f) => f.injected && f.at < closed).length,
      wallMs: s.endedAt - t0,
      calmWallMs: s.calmEndedAt - t0,
    });
  }
  return { name: o.name, seed: o.seed, faults, runs, unexpectedExits: o.chaos.unexpectedExits(), wallMs: Date.now() - t0 };
}
