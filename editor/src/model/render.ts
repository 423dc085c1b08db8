/**
 * JSON values -> YAML text that slots into an existing document at a given
 * column. Only what changed is rendered; the rest of the file is never
 * re-printed, so its formatting stays the author's.
 */
import { Document, isMap, isScalar, isSeq, Scalar } from 'yaml';
import type { Node, ToStringOptions } from 'yaml';
import type { Json } from '../../../dsl/ir';
import { indentTail } from './text';

/** How the value being replaced was written, so the new one is written alike. */
export interface Style {
  /** A flow collection (`{ a: 1 }`, `[a, b]`), and whether it had spaces inside its brackets. */
  flow?: { padded: boolean };
  /** The scalar style (Scalar.PLAIN, QUOTE_DOUBLE, BLOCK_LITERAL...). */
  scalarType?: Scalar.Type;
}

const BASE: ToStringOptions = { lineWidth: 0, minContentWidth: 0, indent: 2, indentSeq: true };

/** The style of an existing node, for writing its replacement alike. */
export function styleOf(text: string, node: Node | undefined): Style {
  if (!node) return {};
  if ((isMap(node) || isSeq(node)) && node.flow) {
    const start = node.range ? node.range[0] : 0;
    return { flow: { padded: text.charAt(start + 1) === ' ' } };
  }
  if (isScalar(node) && node.type !== undefined) return { scalarType: node.type };
  return {};
}

function styled(doc: Document, value: Json, style: Style): Node {
  const node: unknown = doc.createNode(value);
  if (!isScalar(node) && !isMap(node) && !isSeq(node)) throw new Error('yaml: createNode of JSON data did not give a node'); // never: guards the library contract
  if (style.flow && (isMap(node) || isSeq(node))) node.flow = true;
  if (style.scalarType && isScalar(node) && typeof node.value === 'string') {
    const multiline = node.value.includes('\n');
    const block = style.scalarType === Scalar.BLOCK_LITERAL || style.scalarType === Scalar.BLOCK_FOLDED;
    // A one-line string keeps a block style the author chose; plain may need quotes, which the printer adds.
    if (!multiline || block) node.type = style.scalarType;
  }
  return node;
}

function print(doc: Document, style: Style): string {
  return doc.toString({ ...BASE, flowCollectionPadding: style.flow ? style.flow.padded : true }).replace(/\n$/, '');
}

/** `key: value` as it would be written at `column` (first line unindented). */
export function renderPair(key: string, value: Json, column: number, style: Style = {}): string {
  const doc = new Document({});
  const map = doc.contents;
  if (!isMap(map)) throw new Error('yaml: an empty Document did not hold a map'); // never: guards the library contract
  map.set(doc.createNode(key), styled(doc, value, style));
  return indentTail(print(doc, style), column);
}

/** A bare value as it would be written starting at `column` (a sequence item's content, a document root). */
export function renderValue(value: Json, column: number, style: Style = {}): string {
  const doc = new Document(null);
  doc.contents = styled(doc, value, style);
  return indentTail(print(doc, style), column);
}

/** `- value` lines for a block sequence whose dashes stand at `column`, every line indented, ending in a newline. */
export function renderItemLines(value: Json, column: number): string {
  const body = renderValue(value, column + 2);
  return ' '.repeat(column) + '- ' + body + '\n';
}

/** `key: value` lines for a block mapping whose keys stand at `column`, every line indented, ending in a newline. */
export function renderPairLines(key: string, value: Json, column: number): string {
  return ' '.repeat(column) + renderPair(key, value, column) + '\n';
}
