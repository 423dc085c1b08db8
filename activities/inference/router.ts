/**
 * Which endpoint takes a call, as pure functions over loads (tested alone).
 *
 * 1. Affinity: an agent's calls go to the replica its key hashes to
 *    (weighted rendezvous hashing: removing a replica moves only its own
 *    agents), so its prompt prefix stays in that replica's KV cache, unless
 *    the tier is imbalanced (SGLang's rule: max - min > absolute AND
 *    max > min * relative) or that replica is full.
 * 2. Otherwise the pool's strategy among the free endpoints:
 *    least-outstanding (lowest load / weight), power-of-two (two random
 *    picks, the less loaded), weighted (random in proportion to weight),
 *    ordered (first free in the configured order).
 */
import { createHash } from 'node:crypto';
import type { PoolConfig, Strategy } from './config';

export interface Candidate {
  name: string;
  /** Outstanding calls divided by weight. */
  load: number;
  weight: number;
  /** Position in the pool's configuration. */
  index: number;
}

/** Stable score of (key, endpoint) in (0, 1). */
function unitHash(key: string, name: string): number {
  const h = createHash('sha256').update(key).update('\0').update(name).digest();
  return (h.readUInt32BE(0) + 1) / 4294967297;
}

/** The replica `key` belongs to among `tier` (all routable endpoints of the tier, busy or not). */
export function affinityTarget<C extends Candidate>(key: string, tier: readonly C[]): C | null {
  let best: C | null = null;
  let bestScore = Number.NEGATIVE_INFINITY;
  for (const c of tier) {
    // Weighted rendezvous: -w / ln(u) is highest for the owner; weights skew ownership.
    const score = -c.weight / Math.log(unitHash(key, c.name));
    if (score > bestScore) {
      best = c;
      bestScore = score;
    }
  }
  return best;
}

export function isImbalanced(loads: readonly number[], absolute: number, relative: number): boolean {
  if (loads.length < 2) return false;
  const max = Math.max(...loads);
  const min = Math.min(...loads);
  return max - min > absolute && max > min * relative;
}

export function byStrategy<C extends Candidate>(strategy: Strategy, free: readonly C[], random: () => number): C {
  const first = free[0];
  if (first === undefined) throw new Error('byStrategy: no free endpoint');
  switch (strategy) {
    case 'ordered':
      return free.reduce((a, b) => (b.index < a.index ? b : a));
    case 'weighted': {
      const total = free.reduce((s, c) => s + c.weight, 0);
      let r = random() * total;
      for (const c of free) {
        r -= c.weight;
        if (r < 0) return c;
      }
      return free[free.length - 1] ?? first;
    }
    case 'power-of-two': {
      if (free.length === 1) return first;
      const i = Math.floor(random() * free.length);
      let j = Math.floor(random() * (free.length - 1));
      if (j >= i) j += 1;
      const a = free[i] ?? first;
      const b = free[j] ?? first;
      return b.load < a.load ? b : a;
    }
    case 'least-outstanding': {
      const min = Math.min(...free.map((c) => c.load));
      const ties = free.filter((c) => c.load === min);
      return ties[Math.floor(random() * ties.length)] ?? first;
    }
  }
}

export interface RouteDecision<C> {
  chosen: C;
  rule: 'affinity' | Strategy;
}

/**
 * Picks among `free` (routable, below cap) given the whole routable `tier`.
 * Returns why, for tests and status.
 */
export function route<C extends Candidate>(
  pool: Pick<PoolConfig, 'strategy' | 'affinity'>,
  tier: readonly C[],
  free: readonly C[],
  affinityKey: string | undefined,
  random: () => number,
): RouteDecision<C> {
  if (pool.affinity.enabled && affinityKey !== undefined && affinityKey !== '' && pool.strategy !== 'ordered') {
    const target = affinityTarget(affinityKey, tier);
    const balanced = !isImbalanced(
      tier.map((c) => c.load),
      pool.affinity.absolute,
      pool.affinity.relative,
    );
    if (target !== null && balanced && free.some((c) => c.name === target.name)) return { chosen: target, rule: 'affinity' };
  }
  return { chosen: byStrategy(pool.strategy, free, random), rule: pool.strategy };
}
