/**
 * Automatic layout of the step graph, containers included.
 *
 * Each list of steps is laid out on its own, innermost first, so a
 * container's size is known before its parent's list is placed. Lists run
 * top to bottom; parallel branches and the then / else lanes of an `if` sit
 * side by side. A list of up to DAGRE_MAX steps of mixed sizes (steps and
 * containers) is laid out by dagre (rank spacing, centring); a list of
 * same-sized steps, or a longer one, is a plain centred column, which is what
 * dagre draws for a chain, without its cost (dagre takes over a second for a
 * 1,000-step chain, and tens of milliseconds cold for two nodes). Positions the user has set
 * (the layout sidecar) win over automatic ones, and containers grow to hold
 * them.
 */
import { graphlib, layout as dagreLayout } from '@dagrejs/dagre';
import type { GraphNode, SwarmGraph } from './graph';

export interface Point {
  x: number;
  y: number;
}

/** Position relative to the parent node (or the canvas at the top level) and size. */
export interface Box extends Point {
  width: number;
  height: number;
}

export const SIZES = {
  stepWidth: 240,
  stepHeight: 68,
  groupHeader: 54,
  laneHeader: 30,
  pad: 18,
  gapY: 34,
  gapX: 30,
  emptyWidth: 240,
  emptyHeight: 56,
} as const;

export const DAGRE_MAX = 50;

/** Positions (relative to the parent) the user dragged nodes to, keyed by node id (JSON pointer). */
export type Positions = Record<string, Point>;

export function layoutGraph(g: SwarmGraph, user: Positions = {}): Map<string, Box> {
  const kids = new Map<string | null, GraphNode[]>();
  for (const n of g.nodes) {
    const list = kids.get(n.parent);
    if (list) list.push(n);
    else kids.set(n.parent, [n]);
  }
  const boxes = new Map<string, Box>();

  const sizeOf = (n: GraphNode): { width: number; height: number } => {
    if (n.type === 'step') return { width: SIZES.stepWidth, height: SIZES.stepHeight };
    const header = n.type === 'lane' ? SIZES.laneHeader : SIZES.groupHeader;
    const side = n.kind === 'if' || n.sideBySide;
    const content = place(kids.get(n.id) ?? [], side, { x: SIZES.pad, y: header + SIZES.pad }, n.kind !== 'if');
    return { width: Math.max(content.right + SIZES.pad, SIZES.stepWidth + 2 * SIZES.pad), height: content.bottom + SIZES.pad };
  };

  /** Places a list's nodes from `origin`; returns the right and bottom edges of what it placed. */
  const place = (list: GraphNode[], sideBySide: boolean, origin: Point, userMovable: boolean): { right: number; bottom: number } => {
    if (list.length === 0) return { right: origin.x + SIZES.emptyWidth, bottom: origin.y + SIZES.emptyHeight };
    const sizes = list.map(sizeOf);
    const auto = sideBySide ? row(sizes) : list.length <= DAGRE_MAX && !uniform(sizes) ? dagreColumn(sizes) : column(sizes);
    let right = 0;
    let bottom = 0;
    list.forEach((n, i) => {
      const s = sizes[i] ?? { width: SIZES.stepWidth, height: SIZES.stepHeight };
      const a = auto[i] ?? { x: 0, y: 0 };
      const pos = (userMovable && user[n.id]) || { x: origin.x + a.x, y: origin.y + a.y };
      boxes.set(n.id, { x: pos.x, y: pos.y, width: s.width, height: s.height });
      right = Math.max(right, pos.x + s.width);
      bottom = Math.max(bottom, pos.y + s.height);
    });
    return { right, bottom };
  };

  place(kids.get(null) ?? [], false, { x: 0, y: 0 }, true);
  return boxes;
}

type Size = { width: number; height: number };

function uniform(sizes: Size[]): boolean {
  const first = sizes[0];
  return sizes.every((s) => s.width === first?.width && s.height === first.height);
}

function row(sizes: Size[]): Point[] {
  let x = 0;
  return sizes.map((s) => {
    const p = { x, y: 0 };
    x += s.width + SIZES.gapX;
    return p;
  });
}

function column(sizes: Size[]): Point[] {
  const widest = Math.max(...sizes.map((s) => s.width));
  let y = 0;
  return sizes.map((s) => {
    const p = { x: (widest - s.width) / 2, y };
    y += s.height + SIZES.gapY;
    return p;
  });
}

/**
 * dagre's answer depends only on the sizes, and containers often share them
 * (and keep them across edits), so answers are remembered.
 */
const dagreMemo = new Map<string, Point[]>();
const DAGRE_MEMO_MAX = 2000;

function dagreColumn(sizes: Size[]): Point[] {
  if (sizes.length === 1) return [{ x: 0, y: 0 }];
  const key = sizes.map((s) => `${s.width}x${s.height}`).join(',');
  const hit = dagreMemo.get(key);
  if (hit) return hit;
  const points = runDagre(sizes);
  if (dagreMemo.size >= DAGRE_MEMO_MAX) dagreMemo.clear();
  dagreMemo.set(key, points);
  return points;
}

function runDagre(sizes: Size[]): Point[] {
  const g = new graphlib.Graph();
  g.setGraph({ rankdir: 'TB', nodesep: SIZES.gapX, ranksep: SIZES.gapY, marginx: 0, marginy: 0 });
  g.setDefaultEdgeLabel(() => ({}));
  sizes.forEach((s, i) => {
    g.setNode(String(i), { width: s.width, height: s.height });
    if (i > 0) g.setEdge(String(i - 1), String(i));
  });
  dagreLayout(g);
  const raw = sizes.map((s, i) => {
    const n = g.node(String(i));
    return { x: n.x - s.width / 2, y: n.y - s.height / 2 };
  });
  const minX = Math.min(...raw.map((p) => p.x));
  const minY = Math.min(...raw.map((p) => p.y));
  return raw.map((p) => ({ x: p.x - minX, y: p.y - minY }));
}
