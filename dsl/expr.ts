/**
 * Run-time evaluation of expressions and values of the IR.
 *
 * Imported by Temporal workflow code (bundled by webpack, deterministic
 * sandbox) and by activities: this file and what it imports use no Node
 * built-ins, no clock, no randomness, no ajv or yaml. CEL is evaluated by
 * cel-js, which walks its own tree; nothing here evaluates JavaScript.
 *
 * Safety, by construction rather than by a denylist:
 * - scope data is converted to CEL values (maps become `Map`s, whole numbers
 *   bigints), so a field access can only read an own key of JSON data;
 *   `__proto__`, `constructor` and `prototype` are ordinary missing keys;
 * - the tree is capped at parse time (CEL_LIMITS), every evaluation has a cost
 *   budget (each sub-expression costs 1 plus the size of what it produced, so
 *   nested macros over big lists stop early), and a result over 1 MiB is an error;
 * - `matches` (JavaScript regular expressions) and time-zone methods are refused.
 */
import { Environment } from '@marcbachmann/cel-js';
import { Duration, UnsignedInt } from '@marcbachmann/cel-js/evaluator';
import type { ExprIR, Json, LiteralIR, TemplateIR, ValueIR } from './ir';
import { CEL_LIMITS, MAX_EXPRESSION_LENGTH, celSummary, forbiddenCall, isCelNode, references, visitScoped } from './cel';
import type { CelNode } from './cel';

export const EXPR_LIMITS = {
  /** Size of one evaluated value, as JSON text (UTF-16 units). */
  maxResultSize: 1024 * 1024,
  /**
   * Evaluation cost: 1 per sub-expression, plus 1 per 16 items of each list
   * or map and per 16 characters of each string it yields (copying and
   * scanning those is what big data costs). About 100 ms of work at most.
   */
  maxCost: 250_000,
  /** Longest string (UTF-16 units) or list an operation may build along the way. */
  maxIntermediate: 4 * 1024 * 1024,
  /** Nesting of data going in or out of an expression. */
  maxDataDepth: 256,
  maxExpressionLength: MAX_EXPRESSION_LENGTH,
} as const;

/** Thrown when an expression cannot be evaluated: the message names the expression and the reason. */
export class ExpressionError extends Error {
  override name = 'ExpressionError';
  constructor(
    readonly expression: string,
    readonly reason: string,
  ) {
    super(`expression ${JSON.stringify(shorten(expression))} failed: ${reason}`);
  }
}

function shorten(s: string): string {
  return s.length > 120 ? `${s.slice(0, 119)}…` : s;
}

// ---- the run-time environment -------------------------------------------------

const runtime = new Environment({
  unlistedVariablesAreDyn: true,
  homogeneousAggregateLiterals: false,
  limits: CEL_LIMITS,
});

interface Meter {
  used: number;
}
let meter: Meter | null = null;

/**
 * cel-js evaluates every sub-expression through its evaluator's `run`; the
 * evaluator is private, so a probe function hands it over once and `run` is
 * wrapped to charge the budget. If cel-js changes this, loading fails loudly
 * (and the budget test fails) instead of running unmetered.
 */
function installMeter(): void {
  let evaluator: unknown = null;
  runtime.registerFunction('sfMeterProbe__(): bool', function (this: unknown): boolean {
    evaluator = this;
    return true;
  });
  runtime.evaluate('sfMeterProbe__()');
  const ev: unknown = evaluator;
  if (typeof ev !== 'object' || ev === null || !('run' in ev) || typeof ev.run !== 'function') {
    throw new Error('cel-js internals changed: cannot meter expression evaluation (dsl/expr.ts installMeter)');
  }
  const run = ev.run;
  Object.defineProperty(ev, 'run', {
    value: function metered(this: unknown, ast: unknown, ctx: unknown): unknown {
      const m = meter;
      if (m !== null && m.used > EXPR_LIMITS.maxCost) throw new BudgetExceeded();
      const result: unknown = run.call(this, ast, ctx);
      if (m !== null) {
        const op: unknown = typeof ast === 'object' && ast !== null && 'op' in ast ? ast.op : undefined;
        // Accumulators and ternaries hand back a value already paid for:
        // charging them again would make a linear map quadratic.
        if (typeof op === 'string' && FORWARDING_OPS.has(op)) m.used += 1;
        else {
          m.used += 1 + costOf(result);
          if (typeof op === 'string' && BUILDING_OPS.has(op) && lengthOf(result) > EXPR_LIMITS.maxIntermediate) {
            throw new IntermediateTooLarge();
          }
        }
      }
      return result;
    },
  });
}
installMeter();

const FORWARDING_OPS = new Set(['accuPush', 'accuValue', 'accuInc', '?:']);
const BUILDING_OPS = new Set(['+', 'call', 'rcall', 'list', 'map', 'comprehension']);

class IntermediateTooLarge extends Error {
  constructor() {
    super(`it builds a string or list longer than ${EXPR_LIMITS.maxIntermediate.toLocaleString('en-US')}`);
  }
}

function lengthOf(v: unknown): number {
  if (typeof v === 'string' || Array.isArray(v)) return v.length;
  return 0;
}

class BudgetExceeded extends Error {
  constructor() {
    super(`it needs more than ${EXPR_LIMITS.maxCost.toLocaleString('en-US')} evaluation steps`);
  }
}

function costOf(v: unknown): number {
  if (typeof v === 'string') return v.length >> 4;
  if (Array.isArray(v)) return v.length >> 4;
  if (v instanceof Map || v instanceof Set) return v.size >> 4;
  if (v instanceof Uint8Array) return v.length >> 4;
  return 0;
}

interface Compiled {
  fn: (ctx: Map<string, unknown>) => unknown;
  /** Free names and the fields read from each (null: read whole). */
  names: Map<string, Set<string> | null>;
}

const cache = new Map<string, Compiled>();
const CACHE_SIZE = 2000;

function compileRuntime(src: string): Compiled {
  const hit = cache.get(src);
  if (hit) return hit;
  if (src.length > EXPR_LIMITS.maxExpressionLength) {
    throw new ExpressionError(src, `it is longer than ${EXPR_LIMITS.maxExpressionLength} characters`);
  }
  let parsed: ReturnType<Environment['parse']>;
  try {
    parsed = runtime.parse(src);
  } catch (err) {
    throw new ExpressionError(src, `it does not parse: ${celSummary(err)}`);
  }
  const root: unknown = parsed.ast;
  if (!isCelNode(root)) throw new ExpressionError(src, 'it does not parse');
  let refused: string | null = null;
  visitScoped(root, (node: CelNode) => {
    const bad = refused === null ? forbiddenCall(node) : null;
    if (bad) refused = `${bad.name}() is not allowed: ${bad.reason}`;
  });
  if (refused !== null) throw new ExpressionError(src, refused);
  const compiled: Compiled = { fn: (ctx) => parsed(ctx), names: references(root) };
  if (cache.size >= CACHE_SIZE) cache.clear();
  cache.set(src, compiled);
  return compiled;
}

// ---- JSON <-> CEL values -----------------------------------------------------

function toCel(v: unknown, depth: number, src: string): unknown {
  if (depth > EXPR_LIMITS.maxDataDepth) throw new ExpressionError(src, `its data nests deeper than ${EXPR_LIMITS.maxDataDepth} levels`);
  if (typeof v === 'number') return Number.isSafeInteger(v) ? BigInt(v) : v;
  if (typeof v === 'string' || typeof v === 'boolean' || v === null) return v;
  if (v === undefined) return null;
  if (Array.isArray(v)) return v.map((x) => toCel(x, depth + 1, src));
  if (typeof v === 'object') {
    const m = new Map<string, unknown>();
    for (const k of Object.keys(v)) m.set(k, toCel(Reflect.get(v, k), depth + 1, src));
    return m;
  }
  throw new ExpressionError(src, `its scope holds a ${typeof v}, which is not JSON`);
}

class SizeCounter {
  used = 0;
  constructor(readonly src: string) {}
  add(n: number): void {
    this.used += n;
    if (this.used > EXPR_LIMITS.maxResultSize) {
      throw new ExpressionError(this.src, `its result is larger than ${EXPR_LIMITS.maxResultSize.toLocaleString('en-US')} characters of JSON`);
    }
  }
}

function fromCel(v: unknown, size: SizeCounter, depth: number): Json {
  const src = size.src;
  if (depth > EXPR_LIMITS.maxDataDepth) throw new ExpressionError(src, `its result nests deeper than ${EXPR_LIMITS.maxDataDepth} levels`);
  if (v === null || v === undefined) {
    size.add(4);
    return null;
  }
  if (typeof v === 'boolean') {
    size.add(5);
    return v;
  }
  if (typeof v === 'string') {
    size.add(v.length + 2);
    return v;
  }
  if (typeof v === 'bigint') return bigToNumber(v, size);
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new ExpressionError(src, `its result ${String(v)} is not a JSON number`);
    size.add(8);
    return v;
  }
  if (v instanceof UnsignedInt) return bigToNumber(v.valueOf(), size);
  if (Array.isArray(v) || v instanceof Set) {
    const out: Json[] = [];
    for (const x of v) out.push(fromCel(x, size, depth + 1));
    size.add(2);
    return out;
  }
  if (v instanceof Map) {
    const entries: [string, Json][] = [];
    for (const [k, x] of v) {
      const key = typeof k === 'string' ? k : String(k);
      size.add(key.length + 3);
      entries.push([key, fromCel(x, size, depth + 1)]);
    }
    return Object.fromEntries(entries);
  }
  if (v instanceof Date) {
    if (Number.isNaN(v.getTime())) throw new ExpressionError(src, 'its result is an invalid timestamp');
    size.add(26);
    return v.toISOString();
  }
  if (v instanceof Duration) {
    size.add(16);
    return v.toString();
  }
  if (v instanceof Uint8Array) throw new ExpressionError(src, 'its result is bytes, which have no JSON form; convert with string() or .base64()');
  if (typeof v === 'object') {
    const proto: unknown = Object.getPrototypeOf(v);
    if (proto === Object.prototype || proto === null) {
      // Map literals come back as plain objects (own keys only).
      const entries: [string, Json][] = [];
      for (const k of Object.keys(v)) {
        size.add(k.length + 3);
        entries.push([k, fromCel(Reflect.get(v, k), size, depth + 1)]);
      }
      return Object.fromEntries(entries);
    }
  }
  throw new ExpressionError(src, 'its result is a type or a value with no JSON form');
}

function bigToNumber(b: bigint, size: SizeCounter): number {
  if (b > BigInt(Number.MAX_SAFE_INTEGER) || b < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new ExpressionError(size.src, `its result ${b.toString()} is outside the range of exact JSON numbers (±${Number.MAX_SAFE_INTEGER})`);
  }
  size.add(8);
  return Number(b);
}

// ---- evaluation ----------------------------------------------------------------

/** What a step that has not run reads as. */
const NOT_RUN: Json = { output: null, status: 'skipped', iteration: 0 };

function buildContext(c: Compiled, scope: Readonly<Record<string, Json>>, src: string): Map<string, unknown> {
  const ctx = new Map<string, unknown>();
  for (const [name, fields] of c.names) {
    if (!Object.prototype.hasOwnProperty.call(scope, name)) continue;
    const value = scope[name];
    if (fields === null || typeof value !== 'object' || value === null || Array.isArray(value)) {
      ctx.set(name, toCel(value, 0, src));
      continue;
    }
    // Convert only the fields the expression reads. For `steps`, the compiler
    // checked that every id read is defined, so a missing one has not run yet.
    const partial = new Map<string, unknown>();
    for (const field of fields) {
      if (Object.prototype.hasOwnProperty.call(value, field)) partial.set(field, toCel(value[field], 1, src));
      else if (name === 'steps') partial.set(field, toCel(NOT_RUN, 1, src));
    }
    ctx.set(name, partial);
  }
  return ctx;
}

/**
 * Evaluates one CEL expression (the text between `${{` and `}}`) against a
 * scope of JSON values: `inputs`, `steps` (`steps.<id>.output`, `.status`,
 * `.iteration`), `run` (`id`, `startedAt`), and inside forEach/loop the item
 * name, `index` and `iteration`. Returns plain JSON (CEL ints become numbers).
 * @throws ExpressionError naming the expression and the reason.
 */
export function evaluateExpr(src: string, scope: Readonly<Record<string, Json>>): Json {
  return evaluateSized(src, scope, new SizeCounter(src));
}

function evaluateSized(src: string, scope: Readonly<Record<string, Json>>, size: SizeCounter): Json {
  const compiled = compileRuntime(src);
  const ctx = buildContext(compiled, scope, src);
  const m: Meter = { used: 0 };
  let result: unknown;
  meter = m;
  try {
    result = compiled.fn(ctx);
  } catch (err) {
    if (err instanceof ExpressionError) throw err;
    if (err instanceof IntermediateTooLarge) throw new ExpressionError(src, err.message);
    if (err instanceof BudgetExceeded || m.used > EXPR_LIMITS.maxCost) throw new ExpressionError(src, new BudgetExceeded().message);
    throw new ExpressionError(src, celSummary(err));
  } finally {
    meter = null;
  }
  // A quantifier or || may have swallowed the budget error: the budget still holds.
  if (m.used > EXPR_LIMITS.maxCost) throw new ExpressionError(src, new BudgetExceeded().message);
  if (result instanceof Promise) throw new ExpressionError(src, 'it did not evaluate synchronously');
  const sub = new SizeCounter(src);
  sub.used = size.used;
  const json = fromCel(result, sub, 0);
  size.used = sub.used;
  return json;
}

/**
 * Evaluates a value of the IR: literals as they are, `{ $expr }` to the
 * expression's value, `{ $tmpl }` to text (null interpolates as empty text,
 * strings as themselves, anything else as JSON), `{ $lit }` to its literal
 * content, lists and maps member by member. The whole result is capped at
 * EXPR_LIMITS.maxResultSize.
 * @throws ExpressionError naming the first expression that failed.
 */
export function evaluateValue(v: ValueIR, scope: Readonly<Record<string, Json>>): Json {
  return evalValue(v, scope, new SizeCounter('(value)'), 0);
}

function evalValue(v: ValueIR, scope: Readonly<Record<string, Json>>, size: SizeCounter, depth: number): Json {
  if (depth > EXPR_LIMITS.maxDataDepth) throw new ExpressionError('(value)', `the value nests deeper than ${EXPR_LIMITS.maxDataDepth} levels`);
  if (v === null || typeof v === 'boolean' || typeof v === 'number') return v;
  if (typeof v === 'string') {
    size.add(v.length);
    return v;
  }
  if (Array.isArray(v)) return v.map((x) => evalValue(x, scope, size, depth + 1));
  if (isExprIR(v)) return evaluateSized(v.$expr, scope, size);
  if (isTemplateIR(v)) {
    let text = '';
    for (const part of v.$tmpl) {
      if (typeof part === 'string') text += part;
      else text += interpolate(evaluateSized(part.$expr, scope, new SizeCounter(part.$expr)));
      size.add(0);
    }
    size.add(text.length);
    return text;
  }
  if (isLiteralIR(v)) {
    size.add(approximateSize(v.$lit));
    return v.$lit;
  }
  const entries: [string, Json][] = [];
  for (const k of Object.keys(v)) {
    const x = v[k];
    if (x === undefined) continue;
    entries.push([k, evalValue(x, scope, size, depth + 1)]);
  }
  return Object.fromEntries(entries);
}

function interpolate(j: Json): string {
  if (j === null) return '';
  if (typeof j === 'string') return j;
  return JSON.stringify(j);
}

function approximateSize(j: Json): number {
  return JSON.stringify(j).length;
}

export function isExprIR(v: ValueIR): v is ExprIR {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.prototype.hasOwnProperty.call(v, '$expr') && typeof Reflect.get(v, '$expr') === 'string';
}

export function isTemplateIR(v: ValueIR): v is TemplateIR {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.prototype.hasOwnProperty.call(v, '$tmpl') && Array.isArray(Reflect.get(v, '$tmpl'));
}

export function isLiteralIR(v: ValueIR): v is LiteralIR {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.prototype.hasOwnProperty.call(v, '$lit');
}
