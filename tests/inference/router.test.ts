/** Routing rules as pure functions: affinity, imbalance, and each strategy. */
import { affinityTarget, byStrategy, isImbalanced, route, type Candidate } from '../../activities/inference/router';
import { seeded } from './helpers';

const cands = (loads: number[], weights?: number[]): Candidate[] =>
  loads.map((load, i) => ({ name: `ep${i}`, load, weight: weights?.[i] ?? 1, index: i }));

const pool = (strategy: 'least-outstanding' | 'power-of-two' | 'weighted' | 'ordered', absolute = 64, relative = 1.5) => ({
  strategy,
  affinity: { enabled: true, absolute, relative },
});

describe('router', () => {
  test('affinity target is stable, spreads keys, and moves only the removed replica’s keys', () => {
    const three = cands([0, 0, 0]);
    const owners = new Map<string, string>();
    for (let i = 0; i < 300; i++) owners.set(`agent-${i}`, affinityTarget(`agent-${i}`, three)?.name ?? '');
    const counts = [...owners.values()].reduce<Record<string, number>>((m, n) => ({ ...m, [n]: (m[n] ?? 0) + 1 }), {});
    for (const n of ['ep0', 'ep1', 'ep2']) expect(counts[n]).toBeGreaterThan(60);
    const two = three.filter((c) => c.name !== 'ep1');
    for (const [key, owner] of owners) {
      if (owner !== 'ep1') expect(affinityTarget(key, two)?.name).toBe(owner);
    }
  });

  test('imbalance follows SGLang: gap over absolute AND max over min x relative', () => {
    expect(isImbalanced([0, 64], 64, 1.5)).toBe(false);
    expect(isImbalanced([0, 65], 64, 1.5)).toBe(true);
    expect(isImbalanced([200, 265], 64, 1.5)).toBe(false);
    expect(isImbalanced([100, 165], 64, 1.5)).toBe(true);
    expect(isImbalanced([5], 0, 1)).toBe(false);
  });

  test('affinity wins when balanced and free; not when imbalanced or full', () => {
    const tier = cands([0, 0, 0]);
    const target = affinityTarget('a', tier)?.name;
    expect(route(pool('least-outstanding'), tier, tier, 'a', seeded(1))).toEqual({ chosen: tier.find((c) => c.name === target), rule: 'affinity' });
    const loaded = tier.map((c) => ({ ...c, load: c.name === target ? 10 : 0 }));
    const d = route(pool('least-outstanding', 4, 1.5), loaded, loaded, 'a', seeded(1));
    expect(d.rule).toBe('least-outstanding');
    expect(d.chosen.name).not.toBe(target);
    const free = tier.filter((c) => c.name !== target);
    expect(route(pool('least-outstanding'), tier, free, 'a', seeded(1)).rule).toBe('least-outstanding');
    expect(route(pool('ordered'), tier, tier, 'a', seeded(1)).rule).toBe('ordered');
    expect(route({ strategy: 'weighted', affinity: { enabled: false, absolute: 64, relative: 1.5 } }, tier, tier, 'a', seeded(1)).rule).toBe('weighted');
  });

  test('least-outstanding picks the lowest load per weight', () => {
    expect(byStrategy('least-outstanding', cands([3, 1, 2]), seeded(2)).name).toBe('ep1');
  });

  test('ordered picks the first free in configured order', () => {
    expect(byStrategy('ordered', cands([9, 0, 0]).slice(1).reverse(), seeded(3)).name).toBe('ep1');
  });

  test('weighted follows the weights', () => {
    const c = cands([0, 0], [3, 1]);
    const rand = seeded(4);
    let first = 0;
    for (let i = 0; i < 4000; i++) if (byStrategy('weighted', c, rand).name === 'ep0') first += 1;
    expect(first / 4000).toBeGreaterThan(0.7);
    expect(first / 4000).toBeLessThan(0.8);
  });

  test('power-of-two never picks the busier of its two choices', () => {
    const c = cands([5, 1]);
    const rand = seeded(5);
    for (let i = 0; i < 50; i++) expect(byStrategy('power-of-two', c, rand).name).toBe('ep1');
    const many = cands([9, 9, 9, 0]);
    let idle = 0;
    for (let i = 0; i < 1000; i++) if (byStrategy('power-of-two', many, rand).name === 'ep3') idle += 1;
    // The idle one is in the pair half the time (1 - (3/4)(2/3)) and then always wins.
    expect(idle / 1000).toBeGreaterThan(0.42);
    expect(idle / 1000).toBeLessThan(0.58);
  });
});
