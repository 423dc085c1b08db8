/**
 * Windowing for large graphs: React Flow is given only the nodes near the
 * viewport (and their containers), so its per-node bookkeeping stays small
 * whatever the size of the definition. Pure geometry, tested on its own.
 */
import type { SwarmGraph } from './graph';
import type { Box } from './layout';

export interface Viewport {
  x: number;
  y: number;
  zoom: number;
}

/** The canvas area the viewport shows, in flow coordinates, grown by `margin` screens on each side. */
export function viewRect(v: Viewport, size: { width: number; height: number }, margin = 1): Box {
  const w = size.width / v.zoom;
  const h = size.height / v.zoom;
  return { x: -v.x / v.zoom - w * margin, y: -v.y / v.zoom - h * margin, width: w * (1 + 2 * margin), height: h * (1 + 2 * margin) };
}

function intersects(a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/** Ids of the nodes inside `rect`, with every container they sit in, in graph order (parents first). */
export function nodesInRect(g: SwarmGraph, abs: Map<string, Box>, rect: Box, always: readonly (string | null)[] = []): Set<string> {
  const keep = new Set<string>();
  const add = (id: string | null): void => {
    for (let cur = id ? g.byId.get(id) : undefined; cur && !keep.has(cur.id); cur = cur.parent ? g.byId.get(cur.parent) : undefined) keep.add(cur.id);
  };
  for (const n of g.nodes) {
    const b = abs.get(n.id);
    if (b && intersects(b, rect)) add(n.id);
  }
  for (const id of always) add(id);
  return keep;
}

/** The viewport that shows the whole graph in a canvas of `size` (zoom clamped to [min, max]). */
export function fitViewport(abs: Map<string, Box>, size: { width: number; height: number }, min = 0.05, max = 1, pad = 0.08): Viewport {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const b of abs.values()) {
    x0 = Math.min(x0, b.x);
    y0 = Math.min(y0, b.y);
    x1 = Math.max(x1, b.x + b.width);
    y1 = Math.max(y1, b.y + b.height);
  }
  if (!Number.isFinite(x0)) return { x: 0, y: 0, zoom: 1 };
  const w = (x1 - x0) * (1 + 2 * pad);
  const h = (y1 - y0) * (1 + 2 * pad);
  const zoom = Math.max(min, Math.min(max, size.width / w, size.height / h));
  return { x: size.width / 2 - ((x0 + x1) / 2) * zoom, y: size.height / 2 - ((y0 + y1) / 2) * zoom, zoom };
}
