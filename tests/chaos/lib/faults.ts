/**
 * Faults and when they strike. A plan is drawn from a seed (printed, and
 * settable with SWARMFLOW_CHAOS_SEED so a failing schedule can be replayed);
 * each fault fires when a watched run has done a drawn fraction of its work
 * (measured in recorded effects), plus a drawn jitter, so every fault lands
 * while runs are in flight, at a different point each seed.
 */
import { Rng } from '../../../sim/random';
import type { Cluster } from './cluster';
import type { WorkerProcess } from './workers';

export type FaultKind =
  /** SIGKILL one live worker process; a replacement starts after `downMs`. */
  | 'worker-kill'
  /** SIGKILL every worker process; replacements start after `downMs`. */
  | 'workers-kill-all'
  /** Stop the Temporal dev server (SIGTERM), start it again on the same port and database after `downMs`. */
  | 'temporal-stop'
  /** The same with SIGKILL: no clean shutdown. */
  | 'temporal-kill'
  /** Kill one model endpoint (connections drop mid-request), start it again on the same port after `downMs`. */
  | 'endpoint-restart'
  /** Kill every model endpoint at once, start them again after `downMs`. */
  | 'endpoints-restart-all';

export interface PlannedFault {
  n: number;
  kind: FaultKind;
  /** Label of the run whose progress triggers it. */
  watch: string;
  /** Fires when the watched run has done this fraction of what was left when its segment began. */
  fraction: number;
  jitterMs: number;
  downMs: number;
  /** Which worker or endpoint, as a number in [0, 1). */
  pick: number;
  segment: number;
}

export interface Segment {
  watch: string;
  kinds: FaultKind[];
  /** Fractions are drawn in [lo, hi]. */
  lo: number;
  hi: number;
}

const DOWN_MS: Record<FaultKind, [number, number]> = {
  'worker-kill': [0, 1500],
  'workers-kill-all': [200, 1500],
  'temporal-stop': [300, 2500],
  'temporal-kill': [300, 2500],
  'endpoint-restart': [200, 2500],
  'endpoints-restart-all': [200, 2000],
};

export function chaosSeed(): string {
  return process.env.SWARMFLOW_CHAOS_SEED ?? String(Date.now() % 1_000_000);
}

export function planFaults(seed: string, segments: Segment[]): PlannedFault[] {
  const rng = new Rng(`swarmflow-chaos/${seed}`);
  const plan: PlannedFault[] = [];
  segments.forEach((s, segment) => {
    const drawn = s.kinds.map((kind) => {
      const [dlo, dhi] = DOWN_MS[kind];
      return { kind, fraction: s.lo + rng.next() * (s.hi - s.lo), jitterMs: rng.int(0, 400), downMs: rng.int(dlo, dhi), pick: rng.next() };
    });
    drawn.sort((a, b) => a.fraction - b.fraction);
    for (const d of drawn) plan.push({ n: plan.length + 1, watch: s.watch, segment, ...d, fraction: Math.round(d.fraction * 1000) / 1000 });
  });
  return plan;
}

export function describePlan(seed: string, plan: PlannedFault[]): string {
  const lines = [`chaos seed ${seed} (replay with SWARMFLOW_CHAOS_SEED=${seed}); ${plan.length} faults planned:`];
  for (const f of plan) lines.push(`  #${f.n} ${f.kind} when "${f.watch}" is ${(f.fraction * 100).toFixed(1)}% through${f.segment > 0 ? ' the rest' : ''}, +${f.jitterMs} ms, down ${f.downMs} ms, pick ${f.pick.toFixed(3)}`);
  return lines.join('\n');
}

/** What happened when a planned fault fired. */
export interface FaultRecord {
  n: number;
  kind: FaultKind;
  injected: boolean;
  /** Epoch ms when the fault struck (compared with the runs' close times afterwards). */
  at: number;
  detail: string;
}

export interface WatchedRun {
  label: string;
  runId: string;
  expectedEffects: number;
  progress(): number;
  ended(): boolean;
}

/**
 * Fires the plan against the cluster. Keeps `targetWorkers` workers alive
 * between faults (replacements for killed ones start in the background) and
 * returns once every fault fired or was skipped and the cluster is whole.
 */
export interface ExecuteOptions {
  targetWorkers: number;
  /**
   * A `worker-kill` waits until this many workers are connected. 2: one
   * always survives (recovery is a retry on the survivor, not a worker
   * start); 1: it may take the only one.
   */
  minReadyToKill: number;
  log: (l: string) => void;
}

export async function executePlan(cluster: Cluster, runs: WatchedRun[], plan: PlannedFault[], o: ExecuteOptions): Promise<FaultRecord[]> {
  const t0 = Date.now();
  const records: FaultRecord[] = [];
  const respawns: Promise<void>[] = [];
  const byLabel = new Map(runs.map((r) => [r.label, r]));
  let segment = -1;
  let base = 0;

  const alive = (): WorkerProcess[] => cluster.workers.filter((w) => w.alive());
  const ready = (): WorkerProcess[] => cluster.workers.filter((w) => w.isReady());
  const respawn = (afterMs: number): void => {
    respawns.push(
      (async () => {
        await sleep(afterMs);
        for (let attempt = 1; ; attempt++) {
          // Another replacement may have made up the number already.
          if (alive().length >= o.targetWorkers) return;
          try {
            const w = await cluster.addWorker();
            o.log(`  worker #${w.id} started (${elapsed(t0)})`);
            return;
          } catch (err) {
            // The dev server may be down at this moment: the worker cannot connect. Try again.
            o.log(`  a replacement worker did not start (attempt ${attempt}): ${firstLine(err)}`);
            if (attempt >= 10) throw err;
            await sleep(1000);
          }
        }
      })(),
    );
  };

  for (const f of plan) {
    const watched = byLabel.get(f.watch);
    if (!watched) throw new Error(`fault #${f.n} watches run "${f.watch}", which is not among ${[...byLabel.keys()].join(', ')}`);
    if (f.segment !== segment) {
      segment = f.segment;
      base = watched.progress();
    }
    const target = base + f.fraction * (watched.expectedEffects - base);
    while (watched.progress() < target && !watched.ended()) await sleep(100);
    await sleep(f.jitterMs);
    if (runs.every((r) => r.ended())) {
      records.push({ n: f.n, kind: f.kind, injected: false, at: Date.now(), detail: 'skipped: every run had finished' });
      o.log(`#${f.n} ${f.kind} skipped: every run had finished`);
      continue;
    }
    const where = `${elapsed(t0)}, ${runs.map((r) => `${r.label} ${r.progress()}/${r.expectedEffects}`).join(', ')}`;
    const at = Date.now();
    let detail: string;
    switch (f.kind) {
      case 'worker-kill': {
        // A kill needs a victim that is working: wait for a replacement when none is.
        while (ready().length < Math.max(1, o.minReadyToKill)) await sleep(100);
        const live = ready();
        const victim = live[Math.floor(f.pick * live.length)] as WorkerProcess;
        await cluster.killWorker(victim);
        respawn(f.downMs);
        detail = `SIGKILL worker #${victim.id} of ${live.length} connected; replacement in ${f.downMs} ms`;
        break;
      }
      case 'workers-kill-all': {
        const live = alive();
        await Promise.all(live.map((w) => cluster.killWorker(w)));
        for (let i = 0; i < o.targetWorkers; i++) respawn(f.downMs);
        detail = `SIGKILL all ${live.length} workers (${live.map((w) => `#${w.id}`).join(', ') || 'none alive'}); replacements in ${f.downMs} ms`;
        break;
      }
      case 'temporal-stop':
      case 'temporal-kill': {
        const how = f.kind === 'temporal-stop' ? 'stop' : 'kill';
        await cluster.restartTemporal(how, f.downMs);
        detail = `Temporal dev server ${how === 'stop' ? 'stopped (SIGTERM)' : 'killed (SIGKILL)'}, down ${f.downMs} ms, restarted on the same port and database`;
        break;
      }
      case 'endpoint-restart': {
        const i = Math.floor(f.pick * cluster.endpointCount);
        await cluster.restartEndpoint(i, f.downMs);
        detail = `model endpoint sim${i} of ${cluster.endpointCount} killed, down ${f.downMs} ms, restarted on the same port`;
        break;
      }
      case 'endpoints-restart-all': {
        await Promise.all(Array.from({ length: cluster.endpointCount }, (_, i) => cluster.restartEndpoint(i, f.downMs)));
        detail = `all ${cluster.endpointCount} model endpoints killed, down ${f.downMs} ms, restarted`;
        break;
      }
    }
    records.push({ n: f.n, kind: f.kind, injected: true, at, detail });
    o.log(`#${f.n} ${f.kind} at ${where}: ${detail}`);
  }
  await Promise.all(respawns);
  while (alive().length < o.targetWorkers) {
    const w = await cluster.addWorker();
    o.log(`  worker #${w.id} started to make up ${o.targetWorkers} (${elapsed(t0)})`);
  }
  return records;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function elapsed(t0: number): string {
  return `${((Date.now() - t0) / 1000).toFixed(1)} s`;
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
}
