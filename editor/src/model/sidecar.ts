/**
 * The layout sidecar: positions the user gave nodes, keyed by JSON pointer,
 * stored beside the definition (never in the YAML). Pointers shift when
 * steps are added, moved or deleted, so positions are carried from one
 * graph to the next by step id (unique in a file), and dropped when a step
 * changes container (a position is relative to its container).
 */
import type { SwarmGraph } from './graph';
import type { Point, Positions } from './layout';

export type Layout = Positions;

/** A layout read from storage or the API; anything malformed is left out, never trusted. */
export function parseLayout(v: unknown): Layout {
  const out: Layout = {};
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return out;
  for (const [ptr, p] of Object.entries(v)) {
    if (!ptr.startsWith('/steps/') || typeof p !== 'object' || p === null) continue;
    const x: unknown = Reflect.get(p, 'x');
    const y: unknown = Reflect.get(p, 'y');
    if (typeof x === 'number' && typeof y === 'number' && Number.isFinite(x) && Number.isFinite(y)) out[ptr] = { x: Math.round(x), y: Math.round(y) };
  }
  return out;
}

/** Where a node sits: its container's identity (by step id), so a move to another container is noticed. */
function home(g: SwarmGraph, ptr: string): string | null {
  const n = g.byId.get(ptr);
  if (!n) return null;
  if (n.parent === null) return '';
  const parent = g.byId.get(n.parent);
  if (!parent) return null;
  if (parent.type === 'lane') {
    const owner = parent.parent ? g.byId.get(parent.parent) : undefined;
    return `${owner?.stepId ?? parent.id}#${parent.lane ?? ''}`;
  }
  return parent.stepId ?? parent.id;
}

/** Positions carried from `before` to `after` (the graphs of the text before and after an edit). */
export function carryLayout(layout: Layout, before: SwarmGraph, after: SwarmGraph): Layout {
  const keys = Object.keys(layout);
  if (keys.length === 0) return layout;
  const out: Layout = {};
  for (const [ptr, pos] of Object.entries(layout)) {
    const node = before.byId.get(ptr);
    let target: string | undefined;
    if (node?.stepId) target = after.byStepId.get(node.stepId);
    else if (!node && after.byId.has(ptr)) target = ptr; // a position for a graph we could not read: keep it
    else if (node && after.byId.get(ptr)?.kind === node.kind) target = ptr;
    if (target === undefined) continue;
    if (node && home(before, ptr) !== home(after, target)) continue;
    out[target] = pos;
  }
  // Unchanged: the same object, so what is computed from it need not be computed again.
  const outKeys = Object.keys(out);
  if (outKeys.length === keys.length && outKeys.every((k) => layout[k] === out[k])) return layout;
  return out;
}

export function setPosition(layout: Layout, ptr: string, p: Point): Layout {
  return { ...layout, [ptr]: { x: Math.round(p.x), y: Math.round(p.y) } };
}

export function clearPosition(layout: Layout, ptr: string): Layout {
  if (!(ptr in layout)) return layout;
  const next = { ...layout };
  delete next[ptr];
  return next;
}
