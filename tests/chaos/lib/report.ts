/**
 * The tables the crash and chaos tests print: the summary the issue asks for
 * (faults injected, runs, steps, results identical, effects lost, effects
 * doubled), per-run details, and faults by kind.
 */
import type { FaultKind } from './faults';
import type { ScenarioReport } from './scenario';

export interface Totals {
  faults: number;
  runs: number;
  steps: number;
  identical: number;
  lost: number;
  doubled: number;
  /** Effects applied and recorded under their key whose log line a crash lost (a ledger defect, not a lost effect). */
  logGaps: number;
}

export function totals(reports: ScenarioReport[]): Totals {
  const t: Totals = { faults: 0, runs: 0, steps: 0, identical: 0, lost: 0, doubled: 0, logGaps: 0 };
  for (const r of reports) {
    t.faults += r.faults.filter((f) => f.injected).length;
    for (const run of r.runs) {
      t.runs += 1;
      t.steps += run.steps;
      if (run.identical) t.identical += 1;
      t.lost += run.audit.missing.length;
      t.doubled += run.audit.doubled.reduce((n, d) => n + d.count - 1, 0);
      t.logGaps += run.audit.unlogged.length;
    }
  }
  return t;
}

function table(head: string[], rows: (string | number)[][]): string {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const widths = head.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string => `| ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ')} |`;
  const sep = `|${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(head), sep, ...cells.slice(1).map(line)].join('\n');
}

export function summaryTable(reports: ScenarioReport[]): string {
  const rows = reports.map((r) => {
    const t = totals([r]);
    return [r.name, t.faults, t.runs, t.steps, `${t.identical}/${t.runs}`, t.lost, t.doubled, t.logGaps];
  });
  if (reports.length > 1) {
    const t = totals(reports);
    rows.push(['total', t.faults, t.runs, t.steps, `${t.identical}/${t.runs}`, t.lost, t.doubled, t.logGaps]);
  }
  return table(['scenario', 'faults injected', 'runs', 'steps', 'results identical', 'effects lost', 'effects doubled', 'ledger log gaps'], rows);
}

export function runTable(reports: ScenarioReport[]): string {
  const rows: (string | number)[][] = [];
  for (const r of reports) {
    for (const run of r.runs) {
      rows.push([
        `${r.name}: ${run.label}`,
        run.status,
        `${run.steps}/${run.expectedSteps}`,
        run.faultsDuring,
        run.identical ? 'yes' : 'NO',
        `${run.audit.applied}/${run.audit.expected}`,
        run.audit.missing.length,
        run.audit.unlogged.length,
        run.audit.doubled.length,
        `${(run.wallMs / 1000).toFixed(1)} s`,
        `${(run.calmWallMs / 1000).toFixed(1)} s`,
      ]);
    }
  }
  return table(['run', 'status', 'steps', 'faults during', 'identical', 'effects logged/expected', 'lost', 'log gaps', 'doubled', 'wall', 'calm twin'], rows);
}

export function faultTable(reports: ScenarioReport[]): string {
  const kinds = new Map<FaultKind, number>();
  for (const r of reports) for (const f of r.faults) if (f.injected) kinds.set(f.kind, (kinds.get(f.kind) ?? 0) + 1);
  return table(['fault', 'injected'], [...kinds.entries()].map(([k, n]) => [k, n]));
}

/** Everything a reader needs to judge a scenario, including what went wrong. */
export function fullReport(reports: ScenarioReport[]): string {
  const parts = [summaryTable(reports), '', runTable(reports), '', faultTable(reports)];
  for (const r of reports) {
    for (const run of r.runs) {
      if (!run.identical) parts.push('', `${r.name} / ${run.label} differs from its calm twin ${run.calmRunId}:`, ...run.differences.map((d) => `  - ${d}`));
      if (run.audit.missing.length > 0) parts.push('', `${r.name} / ${run.label}: effects lost (${run.runId}/...): ${run.audit.missing.slice(0, 10).join(', ')}`);
      if (run.audit.unlogged.length > 0) parts.push('', `${r.name} / ${run.label}: effects applied and recorded under their key but missing from the effect log (ledger log gap, see docs/chaos.md): ${run.audit.unlogged.slice(0, 10).map((k) => `${run.runId}/${k}`).join(', ')}`);
      if (run.audit.changed.length > 0) parts.push('', `${r.name} / ${run.label}: keys whose call differs from the calm twin's: ${run.audit.changed.slice(0, 10).join(', ')}`);
      if (run.audit.doubled.length > 0) parts.push('', `${r.name} / ${run.label}: effects doubled: ${run.audit.doubled.slice(0, 10).map((d) => `${run.runId}/${d.key} x${d.count}`).join(', ')}`);
      if (run.audit.extra.length > 0) parts.push('', `${r.name} / ${run.label}: effects the calm twin has not: ${run.audit.extra.slice(0, 10).join(', ')}`);
    }
    if (r.unexpectedExits.length > 0) parts.push('', `${r.name}: workers that died on their own:`, ...r.unexpectedExits);
  }
  return parts.join('\n');
}
