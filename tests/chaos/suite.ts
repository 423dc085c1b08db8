/**
 * The chaos suite (issue 9), at two sizes: `full` for `npm run test:chaos`
 * (a 4,000-step run and a 300-sub-agent swarm, 21 faults) and `ci` for
 * `npm test` (a 300-step run through 6 faults and a 30-sub-agent swarm, 3
 * sub-agents at a time, through 4 more).
 *
 * Faults: SIGKILL of one of two workers (sometimes the only one left), of
 * both at once, the Temporal dev server stopped and killed (restarted on
 * the same port and SQLite database), one model endpoint of two killed and
 * restarted, both at once. Every run must end with the result of its
 * undisturbed twin, and the ledger must show no effect lost or doubled.
 */
import * as fs from 'node:fs';
import { startCluster, type Cluster } from './lib/cluster';
import { chaosSeed, describePlan, planFaults, type FaultKind, type Segment } from './lib/faults';
import { chaosLog, describeChaos } from './lib/gate';
import { expectLikeCalmTwin } from './lib/expect';
import { fullReport, summaryTable, totals } from './lib/report';
import { runScenario, type ScenarioReport } from './lib/scenario';
import { checkDist } from './lib/workers';
import { fanOut, toolLoop, type Workload } from './lib/workloads';

interface ScenarioSpec {
  name: string;
  workloads: Workload[];
  segments: Segment[];
  timeoutMs: number;
  /** Set when a known, open bug makes the scenario fail now and then: it runs only with SWARMFLOW_KNOWN_BUGS=1. */
  knownBug?: string;
}

const times = (kind: FaultKind, n: number): FaultKind[] => Array.from({ length: n }, () => kind);

/**
 * A scenario that an open bug makes fail now and then sets `knownBug` and
 * runs only with SWARMFLOW_KNOWN_BUGS=1. None does now: the sub-agent swarm
 * was gated until the late-heartbeat double effect (ledger claims) and the
 * agent tool calls failed by 3 infrastructure timeouts (workflows/retry.ts)
 * were fixed (docs/chaos.md, "Findings").
 */
const knownBugsOn = process.env.SWARMFLOW_KNOWN_BUGS === '1';

function scenarios(scale: 'ci' | 'full'): ScenarioSpec[] {
  if (scale === 'ci') {
    const loop = toolLoop(150, true);
    // 3 at a time, and no endpoint restart (the 300-step run has two): all 30 at once finished
    // in ~10 s, in bursts, and while the harness waits out an endpoint's downtime the run goes
    // on at full speed on the other endpoint, 20 to 50% of the way; a CI run ended with 2 of
    // its 4 faults not yet fired. A dev server restart stops the run while it lasts.
    const fan = fanOut(30, 'chaos-fanout', 3);
    return [
      {
        name: 'ci: 300-step run',
        workloads: [loop],
        segments: [{ watch: loop.label, kinds: ['worker-kill', 'endpoint-restart', 'temporal-kill', 'workers-kill-all', 'endpoints-restart-all', 'worker-kill'], lo: 0.05, hi: 0.8 }],
        timeoutMs: 300_000,
      },
      {
        name: 'ci: 30-sub-agent swarm',
        workloads: [fan],
        segments: [{ watch: fan.label, kinds: ['worker-kill', 'temporal-stop', 'temporal-kill', 'workers-kill-all'], lo: 0.05, hi: 0.6 }],
        timeoutMs: 300_000,
      },
    ];
  }
  const long = toolLoop(2000, true);
  const swarm = fanOut(300);
  const mix = (kills: number, endpointRestarts: number): FaultKind[] => [
    ...times('worker-kill', kills),
    'workers-kill-all',
    'temporal-stop',
    'temporal-kill',
    ...times('endpoint-restart', endpointRestarts),
    'endpoints-restart-all',
  ];
  return [
    { name: '4,000-step run', workloads: [long], segments: [{ watch: long.label, kinds: mix(4, 3), lo: 0.03, hi: 0.95 }], timeoutMs: 1_500_000 },
    { name: '300-sub-agent swarm', workloads: [swarm], segments: [{ watch: swarm.label, kinds: mix(4, 2), lo: 0.03, hi: 0.9 }], timeoutMs: 900_000 },
  ];
}

/** The figures the issue asks for, checked for one scenario. */
function expectClean(report: ScenarioReport, spec: ScenarioSpec): void {
  expect(report.unexpectedExits).toEqual([]);
  const planned = spec.segments.reduce((n, s) => n + s.kinds.length, 0);
  expect(report.faults.filter((f) => f.injected)).toHaveLength(planned);
  for (const [i, w] of spec.workloads.entries()) {
    const run = report.runs[i];
    expectLikeCalmTwin(run, w);
    expect(run?.faultsDuring).toBeGreaterThan(0);
  }
}

export function defineChaosSuite(scale: 'ci' | 'full'): void {
  describeChaos(`chaos suite (${scale})`, () => {
    let chaos: Cluster | undefined;
    let calm: Cluster | undefined;
    const seed = chaosSeed();
    const reports: ScenarioReport[] = [];
    const all = scenarios(scale);
    const specs = all.filter((s) => !s.knownBug || knownBugsOn);
    const minFaults = scale === 'full' ? 20 : 6;

    beforeAll(async () => {
      checkDist();
      [chaos, calm] = await Promise.all([startCluster({ persist: true, endpoints: 2, log: chaosLog }), startCluster({ persist: false, log: chaosLog })]);
      await Promise.all([chaos.addWorker(), chaos.addWorker(), calm.addWorker()]);
    }, 180_000);

    afterAll(async () => {
      if (reports.length > 0) {
        const text = `chaos suite (${scale}), seed ${seed}:\n\n${fullReport(reports)}\n`;
        chaosLog(text);
        if (process.env.SWARMFLOW_CHAOS_REPORT) fs.writeFileSync(process.env.SWARMFLOW_CHAOS_REPORT, text);
      }
      await Promise.all([chaos?.close(), calm?.close()]);
    }, 60_000);

    for (const spec of all) {
      const run = spec.knownBug && !knownBugsOn ? test.skip : test;
      run(spec.knownBug && !knownBugsOn ? `${spec.name} (skipped: known bug, ${spec.knownBug}; SWARMFLOW_KNOWN_BUGS=1 runs it)` : spec.name, async () => {
        if (!chaos || !calm) throw new Error('the clusters did not start');
        const plan = planFaults(`${seed}/${spec.name}`, spec.segments);
        chaosLog(describePlan(seed, plan));
        const report = await runScenario({ name: spec.name, seed, chaos, calm, workloads: spec.workloads, plan, targetWorkers: 2, minReadyToKill: 1, timeoutMs: spec.timeoutMs, log: chaosLog });
        reports.push(report);
        chaosLog(`\n${summaryTable([report])}`);
        expectClean(report, spec);
      }, spec.timeoutMs + 60_000);
    }

    test(`the table: at least ${minFaults} faults, every result identical, no effect lost or doubled`, () => {
      expect(reports).toHaveLength(specs.length);
      const t = totals(reports);
      chaosLog(`\n${summaryTable(reports)}`);
      expect(t.faults).toBeGreaterThanOrEqual(minFaults);
      expect({ identical: t.identical, lost: t.lost, doubled: t.doubled }).toEqual({ identical: t.runs, lost: 0, doubled: 0 });
    });
  });
}
