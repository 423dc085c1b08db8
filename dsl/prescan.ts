/**
 * Refuses hostile text before the YAML parser sees it.
 *
 * The `yaml` package takes seconds (and overflows its stack) on a megabyte of
 * `[[[[` or `- - - -`, so size and nesting are estimated here in one linear
 * pass. The estimate follows block indentation, `- `/`? ` entries and flow
 * brackets outside quotes, comments and block scalars; the exact depth is
 * checked again on the parsed tree (dsl/document.ts), so this pass only has
 * to be fast and never far below the truth.
 */

export const DOCUMENT_LIMITS = {
  /** Bytes of UTF-8. */
  maxBytes: 1024 * 1024,
  maxAliases: 100,
  /** Nested mappings and lists, the top-level mapping counting as 1. */
  maxDepth: 64,
} as const;

/** UTF-8 length without Buffer or TextEncoder allocation of the whole text. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

export function exceedsSize(text: string): number | null {
  // Each UTF-16 unit is at least one byte: only count when it could matter.
  if (text.length > DOCUMENT_LIMITS.maxBytes) return utf8Length(text);
  if (text.length * 3 <= DOCUMENT_LIMITS.maxBytes) return null;
  const n = utf8Length(text);
  return n > DOCUMENT_LIMITS.maxBytes ? n : null;
}

/** The offset where the estimated nesting first passes `limit`, or null. */
export function deepNestingOffset(text: string, limit: number = DOCUMENT_LIMITS.maxDepth): number | null {
  const n = text.length;
  const indents: number[] = [];
  let flow = 0;
  let quote = '';
  // A block scalar (| or >): the indentation of the line that opened it, the
  // indentation its content must keep (set by its first line, as the yaml
  // lexer does; -1 until then), and the one an explicit indentation indicator
  // (|2) sets instead (-1 when none).
  let blockScalarParent = -1;
  let blockScalarIndent = -1;
  let blockScalarExplicit = -1;
  // What made the current position a value's start: the line start, a "- " or
  // "? " entry, or a ": " (an explicit block indentation counts from it).
  let valueCause: 'line' | 'entry' | 'colon' = 'line';
  // A plain scalar open at the end of the previous line: the indentation a
  // line must pass to continue it (null when none is open). A continuation
  // line is text of the scalar, so a "[" or "{" at its start opens nothing
  // (irToYaml used to fold long strings into such lines).
  let plainParent: number | null = null;
  // The same for the plain scalar open on this line.
  let plainOwner: number | null = null;
  let i = 0;
  while (i < n) {
    const lineStart = i;
    let indent = 0;
    while (i < n && text.charCodeAt(i) === 32) {
      i++;
      indent++;
    }
    let valueStart = false;
    plainOwner = null;
    if (quote === '' && flow === 0) {
      const c = text[i];
      const empty = i >= n || c === '\n' || c === '\r';
      const blank = empty || c === '#';
      if (blockScalarParent >= 0) {
        if (!empty && blockScalarIndent < 0 && indent > blockScalarParent) blockScalarIndent = blockScalarExplicit >= 0 ? blockScalarExplicit : indent;
        // Content: empty lines, and lines indented at least as far as the first
        // one. A less indented line ends the scalar, and may open flow nesting.
        if (empty || (blockScalarIndent >= 0 && indent >= blockScalarIndent)) {
          i = endOfLine(text, i) + 1;
          continue;
        }
      }
      blockScalarParent = -1;
      blockScalarIndent = -1;
      blockScalarExplicit = -1;
      if (blank) {
        // Empty lines belong to an open plain scalar; a comment ends it.
        if (!empty) plainParent = null;
        i = endOfLine(text, i) + 1;
        continue;
      }
      if (plainParent !== null && indent > plainParent) {
        // Continues the plain scalar: no new node, no indentation level.
        plainOwner = plainParent;
      } else {
        plainParent = null;
        while (indents.length > 0 && (indents[indents.length - 1] ?? 0) >= indent) indents.pop();
        indents.push(indent);
        if (indents.length > limit) return i;
        valueStart = true;
        valueCause = 'line';
      }
    }
    while (i < n && text[i] !== '\n') {
      const c = text[i];
      if (quote !== '') {
        if (c === quote) {
          if (quote === "'" && text[i + 1] === "'") {
            i += 2;
            continue;
          }
          quote = '';
        } else if (c === '\\' && quote === '"') i++;
        i++;
        continue;
      }
      const prev = i > lineStart ? text[i - 1] : ' ';
      if (c === '#' && (prev === ' ' || prev === '\t')) {
        plainOwner = null;
        i = endOfLine(text, i);
        break;
      }
      if (flow > 0) {
        if (c === '[' || c === '{') {
          flow++;
          if (indents.length + flow > limit) return i;
        } else if (c === ']' || c === '}') flow--;
        else if ((c === '"' || c === "'") && ' \t[{,:'.includes(prev ?? ' ')) quote = c;
        i++;
        continue;
      }
      const next = text[i + 1];
      const endsToken = next === undefined || next === ' ' || next === '\n' || next === '\r' || next === '\t';
      if (valueStart) {
        if (c === ' ' || c === '\t') {
          i++;
          continue;
        }
        if ((c === '-' || c === '?') && endsToken) {
          valueCause = 'entry';
          indents.push(i - lineStart + 2);
          if (indents.length > limit) return i;
          i++;
          continue;
        }
        if (c === '[' || c === '{') {
          flow = 1;
          valueStart = false;
          if (indents.length + flow > limit) return i;
          i++;
          continue;
        }
        if (c === '"' || c === "'") {
          quote = c;
          valueStart = false;
          i++;
          continue;
        }
        if (c === '|' || c === '>') {
          blockScalarParent = indent;
          blockScalarExplicit = explicitBlockIndent(text, i, indents, valueCause);
          i = endOfLine(text, i);
          break;
        }
        if (c === '&' || c === '!') {
          // An anchor or a tag comes before the value it names.
          while (i < n && text[i] !== ' ' && text[i] !== '\n') i++;
          continue;
        }
        valueStart = false;
        // A plain scalar starts (not an alias or a reserved indicator): lines
        // indented past its key or entry continue it.
        if (!NOT_PLAIN.includes(c ?? '')) plainOwner = indents[indents.length - 1] ?? -1;
      }
      if (c === ':' && endsToken) {
        valueStart = true;
        valueCause = 'colon';
        plainOwner = null;
      }
      i++;
    }
    plainParent = quote === '' && flow === 0 ? plainOwner : null;
    i++;
  }
  return null;
}

/**
 * The content indentation a block scalar header at `at` sets with an
 * indentation indicator (`|2`, `>-1`), or -1 without one. As the yaml lexer
 * counts it: the indicator, minus one, past the indentation a value there
 * must have (one past its key, its "- ", or the enclosing node).
 */
function explicitBlockIndent(text: string, at: number, indents: readonly number[], cause: 'line' | 'entry' | 'colon'): number {
  let digit = 0;
  for (let j = at + 1; j < text.length; j++) {
    const ch = text[j];
    if (ch !== undefined && ch > '0' && ch <= '9') digit = Number(ch);
    else if (ch !== '+' && ch !== '-') break;
  }
  if (digit === 0) return -1;
  const top = indents[indents.length - 1] ?? 0;
  const before = cause === 'colon' ? top + 1 : cause === 'entry' ? top - 1 : (indents[indents.length - 2] ?? -1) + 1;
  return digit - 1 + (before <= 0 ? 1 : before);
}

/** First characters of a value that do not start a plain scalar: an alias, reserved and flow indicators. */
const NOT_PLAIN = '*%@`,]}';

function endOfLine(text: string, from: number): number {
  const nl = text.indexOf('\n', from);
  return nl < 0 ? text.length : nl;
}
