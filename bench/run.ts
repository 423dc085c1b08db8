/**
 * `npm run bench`: runs every figure, prints one table and writes JSON to
 * bench/results/. `--tiny` runs a tiny size of each (what `npm test` checks);
 * `--only a,b` runs some figures.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EngineBench, benchFanOut, benchLongHorizon, benchOverhead, benchRecovery, type Figure, type Size } from './engine';
import { projectRoot } from '../runtime/root';
import { benchPool } from './pool';
import { benchCompile } from './compile';
import { benchEditor } from './editor';
import { benchLlama } from './llama';

export interface FigureSpec {
  key: string;
  run(size: Size): Promise<Figure>;
}

export const FIGURES: FigureSpec[] = [
  {
    key: 'overhead',
    run: async (size) => {
      const b = await EngineBench.start();
      try {
        return await benchOverhead(b, size);
      } finally {
        await b.close();
      }
    },
  },
  {
    key: 'compile',
    run: async (size) => ({ ...(await benchCompile(size === 'tiny' ? { runs: 1 } : {})), targets: { validateCompile4000StepsMs: ['<=', 200], validateCompile4000StepsCpuMs: ['<=', 200] } }),
  },
  { key: 'editor', run: (size) => benchEditor(size === 'tiny' ? { steps: 50, runs: 1 } : {}) },
  { key: 'pool', run: (size) => benchPool(size === 'tiny' ? { calls: 30, throughputCalls: 100 } : {}) },
  { key: 'fanout', run: benchFanOut },
  { key: 'llama', run: (size) => benchLlama(size === 'tiny' ? { tokens: 32, runs: 3 } : {}) },
  { key: 'long', run: benchLongHorizon },
  { key: 'recovery', run: benchRecovery },
];

export interface BenchReport {
  size: Size;
  startedAt: string;
  machine: { cpus: number; node: string };
  results: (Figure & { key: string; seconds: number; error?: string })[];
}

export async function runBenchmarks(size: Size, only?: string[], log: (s: string) => void = () => undefined): Promise<BenchReport> {
  const report: BenchReport = { size, startedAt: new Date().toISOString(), machine: { cpus: (await import('node:os')).cpus().length, node: process.versions.node }, results: [] };
  for (const spec of FIGURES) {
    if (only && !only.includes(spec.key)) continue;
    log(`running ${spec.key} (${size})...`);
    const t0 = performance.now();
    try {
      const fig = await spec.run(size);
      report.results.push({ key: spec.key, seconds: Math.round((performance.now() - t0) / 100) / 10, ...fig });
    } catch (err) {
      report.results.push({ key: spec.key, name: spec.key, figures: {}, seconds: Math.round((performance.now() - t0) / 100) / 10, error: err instanceof Error ? err.message : String(err) });
    }
  }
  return report;
}

/** The table: one row per figure value, with its target and whether it is met. */
export function formatReport(r: BenchReport): string {
  const rows: string[][] = [['figure', 'value', 'target', '']];
  for (const res of r.results) {
    rows.push([`${res.name}${res.error ? '' : ` (${res.seconds}s)`}`, '', '', '']);
    if (res.error) rows.push(['  error', res.error.slice(0, 100), '', 'FAIL']);
    for (const [k, v] of Object.entries(res.figures)) {
      const t = res.targets?.[k];
      const met = t ? (t[0] === '<=' ? v <= t[1] : v >= t[1]) : null;
      rows.push([`  ${k}`, String(v), t ? `${t[0]} ${t[1]}` : '', met === null ? '' : met ? 'met' : 'MISSED']);
    }
    for (const n of res.notes ?? []) rows.push([`  note: ${n}`, '', '', '']);
  }
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((row) => (i === 0 && row[1] === '' && row[2] === '' ? 0 : (row[i] ?? '').length))));
  return rows.map((row) => (row[1] === '' && row[2] === '' && row[3] === '' ? row[0] ?? '' : row.map((c, i) => (c ?? '').padEnd(widths[i] ?? 0)).join('  ').trimEnd())).join('\n');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const size: Size = args.includes('--tiny') ? 'tiny' : 'full';
  const onlyArg = args.find((a) => a.startsWith('--only='));
  const only = onlyArg ? onlyArg.slice('--only='.length).split(',') : undefined;
  const report = await runBenchmarks(size, only, (s) => process.stderr.write(`${s}\n`));
  process.stdout.write(`${formatReport(report)}\n`);
  const dir = path.join(projectRoot(), 'bench', 'results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${report.startedAt.replace(/[:.]/g, '-')}-${size}.json`);
  fs.writeFileSync(file, JSON.stringify(report, null, 2));
  fs.writeFileSync(path.join(dir, `latest-${size}.json`), JSON.stringify(report, null, 2));
  process.stdout.write(`results: ${path.relative(process.cwd(), file)}\n`);
  process.exitCode = report.results.some((r) => r.error) ? 1 : 0;
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
