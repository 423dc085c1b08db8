/**
 * `npm test` checks that the benchmark harness runs a tiny size of every
 * figure and reports numbers; the full sizes run with `npm run bench`.
 */
import { FIGURES, formatReport, runBenchmarks } from '../../bench/run';
import { describeTemporal } from '../helpers/temporal';

describeTemporal('benchmark harness (tiny sizes)', () => {
  test('every figure runs and reports finite numbers', async () => {
    const report = await runBenchmarks('tiny');
    expect(report.results.map((r) => r.key)).toEqual(FIGURES.map((f) => f.key));
    for (const r of report.results) {
      expect({ key: r.key, error: r.error ?? null }).toEqual({ key: r.key, error: null });
      const values = Object.values(r.figures);
      expect(values.length).toBeGreaterThan(0);
      for (const v of values) expect(Number.isFinite(v)).toBe(true);
      if ('ok' in r.figures) expect(r.figures.ok).toBe(1);
    }
    const table = formatReport(report);
    for (const r of report.results) expect(table).toContain(r.name);
  }, 600_000);
});
