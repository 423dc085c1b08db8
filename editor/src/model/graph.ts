/**
 * Document -> graph: one node per step, a group node per container, a lane
 * node per `then` / `else`, edges for the order of steps in a list. Node ids
 * are the steps' JSON pointers, the same ids diagnostics and the compiler's
 * IR use, so one id selects a canvas node, a YAML range and an error.
 */
import { isMap, isPair, isScalar, isSeq } from 'yaml';
import type { Document, YAMLMap } from 'yaml';
import { isUnder, join } from '../../../dsl/pointer';
import { childListPtr, childLists, isContainerKind, kindKeys } from './steps';
import type { Names, StepKind } from './steps';
import { findPair, keyName, nodeAt } from './yaml-source';

export type NodeType = 'step' | 'group' | 'lane';

export interface GraphNode {
  /** JSON pointer of the step (`/steps/1/do/0`), or of a lane's list (`/steps/2/else`). */
  id: string;
  type: NodeType;
  /** The step's kind; `unknown` when the step has no kind key or several; `lane` for lanes. */
  kind: StepKind | 'unknown' | 'lane';
  /** For lanes: which branch. */
  lane: 'then' | 'else' | null;
  /** The group or lane node this node sits in; null at the top level. */
  parent: string | null;
  /** The step's `id`, when it has a string one. */
  stepId: string | null;
  /** What the canvas shows as the title: the step's `name`, else its id. */
  label: string;
  /** One line on what the step does (`agent coder`, `sleep 10s`). */
  detail: string;
  /** Has a `when` condition. */
  conditional: boolean;
  /** The list this step is an item of, and its position there (lanes: their own list). */
  listPtr: string;
  index: number;
  /** Where children of this node go (groups without lanes, and lanes). */
  childList: string | null;
  /** Children run side by side (parallel branches). */
  sideBySide: boolean;
  /** Source range of the step's mapping (lanes: of their list; null when the list does not exist yet). */
  range: [number, number] | null;
  depth: number;
}

export interface GraphEdge {
  id: string;
  source: string;
  target: string;
}

export interface SwarmGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
  byId: Map<string, GraphNode>;
  /** Step id -> node id (first one, if ids repeat). */
  byStepId: Map<string, string>;
  names: Names;
}

const STEPS_PTR = '/steps';

export function emptyGraph(): SwarmGraph {
  return { nodes: [], edges: [], byId: new Map(), byStepId: new Map(), names: { agents: [], models: [], tools: [], stepIds: [] } };
}

/** Builds the graph of a parsed document; parts that are not steps are left out, never fatal. */
export function buildGraph(doc: Document): SwarmGraph {
  const g = emptyGraph();
  g.names.agents = mapKeys(doc, '/agents');
  g.names.models = mapKeys(doc, '/models');
  g.names.tools = mapKeys(doc, '/tools');
  walkList(doc, g, STEPS_PTR, null, 0);
  for (const n of g.nodes) g.byId.set(n.id, n);
  return g;
}

function mapKeys(doc: Document, ptr: string): string[] {
  const node = nodeAt(doc, ptr);
  if (!isMap(node)) return [];
  const out: string[] = [];
  for (const item of node.items) {
    if (!isPair(item)) continue;
    const k = keyName(item);
    if (k !== null) out.push(k);
  }
  return out;
}

function walkList(doc: Document, g: SwarmGraph, listPtr: string, parent: string | null, depth: number, sideBySide = false): void {
  const list = nodeAt(doc, listPtr);
  if (!isSeq(list)) return;
  let prev: string | null = null;
  list.items.forEach((item, index) => {
    const ptr = join(listPtr, index);
    const node = stepNode(item, ptr, listPtr, index, parent, depth);
    g.nodes.push(node);
    if (node.stepId !== null) {
      g.names.stepIds.push(node.stepId);
      if (!g.byStepId.has(node.stepId)) g.byStepId.set(node.stepId, ptr);
    }
    if (prev !== null && !sideBySide) g.edges.push({ id: `${prev}->${ptr}`, source: prev, target: ptr });
    prev = ptr;
    if (node.kind === 'unknown' || node.kind === 'lane' || !isContainerKind(node.kind)) return;
    const lists = childLists(node.kind);
    for (const cl of lists) {
      const clPtr = childListPtr(ptr, cl);
      if (cl.lane) {
        const laneList = nodeAt(doc, clPtr);
        g.nodes.push({
          id: clPtr,
          type: 'lane',
          kind: 'lane',
          lane: cl.lane,
          parent: ptr,
          stepId: null,
          label: cl.lane,
          detail: cl.lane === 'then' ? 'when true' : 'otherwise',
          conditional: false,
          listPtr: clPtr,
          index: cl.lane === 'then' ? 0 : 1,
          childList: clPtr,
          sideBySide: false,
          range: laneList?.range ? [laneList.range[0], laneList.range[1]] : null,
          depth: depth + 1,
        });
        walkList(doc, g, clPtr, clPtr, depth + 2);
      } else {
        walkList(doc, g, clPtr, ptr, depth + 1, cl.sideBySide);
      }
    }
  });
}

function stepNode(item: unknown, ptr: string, listPtr: string, index: number, parent: string | null, depth: number): GraphNode {
  const base: GraphNode = {
    id: ptr,
    type: 'step',
    kind: 'unknown',
    lane: null,
    parent,
    stepId: null,
    label: `step ${index + 1}`,
    detail: 'not a step mapping',
    conditional: false,
    listPtr,
    index,
    childList: null,
    sideBySide: false,
    range: isMap(item) && item.range ? [item.range[0], item.range[1]] : null,
    depth,
  };
  if (!isMap(item)) return base;
  const keys: string[] = [];
  for (const p of item.items) if (isPair(p)) keys.push(keyName(p) ?? '');
  const kinds = kindKeys(keys);
  const id = text(item, 'id');
  const name = text(item, 'name');
  const kind: StepKind | 'unknown' = kinds.length === 1 && kinds[0] ? kinds[0] : 'unknown';
  const node: GraphNode = {
    ...base,
    kind,
    stepId: id,
    label: name ?? id ?? base.label,
    detail: kind === 'unknown' ? (kinds.length === 0 ? 'no kind key (agent, llm, tool...)' : `several kind keys: ${kinds.join(', ')}`) : describe(item, kind),
    conditional: findPair(item, 'when') !== undefined,
  };
  if (kind !== 'unknown' && isContainerKind(kind)) {
    const lists = childLists(kind);
    const single = lists.length === 1 ? lists[0] : undefined;
    node.type = 'group';
    node.childList = single ? childListPtr(ptr, single) : null;
    node.sideBySide = single?.sideBySide ?? false;
  }
  return node;
}

/** A scalar field of a mapping as text, or null. */
function text(map: YAMLMap<unknown, unknown>, key: string): string | null {
  const v = findPair(map, key)?.value;
  if (!isScalar(v) || v.value === null || typeof v.value === 'object') return null;
  return String(v.value);
}

/** `${{ x }}` -> `x`, shortened for one line. */
export function exprText(s: string | null, max = 48): string {
  if (s === null) return '';
  const m = /^\$\{\{\s*([\s\S]*?)\s*\}\}$/.exec(s.trim());
  const t = (m?.[1] ?? s).replace(/\s+/g, ' ');
  return t.length > max ? t.slice(0, max - 1) + '…' : t;
}

function describe(step: YAMLMap<unknown, unknown>, kind: StepKind): string {
  const sub = (key: string): YAMLMap<unknown, unknown> | null => {
    const v = findPair(step, key)?.value;
    return isMap(v) ? v : null;
  };
  const count = (key: string): number => {
    const v = findPair(step, key)?.value;
    return isSeq(v) ? v.items.length : 0;
  };
  switch (kind) {
    case 'agent':
      return `agent ${text(step, 'agent') ?? '?'}`;
    case 'llm':
      return `llm ${text(step, 'llm') ?? '?'}`;
    case 'tool':
      return `tool ${text(step, 'tool') ?? '?'}`;
    case 'forEach':
      return `for each ${text(step, 'as') ?? 'item'} in ${exprText(text(step, 'forEach'), 36) || 'a list'}`;
    case 'parallel':
      return `${count('parallel')} branches at once`;
    case 'sequence':
      return `${count('sequence')} steps in order`;
    case 'if':
      return `if ${exprText(text(step, 'if'))}`;
    case 'loop': {
      const loop = sub('loop');
      const max = loop ? text(loop, 'maxIterations') : null;
      const until = loop ? text(loop, 'until') : null;
      return `loop ≤ ${max ?? '?'}${until ? ` until ${exprText(until, 30)}` : ''}`;
    }
    case 'waitFor': {
      const w = sub('waitFor');
      const t = w ? text(w, 'timeout') : null;
      return `wait for ${w ? (text(w, 'signal') ?? '?') : '?'}${t ? ` (${t})` : ''}`;
    }
    case 'sleep':
      return `sleep ${text(step, 'sleep') ?? '?'}`;
    case 'set': {
      const s = sub('set');
      const keys = s ? s.items.filter(isPair).map((p) => keyName(p) ?? '?') : [];
      return `set ${keys.join(', ') || '?'}`;
    }
    case 'captureSkill': {
      const c = sub('captureSkill');
      return `skill ${c ? (text(c, 'name') ?? '?') : '?'} from ${c ? (text(c, 'from') ?? '?') : '?'}`;
    }
    case 'swarm':
      return `swarm ${text(step, 'swarm') ?? '?'}`;
    default: {
      const never: never = kind;
      return never;
    }
  }
}

/** The deepest step or lane node whose pointer is `ptr` or an ancestor of it. */
export function nodeForPtr(g: SwarmGraph, ptr: string): GraphNode | null {
  let best: GraphNode | null = null;
  for (const n of g.nodes) {
    if (isUnder(ptr, n.id) && (best === null || n.id.length > best.id.length)) best = n;
  }
  return best;
}

/** The deepest step whose source range holds `offset` (a cursor in the YAML pane). */
export function nodeAtOffset(g: SwarmGraph, offset: number): GraphNode | null {
  let best: GraphNode | null = null;
  for (const n of g.nodes) {
    if (n.type === 'lane' || !n.range) continue;
    if (offset >= n.range[0] && offset <= n.range[1] && (best === null || n.depth > best.depth)) best = n;
  }
  return best;
}

/** Children of a group or lane, in list order. */
export function childrenOf(g: SwarmGraph, id: string | null): GraphNode[] {
  return g.nodes.filter((n) => n.parent === id);
}
