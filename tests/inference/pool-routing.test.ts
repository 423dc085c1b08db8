/** Each routing rule of the pool against real simulated endpoints. */
import { NoEndpointError } from '../../activities/inference/errors';
import { createPool, type InferencePool } from '../../activities/inference/pool';
import type { SimServer } from '../../sim/server';
import { ask, closeAll, configFrom, poolYaml, seeded, startSims } from './helpers';

type Rule = string;

describe('pool routing', () => {
  let sims: SimServer[] = [];
  let pool: InferencePool | null = null;
  afterEach(async () => {
    await pool?.close();
    pool = null;
    await closeAll(sims);
    sims = [];
  });

  function make(yaml: string, rules?: { endpoint: string; rule: Rule }[]): InferencePool {
    pool = createPool(configFrom(yaml), {
      probes: false,
      random: seeded(42),
      onRoute: (d) => rules?.push({ endpoint: d.endpoint, rule: d.rule }),
    });
    return pool;
  }

  const served = (): number[] => sims.map((s) => s.stats().completed);

  test('quantization: an int4 model only reaches int4 endpoints', async () => {
    sims = await startSims(3);
    const p = make(poolYaml(sims, { endpoint: (i) => (i === 1 ? 'quantization: fp8' : 'quantization: int4') }));
    for (let i = 0; i < 12; i++) {
      const r = await p.chat(ask(`q${i}`), { quantization: 'int4' });
      expect(r.endpoint).not.toBe('ep1');
    }
    expect(served()[1]).toBe(0);
    expect(served()[0]! + served()[2]!).toBe(12);
    await expect(p.chat(ask('x'), { quantization: 'fp16' })).rejects.toThrow(NoEndpointError);
    await expect(p.chat(ask('x'), { quantization: 'fp16' })).rejects.toThrow(/no endpoint serving model kimi-k2\.6 with quantization fp16/);
  });

  test('models: a call only reaches endpoints that list its model; unknown pools are named', async () => {
    sims = await startSims(2);
    const p = make(poolYaml(sims, { endpoint: (i) => `models: [${i === 0 ? 'kimi-k2.6' : 'other'}]` }));
    for (let i = 0; i < 5; i++) expect((await p.chat(ask(`m${i}`), {})).endpoint).toBe('ep0');
    expect((await p.chat(ask('o', { model: 'other' }), {})).endpoint).toBe('ep1');
    await expect(p.chat(ask('x', { model: 'nope' }), {})).rejects.toThrow(/pool default has no endpoint serving model nope/);
    await expect(p.chat(ask('x'), { pool: 'gpu' })).rejects.toThrow(/no inference pool "gpu" in test-inference\.yaml; pools: default/);
  });

  test('affinity: one agent stays on one replica; many agents spread over all', async () => {
    sims = await startSims(3);
    const rules: { endpoint: string; rule: Rule }[] = [];
    const p = make(poolYaml(sims), rules);
    const first = await p.chat(ask('turn 0'), { affinityKey: 'agent-7' });
    for (let t = 1; t < 10; t++) expect((await p.chat(ask(`turn ${t}`), { affinityKey: 'agent-7' })).endpoint).toBe(first.endpoint);
    expect(rules.every((r) => r.rule === 'affinity')).toBe(true);
    const used = new Set<string>();
    for (let a = 0; a < 30; a++) used.add((await p.chat(ask('hi'), { affinityKey: `agent-${a}` })).endpoint);
    expect(used.size).toBe(3);
  });

  test('affinity yields to load when imbalanced (absolute 2, relative 1.5)', async () => {
    sims = await startSims(3, { latencyMs: 250 });
    const rules: { endpoint: string; rule: Rule }[] = [];
    const p = make(poolYaml(sims, { pool: 'affinity: { absolute: 2, relative: 1.5 }' }), rules);
    await Promise.all(Array.from({ length: 6 }, (_, i) => p.chat(ask(`c${i}`), { affinityKey: 'agent-1' })));
    // Loads on the owner go 0,1,2 (gap <= 2), then the gap exceeds 2: the rest go by least-outstanding.
    expect(rules.slice(0, 3).map((r) => r.rule)).toEqual(['affinity', 'affinity', 'affinity']);
    expect(rules[3]?.rule).toBe('least-outstanding');
    expect(rules[3]?.endpoint).not.toBe(rules[0]?.endpoint);
  });

  test('least-outstanding spreads concurrent calls evenly', async () => {
    sims = await startSims(3, { latencyMs: 150 });
    const p = make(poolYaml(sims));
    await Promise.all(Array.from({ length: 9 }, (_, i) => p.chat(ask(`c${i}`), {})));
    expect(sims.map((s) => s.stats().peakInFlight)).toEqual([3, 3, 3]);
  });

  test('power-of-two keeps load close to even', async () => {
    sims = await startSims(3, { latencyMs: 150 });
    const p = make(poolYaml(sims, { pool: 'strategy: power-of-two' }));
    await Promise.all(Array.from({ length: 30 }, (_, i) => p.chat(ask(`c${i}`), {})));
    for (const n of served()) expect(n).toBeGreaterThanOrEqual(6);
  });

  test('weighted sends calls in proportion to weight', async () => {
    sims = await startSims(2);
    const p = make(poolYaml(sims, { pool: 'strategy: weighted', endpoint: (i) => `weight: ${i === 0 ? 3 : 1}` }));
    for (let i = 0; i < 200; i++) await p.chat(ask(`w${i}`), {});
    const [a, b] = served();
    expect(a! / (a! + b!)).toBeGreaterThan(0.65);
    expect(a! / (a! + b!)).toBeLessThan(0.85);
  });

  test('ordered fills the first endpoint, then the next', async () => {
    sims = await startSims(2, { latencyMs: 150 });
    const p = make(poolYaml(sims, { pool: 'strategy: ordered', endpoint: () => 'maxConcurrency: 2' }));
    await Promise.all(Array.from({ length: 3 }, (_, i) => p.chat(ask(`o${i}`), {})));
    expect(served()).toEqual([2, 1]);
    for (let i = 0; i < 4; i++) expect((await p.chat(ask(`s${i}`), {})).endpoint).toBe('ep0');
  });

  test('fallback endpoints take calls only when no primary can', async () => {
    sims = await startSims(2, { latencyMs: 100 });
    const p = make(
      poolYaml(sims, { pool: 'circuit: { failures: 1, cooldownMs: 60000 }', endpoint: (i) => `maxConcurrency: 2\nrole: ${i === 0 ? 'primary' : 'fallback'}` }),
    );
    // Busy primary: calls wait for it rather than spill over to the fallback.
    await Promise.all(Array.from({ length: 6 }, (_, i) => p.chat(ask(`p${i}`), {})));
    expect(served()).toEqual([6, 0]);
    await sims[0]!.close();
    const r = await p.chat(ask('after'), {});
    expect(r.endpoint).toBe('ep1');
    expect(r.failedOver).toEqual(['ep0']);
    expect((await p.chat(ask('next'), {})).failedOver).toBeUndefined();
  });

  test('slots() sums maxConcurrency of a pool', async () => {
    sims = await startSims(3);
    const p = make(poolYaml(sims, { endpoint: () => 'maxConcurrency: 16' }));
    expect(p.slots('default')).toBe(48);
    expect(() => p.slots('nope')).toThrow(NoEndpointError);
  });
});
