/**
 * Plain-text helpers for splicing YAML source: the document's text is the one
 * source of truth, so every edit the canvas makes is a list of text changes
 * against it. That is what keeps untouched bytes (comments, quoting, blank
 * lines, key order) exactly as the author wrote them.
 */

/** One replacement against a given text: `[from, to)` becomes `insert`. */
export interface TextEdit {
  from: number;
  to: number;
  insert: string;
}

/** Thrown when edits overlap: a bug in the caller, never a user error. */
export class OverlappingEditsError extends Error {
  constructor(a: TextEdit, b: TextEdit) {
    super(`text edits overlap: [${a.from}, ${a.to}) and [${b.from}, ${b.to}); merge them into one edit`);
    this.name = 'OverlappingEditsError';
  }
}

/** Edits sorted by position (stable for inserts at one place), checked for overlaps. */
export function sortEdits(edits: readonly TextEdit[]): TextEdit[] {
  const sorted = edits.map((e, i) => ({ e, i })).sort((a, b) => a.e.from - b.e.from || a.e.to - b.e.to || a.i - b.i).map((x) => x.e);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1];
    const cur = sorted[i];
    if (prev && cur && cur.from < prev.to) throw new OverlappingEditsError(prev, cur);
  }
  return sorted;
}

/** Applies edits that are all relative to `text`. */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  let out = '';
  let at = 0;
  for (const e of sortEdits(edits)) {
    out += text.slice(at, e.from) + e.insert;
    at = e.to;
  }
  return out + text.slice(at);
}

export function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

/** Offset of the `\n` ending the line that holds `offset` (or the text's length). */
export function lineEnd(text: string, offset: number): number {
  const nl = text.indexOf('\n', offset);
  return nl === -1 ? text.length : nl;
}

/** Offset just past the line that holds `offset`, newline included. */
export function nextLineStart(text: string, offset: number): number {
  const end = lineEnd(text, offset);
  return end < text.length ? end + 1 : end;
}

export function columnOf(text: string, offset: number): number {
  return offset - lineStart(text, offset);
}

/** True when only spaces stand between the start of the line and `offset`. */
export function onlySpacesBefore(text: string, offset: number): boolean {
  return /^ *$/.test(text.slice(lineStart(text, offset), offset));
}

/** Indents every line but the first by `n` spaces (empty lines stay empty). */
export function indentTail(block: string, n: number): string {
  if (n === 0) return block;
  const pad = ' '.repeat(n);
  return block
    .split('\n')
    .map((line, i) => (i === 0 || line === '' ? line : pad + line))
    .join('\n');
}

/** Shifts every non-empty line of a block by `delta` columns (negative removes spaces). */
export function shiftLines(block: string, delta: number): string {
  if (delta === 0) return block;
  return block
    .split('\n')
    .map((line) => {
      if (line === '') return line;
      if (delta > 0) return ' '.repeat(delta) + line;
      const lead = /^ */.exec(line)?.[0].length ?? 0;
      return line.slice(Math.min(lead, -delta));
    })
    .join('\n');
}

/** 1-based line and column of an offset. */
export function positionOf(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let at = 0;
  for (;;) {
    const nl = text.indexOf('\n', at);
    if (nl === -1 || nl >= offset) break;
    line++;
    at = nl + 1;
  }
  return { line, col: offset - at + 1 };
}

/** Offset of a 1-based line and column, clamped to the text. */
export function offsetOf(text: string, line: number, col: number): number {
  let at = 0;
  for (let l = 1; l < line; l++) {
    const nl = text.indexOf('\n', at);
    if (nl === -1) return text.length;
    at = nl + 1;
  }
  return Math.min(at + Math.max(0, col - 1), lineEnd(text, at));
}
