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
  let blockScalarParent = -1;
  let i = 0;
  while (i < n) {
    const lineStart = i;
    let indent = 0;
    while (i < n && text.charCodeAt(i) === 32) {
      i++;
      indent++;
    }
    let valueStart = false;
    if (quote === '' && flow === 0) {
      const c = text[i];
      const blank = i >= n || c === '\n' || c === '\r' || c === '#';
      if (blockScalarParent >= 0 && (blank || indent > blockScalarParent)) {
        i = endOfLine(text, i) + 1;
        continue;
      }
      blockScalarParent = -1;
      if (blank) {
        i = endOfLine(text, i) + 1;
        continue;
      }
      while (indents.length > 0 && (indents[indents.length - 1] ?? 0) >= indent) indents.pop();
      indents.push(indent);
      if (indents.length > limit) return i;
      valueStart = true;
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
          i = endOfLine(text, i);
          break;
        }
        if (c === '&' || c === '!') {
          // An anchor or a tag comes before the value it names.
          while (i < n && text[i] !== ' ' && text[i] !== '\n') i++;
          continue;
        }
        valueStart = false;
      }
      if (c === ':' && endsToken) valueStart = true;
      i++;
    }
    i++;
  }
  return null;
}

function endOfLine(text: string, from: number): number {
  const nl = text.indexOf('\n', from);
  return nl < 0 ? text.length : nl;
}
