/**
 * Authoring operations of the canvas (add, delete, duplicate, move, nest,
 * connect, rename) expressed as patch operations on the document, so the
 * YAML pane and undo see them as ordinary text changes.
 */
import { isMap, isPair, isScalar, isSeq } from 'yaml';
import type { Document } from 'yaml';
import type { Json } from '../../../dsl/ir';
import { isUnder, join } from '../../../dsl/pointer';
import type { GraphNode, SwarmGraph } from './graph';
import { nodeForPtr } from './graph';
import { asJson, isJsonObject } from './json';
import type { JsonObject } from './json';
import type { Box, Point } from './layout';
import { shiftAfterRemoval } from './patch';
import type { PatchOp } from './patch';
import { freshId, isStepKind, newStep } from './steps';
import type { StepKind } from './steps';
import { isNode, keyName, nodeAt } from './yaml-source';

/** Thrown when an authoring operation cannot apply (a message for the user, naming the fix). */
export class EditError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EditError';
  }
}

/** A place in a list of steps: insert before position `index`. */
export interface Slot {
  list: string;
  index: number;
}

/** Where a new step goes: after the selected step (in its list), or into an empty selected lane or group, or at the end. */
export function slotAfter(g: SwarmGraph, selected: string | null, doc: Document): Slot {
  const n = selected ? g.byId.get(selected) : undefined;
  if (n?.type === 'lane' && n.childList) return { list: n.childList, index: listLength(doc, n.childList) };
  if (n && n.type !== 'lane') return { list: n.listPtr, index: n.index + 1 };
  return { list: '/steps', index: listLength(doc, '/steps') };
}

export function listLength(doc: Document, ptr: string): number {
  const list = nodeAt(doc, ptr);
  return isSeq(list) ? list.items.length : 0;
}

export function addStep(g: SwarmGraph, kind: StepKind, slot: Slot): { op: PatchOp; ptr: string } {
  const value = newStep(kind, g.names);
  return { op: { op: 'insert', list: slot.list, index: slot.index, value }, ptr: join(slot.list, slot.index) };
}

export function deleteStep(node: GraphNode): PatchOp {
  if (node.type === 'lane') throw new EditError(`the ${node.lane ?? ''} branch is part of its if step; delete the if step, or its steps one by one`);
  return { op: 'delete', ptr: node.id };
}

/** A copy of the step right after it, with fresh ids (its own and its children's) and references inside the copy renamed. */
export function duplicateStep(doc: Document, g: SwarmGraph, node: GraphNode): { op: PatchOp; ptr: string } {
  if (node.type === 'lane') throw new EditError('a branch cannot be duplicated; duplicate the if step');
  const raw = nodeAt(doc, node.id);
  const value = raw ? asJson(raw.toJSON()) : undefined;
  if (value === undefined || !isJsonObject(value)) throw new EditError(`${node.id} is not a step mapping, so there is nothing to copy`);
  const taken = new Set(g.names.stepIds);
  const renames = new Map<string, string>();
  collectIds(value, (id) => {
    const fresh = freshId(id, taken);
    taken.add(fresh);
    renames.set(id, fresh);
  });
  const copy = renameIn(value, renames);
  return { op: { op: 'insert', list: node.listPtr, index: node.index + 1, value: copy }, ptr: join(node.listPtr, node.index + 1) };
}

function collectIds(v: Json, visit: (id: string) => void): void {
  if (Array.isArray(v)) v.forEach((x) => collectIds(x, visit));
  else if (isJsonObject(v)) {
    if (typeof v.id === 'string' && Object.keys(v).some(isStepKind)) visit(v.id);
    for (const x of Object.values(v)) collectIds(x, visit);
  }
}

/** Renames step ids and `steps.<id>` references (inside `${{ }}`) and captureSkill `from`. */
function renameIn(v: Json, renames: Map<string, string>): Json {
  if (typeof v === 'string') return renameRefs(v, renames);
  if (Array.isArray(v)) return v.map((x) => renameIn(x, renames));
  if (isJsonObject(v)) {
    const out: JsonObject = {};
    const isStep = Object.keys(v).some(isStepKind);
    for (const [k, x] of Object.entries(v)) {
      if (isStep && k === 'id' && typeof x === 'string') out[k] = renames.get(x) ?? x;
      else if (k === 'from' && typeof x === 'string') out[k] = renames.get(x) ?? x;
      else out[k] = renameIn(x, renames);
    }
    return out;
  }
  return v;
}

/** `steps.old` -> `steps.new` inside each `${{ }}` of a string. */
export function renameRefs(s: string, renames: Map<string, string>): string {
  if (!s.includes('${{') || renames.size === 0) return s;
  return s.replace(/\$\{\{[\s\S]*?\}\}/g, (expr) =>
    expr.replace(/\bsteps\.([a-z][a-z0-9_]*)\b/g, (whole, id: string) => {
      const to = renames.get(id);
      return to ? `steps.${to}` : whole;
    }),
  );
}

/**
 * Renaming a step id: the id itself, every `steps.<id>` in expressions and
 * every captureSkill `from` that names it, as separate `set` operations on
 * disjoint scalars (so they can be planned together).
 */
export function renameStep(doc: Document, node: GraphNode, to: string): PatchOp[] {
  const from = node.stepId;
  if (!from || from === to) return [];
  if (!/^[a-z][a-z0-9_]{0,62}$/.test(to)) throw new EditError(`"${to}" is not a step id: use lowercase letters, digits and _, starting with a letter`);
  const ops: PatchOp[] = [{ op: 'set', ptr: join(node.id, 'id'), value: to }];
  const renames = new Map([[from, to]]);
  walkScalars(doc.contents, '', (ptr, value) => {
    if (ptr === join(node.id, 'id')) return;
    if (/\/captureSkill\/from$/.test(ptr) && value === from) ops.push({ op: 'set', ptr, value: to });
    else {
      const next = renameRefs(value, renames);
      if (next !== value) ops.push({ op: 'set', ptr, value: next });
    }
  });
  return ops;
}

function walkScalars(node: unknown, ptr: string, visit: (ptr: string, value: string) => void): void {
  if (isScalar(node)) {
    if (typeof node.value === 'string') visit(ptr, node.value);
  } else if (isMap(node)) {
    for (const p of node.items) {
      if (!isPair(p)) continue;
      const k = keyName(p);
      if (k !== null) walkScalars(p.value, join(ptr, k), visit);
    }
  } else if (isSeq(node)) node.items.forEach((item, i) => walkScalars(item, join(ptr, i), visit));
}

/** Moves a step into a slot (reorder, nest, un-nest). */
export function moveStep(node: GraphNode, slot: Slot): PatchOp {
  if (node.type === 'lane') throw new EditError('a branch stays with its if step; move the if step instead');
  if (isUnder(slot.list, node.id)) throw new EditError(`${node.label} cannot go inside itself`);
  return { op: 'move', from: node.id, list: slot.list, index: slot.index };
}

/** Where a moved step lands in pointers, after the move. */
export function pointerAfterMove(node: GraphNode, slot: Slot): string {
  // Removing the step first shifts later items of its own list (and the lists inside them) up by one.
  const list = shiftAfterRemoval(slot.list, node.listPtr, node.index);
  const index = slot.list === node.listPtr && slot.index > node.index ? slot.index - 1 : slot.index;
  return join(list, index);
}

/**
 * Connecting A -> B on the canvas: "B runs right after A", i.e. B moves to
 * the slot after A in A's list.
 */
export function connectSteps(g: SwarmGraph, source: string, target: string): PatchOp | null {
  const a = g.byId.get(source);
  const b = g.byId.get(target);
  if (!a || !b || a.id === b.id) return null;
  if (b.type === 'lane') throw new EditError('connect to a step, not to a branch');
  if (a.type === 'lane') {
    if (!a.childList) return null;
    return moveStep(b, { list: a.childList, index: 0 });
  }
  if (isUnder(a.id, b.id)) throw new EditError(`${b.label} contains ${a.label}, so it cannot run after it`);
  if (a.listPtr === b.listPtr && b.index === a.index + 1) return null;
  return moveStep(b, { list: a.listPtr, index: a.index + 1 });
}

/** Absolute canvas boxes from boxes relative to their parents. */
export function absoluteBoxes(g: SwarmGraph, rel: Map<string, Box>): Map<string, Box> {
  const abs = new Map<string, Box>();
  for (const n of g.nodes) {
    const b = rel.get(n.id);
    if (!b) continue;
    const p = n.parent ? abs.get(n.parent) : undefined;
    abs.set(n.id, { ...b, x: b.x + (p?.x ?? 0), y: b.y + (p?.y ?? 0) });
  }
  return abs;
}

/**
 * Where a step dropped at `point` (canvas coordinates) belongs: the
 * innermost container or lane under the point, at the position its vertical
 * place says (horizontal for parallel branches). `moving` is left out.
 */
export function dropSlot(g: SwarmGraph, abs: Map<string, Box>, point: Point, moving: string | null): Slot {
  let host: GraphNode | null = null;
  for (const n of g.nodes) {
    if (!n.childList || (moving && isUnder(n.id, moving))) continue;
    const b = abs.get(n.id);
    if (!b || point.x < b.x || point.x > b.x + b.width || point.y < b.y || point.y > b.y + b.height) continue;
    if (!host || n.depth > host.depth) host = n;
  }
  const list = host?.childList ?? '/steps';
  const hostId = host ? host.id : null;
  const siblings = g.nodes.filter((n) => n.parent === hostId && n.type !== 'lane' && n.listPtr === list && n.id !== moving);
  const across = host?.sideBySide ?? false;
  let index = 0;
  for (const s of siblings) {
    const b = abs.get(s.id);
    if (!b) continue;
    const mid = across ? b.x + b.width / 2 : b.y + b.height / 2;
    if ((across ? point.x : point.y) > mid) index = s.index + 1;
  }
  return { list, index };
}

/** The step a diagnostic pointer belongs to (a lane's diagnostics go to its if step). */
export function stepForPointer(g: SwarmGraph, ptr: string): GraphNode | null {
  const n = nodeForPtr(g, ptr);
  if (n?.type === 'lane' && n.parent) return g.byId.get(n.parent) ?? n;
  return n;
}

/** The plain JSON of a step, for forms. */
export function stepValue(doc: Document, ptr: string): JsonObject | null {
  const raw = nodeAt(doc, ptr);
  if (!raw || !isNode(raw)) return null;
  const v = asJson(raw.toJSON());
  return v !== undefined && isJsonObject(v) ? v : null;
}
