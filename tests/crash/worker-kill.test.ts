/**
 * Crash test (issue 4): worker processes killed with SIGKILL at random
 * moments, first during a 100-sub-agent fan-out (agents whose tools write
 * files), then during a 1,000-step run (a loop of fs.write tool steps).
 * Three workers run; each kill takes a random connected one while another
 * survives, and a replacement starts after a random pause. Each run must end
 * with exactly the result of its undisturbed twin on a calm cluster, and the
 * effect ledger must hold every tool effect exactly once.
 *
 * The two runs go one after the other: side by side, the fan-out's hundreds
 * of tasks queue ahead of the loop's on the one task queue and the loop
 * would barely move while it lasts.
 */
import { expectLikeCalmTwin } from '../chaos/lib/expect';
import { startCluster, type Cluster } from '../chaos/lib/cluster';
import { chaosSeed, describePlan, planFaults, type FaultKind } from '../chaos/lib/faults';
import { chaosLog, describeChaos } from '../chaos/lib/gate';
import { fullReport } from '../chaos/lib/report';
import { runScenario, type ScenarioReport } from '../chaos/lib/scenario';
import { checkDist } from '../chaos/lib/workers';
import { fanOut, toolLoop, type Workload } from '../chaos/lib/workloads';

const KILLS = 5;

describeChaos('crash: workers killed with SIGKILL mid-run', () => {
  let chaos: Cluster | undefined;
  let calm: Cluster | undefined;
  const seed = chaosSeed();
  const reports: ScenarioReport[] = [];

  beforeAll(async () => {
    checkDist();
    [chaos, calm] = await Promise.all([startCluster({ persist: false, log: chaosLog }), startCluster({ persist: false, log: chaosLog })]);
    await Promise.all([chaos.addWorker(), chaos.addWorker(), chaos.addWorker(), calm.addWorker()]);
  }, 120_000);

  afterAll(async () => {
    if (reports.length > 0) chaosLog(`worker SIGKILL, seed ${seed}:\n${fullReport(reports)}`);
    await Promise.all([chaos?.close(), calm?.close()]);
  }, 60_000);

  async function killDuring(name: string, w: Workload, seedSuffix: string): Promise<ScenarioReport> {
    if (!chaos || !calm) throw new Error('the clusters did not start');
    const kinds: FaultKind[] = Array.from({ length: KILLS }, () => 'worker-kill');
    const plan = planFaults(`${seed}/${seedSuffix}`, [{ watch: w.label, kinds, lo: 0.05, hi: 0.8 }]);
    chaosLog(describePlan(seed, plan));
    const report = await runScenario({ name, seed, chaos, calm, workloads: [w], plan, targetWorkers: 3, minReadyToKill: 2, timeoutMs: 400_000, log: chaosLog });
    reports.push(report);
    chaosLog(`\n${fullReport([report])}`);
    return report;
  }

  function expectUndisturbed(report: ScenarioReport, w: Workload): void {
    expect(report.unexpectedExits).toEqual([]);
    expect(report.faults.filter((f) => f.injected)).toHaveLength(KILLS);
    const run = report.runs[0];
    expectLikeCalmTwin(run, w);
    if (!run) return;
    expect(run.identical).toBe(true);
    expect(run.audit.calmDoubled).toEqual([]);
    // Each effect is in the log once, or (a crash between the ledger's two writes) recorded under its key only.
    expect(run.audit.applied + run.audit.unlogged.length).toBe(w.expectedEffects);
    expect(run.faultsDuring).toBe(KILLS);
  }

  // This test found the double application of a tool effect by a retry that ran while its first attempt
  // still did (17 of 200 keys doubled): the effect ledger now claims a key atomically before the effect,
  // and a second attempt waits for the first one's record (activities/tools/ledger.ts, docs/tools.md).
  test('5 SIGKILLs during a 100-sub-agent fan-out: the undisturbed result, every effect once', async () => {
    const w = fanOut(100);
    expectUndisturbed(await killDuring('SIGKILL x5, fan-out', w, 'fanout'), w);
  }, 300_000);

  test('5 SIGKILLs during a 1,000-step run: the undisturbed result, every effect once', async () => {
    const w = toolLoop(1000, false);
    expectUndisturbed(await killDuring('SIGKILL x5, 1,000 steps', w, 'loop'), w);
  }, 400_000);
});
