/**
 * Documents built to make the compiler work as hard as the limits allow:
 * within 1 MiB, as many keys, steps, list items, expressions or
 * diagnostics as fit. Random generation never gets there (its documents are
 * a few KiB), so these are measured on purpose, at growing sizes, to show
 * how the cost grows and which calls pass the per-call CPU cap.
 */
import { compile } from '../../dsl';
import { cpuTimed } from './stats';

const HEAD = 'swarm: patho\nversion: 1\nmodels: { m: { model: x } }\n';

/** One builder per shape: `n` repetitions of its unit. */
export const SHAPES: Record<string, { build: (n: number) => string }> = {
  'unknown top-level keys': { build: (n) => `${HEAD}steps:\n  - id: a\n    set: { v: 1 }\n${lines(n, (i) => `k${i}: 1`)}` },
  'steps with an unknown kind': { build: (n) => `${HEAD}steps:\n${lines(n, (i) => `  - id: s${i}\n    bogus: 1`)}` },
  'duplicate step ids': { build: (n) => `${HEAD}steps:\n${lines(n, () => '  - id: s\n    set: { v: 1 }')}` },
  'valid set steps': { build: (n) => `${HEAD}steps:\n${lines(n, (i) => `  - id: s${i}\n    set: { v: 1 }`)}` },
  'steps reading the step before': { build: (n) => `${HEAD}steps:\n${lines(n, (i) => `  - id: s${i}\n    set: { v: "\${{ steps.s${Math.max(0, i - 1)}.output }}" }`)}` },
  'keys of one set step': { build: (n) => `${HEAD}steps:\n  - id: a\n    set:\n${lines(n, (i) => `      k${i}: 1`)}` },
  'items of one flow list': { build: (n) => `${HEAD}steps:\n  - id: a\n    set: { v: [${Array.from({ length: n }, () => '1').join(',')}] }\n` },
  'expressions in one prompt': { build: (n) => `${HEAD}steps:\n  - id: a\n    llm: m\n    prompt: "${'${{ inputs.x }}'.repeat(n)}"\n` },
  'undefined names in one prompt': { build: (n) => `${HEAD}steps:\n  - id: a\n    llm: m\n    prompt: "${'${{ nope }}'.repeat(n)}"\n` },
};

function lines(n: number, f: (i: number) => string): string {
  return `${Array.from({ length: n }, (_, i) => f(i)).join('\n')}\n`;
}

export interface CostRow {
  shape: string;
  bytes: number;
  ms: number;
  diagnostics: number;
  firstCode: string;
}

/** Compiles each shape at each size (bytes, approximately) and measures the CPU it takes. */
export function measureShapes(sizes: readonly number[], shapes: readonly string[] = Object.keys(SHAPES)): CostRow[] {
  compile(SHAPES['valid set steps']?.build(10) ?? HEAD, 'warm.swarm.yaml');
  const rows: CostRow[] = [];
  for (const shape of shapes) {
    const s = SHAPES[shape];
    if (!s) continue;
    for (const size of sizes) {
      // The size of one more unit, measured: n is the most that stays within `size` bytes.
      const unit = (s.build(200).length - s.build(100).length) / 100;
      const fixed = s.build(100).length - 100 * unit;
      let n = Math.max(1, Math.floor((size - fixed) / unit));
      let text = s.build(n);
      // Units grow with their index's digits: shrink n until the text fits.
      while (text.length > size && n > 1) text = s.build((n = Math.floor(n * 0.97)));
      const { ms, result } = cpuTimed(() => compile(text, 'patho.swarm.yaml'));
      rows.push({ shape, bytes: text.length, ms, diagnostics: result.diagnostics.length, firstCode: result.diagnostics[0]?.code ?? 'valid' });
    }
  }
  return rows;
}

export function formatRows(rows: readonly CostRow[]): string {
  return rows.map((r) => `  ${r.shape.padEnd(32)} ${(r.bytes / 1024).toFixed(0).padStart(5)} KiB ${r.ms.toFixed(0).padStart(7)} ms CPU  ${String(r.diagnostics).padStart(6)} diagnostics (${r.firstCode})`).join('\n');
}
