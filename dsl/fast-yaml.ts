/**
 * The fast path of dsl/document.ts: the common subset of YAML that swarm
 * files are written in, read straight to plain data in one pass over the
 * text, with no syntax tree and no positions.
 *
 * The `yaml` package builds a full Document (every node with its range)
 * through generator-based lexer and parser stages: about 350 ms for a
 * 4,000-step definition, most of the compile budget. Positions are only
 * needed when there is something to report, so a definition is first read
 * here; the Document is parsed from the same text only when a diagnostic
 * has to be located (or a caller asks for it).
 *
 * The subset: block mappings and sequences indented with spaces; keys that
 * are plain words or quoted strings; values that are plain scalars on one
 * line, quoted strings on one line, flow collections on one line, or `|`/`>`
 * block scalars (clip or strip chomping, no indentation indicator); comments.
 * Anything else (anchors, aliases, tags, directives, several documents,
 * multi-line plain or quoted scalars, tabs, CR line ends, odd indentation,
 * duplicate or forbidden keys, non-string keys, non-finite numbers, nesting
 * past the limit) makes `readCommonYaml` return null, and the caller parses
 * the text the full way, with every check and message it had before.
 *
 * The contract, held by tests/dsl/fast-yaml.test.ts against the `yaml`
 * package on every fixture and on generated and mutated texts: whenever this
 * returns data, the full path finds no problem and builds equal data (the
 * same values, the same key order).
 */
import type { JsonMap } from './json';
import { DOCUMENT_LIMITS } from './prescan';

/** Thrown (one shared instance) to leave the subset; caught in readCommonYaml. */
const BAIL: unique symbol = Symbol('outside the fast YAML subset');

/** Characters the subset refuses anywhere: tabs, CR, other controls, NEL, Unicode line breaks, BOM. */
// eslint-disable-next-line no-control-regex
const REFUSED_CHARS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\ufeff]/;

const SPACE = 32;
const NL = 10;
const HASH = 35;
const COLON = 58;
const DASH = 45;
const DQUOTE = 34;
const SQUOTE = 39;
const BACKSLASH = 92;
const COMMA = 44;
const LBRACE = 123;
const RBRACE = 125;
const LBRACKET = 91;
const RBRACKET = 93;
const PIPE = 124;
const GT = 62;

/** Keys refused by dsl/document.ts (SF005): left to the full path, which reports them. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Longer keys are left to the full path (the `yaml` package refuses implicit keys past 1024 characters). */
const MAX_KEY_LENGTH = 1000;

/**
 * A plain scalar may not start with these (YAML's indicators); `-` is
 * handled on its own (allowed before a non-space, as in `-1`).
 */
function isIndicator(c: number): boolean {
  switch (c) {
    case 63: // ?
    case COLON:
    case COMMA:
    case LBRACKET:
    case RBRACKET:
    case LBRACE:
    case RBRACE:
    case HASH:
    case 38: // &
    case 42: // *
    case 33: // !
    case PIPE:
    case GT:
    case SQUOTE:
    case DQUOTE:
    case 37: // %
    case 64: // @
    case 96: // `
      return true;
    default:
      return false;
  }
}

/** The text's data when it is in the subset, else null (parse it the full way). */
export function readCommonYaml(text: string): JsonMap | null {
  if (REFUSED_CHARS.test(text)) return null;
  try {
    return new SubsetReader(text).document();
  } catch (err) {
    if (err === BAIL) return null;
    throw err;
  }
}

function bail(): never {
  throw BAIL;
}

/**
 * A cursor over the text. Block structure is read line by line: `peek()`
 * finds the next line with content (skipping blank and comment lines) and
 * leaves its indentation in `indent` and its first character in `at`.
 */
class SubsetReader {
  private readonly n: number;
  /** Start of the line the cursor is on (or past the end). */
  private pos = 0;
  /** After peek(): indentation and first content offset of the next content line; -1 at the end. */
  private indent = -1;
  private at = 0;

  constructor(private readonly t: string) {
    this.n = t.length;
  }

  document(): JsonMap {
    this.peek(true);
    if (this.indent !== 0) bail(); // empty, or not starting at the left margin
    // The root mapping ends only at the end of the text (a line left of
    // column 0 cannot exist; a deeper stray line bails inside).
    return this.blockMap(0, 1, this.at);
  }

  // ---- lines -------------------------------------------------------------

  private lineEnd(from: number): number {
    const nl = this.t.indexOf('\n', from);
    return nl < 0 ? this.n : nl;
  }

  /** True when only spaces and then a comment or the line end follow `from`. */
  private restIsBlank(from: number): boolean {
    const t = this.t;
    let i = from;
    while (i < this.n && t.charCodeAt(i) === SPACE) i++;
    if (i >= this.n || t.charCodeAt(i) === NL) return true;
    return t.charCodeAt(i) === HASH && i > from;
  }

  /**
   * Moves `pos` to the next line with content; sets `indent` and `at`
   * (indent -1 at the end). Document markers end the subset, except one
   * bare `---` before any content (`atStart`).
   */
  private peek(atStart = false): void {
    const t = this.t;
    let i = this.pos;
    let opened = false;
    while (i < this.n) {
      const start = i;
      while (i < this.n && t.charCodeAt(i) === SPACE) i++;
      if (i >= this.n) break;
      const c = t.charCodeAt(i);
      if (c === NL) {
        i++;
        continue;
      }
      if (c === HASH) {
        i = this.lineEnd(i) + 1;
        continue;
      }
      if (start === i && (t.startsWith('---', i) || t.startsWith('...', i)) && this.isMarkerEnd(i + 3)) {
        if (!atStart || opened || t.charCodeAt(i) !== DASH || !this.restIsBlank(i + 3)) bail();
        opened = true;
        i = this.lineEnd(i) + 1;
        continue;
      }
      this.pos = start;
      this.indent = i - start;
      this.at = i;
      return;
    }
    this.pos = this.n;
    this.indent = -1;
    this.at = this.n;
  }

  private isMarkerEnd(i: number): boolean {
    if (i >= this.n) return true;
    const c = this.t.charCodeAt(i);
    return c === SPACE || c === NL;
  }

  /** After a value that ends its line at `from`: checks the rest is blank and moves to the next line. */
  private endLine(from: number): void {
    if (!this.restIsBlank(from)) bail();
    this.pos = this.lineEnd(from) + 1;
  }

  // ---- block collections ---------------------------------------------------

  /** A block mapping whose keys sit at column `indent`, the first one at offset `first`. */
  private blockMap(indent: number, depth: number, first: number): JsonMap {
    if (depth > DOCUMENT_LIMITS.maxDepth) bail();
    const out: JsonMap = {};
    let at = first;
    for (;;) {
      const colon = this.keyEnd(at);
      if (colon < 0) bail();
      const key = this.keyText(at, colon);
      if (FORBIDDEN_KEYS.has(key) || Object.prototype.hasOwnProperty.call(out, key)) bail();
      out[key] = this.blockValue(indent, depth, colon + 1, true);
      // blockValue leaves peek() done: the next content line is known.
      if (this.indent < indent) return out; // the end of the text (-1) or a parent's line
      if (this.indent > indent) bail();
      if (this.isSeqItem(this.at)) bail(); // `- ` at a mapping's column
      at = this.at;
    }
  }

  /** A block sequence whose `-` sit at column `indent`, the first at offset `first`. */
  private blockSeq(indent: number, depth: number, first: number): unknown[] {
    if (depth > DOCUMENT_LIMITS.maxDepth) bail();
    const out: unknown[] = [];
    let at = first;
    for (;;) {
      let i = at + 1;
      while (i < this.n && this.t.charCodeAt(i) === SPACE) i++;
      if (i >= this.n || this.t.charCodeAt(i) === NL || (this.t.charCodeAt(i) === HASH && i > at + 1)) {
        // `-` alone: the item is on the lines below, or null.
        this.pos = this.lineEnd(i) + 1;
        out.push(this.nested(indent, depth + 1, false));
      } else if (this.isSeqItem(i)) {
        bail(); // `- - x`
      } else if (this.keyEnd(i) >= 0) {
        // `- key: value`: a mapping whose keys sit at this column.
        out.push(this.blockMap(indent + (i - at), depth + 1, i));
      } else {
        out.push(this.blockValue(indent, depth, i - 1, false));
      }
      if (this.indent < indent) return out;
      if (this.indent > indent) bail();
      if (!this.isSeqItem(this.at)) return out; // the parent mapping's next key, at this column
      at = this.at;
    }
  }

  private isSeqItem(i: number): boolean {
    if (this.t.charCodeAt(i) !== DASH) return false;
    const next = i + 1 < this.n ? this.t.charCodeAt(i + 1) : NL;
    return next === SPACE || next === NL;
  }

  /**
   * The value after a key's `:` (or a `- `), starting at `from`; `owner` is
   * the column of the key or dash. Leaves peek() done.
   */
  private blockValue(owner: number, depth: number, from: number, inMap: boolean): unknown {
    const t = this.t;
    let i = from;
    while (i < this.n && t.charCodeAt(i) === SPACE) i++;
    const c = i < this.n ? t.charCodeAt(i) : NL;
    let value: unknown;
    if (c === NL || (c === HASH && i > from)) {
      this.pos = this.lineEnd(i) + 1;
      return this.nested(owner, depth + 1, inMap);
    }
    if (i === from && inMap) bail(); // `key:x` is no mapping entry
    if (c === DQUOTE || c === SQUOTE) {
      const q = c === DQUOTE ? this.doubleQuoted(i) : this.singleQuoted(i);
      value = q.value;
      this.endLine(q.end);
    } else if (c === LBRACE || c === LBRACKET) {
      const f = this.flow(i, depth + 1);
      value = f.value;
      this.endLine(f.end);
    } else if (c === PIPE || c === GT) {
      value = this.blockScalar(owner, i);
    } else {
      const end = this.plainEnd(i);
      value = resolvePlain(t.slice(i, end));
      this.pos = this.lineEnd(end) + 1;
    }
    this.peek();
    return value;
  }

  /** What follows an empty value: a deeper mapping, a sequence, or nothing (null). Leaves peek() done. */
  private nested(owner: number, depth: number, inMap: boolean): unknown {
    this.peek();
    if (this.indent < 0) return null;
    if (this.isSeqItem(this.at)) {
      // A mapping's list may sit at the key's own column; an item's may not.
      if (this.indent > owner || (inMap && this.indent === owner)) return this.blockSeq(this.indent, depth, this.at);
      return null;
    }
    if (this.indent <= owner) return null;
    if (this.keyEnd(this.at) < 0) bail(); // a scalar on its own line
    return this.blockMap(this.indent, depth, this.at);
  }

  // ---- keys ------------------------------------------------------------------

  /**
   * The offset of the `:` that ends a block key starting at `i` (a `:`
   * followed by a space or the line end), or -1 when the line is no key.
   */
  private keyEnd(i: number): number {
    const t = this.t;
    const c = t.charCodeAt(i);
    let j: number;
    if (c === DQUOTE || c === SQUOTE) {
      j = c === DQUOTE ? this.doubleQuotedEnd(i) : this.singleQuotedEnd(i);
      if (j < 0) return -1;
    } else {
      if (isIndicator(c) || c === DASH || c === SPACE || c === NL) return -1;
      j = i + 1;
      for (; j < this.n; j++) {
        const d = t.charCodeAt(j);
        if (d === COLON || d === SPACE || d === NL || d === HASH || d === COMMA || d === LBRACKET || d === RBRACKET || d === LBRACE || d === RBRACE) break;
      }
    }
    if (j >= this.n || t.charCodeAt(j) !== COLON) return -1;
    if (j - i > MAX_KEY_LENGTH) return -1;
    const after = j + 1 < this.n ? t.charCodeAt(j + 1) : NL;
    return after === SPACE || after === NL ? j : -1;
  }

  /** The key text of a key from `i` to its `:` at `colon`; bails on keys that are not strings. */
  private keyText(i: number, colon: number): string {
    const c = this.t.charCodeAt(i);
    if (c === DQUOTE) return this.doubleQuoted(i).value;
    if (c === SQUOTE) return this.singleQuoted(i).value;
    const key = this.t.slice(i, colon);
    if (typeof resolvePlain(key) !== 'string') bail();
    return key;
  }

  // ---- scalars ---------------------------------------------------------------

  /** The end of a plain scalar in block context starting at `i` (trailing spaces and comment excluded). */
  private plainEnd(i: number): number {
    const t = this.t;
    const c = t.charCodeAt(i);
    if (isIndicator(c)) bail();
    if (c === DASH && (i + 1 >= this.n || t.charCodeAt(i + 1) === SPACE || t.charCodeAt(i + 1) === NL)) bail();
    const nl = this.lineEnd(i);
    let end = nl;
    for (let j = i + 1; j < nl; j++) {
      const d = t.charCodeAt(j);
      if (d === HASH && t.charCodeAt(j - 1) === SPACE) {
        end = j;
        break;
      }
      if (d === COLON && (j + 1 >= nl || t.charCodeAt(j + 1) === SPACE)) bail(); // a nested `key: value`
    }
    while (end > i && t.charCodeAt(end - 1) === SPACE) end--;
    return end;
  }

  /** A double-quoted scalar on one line starting at `i` (the quote); `end` is after the closing quote. */
  private doubleQuoted(i: number): { value: string; end: number } {
    const t = this.t;
    const close = this.doubleQuotedEnd(i) - 1;
    if (close < 0) bail();
    const body = t.slice(i + 1, close);
    if (body.indexOf('\\') < 0) return { value: body, end: close + 1 };
    let out = '';
    let from = i + 1;
    for (let j = i + 1; j < close; j++) {
      if (t.charCodeAt(j) !== BACKSLASH) continue;
      out += t.slice(from, j);
      const e = t[j + 1];
      let width = 2;
      switch (e) {
        case '\\':
        case '"':
        case '/':
          out += e;
          break;
        case 'n':
          out += '\n';
          break;
        case 't':
          out += '\t';
          break;
        case 'r':
          out += '\r';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case '0':
          out += '\0';
          break;
        case 'u': {
          const hex = t.slice(j + 2, j + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) bail();
          const code = parseInt(hex, 16);
          if (code >= 0xd800 && code <= 0xdfff) bail(); // surrogate halves: left to the full path
          out += String.fromCharCode(code);
          width = 6;
          break;
        }
        default:
          bail(); // rarer escapes (\x, \U, \N, \_, \L, \P, \e, \a, \v, \ , line continuations)
      }
      j += width - 1;
      from = j + 1;
    }
    return { value: out + t.slice(from, close), end: close + 1 };
  }

  /**
   * Offset after the closing `"` of a double-quoted scalar at `i`, or -1
   * when the line ends first. Scans only the scalar, never the rest of its
   * line: a long line of many strings stays linear.
   */
  private doubleQuotedEnd(i: number): number {
    const t = this.t;
    for (let j = i + 1; j < this.n; j++) {
      const d = t.charCodeAt(j);
      if (d === BACKSLASH) {
        if (t.charCodeAt(j + 1) === NL) return -1;
        j++;
      } else if (d === DQUOTE) return j + 1;
      else if (d === NL) return -1;
    }
    return -1;
  }

  private singleQuoted(i: number): { value: string; end: number } {
    const end = this.singleQuotedEnd(i);
    if (end < 0) bail();
    return { value: this.t.slice(i + 1, end - 1).replace(/''/g, "'"), end };
  }

  /** Like doubleQuotedEnd, for a single-quoted scalar (`''` is a quote inside it). */
  private singleQuotedEnd(i: number): number {
    const t = this.t;
    for (let j = i + 1; j < this.n; j++) {
      const d = t.charCodeAt(j);
      if (d === NL) return -1;
      if (d !== SQUOTE) continue;
      if (t.charCodeAt(j + 1) === SQUOTE) j++;
      else return j + 1;
    }
    return -1;
  }

  /**
   * A `|` or `>` block scalar whose header is at `i`; `owner` is the column
   * of its key or dash. Clip (default) and strip (`-`) chomping only; no
   * indentation indicator; a folded scalar has no more-indented lines.
   */
  private blockScalar(owner: number, i: number): string {
    const t = this.t;
    const folded = t.charCodeAt(i) === GT;
    let h = i + 1;
    let strip = false;
    if (h < this.n && t.charCodeAt(h) === DASH) {
      strip = true;
      h++;
    }
    this.endLine(h);
    // Lines until the first one with content: their spaces must not pass its indentation.
    const lines: string[] = [];
    let contentIndent = -1;
    let leadingSpaces = 0;
    let p = this.pos;
    while (p < this.n) {
      const nl = this.lineEnd(p);
      let k = p;
      while (k < nl && t.charCodeAt(k) === SPACE) k++;
      const spaces = k - p;
      if (k === nl) {
        // A blank line: empty in the value unless it has more spaces than the content (left to the full path).
        if (contentIndent < 0) leadingSpaces = Math.max(leadingSpaces, spaces);
        else if (spaces > contentIndent) bail();
        lines.push('');
        p = nl + 1;
        continue;
      }
      if (contentIndent < 0) {
        if (spaces <= owner) break; // no content at all
        if (leadingSpaces > spaces) bail();
        contentIndent = spaces;
      } else if (spaces < contentIndent) {
        if (spaces > owner) bail(); // between the owner and the content: not ours to judge
        break;
      } else if (spaces > contentIndent && folded) bail();
      lines.push(t.slice(p + contentIndent, nl));
      p = nl + 1;
    }
    if (contentIndent < 0) bail(); // an empty block scalar
    // The blank lines at the end belong to the chomping, not the content.
    let last = lines.length;
    while (last > 0 && lines[last - 1] === '') last--;
    // A blank line just before the next key stays in the text: back the cursor to it.
    this.pos = p;
    const body = lines.slice(0, last);
    let value: string;
    if (!folded) value = body.join('\n');
    else {
      value = '';
      let prevContent = false;
      for (const line of body) {
        if (line === '') value += '\n';
        else {
          if (prevContent) value += ' ';
          value += line;
        }
        prevContent = line !== '';
      }
    }
    return strip ? value : `${value}\n`;
  }

  // ---- flow collections (one line) -------------------------------------------

  private flow(i: number, depth: number): { value: unknown; end: number } {
    if (depth > DOCUMENT_LIMITS.maxDepth) bail();
    const t = this.t;
    const isMapping = t.charCodeAt(i) === LBRACE;
    const closer = isMapping ? RBRACE : RBRACKET;
    const map: JsonMap = {};
    const list: unknown[] = [];
    let j = this.skipFlowSpaces(i + 1);
    for (;;) {
      if (t.charCodeAt(j) === closer) return { value: isMapping ? map : list, end: j + 1 };
      if (isMapping) {
        const c = t.charCodeAt(j);
        const keyStart = j;
        let key: string;
        if (c === DQUOTE || c === SQUOTE) {
          const q = c === DQUOTE ? this.doubleQuoted(j) : this.singleQuoted(j);
          key = q.value;
          j = q.end;
        } else {
          const end = this.flowKeyEnd(j);
          key = t.slice(j, end);
          if (typeof resolvePlain(key) !== 'string') bail();
          j = end;
        }
        if (t.charCodeAt(j) !== COLON || t.charCodeAt(j + 1) !== SPACE) bail();
        if (FORBIDDEN_KEYS.has(key) || Object.prototype.hasOwnProperty.call(map, key) || j - keyStart > MAX_KEY_LENGTH) bail();
        j = this.skipFlowSpaces(j + 1);
        const v = this.flowValue(j, depth);
        map[key] = v.value;
        j = v.end;
      } else {
        const v = this.flowValue(j, depth);
        list.push(v.value);
        j = v.end;
      }
      j = this.skipFlowSpaces(j);
      const d = t.charCodeAt(j);
      if (d === COMMA) j = this.skipFlowSpaces(j + 1);
      else if (d !== closer) bail();
    }
  }

  private flowValue(j: number, depth: number): { value: unknown; end: number } {
    const c = this.t.charCodeAt(j);
    if (c === LBRACE || c === LBRACKET) return this.flow(j, depth + 1);
    if (c === DQUOTE) return this.doubleQuoted(j);
    if (c === SQUOTE) return this.singleQuoted(j);
    const end = this.flowPlainEnd(j);
    return { value: resolvePlain(this.t.slice(j, end)), end };
  }

  /** Spaces inside a one-line flow collection; the line may not end here. */
  private skipFlowSpaces(j: number): number {
    const t = this.t;
    while (j < this.n && t.charCodeAt(j) === SPACE) j++;
    if (j >= this.n) bail();
    const c = t.charCodeAt(j);
    if (c === NL || c === HASH) bail();
    return j;
  }

  /** A plain scalar inside a flow collection may not start with an indicator, nor with `-` before a space or indicator. */
  private flowPlainStart(j: number): void {
    const t = this.t;
    const c = t.charCodeAt(j);
    if (c === DASH) {
      const next = j + 1 < this.n ? t.charCodeAt(j + 1) : NL;
      if (next === SPACE || next === NL || next === DASH || isIndicator(next)) bail();
    } else if (isIndicator(c)) bail();
  }

  /** The end of a plain key inside a flow mapping: at its `:`, with no space before it. */
  private flowKeyEnd(j: number): number {
    const t = this.t;
    this.flowPlainStart(j);
    let k = j;
    for (; k < this.n; k++) {
      const d = t.charCodeAt(k);
      if (d === COLON) break;
      if (d === SPACE || d === NL || d === COMMA || d === HASH || d === LBRACE || d === RBRACE || d === LBRACKET || d === RBRACKET || d === DQUOTE || d === SQUOTE) bail();
    }
    if (k >= this.n || k === j) bail();
    return k;
  }

  /** The end of a plain scalar inside a flow collection (no `:` and no flow indicators in it). */
  private flowPlainEnd(j: number): number {
    const t = this.t;
    this.flowPlainStart(j);
    let k = j;
    for (; k < this.n; k++) {
      const d = t.charCodeAt(k);
      if (d === COMMA || d === RBRACE || d === RBRACKET) break;
      if (d === NL || d === COLON || d === LBRACE || d === LBRACKET || d === DQUOTE || d === SQUOTE) bail();
      if (d === HASH && t.charCodeAt(k - 1) === SPACE) bail();
    }
    if (k >= this.n) bail();
    let end = k;
    while (end > j && t.charCodeAt(end - 1) === SPACE) end--;
    if (end === j) bail(); // an empty entry
    return end;
  }
}

const NULL_RE = /^(?:~|[Nn]ull|NULL)$/;
const BOOL_RE = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const INT_OCT = /^0o[0-7]+$/;
const INT_DEC = /^[-+]?[0-9]+$/;
const INT_HEX = /^0x[0-9a-fA-F]+$/;
const FLOAT_NAN = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT_EXP = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;

/**
 * A plain scalar's value under the YAML 1.2 core schema, with the `yaml`
 * package's tests in its order (yaml/dist/schema/core): null, bool, octal,
 * decimal and hex ints, then floats. Non-finite numbers leave the subset.
 */
export function resolvePlain(s: string): unknown {
  const c = s.charCodeAt(0);
  if ((c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46) {
    let v: number | null = null;
    if (INT_OCT.test(s)) v = parseInt(s.substring(2), 8);
    else if (INT_DEC.test(s)) v = parseInt(s, 10);
    else if (INT_HEX.test(s)) v = parseInt(s.substring(2), 16);
    else if (FLOAT_NAN.test(s)) bail();
    else if (FLOAT_EXP.test(s) || FLOAT.test(s)) v = parseFloat(s);
    if (v === null) return s;
    if (!Number.isFinite(v)) bail();
    return v;
  }
  if (c === 126 || c === 110 || c === 78) return NULL_RE.test(s) ? null : s; // ~ n N
  if (c === 116 || c === 84 || c === 102 || c === 70) return BOOL_RE.test(s) ? s.charCodeAt(0) === 116 || s.charCodeAt(0) === 84 : s; // t T f F
  return s;
}
