/**
 * JSON pointer -> node in the YAML document -> line and column. Shared by
 * diagnostics and the editor (a canvas node's pointer finds its YAML lines,
 * a cursor offset finds its node).
 */
import { Scalar, isAlias, isMap, isPair, isScalar, isSeq } from 'yaml';
import type { Document, Node, Pair, YAMLMap } from 'yaml';
import type { Diagnostic, Problem } from './diagnostic';
import type { SourceText } from './document';
import { join, segments } from './pointer';

export interface NodeAt {
  /** The node the pointer names, or the deepest existing node on its way. */
  node: Node | null;
  /** The key node of the last mapping entry on the way, when the pointer ends at a mapping entry. */
  key: Node | null;
  /** True when the whole pointer was found. */
  exact: boolean;
}

export function nodeAtPointer(doc: Document, ptr: string): NodeAt {
  let node: Node | null = asNode(doc.contents);
  let key: Node | null = null;
  for (const seg of segments(ptr)) {
    node = deref(doc, node);
    if (isMap(node)) {
      const pair = pairOf(node, seg);
      if (!pair) return { node, key, exact: false };
      key = asNode(pair.key);
      const value = asNode(pair.value);
      if (!value) return { node: key, key, exact: false };
      node = value;
    } else if (isSeq(node)) {
      const index = Number(seg);
      const item = Number.isInteger(index) ? asNode(node.items[index]) : null;
      if (!item) return { node, key, exact: false };
      node = item;
      key = null;
    } else return { node, key, exact: false };
  }
  return { node, key, exact: true };
}

/** A mapping's entries by key text, the first of duplicates (what a linear search would find). */
interface PairIndex {
  /** The items array indexed, and its length then: a replaced or resized array is indexed again. */
  items: unknown[];
  length: number;
  byKey: Map<string, { pair: Pair; at: number }>;
}

const pairIndexes = new WeakMap<YAMLMap, PairIndex>();

/**
 * The entry of a mapping with key text `seg`. Every diagnostic is located
 * through here, so a linear search per lookup made a file with many problems
 * cost problems x keys (1 MiB of unknown keys: minutes of CPU). The index is
 * built once per mapping on its first lookup and rebuilt when the mapping's
 * items array is replaced or changes length (yaml's set/delete, the merge in
 * to-yaml.ts); a hit is checked against the array, so an entry edited in place
 * is searched for again.
 */
function pairOf(map: YAMLMap, seg: string): Pair | undefined {
  const items: unknown[] = map.items;
  let index = pairIndexes.get(map);
  if (!index || index.items !== items || index.length !== items.length) {
    const byKey = new Map<string, { pair: Pair; at: number }>();
    items.forEach((p, at) => {
      if (!isPair(p) || !isScalar(p.key)) return;
      const k = String(p.key.value);
      if (!byKey.has(k)) byKey.set(k, { pair: p, at });
    });
    index = { items, length: items.length, byKey };
    pairIndexes.set(map, index);
  }
  const hit = index.byKey.get(seg);
  if (!hit) return undefined;
  const p = items[hit.at];
  if (p === hit.pair && isScalar(hit.pair.key) && String(hit.pair.key.value) === seg) return hit.pair;
  pairIndexes.delete(map);
  return map.items.find((q): q is Pair => isPair(q) && isScalar(q.key) && String(q.key.value) === seg);
}

function asNode(v: unknown): Node | null {
  return isScalar(v) || isMap(v) || isSeq(v) || isAlias(v) ? v : null;
}

function deref(doc: Document, node: Node | null): Node | null {
  let n = node;
  for (let hops = 0; n && isAlias(n) && hops < 100; hops++) n = asNode(n.resolve(doc));
  return n;
}

/** Source range (offsets) of the node a pointer names; null when it is not in the document. */
export function rangeOfPointer(source: SourceText, ptr: string): { start: number; end: number } | null {
  if (!source.doc) return null;
  const at = nodeAtPointer(source.doc, ptr);
  if (!at.exact || !at.node?.range) return null;
  const start = at.key?.range?.[0] ?? at.node.range[0];
  return { start, end: at.node.range[1] };
}

/** The pointer of the innermost node at a source offset (the editor's cursor -> canvas node). */
export function pointerAtOffset(source: SourceText, offset: number): string {
  let ptr = '';
  let node: unknown = source.doc?.contents ?? null;
  for (let guard = 0; guard < 256; guard++) {
    if (isMap(node)) {
      const pair = node.items.find((p) => {
        const from = isPair(p) ? (asNode(p.key)?.range?.[0] ?? -1) : -1;
        const to = isPair(p) ? (asNode(p.value)?.range?.[1] ?? asNode(p.key)?.range?.[1] ?? -1) : -1;
        return from <= offset && offset < to;
      });
      if (!pair || !isScalar(pair.key)) return ptr;
      ptr = join(ptr, String(pair.key.value));
      node = pair.value;
    } else if (isSeq(node)) {
      const index = node.items.findIndex((item) => {
        const r = asNode(item)?.range;
        return r !== undefined && r !== null && r[0] <= offset && offset < r[1];
      });
      if (index < 0) return ptr;
      ptr = join(ptr, index);
      node = node.items[index];
    } else return ptr;
  }
  return ptr;
}

/** Turns a problem into a diagnostic with the line and column of its node. */
export function locate(source: SourceText, p: Problem): Diagnostic {
  const offset = sourceOffset(source, p);
  const { line, col } = source.lines.position(offset);
  return { file: source.file, line, col, message: p.message, code: p.code, ptr: p.ptr };
}

function sourceOffset(source: SourceText, p: Problem): number {
  if (p.sourceOffset !== undefined) return p.sourceOffset;
  if (!source.doc) return 0;
  const at = nodeAtPointer(source.doc, p.ptr);
  if (p.at === 'key' && at.exact && at.key?.range) return at.key.range[0];
  const node = at.node;
  if (!node?.range) return 0;
  if (at.exact && p.offset !== undefined && isScalar(node)) {
    const inner = offsetInScalar(source.text, node, p.offset);
    if (inner !== null) return inner;
  }
  return node.range[0];
}

/**
 * Maps an offset in a string's value to the source, when the scalar's source
 * spells the value literally (plain, quoted without escapes, or a literal block).
 */
function offsetInScalar(text: string, node: Scalar, offset: number): number | null {
  if (typeof node.value !== 'string' || !node.range) return null;
  const value = node.value;
  const [start, end] = node.range;
  switch (node.type) {
    case Scalar.PLAIN:
      return text.slice(start, start + value.length) === value ? start + offset : null;
    case Scalar.QUOTE_SINGLE:
    case Scalar.QUOTE_DOUBLE:
      return text.slice(start + 1, start + 1 + value.length) === value ? start + 1 + offset : null;
    case Scalar.BLOCK_LITERAL: {
      // Header line, then content lines each with the same indentation.
      const body = text.indexOf('\n', start) + 1;
      if (body <= 0 || body >= end) return null;
      let indent = 0;
      while (text.charCodeAt(body + indent) === 32) indent++;
      const before = value.slice(0, offset);
      const lineNo = before.split('\n').length - 1;
      const colNo = offset - (before.lastIndexOf('\n') + 1);
      let pos = body;
      for (let i = 0; i < lineNo; i++) {
        const nl = text.indexOf('\n', pos);
        if (nl < 0) return null;
        pos = nl + 1;
      }
      return pos + indent + colNo < end ? pos + indent + colNo : null;
    }
    default:
      return null;
  }
}
