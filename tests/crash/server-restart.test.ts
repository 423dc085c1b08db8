/**
 * Crash test (issue 4): the Temporal dev server itself goes down mid-run,
 * once stopped (SIGTERM) and once killed (SIGKILL), and comes back on the
 * same port with the same SQLite database. The worker processes are left
 * alone: they must reconnect by themselves and finish a 300-step tool loop
 * and a 30-sub-agent fan-out with exactly the results of undisturbed twins,
 * every tool effect in the ledger exactly once.
 */
import { startCluster, type Cluster } from '../chaos/lib/cluster';
import { chaosSeed, describePlan, planFaults } from '../chaos/lib/faults';
import { chaosLog, describeChaos } from '../chaos/lib/gate';
import { expectLikeCalmTwin } from '../chaos/lib/expect';
import { fullReport } from '../chaos/lib/report';
import { runScenario } from '../chaos/lib/scenario';
import { checkDist, type WorkerProcess } from '../chaos/lib/workers';
import { fanOut, toolLoop } from '../chaos/lib/workloads';

describeChaos('crash: the Temporal dev server stopped and restarted mid-run', () => {
  let chaos: Cluster | undefined;
  let calm: Cluster | undefined;
  let original: WorkerProcess[] = [];

  beforeAll(async () => {
    checkDist();
    [chaos, calm] = await Promise.all([startCluster({ persist: true, log: chaosLog }), startCluster({ persist: false, log: chaosLog })]);
    original = await Promise.all([chaos.addWorker(), chaos.addWorker(), calm.addWorker()]).then((ws) => ws.slice(0, 2));
  }, 120_000);

  afterAll(async () => {
    await Promise.all([chaos?.close(), calm?.close()]);
  }, 60_000);

  test('SIGTERM and SIGKILL of the dev server during a 300-step loop and a 30-agent fan-out; workers reconnect; undisturbed results, every effect once', async () => {
    if (!chaos || !calm) throw new Error('the clusters did not start');
    const loop = toolLoop(300, false);
    const fan = fanOut(30);
    const seed = chaosSeed();
    // Both outages while the fan-out (the shorter run) is in flight, so both runs live through both.
    const plan = planFaults(`${seed}/server`, [{ watch: fan.label, kinds: ['temporal-stop', 'temporal-kill'], lo: 0.15, hi: 0.75 }]);
    chaosLog(describePlan(seed, plan));
    const report = await runScenario({ name: 'dev server restart', seed, chaos, calm, workloads: [loop, fan], plan, targetWorkers: 2, minReadyToKill: 2, timeoutMs: 300_000, log: chaosLog });
    chaosLog(`\n${fullReport([report])}`);

    // The same two worker processes, never restarted: they reconnected on their own.
    expect(original.map((w) => w.alive())).toEqual([true, true]);
    expect(report.unexpectedExits).toEqual([]);
    expect(report.faults.filter((f) => f.injected).map((f) => f.kind).sort()).toEqual(['temporal-kill', 'temporal-stop']);
    for (const [run, w] of [
      [report.runs[0], loop],
      [report.runs[1], fan],
    ] as const) {
      expectLikeCalmTwin(run, w);
      expect(run?.faultsDuring).toBe(2);
    }
  }, 300_000);
});
