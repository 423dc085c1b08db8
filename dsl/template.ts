/**
 * Finds the `${{ }}` expressions in a string.
 *
 * An expression ends at the first `}}` outside CEL string literals and
 * balanced braces, so `${{ {"a": {"b": 1}} }}` is one expression and
 * `${{ "}}" }}` holds the two-character string `}}`.
 */

export type TemplatePart =
  | { kind: 'text'; text: string }
  | {
      kind: 'expr';
      /** The expression as written, trimmed. */
      src: string;
      /** Offset of `src` in the scanned string (for error positions). */
      at: number;
    };

export type ScanResult =
  | { ok: true; parts: TemplatePart[] }
  | { ok: false; offset: number; reason: 'unclosed' | 'empty' };

const OPEN = '${{';

export function hasExpression(s: string): boolean {
  return s.includes(OPEN);
}

export function scanTemplate(s: string): ScanResult {
  const parts: TemplatePart[] = [];
  let pos = 0;
  for (;;) {
    const open = s.indexOf(OPEN, pos);
    if (open < 0) {
      if (pos < s.length) parts.push({ kind: 'text', text: s.slice(pos) });
      return { ok: true, parts };
    }
    if (open > pos) parts.push({ kind: 'text', text: s.slice(pos, open) });
    const innerStart = open + OPEN.length;
    const close = findClose(s, innerStart);
    if (close < 0) return { ok: false, offset: open, reason: 'unclosed' };
    const raw = s.slice(innerStart, close);
    const lead = raw.length - raw.trimStart().length;
    const src = raw.trim();
    if (src === '') return { ok: false, offset: open, reason: 'empty' };
    parts.push({ kind: 'expr', src, at: innerStart + lead });
    pos = close + 2;
  }
}

/** Offset of the closing `}}`, or -1. */
function findClose(s: string, from: number): number {
  let depth = 0;
  let i = from;
  while (i < s.length) {
    const c = s[i];
    if (c === '"' || c === "'") {
      const end = skipString(s, i);
      if (end < 0) return -1;
      i = end;
      continue;
    }
    if (c === '{') depth++;
    else if (c === '}') {
      if (depth === 0 && s[i + 1] === '}') return i;
      if (depth > 0) depth--;
    }
    i++;
  }
  return -1;
}

/** Offset just after the CEL string literal that starts at `start`, or -1 if it never ends. */
function skipString(s: string, start: number): number {
  const q = s[start] ?? '"';
  const raw = isRawPrefix(s, start);
  const triple = s.startsWith(q + q + q, start);
  const closing = triple ? q + q + q : q;
  let i = start + closing.length;
  while (i < s.length) {
    if (!raw && s[i] === '\\') {
      i += 2;
      continue;
    }
    if (s.startsWith(closing, i)) return i + closing.length;
    i++;
  }
  return -1;
}

/** r"..." and br"..." strings take backslashes literally. */
function isRawPrefix(s: string, quoteAt: number): boolean {
  const boundary = (i: number): boolean => i < 0 || !/[A-Za-z0-9_]/.test(s[i] ?? '');
  if (/^[rR]$/.test(s.slice(quoteAt - 1, quoteAt)) && boundary(quoteAt - 2)) return true;
  return /^([bB][rR]|[rR][bB])$/.test(s.slice(Math.max(0, quoteAt - 2), quoteAt)) && quoteAt >= 2 && boundary(quoteAt - 3);
}
