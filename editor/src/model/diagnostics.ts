/**
 * Diagnostics from dsl/ (the same validator as the CLI) placed on the two
 * views: a range to underline in the YAML, and the canvas node they belong
 * to (the deepest step whose pointer is a prefix of the diagnostic's).
 */
import type { Diagnostic } from '../../../dsl/diagnostic';
import type { SwarmGraph } from './graph';
import { stepForPointer } from './ops';
import { lineEnd, offsetOf } from './text';

export type { Diagnostic };

/** Diagnostics grouped by the canvas node that shows them; those of no step (top-level keys) under ''. */
export function diagnosticsByNode(g: SwarmGraph, diagnostics: readonly Diagnostic[]): Map<string, Diagnostic[]> {
  const out = new Map<string, Diagnostic[]>();
  for (const d of diagnostics) {
    const id = stepForPointer(g, d.ptr)?.id ?? '';
    const list = out.get(id);
    if (list) list.push(d);
    else out.set(id, [d]);
  }
  return out;
}

/** The source range to underline: from the reported position to the end of its token (at least one character). */
export function diagnosticRange(text: string, d: Diagnostic): { from: number; to: number } {
  const from = offsetOf(text, d.line, d.col);
  const end = lineEnd(text, from);
  const rest = text.slice(from, end);
  const token = /^(("([^"\\]|\\.)*"?)|('([^']|'')*'?)|\$\{\{.*?\}\}|[^\s,\]}#]+)/.exec(rest);
  let to = from + (token?.[0].length ?? 0);
  if (to <= from) to = Math.min(text.length, from + 1);
  return { from, to };
}

/** One line for the problems list: `12:5 message`. */
export function diagnosticLabel(d: Diagnostic): string {
  return `${d.line}:${d.col} ${d.message}`;
}
