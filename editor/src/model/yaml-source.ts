/**
 * The YAML document behind both views: parsed with the same settings as the
 * dsl/ parser (core schema, YAML 1.2, no merge keys), so the ranges the
 * canvas edits by are the ones the validator reports against.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, parseDocument, Scalar } from 'yaml';
import type { Document, Node, Pair, YAMLMap, YAMLSeq } from 'yaml';
import { segments } from '../../../dsl/pointer';
import { lineEnd } from './text';

export type Collection = YAMLMap<unknown, unknown> | YAMLSeq<unknown>;

export function parseYaml(text: string): Document {
  return parseDocument(text, { schema: 'core', version: '1.2', merge: false, uniqueKeys: false, prettyErrors: false, strict: true });
}

/** True when the document parsed without syntax errors (warnings are fine). */
export function isReadable(doc: Document): boolean {
  return doc.errors.length === 0;
}

export function isCollection(v: unknown): v is Collection {
  return isMap(v) || isSeq(v);
}

export function isNode(v: unknown): v is Node {
  return isScalar(v) || isMap(v) || isSeq(v) || isAlias(v);
}

/** The string form of a mapping key (plain scalars only; anything else is no key the editor addresses). */
export function keyName(pair: Pair<unknown, unknown>): string | null {
  const k = pair.key;
  if (isScalar(k) && (typeof k.value === 'string' || typeof k.value === 'number' || typeof k.value === 'boolean')) return String(k.value);
  return null;
}

export function findPair(map: YAMLMap<unknown, unknown>, key: string): Pair<unknown, unknown> | undefined {
  for (const item of map.items) if (isPair(item) && keyName(item) === key) return item;
  return undefined;
}

/** The node a JSON pointer names, or undefined when the path does not exist (or passes an alias). */
export function nodeAt(doc: Document, ptr: string): Node | undefined {
  let cur: unknown = doc.contents;
  for (const seg of segments(ptr)) {
    if (isMap(cur)) {
      const pair = findPair(cur, seg);
      if (!pair) return undefined;
      cur = pair.value;
    } else if (isSeq(cur)) {
      if (!/^(0|[1-9][0-9]*)$/.test(seg)) return undefined;
      cur = cur.items[Number(seg)];
    } else return undefined;
  }
  return isNode(cur) ? cur : undefined;
}

/** A node's source range, when it has one (nodes built in memory have none). */
export function rangeOf(node: Node): [number, number] | null {
  const r = node.range;
  return r ? [r[0], r[1]] : null;
}

/** True for a scalar written as nothing at all (`key:` with no value). */
export function isEmptyScalar(node: unknown): boolean {
  return isScalar(node) && (node.range ? node.range[0] === node.range[1] : node.value === null);
}

/**
 * Where a node's meaningful text ends: after its last character of content,
 * before trailing blank lines and comments that the parser counts in its range.
 */
export function contentEnd(text: string, node: Node): number {
  const r = node.range;
  if (!r) return 0;
  if (isScalar(node)) {
    if (node.type === Scalar.BLOCK_LITERAL || node.type === Scalar.BLOCK_FOLDED) {
      let end = r[1];
      while (end > r[0] && /\s/.test(text.charAt(end - 1))) end--;
      return end;
    }
    return r[1];
  }
  if ((isMap(node) || isSeq(node)) && !node.flow) {
    const items = node.items;
    const last = items[items.length - 1];
    if (isPair(last)) {
      const v = last.value;
      if (isNode(v) && !isEmptyScalar(v)) return contentEnd(text, v);
      const k = last.key;
      return isNode(k) ? afterColon(text, k) : r[1];
    }
    if (isNode(last)) return isEmptyScalar(last) ? dashEnd(text, last) : contentEnd(text, last);
    return r[1];
  }
  return r[1];
}

/** Just past the `:` that follows a mapping key. */
export function afterColon(text: string, key: Node): number {
  const from = key.range ? key.range[1] : 0;
  const colon = text.indexOf(':', from);
  return colon === -1 ? from : colon + 1;
}

/** For an empty sequence item, just past its dash. */
function dashEnd(text: string, item: Node): number {
  const start = item.range ? item.range[0] : 0;
  const dash = text.lastIndexOf('-', start);
  return dash === -1 ? start : dash + 1;
}

/** The comment text that follows `offset` on the same line (`# ...`), if any. */
export function trailingComment(text: string, offset: number): { from: number; to: number; text: string } | null {
  const end = lineEnd(text, offset);
  const rest = text.slice(offset, end);
  const m = /^(\s*)(#.*)$/.exec(rest);
  if (!m || m[2] === undefined) return null;
  return { from: offset, to: end, text: m[2] };
}
