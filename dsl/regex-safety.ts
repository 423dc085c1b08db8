/**
 * Regular expressions in a definition's JSON Schemas (`pattern`,
 * `patternProperties`) run on run inputs (in the API) and on model output
 * (in the workers), with JavaScript's backtracking engine: "^(a+)+$" on 40
 * "a"s and a "!" takes hours. Without a linear-time engine the only defence
 * is to refuse the shapes that backtrack exponentially before a definition
 * is accepted. This file finds them; it is pure (no I/O, no Node API), so the
 * editor runs the same check in the browser.
 *
 * The check is conservative, by shape, not by proof: under a repetition
 * (`*`, `+`, `{n,m}` with m >= 2) it refuses
 *   - a body that can match the empty string and varies in length ((a?)*);
 *   - another repetition, unless every iteration is fenced by a character
 *     nothing else in the body matches ((\.[a-z]+)+ and (\s*,\s*[a-z]+)*
 *     are fine, (a+)+ is not);
 *   - two repetitions of overlapping characters with no such fence between
 *     them ((\.a+a+)+);
 *   - alternatives that can start with the same character, or be empty
 *     ((a|ab)*), and back-references (they match any text).
 * A few safe patterns are refused too ((ab|ac)*); the message says how to
 * rewrite them. What remains is polynomial at worst, and the API bounds the
 * length of the strings a pattern runs on (server/input-check.ts).
 */
import type { Problem } from './diagnostic';

/** Longest pattern analysed; longer ones are refused (no legitimate schema pattern needs more). */
export const MAX_PATTERN_LENGTH = 1024;
/** Most pattern text analysed per definition: bounds validate's time on a 1 MiB document of patterns. */
export const MAX_PATTERNS_TOTAL = 16 * 1024;
/** Most quantifiers analysed: keeps the check itself fast on hostile patterns (some steps are quadratic in them). */
export const MAX_REPETITIONS = 100;

/** Why a pattern is refused, with the part of it to look at. */
export interface RegexFinding {
  reason: string;
  /** The offending part of the pattern (at most 60 characters). */
  fragment: string;
  /** Offset of the fragment in the pattern. */
  offset: number;
}

// ---------------------------------------------------------------- character sets

type Range = readonly [number, number];
/** Code point ranges, sorted and disjoint. */
type CharSet = readonly Range[];

const MAX_CP = 0x10ffff;
const NONE: CharSet = [];
const ANY: CharSet = [[0, MAX_CP]];

function normalise(ranges: Range[]): CharSet {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [lo, hi] of sorted) {
    const prev = out[out.length - 1];
    if (prev && lo <= prev[1] + 1) prev[1] = Math.max(prev[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

/** Most ranges a set keeps; past it, the set becomes its hull (larger: checks only get stricter, and stay fast). */
const MAX_RANGES = 32;

function union(a: CharSet, b: CharSet): CharSet {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const merged = normalise([...a, ...b]);
  return merged.length > MAX_RANGES ? [[(merged[0] as Range)[0], (merged[merged.length - 1] as Range)[1]]] : merged;
}

function complement(a: CharSet): CharSet {
  const out: Range[] = [];
  let next = 0;
  for (const [lo, hi] of a) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= MAX_CP) out.push([next, MAX_CP]);
  return out;
}

function overlaps(a: CharSet, b: CharSet): boolean {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] as Range;
    const y = b[j] as Range;
    if (x[1] < y[0]) i++;
    else if (y[1] < x[0]) j++;
    else return true;
  }
  return false;
}

const single = (cp: number): CharSet => [[cp, cp]];
const DIGIT: CharSet = [[0x30, 0x39]];
const WORD: CharSet = normalise([[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]]);
const SPACE: CharSet = normalise([[9, 13], [0x20, 0x20], [0xa0, 0xa0], [0x1680, 0x1680], [0x2000, 0x200a], [0x2028, 0x2029], [0x202f, 0x202f], [0x205f, 0x205f], [0x3000, 0x3000], [0xfeff, 0xfeff]]);
const DOT: CharSet = complement(normalise([[10, 10], [13, 13], [0x2028, 0x2029]]));

// ---------------------------------------------------------------- parsing

type Node =
  | { t: 'atom'; set: CharSet; start: number; end: number }
  | { t: 'seq'; items: Node[]; start: number; end: number }
  | { t: 'alt'; alts: Node[]; start: number; end: number }
  | { t: 'repeat'; body: Node; min: number; max: number; start: number; end: number }
  /** Lookarounds: zero width, their body checked on its own. */
  | { t: 'look'; body: Node; start: number; end: number }
  /** Anchors and word boundaries. */
  | { t: 'empty'; start: number; end: number }
  | { t: 'backref'; start: number; end: number };

/** Thrown when the parser meets syntax it does not know (the caller refuses the pattern). */
class UnanalysableError extends Error {
  constructor(readonly offset: number) {
    super(`cannot analyse the pattern at offset ${offset}`);
    this.name = 'UnanalysableError';
  }
}

/** A parser for the `u`-flag syntax (the flag JSON Schema validators use); the caller checks the syntax with RegExp first. */
class Parser {
  i = 0;
  constructor(readonly s: string) {}

  peek(): string {
    return this.s[this.i] ?? '';
  }

  fail(): never {
    throw new UnanalysableError(this.i);
  }

  parseAlt(): Node {
    const start = this.i;
    const alts = [this.parseSeq()];
    while (this.peek() === '|') {
      this.i++;
      alts.push(this.parseSeq());
    }
    return alts.length === 1 ? (alts[0] as Node) : { t: 'alt', alts, start, end: this.i };
  }

  parseSeq(): Node {
    const start = this.i;
    const items: Node[] = [];
    while (this.i < this.s.length && this.peek() !== '|' && this.peek() !== ')') items.push(this.parseTerm());
    return { t: 'seq', items, start, end: this.i };
  }

  parseTerm(): Node {
    const start = this.i;
    const atom = this.parseAtom();
    const q = this.quantifier();
    if (!q) return atom;
    if (this.peek() === '?') this.i++; // lazy: same backtracking
    return { t: 'repeat', body: atom, min: q.min, max: q.max, start, end: this.i };
  }

  quantifier(): { min: number; max: number } | null {
    const c = this.peek();
    if (c === '*' || c === '+' || c === '?') {
      this.i++;
      return { min: c === '+' ? 1 : 0, max: c === '?' ? 1 : Infinity };
    }
    if (c !== '{') return null;
    const m = /^\{(\d+)(,(\d*))?\}/.exec(this.s.slice(this.i, this.i + 40));
    if (!m) this.fail();
    this.i += m[0].length;
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === '' || m[3] === undefined ? Infinity : Number(m[3]);
    return { min, max };
  }

  parseAtom(): Node {
    const start = this.i;
    const c = this.peek();
    if (c === '^' || c === '$') {
      this.i++;
      return { t: 'empty', start, end: this.i };
    }
    if (c === '.') {
      this.i++;
      return { t: 'atom', set: DOT, start, end: this.i };
    }
    if (c === '(') return this.parseGroup();
    if (c === '[') return { t: 'atom', set: this.parseClass(), start, end: this.i };
    if (c === '\\') return this.parseEscape(false);
    const cp = this.s.codePointAt(this.i) ?? this.fail();
    this.i += cp > 0xffff ? 2 : 1;
    return { t: 'atom', set: single(cp), start, end: this.i };
  }

  parseGroup(): Node {
    const start = this.i;
    this.i++; // (
    let look = false;
    if (this.s.startsWith('?:', this.i)) this.i += 2;
    else if (this.s.startsWith('?=', this.i) || this.s.startsWith('?!', this.i)) {
      this.i += 2;
      look = true;
    } else if (this.s.startsWith('?<=', this.i) || this.s.startsWith('?<!', this.i)) {
      this.i += 3;
      look = true;
    } else if (this.s.startsWith('?<', this.i)) {
      const close = this.s.indexOf('>', this.i);
      if (close < 0) this.fail();
      this.i = close + 1;
    } else if (this.peek() === '?') this.fail();
    const body = this.parseAlt();
    if (this.peek() !== ')') this.fail();
    this.i++;
    if (look) return { t: 'look', body, start, end: this.i };
    return { t: 'seq', items: [body], start, end: this.i };
  }

  parseClass(): CharSet {
    this.i++; // [
    let negate = false;
    if (this.peek() === '^') {
      negate = true;
      this.i++;
    }
    let set: CharSet = NONE;
    while (this.peek() !== ']') {
      if (this.i >= this.s.length) this.fail();
      const lo = this.classAtom();
      if (this.peek() === '-' && this.s[this.i + 1] !== ']' && lo.cp !== null) {
        this.i++;
        const hi = this.classAtom();
        if (hi.cp === null) this.fail();
        set = union(set, [[lo.cp, hi.cp]]);
      } else set = union(set, lo.set);
    }
    this.i++; // ]
    return negate ? complement(set) : set;
  }

  /** One member of a class: a code point (which may start a range) or a class escape. */
  classAtom(): { cp: number | null; set: CharSet } {
    if (this.peek() === '\\') {
      const start = this.i;
      const n = this.parseEscape(true);
      if (n.t !== 'atom') this.fail();
      const only = n.set.length === 1 && (n.set[0] as Range)[0] === (n.set[0] as Range)[1];
      // \d, \w, \s, \p{..} cannot start a range.
      const isClassEscape = /^\\[dDwWsSpP]/.test(this.s.slice(start, start + 2));
      return { cp: only && !isClassEscape ? (n.set[0] as Range)[0] : null, set: n.set };
    }
    const cp = this.s.codePointAt(this.i) ?? this.fail();
    this.i += cp > 0xffff ? 2 : 1;
    return { cp, set: single(cp) };
  }

  parseEscape(inClass: boolean): Node {
    const start = this.i;
    this.i++; // backslash
    const c = this.peek();
    this.i++;
    const atom = (set: CharSet): Node => ({ t: 'atom', set, start, end: this.i });
    switch (c) {
      case 'd':
        return atom(DIGIT);
      case 'D':
        return atom(complement(DIGIT));
      case 'w':
        return atom(WORD);
      case 'W':
        return atom(complement(WORD));
      case 's':
        return atom(SPACE);
      case 'S':
        return atom(complement(SPACE));
      case 'b':
        return inClass ? atom(single(8)) : { t: 'empty', start, end: this.i };
      case 'B':
        return { t: 'empty', start, end: this.i };
      case 'p':
      case 'P': {
        // Unicode properties: treated as matching anything (conservative).
        const close = this.s.indexOf('}', this.i);
        if (this.peek() !== '{' || close < 0) this.fail();
        this.i = close + 1;
        return atom(ANY);
      }
      case 'k': {
        const close = this.s.indexOf('>', this.i);
        if (this.peek() !== '<' || close < 0) this.fail();
        this.i = close + 1;
        return { t: 'backref', start, end: this.i };
      }
      case 'n':
        return atom(single(10));
      case 'r':
        return atom(single(13));
      case 't':
        return atom(single(9));
      case 'v':
        return atom(single(11));
      case 'f':
        return atom(single(12));
      case 'c': {
        const letter = this.peek();
        this.i++;
        return atom(single((letter.codePointAt(0) ?? 0) % 32));
      }
      case 'x': {
        const hex = this.s.slice(this.i, this.i + 2);
        this.i += 2;
        return atom(single(parseInt(hex, 16)));
      }
      case 'u': {
        if (this.peek() === '{') {
          const close = this.s.indexOf('}', this.i);
          if (close < 0) this.fail();
          const cp = parseInt(this.s.slice(this.i + 1, close), 16);
          this.i = close + 1;
          return atom(single(cp));
        }
        let cp = parseInt(this.s.slice(this.i, this.i + 4), 16);
        this.i += 4;
        // A surrogate pair written as two \u escapes is one code point.
        if (cp >= 0xd800 && cp <= 0xdbff && /^\\u[dD][c-fC-F][0-9a-fA-F]{2}/.test(this.s.slice(this.i, this.i + 6))) {
          const lo = parseInt(this.s.slice(this.i + 2, this.i + 6), 16);
          cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
          this.i += 6;
        }
        return atom(single(cp));
      }
      case '0':
        return atom(single(0));
      case '':
        return this.fail();
      default:
        if (/[1-9]/.test(c)) {
          while (/[0-9]/.test(this.peek())) this.i++;
          if (inClass) this.fail();
          return { t: 'backref', start, end: this.i };
        }
        // Identity escapes of syntax characters (and "-" in a class).
        return atom(single(c.codePointAt(0) ?? 0));
    }
  }
}

// ---------------------------------------------------------------- analysis

interface Info {
  min: number;
  max: number;
  /** Characters a match can start with, end with, and contain. */
  first: CharSet;
  last: CharSet;
  all: CharSet;
}

/** Per analysis (regexFinding resets it): a Map, since a WeakMap of thousands of nodes made the check 10 times slower. */
let infos = new Map<Node, Info>();

function info(n: Node): Info {
  const known = infos.get(n);
  if (known) return known;
  let r: Info;
  switch (n.t) {
    case 'atom':
      r = { min: 1, max: 1, first: n.set, last: n.set, all: n.set };
      break;
    case 'empty':
    case 'look':
      r = { min: 0, max: 0, first: NONE, last: NONE, all: NONE };
      break;
    case 'backref':
      r = { min: 0, max: Infinity, first: ANY, last: ANY, all: ANY };
      break;
    case 'seq': {
      let min = 0;
      let max = 0;
      let all: CharSet = NONE;
      let first: CharSet = NONE;
      let last: CharSet = NONE;
      let open = true;
      for (const item of n.items) {
        const x = info(item);
        min += x.min;
        max += x.max;
        all = union(all, x.all);
        if (open) first = union(first, x.first);
        if (x.min > 0) open = false;
      }
      open = true;
      for (let k = n.items.length - 1; k >= 0 && open; k--) {
        const x = info(n.items[k] as Node);
        last = union(last, x.last);
        if (x.min > 0) open = false;
      }
      r = { min, max, first, last, all };
      break;
    }
    case 'alt': {
      const xs = n.alts.map(info);
      r = {
        min: Math.min(...xs.map((x) => x.min)),
        max: Math.max(...xs.map((x) => x.max)),
        first: xs.reduce((s, x) => union(s, x.first), NONE),
        last: xs.reduce((s, x) => union(s, x.last), NONE),
        all: xs.reduce((s, x) => union(s, x.all), NONE),
      };
      break;
    }
    case 'repeat': {
      const b = info(n.body);
      const none = n.max === 0 || b.max === 0;
      r = {
        min: n.min * b.min,
        max: none ? 0 : n.max * b.max,
        first: none ? NONE : b.first,
        last: none ? NONE : b.last,
        all: none ? NONE : b.all,
      };
      break;
    }
  }
  infos.set(n, r);
  return r;
}

const variable = (n: Node): boolean => {
  const x = info(n);
  return x.min !== x.max;
};

/** The items of a sequence, with groups that are plain sequences opened up. */
function flatten(n: Node, out: Node[] = []): Node[] {
  if (n.t === 'seq') for (const item of n.items) flatten(item, out);
  else out.push(n);
  return out;
}

/** Every node under n, lookaround bodies excluded (they are checked on their own). */
function descendants(n: Node, out: Node[] = []): Node[] {
  const kids = n.t === 'seq' ? n.items : n.t === 'alt' ? n.alts : n.t === 'repeat' ? [n.body] : [];
  for (const k of kids) {
    out.push(k);
    descendants(k, out);
  }
  return out;
}

function allNodes(n: Node, out: Node[] = []): Node[] {
  out.push(n);
  const kids = n.t === 'seq' ? n.items : n.t === 'alt' ? n.alts : n.t === 'repeat' || n.t === 'look' ? [n.body] : [];
  for (const k of kids) allNodes(k, out);
  return out;
}

const isChar = (n: Node): n is Extract<Node, { t: 'atom' }> => n.t === 'atom';
const zeroWidth = (n: Node): boolean => n.t === 'empty' || n.t === 'look';

/**
 * Some character of the body is matched by nothing else in it, once per
 * iteration (a fence), and what comes after the fence cannot trade
 * characters with what comes before it in the next iteration: then the text
 * splits into iterations one way only ((\.[a-z]+)+, (\s*,\s*[a-z]+)*).
 */
function fenced(items: Node[]): boolean {
  const solid = items.filter((x) => !zeroWidth(x));
  const n = solid.length;
  const xs = solid.map(info);
  // Linear: what comes before each position (all, first) and after it (all, last), accumulated once.
  const allBefore: CharSet[] = [NONE];
  const firstBefore: CharSet[] = [NONE];
  let open = true;
  for (let k = 0; k < n; k++) {
    const x = xs[k] as Info;
    allBefore.push(union(allBefore[k] as CharSet, x.all));
    firstBefore.push(open ? union(firstBefore[k] as CharSet, x.first) : (firstBefore[k] as CharSet));
    if (x.min > 0) open = false;
  }
  const allAfter: CharSet[] = new Array<CharSet>(n + 1).fill(NONE);
  const lastAfter: CharSet[] = new Array<CharSet>(n + 1).fill(NONE);
  open = true;
  for (let k = n - 1; k >= 0; k--) {
    const x = xs[k] as Info;
    allAfter[k] = union(allAfter[k + 1] as CharSet, x.all);
    lastAfter[k] = open ? union(lastAfter[k + 1] as CharSet, x.last) : (lastAfter[k + 1] as CharSet);
    if (x.min > 0) open = false;
  }
  return solid.some((fence, f) => {
    if (!isChar(fence)) return false;
    const others = union(allBefore[f] as CharSet, allAfter[f + 1] as CharSet);
    // The end of one iteration (after the fence) meets the start of the next (before it).
    return !overlaps(fence.set, others) && !overlaps(lastAfter[f + 1] as CharSet, firstBefore[f] as CharSet);
  });
}

function checkRepeat(r: Extract<Node, { t: 'repeat' }>): string | null {
  const body = info(r.body);
  if (body.min === 0 && body.max > 0 && variable(r.body)) return 'it repeats a part that can also match the empty string; make the repeated part match at least one character';
  const inner = descendants(r.body);
  if (inner.some((x) => x.t === 'backref')) return 'it repeats a back-reference, which can match any text; remove the back-reference from the repetition';
  for (const a of inner) {
    if (a.t !== 'alt') continue;
    const xs = a.alts.map(info);
    if (xs.some((x) => x.min === 0)) return 'it repeats a choice with an empty alternative; make every alternative match at least one character';
    for (let i = 0; i < xs.length; i++) {
      for (let j = i + 1; j < xs.length; j++) {
        if (overlaps((xs[i] as Info).first, (xs[j] as Info).first)) return 'it repeats a choice whose alternatives can start with the same character; make each alternative start differently (e.g. (a|ab)* as (ab?)*)';
      }
    }
  }
  const items = flatten(r.body);
  const repeated = inner.filter((x) => x.t === 'repeat' && variable(x));
  if (repeated.length > 0 && !fenced(items)) return 'it repeats a part that holds another repetition, so the text can be split between them in exponentially many ways; repeat once (e.g. (a+)+ as a+), or start each repeated part with a character nothing else in it matches (e.g. (\\.[a-z]+)+)';
  const varying = items.map((x, k) => ({ x, k })).filter(({ x }) => variable(x));
  for (let p = 0; p < varying.length; p++) {
    for (let q = p + 1; q < varying.length; q++) {
      const a = varying[p] as { x: Node; k: number };
      const b = varying[q] as { x: Node; k: number };
      const sa = info(a.x).all;
      const sb = info(b.x).all;
      if (!overlaps(sa, sb)) continue;
      const between = items.slice(a.k + 1, b.k);
      if (!between.some((y) => isChar(y) && !overlaps(y.set, sa) && !overlaps(y.set, sb))) {
        return 'it repeats a part holding two repetitions that can match the same characters; separate them with a character neither matches, or merge them';
      }
    }
  }
  return null;
}

/**
 * The longest run of unbounded repetitions in one sequence in which each can
 * trade characters with the next (nothing fences them apart): k of them
 * backtrack in about n^k steps on a failing text of length n. An unanchored
 * pattern is tried at every start, as if it began with `[\s\S]*?`.
 */
function longestChain(items: Node[], unanchored: boolean): { length: number; start: number; end: number } {
  let best = { length: 0, start: 0, end: 0 };
  let run = unanchored ? 1 : 0;
  let prev: CharSet | null = unanchored ? ANY : null;
  let runStart = items[0]?.start ?? 0;
  let between: Node[] = [];
  for (const x of items) {
    const xi = info(x);
    if (xi.max !== Infinity || !variable(x)) {
      between.push(x);
      continue;
    }
    const fence = prev !== null && between.some((y) => isChar(y) && !overlaps(y.set, prev as CharSet) && !overlaps(y.set, xi.all));
    if (prev !== null && overlaps(prev, xi.all) && !fence) run++;
    else {
      run = 1;
      runStart = x.start;
    }
    prev = xi.all;
    between = [];
    if (run > best.length) best = { length: run, start: runStart, end: x.end };
  }
  return best;
}

/** Most repetitions a chain may have: n^2 on the API's bounded strings is fast, n^3 on 1,000 characters takes seconds. */
const MAX_CHAIN = 2;

/**
 * Why a JSON Schema pattern is refused, or null when it is accepted. The
 * pattern must be valid with the `u` flag (what JSON Schema validators use).
 */
export function regexFinding(pattern: string): RegexFinding | null {
  infos = new Map();
  try {
    return analyse(pattern);
  } finally {
    infos = new Map();
  }
}

function analyse(pattern: string): RegexFinding | null {
  const frag = (start: number, end: number): RegexFinding['fragment'] => {
    const s = pattern.slice(start, end);
    return s.length > 60 ? `${s.slice(0, 57)}...` : s;
  };
  if (pattern.length > MAX_PATTERN_LENGTH) return { reason: `it is longer than ${MAX_PATTERN_LENGTH} characters; shorten it`, fragment: frag(0, 60), offset: 0 };
  try {
    new RegExp(pattern, 'u');
  } catch (e) {
    const why = e instanceof Error ? e.message.replace(/^Invalid regular expression: \/.*\/u?: /s, '') : String(e);
    return { reason: `it is not a valid regular expression (JSON Schema patterns are ECMAScript expressions with the u flag): ${why}`, fragment: frag(0, 60), offset: 0 };
  }
  let tree: Node;
  try {
    const p = new Parser(pattern);
    tree = p.parseAlt();
    if (p.i !== pattern.length) p.fail();
  } catch (e) {
    if (!(e instanceof UnanalysableError)) throw e;
    return { reason: 'swarmflow cannot analyse it for catastrophic backtracking; simplify it', fragment: frag(e.offset, e.offset + 20), offset: e.offset };
  }
  const nodes = allNodes(tree);
  if (nodes.filter((n) => n.t === 'repeat').length > MAX_REPETITIONS) return { reason: `it has more than ${MAX_REPETITIONS} repetitions (*, +, ?, {n,m}); simplify it`, fragment: frag(0, 60), offset: 0 };
  for (const n of nodes) {
    if (n.t !== 'repeat' || n.max < 2) continue;
    const reason = checkRepeat(n);
    if (reason) return { reason, fragment: frag(n.start, n.end), offset: n.start };
  }
  // Top-level alternatives are each tried at every start unless anchored with ^.
  const tops = tree.t === 'alt' ? tree.alts : [tree];
  for (const n of nodes) {
    if (n.t !== 'seq') continue;
    const items = flatten(n);
    const unanchored = tops.includes(n) && !(items[0]?.t === 'empty' && pattern[items[0].start] === '^');
    const chain = longestChain(items, unanchored);
    if (chain.length > MAX_CHAIN) {
      const extra = unanchored ? ' (an unanchored pattern is tried at every position: start it with ^)' : '';
      return { reason: `it has ${chain.length} repetitions in a row that can match the same characters${extra}, so a failing match takes about n^${chain.length} steps; anchor it, separate the repetitions with characters they cannot match, or use fewer of them`, fragment: frag(chain.start, chain.end), offset: chain.start };
    }
  }
  return null;
}

// ---------------------------------------------------------------- schemas

/** Keywords whose value maps names to schemas. */
export const SCHEMA_MAP_KEYWORDS: ReadonlySet<string> = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas', 'dependencies']);
/** Keywords whose value is data, not a schema: a "pattern" key in them is not a pattern. */
export const SCHEMA_DATA_KEYWORDS: ReadonlySet<string> = new Set(['const', 'enum', 'default', 'examples']);

export interface SchemaPattern {
  /** JSON pointer of the pattern: the `pattern` value, or the `patternProperties` key. */
  ptr: string;
  pattern: string;
  /** True for a `patternProperties` key (it runs on property names). */
  onKeys: boolean;
}

const isObject = (v: unknown): v is { [k: string]: unknown } => typeof v === 'object' && v !== null && !Array.isArray(v);
const seg = (s: string): string => s.replace(/~/g, '~0').replace(/\//g, '~1');

/** Every regular expression of a JSON Schema, with where it is (the walk follows schema keywords, not data). */
export function schemaPatterns(schema: unknown, ptr: string, out: SchemaPattern[] = [], depth = 0): SchemaPattern[] {
  if (depth > 256) return out;
  if (Array.isArray(schema)) {
    schema.forEach((x, i) => schemaPatterns(x, `${ptr}/${i}`, out, depth + 1));
    return out;
  }
  if (!isObject(schema)) return out;
  for (const [k, v] of Object.entries(schema)) {
    const at = `${ptr}/${seg(k)}`;
    if (SCHEMA_DATA_KEYWORDS.has(k)) continue;
    if (k === 'pattern' && typeof v === 'string') out.push({ ptr: at, pattern: v, onKeys: false });
    else if (SCHEMA_MAP_KEYWORDS.has(k) && isObject(v)) {
      for (const [name, sub] of Object.entries(v)) {
        if (k === 'patternProperties') out.push({ ptr: `${at}/${seg(name)}`, pattern: name, onKeys: true });
        schemaPatterns(sub, `${at}/${seg(name)}`, out, depth + 1);
      }
    } else schemaPatterns(v, at, out, depth + 1);
  }
  return out;
}

/** A refused pattern of a definition, located at the pattern (the `patternProperties` key: at the key). */
export interface PatternProblem {
  ptr: string;
  at: 'key' | 'value';
  message: string;
}

/** The refused patterns of these schemas (each given with its pointer). */
export function unsafePatterns(schemas: readonly { schema: unknown; ptr: string }[]): PatternProblem[] {
  const out: PatternProblem[] = [];
  let total = 0;
  for (const { schema, ptr } of schemas) {
    for (const p of schemaPatterns(schema, ptr)) {
      total += p.pattern.length;
      if (total > MAX_PATTERNS_TOTAL) {
        out.push({ ptr: p.ptr, at: p.onKeys ? 'key' : 'value', message: `the schemas' patterns hold more than ${MAX_PATTERNS_TOTAL} characters in all, up to this one; the rest are not checked, so the definition is refused: use fewer or shorter patterns` });
        return out;
      }
      const f = regexFinding(p.pattern);
      if (!f) continue;
      const where = p.ptr.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
      const owner = p.onKeys ? `the patternProperties key ${JSON.stringify(p.pattern)} of ${where.slice(0, -2).join('.')}` : `the pattern ${JSON.stringify(p.pattern)} of ${where.slice(0, -1).join('.')}`;
      const near = f.fragment === p.pattern || f.fragment === '' ? '' : ` (at ${JSON.stringify(f.fragment)})`;
      out.push({ ptr: p.ptr, at: p.onKeys ? 'key' : 'value', message: `${owner} is refused${near}: ${f.reason}` });
    }
  }
  return out;
}

/**
 * The compiler's hook (dsl/compile.ts): SF114 for each refused pattern of
 * the definition's `inputs` and of every step's `output.schema`.
 */
export function patternProblems(root: { [k: string]: unknown }, steps: readonly { step: { [k: string]: unknown }; ptr: string }[]): Problem[] {
  const own = (m: unknown, k: string): unknown => (isObject(m) && Object.prototype.hasOwnProperty.call(m, k) ? m[k] : undefined);
  const schemas = [{ schema: own(root, 'inputs'), ptr: '/inputs' }, ...steps.map(({ step, ptr }) => ({ schema: own(own(step, 'output'), 'schema'), ptr: `${ptr}/output/schema` }))];
  return unsafePatterns(schemas).map((p) => ({ code: 'SF114', ...p }));
}
