/**
 * Structural edits of a YAML document, planned as text edits.
 *
 * The canvas and the forms change the definition through four operations on
 * JSON pointers (set, delete, insert into a list, move a list item). Each is
 * planned against the current text and parse tree as the smallest set of
 * text replacements: a changed mapping is diffed key by key, a moved step
 * carries its own lines (comments included) to the new place, re-indented.
 * Nothing outside the edited span is re-printed, which is how comments, key
 * order and quoting of untouched parts survive byte for byte.
 *
 * Flow collections (`{ a: 1 }`, `[a, b]`) are rewritten as a whole, in flow
 * style, when something inside them changes.
 */
import { isMap, isPair, isScalar, isSeq } from 'yaml';
import type { Document, Node, Pair, YAMLMap, YAMLSeq } from 'yaml';
import type { Json } from '../../../dsl/ir';
import { isUnder, join, segments, fromSegments } from '../../../dsl/pointer';
import { asJson, isJsonObject, jsonEqual } from './json';
import { renderItemLines, renderPair, renderPairLines, renderValue, styleOf } from './render';
import type { Style } from './render';
import { applyEdits, columnOf, sortEdits, lineStart, nextLineStart, onlySpacesBefore, shiftLines } from './text';
import type { TextEdit } from './text';
import { afterColon, contentEnd, findPair, isEmptyScalar, isNode, keyName, nodeAt, parseYaml, trailingComment } from './yaml-source';

export type PatchOp =
  /** Write `value` at `ptr`, creating missing parents as mappings. */
  | { op: 'set'; ptr: string; value: Json }
  /** Remove the mapping entry or list item at `ptr`. */
  | { op: 'delete'; ptr: string }
  /** Insert `value` into the list at `list` before position `index` (`index` = length appends); creates the list when missing. */
  | { op: 'insert'; list: string; index: number; value: Json }
  /** Move the list item at `from` into the list at `list`, before the item now at `index` (positions before the move). */
  | { op: 'move'; from: string; list: string; index: number };

/** Thrown when an operation names something the document does not have, or asks for the impossible. */
export class PatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PatchError';
  }
}

interface Ctx {
  text: string;
  doc: Document;
}

/** Plans one operation as text edits against `text` (which `doc` must be the parse of). */
export function planPatch(text: string, doc: Document, op: PatchOp): TextEdit[] {
  if (doc.errors.length > 0) throw new PatchError('the YAML has syntax errors; fix them in the YAML pane before editing on the canvas');
  const ctx: Ctx = { text, doc };
  switch (op.op) {
    case 'set':
      return setAt(ctx, op.ptr, op.value);
    case 'delete':
      return deleteAt(ctx, op.ptr);
    case 'insert':
      return insertAt(ctx, op.list, op.index, op.value);
    case 'move':
      return moveItem(ctx, op.from, op.list, op.index);
    default: {
      const never: never = op;
      throw new PatchError(`unknown patch operation ${JSON.stringify(never)}`);
    }
  }
}

/**
 * Plans several operations against the same text at once (they must touch
 * disjoint places, e.g. renaming references in many scalars); one undo step.
 */
export function planPatches(text: string, doc: Document, ops: readonly PatchOp[]): TextEdit[] {
  return sortEdits(ops.flatMap((op) => planPatch(text, doc, op)));
}

/** Parses, plans and applies operations one after another; returns the new text. */
export function applyPatch(text: string, ...ops: PatchOp[]): string {
  let cur = text;
  for (const op of ops) cur = applyEdits(cur, planPatch(cur, parseYaml(cur), op));
  return cur;
}

// ---------------------------------------------------------------- pointers

function split(ptr: string): { parent: string; key: string } {
  const segs = segments(ptr);
  const key = segs.pop();
  if (key === undefined) throw new PatchError('the document root cannot be addressed this way; name a key inside it');
  return { parent: fromSegments(segs), key };
}

function parseIndex(key: string, ptr: string): number {
  if (!/^(0|[1-9][0-9]*)$/.test(key)) throw new PatchError(`${ptr}: "${key}" is not a list position`);
  return Number(key);
}

/** The first flow collection on the way from the root to `ptr` (inclusive), if any. */
function outermostFlow(ctx: Ctx, ptr: string): { node: YAMLMap<unknown, unknown> | YAMLSeq<unknown>; ptr: string } | null {
  let cur: unknown = ctx.doc.contents;
  let at = '';
  const segs = segments(ptr);
  for (let i = 0; ; i++) {
    if ((isMap(cur) || isSeq(cur)) && cur.flow) return { node: cur, ptr: at };
    const seg = segs[i];
    if (seg === undefined) return null;
    if (isMap(cur)) cur = findPair(cur, seg)?.value;
    else if (isSeq(cur)) cur = /^\d+$/.test(seg) ? cur.items[Number(seg)] : undefined;
    else return null;
    at = join(at, seg);
  }
}

function jsonOf(node: Node, ptr: string): Json {
  const j = asJson(node.toJSON());
  if (j === undefined) throw new PatchError(`${ptr || '/'}: this value cannot be edited as JSON (it uses YAML features JSON lacks)`);
  return j;
}

/** Rewrites a whole flow collection after applying `mutate` to its JSON at the relative path. */
function rewriteFlow(ctx: Ctx, flow: { node: Node; ptr: string }, target: string, mutate: (parent: Json, key: string) => void): TextEdit[] {
  const value = jsonOf(flow.node, flow.ptr);
  const rel = segments(target).slice(segments(flow.ptr).length);
  const key = rel.pop();
  if (key === undefined) throw new PatchError(`${target}: cannot edit a flow collection as a whole this way`);
  let parent: Json = value;
  for (const seg of rel) {
    const next: Json | undefined = Array.isArray(parent) ? parent[Number(seg)] : isJsonObject(parent) ? parent[seg] : undefined;
    if (next === undefined || next === null || typeof next !== 'object') throw new PatchError(`${target}: no such place in the document`);
    parent = next;
  }
  mutate(parent, key);
  return replaceNodeAt(ctx, flow.ptr, value, true);
}

// ---------------------------------------------------------------- set

function setAt(ctx: Ctx, ptr: string, value: Json): TextEdit[] {
  if (ptr === '') return replaceRoot(ctx, value);
  const { parent: parentPtr, key } = split(ptr);
  const flow = outermostFlow(ctx, parentPtr);
  if (flow) {
    return rewriteFlow(ctx, flow, ptr, (parent, k) => {
      if (Array.isArray(parent)) parent[parseIndex(k, ptr)] = value;
      else if (isJsonObject(parent)) parent[k] = value;
    });
  }
  const parent = nodeAt(ctx.doc, parentPtr);
  if (isMap(parent)) {
    const pair = findPair(parent, key);
    if (pair) return replaceInPair(ctx, pair, value);
    if (parent.items.length === 0) return replaceNodeAt(ctx, parentPtr, { [key]: value });
    return [addPairs(ctx, parent, [[key, value]])];
  }
  if (isSeq(parent)) {
    const idx = parseIndex(key, ptr);
    if (idx < parent.items.length) return replaceItem(ctx, parent, idx, value);
    if (idx === parent.items.length) return insertAt(ctx, parentPtr, idx, value);
    throw new PatchError(`${ptr}: the list has ${parent.items.length} items; position ${idx} is past its end`);
  }
  // The parent is missing or a scalar: it becomes a mapping (or a one-item list) holding the value.
  if (/^\d+$/.test(key) && key !== '0') throw new PatchError(`${ptr}: the list does not exist; start it at position 0`);
  return setAt(ctx, parentPtr, key === '0' ? [value] : { [key]: value });
}

function replaceRoot(ctx: Ctx, value: Json): TextEdit[] {
  const root = ctx.doc.contents;
  if (!isNode(root) || !root.range) return [{ from: 0, to: ctx.text.length, insert: renderValue(value, 0) + '\n' }];
  if (isMap(root) && !root.flow && isJsonObject(value)) {
    const d = diffMap(ctx, root, value);
    if (d) return d;
  }
  return [{ from: root.range[0], to: contentEnd(ctx.text, root), insert: renderValue(value, 0, styleOf(ctx.text, root)) }];
}

/** Replaces the node at `ptr` (which exists, or is a missing key of a block map). */
function replaceNodeAt(ctx: Ctx, ptr: string, value: Json, keepFlow = false): TextEdit[] {
  if (ptr === '') return replaceRoot(ctx, value);
  const { parent: parentPtr, key } = split(ptr);
  const parent = nodeAt(ctx.doc, parentPtr);
  if (isMap(parent) && !parent.flow) {
    const pair = findPair(parent, key);
    if (!pair) return [addPairs(ctx, parent, [[key, value]])];
    return replaceInPair(ctx, pair, value, keepFlow);
  }
  if (isSeq(parent) && !parent.flow) return replaceItem(ctx, parent, parseIndex(key, ptr), value, keepFlow);
  const flow = outermostFlow(ctx, parentPtr);
  if (flow) return rewriteFlow(ctx, flow, ptr, (p, k) => (Array.isArray(p) ? (p[Number(k)] = value) : isJsonObject(p) ? (p[k] = value) : undefined));
  throw new PatchError(`${ptr}: no such place in the document`);
}

function replaceInPair(ctx: Ctx, pair: Pair<unknown, unknown>, value: Json, keepFlow = false): TextEdit[] {
  const key = keyName(pair);
  const keyNode = pair.key;
  if (key === null || !isNode(keyNode) || !keyNode.range) throw new PatchError('a mapping key the editor cannot address (not a plain string)');
  const old = pair.value;
  if (isNode(old) && !isEmptyScalar(old)) {
    const oldJson = asJson(old.toJSON());
    if (oldJson !== undefined && jsonEqual(oldJson, value)) return [];
    if (!keepFlow) {
      const diffed = diffInto(ctx, old, value);
      if (diffed) return diffed;
    }
  }
  const from = keyNode.range[0];
  const hasValue = isNode(old) && !isEmptyScalar(old);
  const to = hasValue ? contentEnd(ctx.text, old) : afterColon(ctx.text, keyNode);
  const style: Style = hasValue ? styleOf(ctx.text, old) : {};
  return [withTrailingComment(ctx, { from, to, insert: renderPair(key, value, columnOf(ctx.text, from), style) })];
}

function replaceItem(ctx: Ctx, seq: YAMLSeq<unknown>, index: number, value: Json, keepFlow = false): TextEdit[] {
  const old = seq.items[index];
  if (!isNode(old)) throw new PatchError(`list item ${index} cannot be edited (it is not a plain YAML node)`);
  if (isEmptyScalar(old)) {
    const dash = dashOffset(ctx, old);
    return [{ from: dash + 1, to: dash + 1, insert: ' ' + renderValue(value, columnOf(ctx.text, dash) + 2) }];
  }
  const oldJson = asJson(old.toJSON());
  if (oldJson !== undefined && jsonEqual(oldJson, value)) return [];
  if (!keepFlow) {
    const diffed = diffInto(ctx, old, value);
    if (diffed) return diffed;
  }
  const from = old.range ? old.range[0] : 0;
  return [withTrailingComment(ctx, { from, to: contentEnd(ctx.text, old), insert: renderValue(value, columnOf(ctx.text, from), styleOf(ctx.text, old)) })];
}

/** Edits inside a block collection that turn it into `value`, or null when it must be replaced whole. */
function diffInto(ctx: Ctx, old: Node, value: Json): TextEdit[] | null {
  if (isMap(old) && !old.flow && isJsonObject(value)) return diffMap(ctx, old, value);
  if (isSeq(old) && !old.flow && Array.isArray(value)) return diffSeq(ctx, old, value);
  return null;
}

function diffMap(ctx: Ctx, map: YAMLMap<unknown, unknown>, value: { [key: string]: Json }): TextEdit[] | null {
  const pairs: Pair<unknown, unknown>[] = [];
  for (const item of map.items) {
    if (!isPair(item) || keyName(item) === null) return null;
    pairs.push(item);
  }
  if (pairs.length === 0 || !pairs.some((p) => (keyName(p) ?? '') in value)) return null;
  const edits: TextEdit[] = [];
  const gone = pairs.filter((p) => !((keyName(p) ?? '') in value));
  edits.push(...deletePairs(ctx, map, gone));
  const added: [string, Json][] = [];
  for (const [k, v] of Object.entries(value)) {
    const pair = findPair(map, k);
    if (pair) edits.push(...replaceInPair(ctx, pair, v));
    else added.push([k, v]);
  }
  if (added.length > 0) edits.push(addPairs(ctx, map, added));
  return edits;
}

function diffSeq(ctx: Ctx, seq: YAMLSeq<unknown>, value: Json[]): TextEdit[] | null {
  const items = seq.items;
  if (items.length === 0 || value.length === 0 || !items.every(isNode)) return null;
  const edits: TextEdit[] = [];
  const common = Math.min(items.length, value.length);
  for (let i = 0; i < common; i++) edits.push(...replaceItem(ctx, seq, i, value[i] ?? null));
  if (value.length > items.length) {
    const col = columnOf(ctx.text, dashOffset(ctx, itemNode(items, 0)));
    const lines = value.slice(items.length).map((v) => renderItemLines(v, col)).join('');
    edits.push(insertLines(ctx, itemSpan(ctx, itemNode(items, items.length - 1)).end, lines));
  } else if (value.length < items.length) {
    const first = itemSpan(ctx, itemNode(items, value.length));
    const last = itemSpan(ctx, itemNode(items, items.length - 1));
    edits.push({ from: first.start, to: last.end, insert: '' });
  }
  return edits;
}

/** A multi-line replacement must not leave a line's trailing comment inside it: move the comment to its first line. */
function withTrailingComment(ctx: Ctx, edit: TextEdit): TextEdit {
  if (!edit.insert.includes('\n')) return edit;
  const comment = trailingComment(ctx.text, edit.to);
  if (!comment) return edit;
  const nl = edit.insert.indexOf('\n');
  return { from: edit.from, to: comment.to, insert: `${edit.insert.slice(0, nl)} ${comment.text}${edit.insert.slice(nl)}` };
}

// ---------------------------------------------------------------- mapping entries

function pairKeyStart(pair: Pair<unknown, unknown>): number {
  const k = pair.key;
  if (!isNode(k) || !k.range) throw new PatchError('a mapping key without a source position');
  return k.range[0];
}

function pairEnd(ctx: Ctx, pair: Pair<unknown, unknown>): number {
  const v = pair.value;
  if (isNode(v) && !isEmptyScalar(v)) return contentEnd(ctx.text, v);
  const k = pair.key;
  if (!isNode(k)) throw new PatchError('a mapping key without a source position');
  return afterColon(ctx.text, k);
}

/** Deletes entries of a block mapping; a mapping left empty becomes `{}`. */
function deletePairs(ctx: Ctx, map: YAMLMap<unknown, unknown>, gone: Pair<unknown, unknown>[]): TextEdit[] {
  if (gone.length === 0) return [];
  const all = map.items.filter(isPair);
  const goneSet = new Set(gone);
  const edits: TextEdit[] = [];
  let i = 0;
  while (i < all.length) {
    const first = all[i];
    if (!first || !goneSet.has(first)) {
      i++;
      continue;
    }
    let j = i;
    let last = first;
    for (let next = all[j + 1]; next && goneSet.has(next); next = all[j + 1]) {
      last = next;
      j++;
    }
    const start = pairKeyStart(first);
    const survivor = all[j + 1];
    if (!onlySpacesBefore(ctx.text, start)) {
      // The first key shares its line with `- ` (or `key:`): pull the next surviving key up onto it.
      if (!survivor) return [replaceWholeMap(ctx, map, {})];
      edits.push({ from: start, to: pairKeyStart(survivor), insert: '' });
    } else {
      edits.push({ from: lineStart(ctx.text, start), to: nextLineStart(ctx.text, pairEnd(ctx, last)), insert: '' });
    }
    i = j + 1;
  }
  if (gone.length === all.length) return [replaceWholeMap(ctx, map, {})];
  return edits;
}

function replaceWholeMap(ctx: Ctx, map: YAMLMap<unknown, unknown>, value: Json): TextEdit {
  const from = map.range ? map.range[0] : 0;
  return { from, to: contentEnd(ctx.text, map), insert: renderValue(value, columnOf(ctx.text, from)) };
}

/** Appends entries at the end of a non-empty block mapping, aligned with its keys. */
function addPairs(ctx: Ctx, map: YAMLMap<unknown, unknown>, entries: [string, Json][]): TextEdit {
  const first = map.items.find(isPair);
  if (!first) throw new PatchError('cannot add to an empty mapping this way');
  const col = columnOf(ctx.text, pairKeyStart(first));
  const lines = entries.map(([k, v]) => renderPairLines(k, v, col)).join('');
  return insertLines(ctx, nextLineStart(ctx.text, contentEnd(ctx.text, map)), lines);
}

/** Inserts whole lines at a line start; at the end of a file without a final newline, adds one first. */
function insertLines(ctx: Ctx, pos: number, lines: string): TextEdit {
  if (pos === ctx.text.length && ctx.text.length > 0 && !ctx.text.endsWith('\n')) return { from: pos, to: pos, insert: '\n' + lines.replace(/\n$/, '') };
  return { from: pos, to: pos, insert: lines };
}

// ---------------------------------------------------------------- list items

function itemNode(items: unknown[], i: number): Node {
  const n = items[i];
  if (!isNode(n)) throw new PatchError(`list item ${i} is not a plain YAML node`);
  return n;
}

/** Offset of the `-` that introduces a block sequence item. */
function dashOffset(ctx: Ctx, item: Node): number {
  const start = item.range ? item.range[0] : 0;
  let at = start - 1;
  while (at >= 0 && /\s/.test(ctx.text.charAt(at))) at--;
  if (ctx.text.charAt(at) !== '-') {
    // An empty item's range starts right after its dash.
    if (ctx.text.charAt(start - 1) === '-') return start - 1;
    throw new PatchError(`the list item at offset ${start} has no dash before it; is the list written in flow style?`);
  }
  return at;
}

/**
 * The lines a block sequence item occupies: from its dash line (and the
 * comment lines right above it, at the dash's indentation) to the end of the
 * line its content ends on.
 */
function itemSpan(ctx: Ctx, item: Node): { start: number; end: number; dashColumn: number } {
  const dash = dashOffset(ctx, item);
  if (!onlySpacesBefore(ctx.text, dash)) throw new PatchError('a list item that shares its line with another item (`- - x`) cannot be moved; put it on its own line');
  const dashColumn = columnOf(ctx.text, dash);
  let start = lineStart(ctx.text, dash);
  for (;;) {
    if (start === 0) break;
    const prevStart = lineStart(ctx.text, start - 1);
    const line = ctx.text.slice(prevStart, start - 1);
    if (!new RegExp(`^ {${dashColumn}}#`).test(line)) break;
    start = prevStart;
  }
  const end = nextLineStart(ctx.text, isEmptyScalar(item) ? dash + 1 : contentEnd(ctx.text, item));
  return { start, end, dashColumn };
}

function deleteAt(ctx: Ctx, ptr: string): TextEdit[] {
  const { parent: parentPtr, key } = split(ptr);
  const flow = outermostFlow(ctx, parentPtr);
  if (flow) {
    return rewriteFlow(ctx, flow, ptr, (parent, k) => {
      if (Array.isArray(parent)) parent.splice(parseIndex(k, ptr), 1);
      else if (isJsonObject(parent)) delete parent[k];
    });
  }
  const parent = nodeAt(ctx.doc, parentPtr);
  if (isMap(parent)) {
    const pair = findPair(parent, key);
    if (!pair) throw new PatchError(`${ptr}: nothing to delete there`);
    return deletePairs(ctx, parent, [pair]);
  }
  if (isSeq(parent)) {
    const idx = parseIndex(key, ptr);
    if (idx >= parent.items.length) throw new PatchError(`${ptr}: nothing to delete there`);
    if (parent.items.length === 1) return replaceNodeAt(ctx, parentPtr, []);
    const span = itemSpan(ctx, itemNode(parent.items, idx));
    return [{ from: span.start, to: span.end, insert: '' }];
  }
  throw new PatchError(`${ptr}: nothing to delete there`);
}

function insertAt(ctx: Ctx, listPtr: string, index: number, value: Json): TextEdit[] {
  const flow = outermostFlow(ctx, listPtr);
  if (flow) {
    const list = nodeAt(ctx.doc, listPtr);
    if (!isSeq(list)) throw new PatchError(`${listPtr}: not a list`);
    if (flow.ptr === listPtr) {
      const items = jsonOf(list, listPtr);
      if (!Array.isArray(items)) throw new PatchError(`${listPtr}: not a list`);
      items.splice(Math.min(index, items.length), 0, value);
      // An empty flow list (`do: []`) becomes a block list: steps read better that way.
      return replaceNodeAt(ctx, listPtr, items, items.length > 1);
    }
    return rewriteFlow(ctx, flow, join(listPtr, String(index)), (parent, k) => {
      if (Array.isArray(parent)) parent.splice(Number(k), 0, value);
    });
  }
  const list = nodeAt(ctx.doc, listPtr);
  if (isSeq(list) && list.items.length > 0) {
    const items = list.items;
    if (index < 0 || index > items.length) throw new PatchError(`${listPtr}: position ${index} is outside the list (0..${items.length})`);
    const col = itemSpan(ctx, itemNode(items, 0)).dashColumn;
    const pos = index < items.length ? itemSpan(ctx, itemNode(items, index)).start : itemSpan(ctx, itemNode(items, items.length - 1)).end;
    return [insertLines(ctx, pos, renderItemLines(value, col))];
  }
  if (list === undefined || isEmptyScalar(list) || (isScalar(list) && list.value === null) || isSeq(list)) return replaceNodeAt(ctx, listPtr, [value]);
  throw new PatchError(`${listPtr}: not a list, so nothing can be inserted into it`);
}

// ---------------------------------------------------------------- move

function moveItem(ctx: Ctx, from: string, listPtr: string, index: number): TextEdit[] {
  if (isUnder(listPtr, from)) throw new PatchError(`${from} cannot be moved into itself (${listPtr})`);
  const { parent: srcPtr, key } = split(from);
  const i = parseIndex(key, from);
  const src = nodeAt(ctx.doc, srcPtr);
  if (!isSeq(src) || i >= src.items.length) throw new PatchError(`${from}: no list item there to move`);
  if (srcPtr === listPtr && (index === i || index === i + 1)) return [];
  const item = itemNode(src.items, i);
  const value = jsonOf(item, from);

  if (src.flow || outermostFlow(ctx, listPtr)) {
    // Flow lists have no lines to carry: move the data, in two steps.
    const afterDelete = applyEdits(ctx.text, deleteAt(ctx, from));
    const target = shiftAfterRemoval(listPtr, srcPtr, i);
    const at = srcPtr === listPtr && index > i ? index - 1 : index;
    const next = applyEdits(afterDelete, planPatch(afterDelete, parseYaml(afterDelete), { op: 'insert', list: target, index: at, value }));
    return [minimalEdit(ctx.text, next)];
  }

  const span = itemSpan(ctx, item);
  const raw = ctx.text.slice(span.start, span.end);
  const removal: TextEdit = src.items.length === 1 ? removeOnlyItem(ctx, srcPtr) : { from: span.start, to: span.end, insert: '' };
  const insertion = insertRaw(ctx, listPtr, index, raw.endsWith('\n') ? raw : raw + '\n', span.dashColumn);
  if (insertion.from > removal.from && insertion.from < removal.to) throw new PatchError(`${from} cannot be moved into itself (${listPtr})`);
  return [removal, insertion];
}

/** Emptying a list leaves `key: []` rather than a key with nothing (which reads as null). */
function removeOnlyItem(ctx: Ctx, listPtr: string): TextEdit {
  const edits = replaceNodeAt(ctx, listPtr, [], true);
  const e = edits[0];
  if (edits.length !== 1 || !e) throw new PatchError(`${listPtr}: could not empty the list`);
  return e;
}

/** Where `ptr` points after the item `index` of the list at `listPtr` is removed. */
export function shiftAfterRemoval(ptr: string, listPtr: string, index: number): string {
  const base = segments(listPtr);
  const segs = segments(ptr);
  if (segs.length <= base.length || !base.every((s, k) => segs[k] === s)) return ptr;
  const pos = segs[base.length];
  if (pos === undefined || !/^\d+$/.test(pos) || Number(pos) <= index) return ptr;
  segs[base.length] = String(Number(pos) - 1);
  return fromSegments(segs);
}

/** Lines of an item (dash at `fromColumn`) inserted into the list at `listPtr`, re-indented to fit. */
function insertRaw(ctx: Ctx, listPtr: string, index: number, raw: string, fromColumn: number): TextEdit {
  const list = nodeAt(ctx.doc, listPtr);
  if (isSeq(list) && !list.flow && list.items.length > 0) {
    const items = list.items;
    const at = Math.max(0, Math.min(index, items.length));
    const col = itemSpan(ctx, itemNode(items, 0)).dashColumn;
    const pos = at < items.length ? itemSpan(ctx, itemNode(items, at)).start : itemSpan(ctx, itemNode(items, items.length - 1)).end;
    return insertLines(ctx, pos, shiftLines(raw, col - fromColumn));
  }
  const emptyList = list === undefined || isEmptyScalar(list) || (isScalar(list) && list.value === null) || (isSeq(list) && list.items.length === 0);
  if (!emptyList) throw new PatchError(`${listPtr}: not a list, so nothing can be moved into it`);
  const { parent: parentPtr, key } = split(listPtr);
  const parent = nodeAt(ctx.doc, parentPtr);
  if (!isMap(parent) || parent.flow) throw new PatchError(`${listPtr}: the step that would hold the list is not a block mapping`);
  const firstPair = parent.items.find(isPair);
  if (!firstPair) throw new PatchError(`${parentPtr}: an empty mapping cannot take a list this way`);
  const keyCol = columnOf(ctx.text, pairKeyStart(firstPair));
  const body = shiftLines(raw, keyCol + 2 - fromColumn);
  const pair = findPair(parent, key);
  if (pair) {
    const start = pairKeyStart(pair);
    return { from: start, to: nextLineStart(ctx.text, pairEnd(ctx, pair)), insert: `${key}:\n${body}` };
  }
  return insertLines(ctx, nextLineStart(ctx.text, contentEnd(ctx.text, parent)), `${' '.repeat(keyCol)}${key}:\n${body}`);
}

/** One edit that turns `a` into `b`: the span between their common prefix and suffix. */
export function minimalEdit(a: string, b: string): TextEdit {
  let p = 0;
  const max = Math.min(a.length, b.length);
  while (p < max && a.charCodeAt(p) === b.charCodeAt(p)) p++;
  let s = 0;
  while (s < max - p && a.charCodeAt(a.length - 1 - s) === b.charCodeAt(b.length - 1 - s)) s++;
  return { from: p, to: a.length - s, insert: b.slice(p, b.length - s) };
}
