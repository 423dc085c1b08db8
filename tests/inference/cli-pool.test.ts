/** `swarmflow pool status` against live simulated endpoints, and the pool benchmark at a tiny size. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { benchPool } from '../../bench/pool';
import { poolStatusCommand } from '../../cli/pool';
import { closeAll, poolYaml, startSims } from './helpers';

function capture(): { io: { out(s: string): void; err(s: string): void }; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (s) => out.push(s), err: (s) => err.push(s) }, out, err };
}

describe('swarmflow pool status', () => {
  test('prints endpoints, health, in flight, latency and tokens/s; JSON too', async () => {
    const sims = await startSims(2);
    try {
      sims[1]!.setFaults({ loading: {} });
      const dir = mkdtempSync(path.join(tmpdir(), 'sf-cli-'));
      const file = path.join(dir, 'inference.yaml');
      writeFileSync(file, poolYaml(sims, { endpoint: (i) => `maxConcurrency: ${8 * (i + 1)}` }));
      const c = capture();
      expect(await poolStatusCommand(c.io, { config: file, sampleMs: 20, env: {} })).toBe(0);
      const text = c.out.join('\n');
      const lines = text.split('\n');
      expect(lines[0]).toBe(`configuration: ${file}`);
      expect(lines[1]).toMatch(/^pool\s+endpoint\s+kind\s+role\s+health\s+circuit\s+in flight\s+engine run\/wait\s+latency p50\/p95\s+tokens\/s$/);
      expect(lines[2]).toMatch(/^default\s+ep0\s+sim\s+primary\s+up\s+closed\s+0\/8\s+0\/0\s+\d+\/\d+ ms\s+\S+$/);
      expect(lines[3]).toMatch(/^default\s+ep1\s+sim\s+primary\s+loading\s+closed\s+0\/16\s+-\s+\d+\/\d+ ms/);
      expect(text).toContain('default/ep1: GET /health: HTTP 503');

      const j = capture();
      expect(await poolStatusCommand(j.io, { config: file, json: true, sampleMs: 10, env: {} })).toBe(0);
      const parsed: unknown = JSON.parse(j.out.join(''));
      expect(parsed).toMatchObject({ pools: [{ name: 'default', slots: 24, endpoints: [{ name: 'ep0', health: 'up' }, { name: 'ep1', health: 'loading' }] }] });
    } finally {
      await closeAll(sims);
    }
  });

  test('an invalid configuration exits 1 with located errors', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sf-cli-'));
    const file = path.join(dir, 'inference.yaml');
    writeFileSync(file, 'pools:\n  default:\n    endpoints: []\n');
    const c = capture();
    expect(await poolStatusCommand(c.io, { config: file, env: {} })).toBe(1);
    expect(c.err.join('\n')).toBe(`${file}:3:16: pools.default.endpoints: must NOT have fewer than 1 items`);
  });
});

describe('pool benchmark', () => {
  test('reports overhead against direct calls and throughput', async () => {
    const r = await benchPool({ calls: 20, throughputCalls: 200 });
    expect(r.name).toBe('inference pool');
    expect(r.figures.direct_median_ms).toBeGreaterThan(0);
    expect(r.figures.pool_median_ms).toBeGreaterThan(0);
    expect(Number.isFinite(r.figures.overhead_median_ms)).toBe(true);
    expect(r.figures.calls_per_s).toBeGreaterThan(0);
  });
});
