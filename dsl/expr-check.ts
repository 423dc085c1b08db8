/**
 * Compile-time checks of one CEL expression: it parses, uses only names in
 * scope, reads only defined steps and their fields, calls only allowed
 * functions, and type-checks. Never evaluates anything.
 */
import { Environment } from '@marcbachmann/cel-js';
import { BoundedCache } from './bounded-cache';
import type { Code } from './codes';
import {
  CEL_LIMITS,
  CEL_RESERVED,
  GLOBAL_NAMES,
  MAX_EXPRESSION_LENGTH,
  celErrorOffset,
  celSummary,
  forbiddenCall,
  isCelNode,
  visitScoped,
} from './cel';
import type { CelNode } from './cel';
import { nameList, suggest } from './describe';

/** A local name and its CEL type: the forEach item (dyn), `index` and `iteration` (int). */
export type LocalType = 'dyn' | 'int';

export interface ExprScope {
  /** Innermost last; a later entry hides an earlier one with the same name. */
  locals: readonly (readonly [string, LocalType])[];
  inLoop: boolean;
  inForEach: boolean;
}

/** What every check in a file shares. */
export interface ExprFacts {
  stepIds: ReadonlySet<string>;
  loopIds: ReadonlySet<string>;
  /** All forEach item names used anywhere in the file, for a better message when one is used outside its do. */
  itemNames: ReadonlySet<string>;
}

export interface ExprIssue {
  code: Code;
  /** Offset in the expression text. */
  offset: number;
  message: string;
}

export interface ExprCheck {
  /** The CEL type, e.g. `bool`, `dyn`, `list`; null when the expression has issues. */
  type: string | null;
  issues: ExprIssue[];
}

const base = new Environment({ homogeneousAggregateLiterals: false, limits: CEL_LIMITS })
  .registerType('StepState', { fields: { output: 'dyn', status: 'string', iteration: 'int' } })
  .registerType('RunInfo', { fields: { id: 'string', startedAt: 'string' } })
  .registerVariable('inputs', 'dyn')
  .registerVariable('steps', 'map<string, StepState>')
  .registerVariable('run', 'RunInfo');

const envs = new BoundedCache<Environment>(256);

const envByScope = new WeakMap<ExprScope, { env: Environment; key: string }>();

function envFor(scope: ExprScope): { env: Environment; key: string } {
  const known = envByScope.get(scope);
  if (known) return known;
  const made = makeEnv(scope);
  envByScope.set(scope, made);
  return made;
}

/** Names cel-js refuses to declare although they are not CEL keywords (it reads variables from plain objects). */
const CEL_JS_RESERVED = new Set(['__proto__', 'prototype']);

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Why `name` cannot be a local name (a forEach `as`) in expressions, or null
 * when it can: not an identifier, a reserved word, or a name the checker's
 * environment already declares (inputs, steps, run, cel, google, optional,
 * and the type names int, string, type, null_type...). The environment is
 * asked, not a list kept here, so a cel-js upgrade that declares more names
 * is covered too.
 */
export function localNameRefusal(name: string): { kind: 'form' | 'reserved' | 'declared'; reason: string } | null {
  if (!IDENTIFIER.test(name)) return { kind: 'form', reason: 'not a name expressions can use; use letters, digits and _, starting with a letter or _' };
  if (CEL_RESERVED.has(name) || CEL_JS_RESERVED.has(name)) return { kind: 'reserved', reason: CEL_RESERVED.has(name) ? 'a CEL reserved word' : 'a name the expression library reserves' };
  if (base.hasVariable(name)) {
    const what = (GLOBAL_NAMES as readonly string[]).includes(name) || name === 'cel' ? 'the expression name' : 'the CEL name';
    return { kind: 'declared', reason: `which would hide ${what} ${name}` };
  }
  return null;
}

function makeEnv(scope: ExprScope): { env: Environment; key: string } {
  const visible = new Map<string, LocalType>();
  // A name the environment cannot declare was reported where it was written
  // (compile-steps.ts); it must never reach registerVariable, which throws.
  for (const [name, type] of scope.locals) if (localNameRefusal(name) === null) visible.set(name, type);
  const key = [...visible].map(([n, t]) => `${n}:${t}`).sort().join(',');
  let env = envs.get(key);
  if (!env) {
    env = base.clone();
    for (const [name, type] of visible) {
      try {
        env.registerVariable(name, type);
      } catch {
        // Unreachable after localNameRefusal; should cel-js refuse one more
        // name, expressions using it report "not in scope" at their place
        // instead of the whole file failing with an internal error.
      }
    }
    envs.set(key, env);
  }
  return { env, key };
}

type Parsed = { ok: true; ast: CelNode; check: () => { valid: boolean; type?: string; error?: unknown } } | { ok: false; error: unknown };
type Checked = { type: string | null; error: unknown };

/** Parse and type results by environment and text: the editor re-validates on every keystroke. */
const parsedCache = new BoundedCache<Parsed>(5000);
const checkedCache = new BoundedCache<Checked>(5000);

export function checkExpression(src: string, scope: ExprScope, facts: ExprFacts, opts: { fastPaths?: boolean } = {}): ExprCheck {
  if (src.length > MAX_EXPRESSION_LENGTH) {
    return { type: null, issues: [{ code: 'SF311', offset: 0, message: `is longer than ${MAX_EXPRESSION_LENGTH} characters; move the logic into steps` }] };
  }
  if (opts.fastPaths !== false) {
    const type = pathType(src, scope, facts);
    if (type !== null) return { type, issues: [] };
  }
  const { env, key } = envFor(scope);
  const cacheKey = `${key}\u0000${src}`;
  let parsed = parsedCache.get(cacheKey);
  if (!parsed) {
    try {
      const p = env.parse(src);
      const ast: unknown = p.ast;
      parsed = isCelNode(ast) ? { ok: true, ast, check: () => p.check() } : { ok: false, error: new Error('unreadable expression') };
    } catch (error) {
      parsed = { ok: false, error };
    }
    parsedCache.set(cacheKey, parsed);
  }
  if (!parsed.ok) {
    return { type: null, issues: [{ code: 'SF303', offset: celErrorOffset(parsed.error) ?? 0, message: `does not parse: ${celSummary(parsed.error)}` }] };
  }

  const issues = scopeIssues(parsed.ast, scope, facts);
  if (issues.length > 0) return { type: null, issues };

  let checked = checkedCache.get(cacheKey);
  if (!checked) {
    const result = parsed.check();
    checked = checkedCache.set(cacheKey, { type: result.valid ? (result.type ?? 'dyn') : null, error: result.error });
  }
  if (checked.type === null) {
    const summary = celSummary(checked.error);
    const unknown = /^unknown variable: (.+)$/i.exec(summary);
    if (unknown) {
      const name = unknown[1] ?? '';
      return { type: null, issues: [notInScope(name, celErrorOffset(checked.error) ?? 0, scope, facts)] };
    }
    return { type: null, issues: [{ code: 'SF304', offset: celErrorOffset(checked.error) ?? 0, message: `does not type-check: ${summary}` }] };
  }
  return { type: checked.type, issues: [] };
}

function visibleNames(scope: ExprScope): string[] {
  const names: string[] = [...GLOBAL_NAMES];
  for (const [name] of scope.locals) if (!names.includes(name)) names.push(name);
  return names;
}

function notInScope(name: string, offset: number, scope: ExprScope, facts: ExprFacts): ExprIssue {
  let why: string;
  if (name === 'iteration') why = 'which only exists inside a loop\'s do and until';
  else if (name === 'index') why = 'which only exists inside a forEach\'s do';
  else if (name === 'item' || facts.itemNames.has(name)) why = `which only exists inside the do of a forEach whose items are named "${name}"`;
  else {
    const names = visibleNames(scope);
    const guess = suggest(name, names);
    why = guess ? `which is not defined; did you mean "${guess}"?` : `which is not defined (names in scope: ${names.join(', ')})`;
  }
  return { code: 'SF305', offset, message: `uses "${name}", ${why}` };
}

function scopeIssues(root: CelNode, scope: ExprScope, facts: ExprFacts): ExprIssue[] {
  const issues: ExprIssue[] = [];
  const visible = visibleNames(scope);
  visitScoped(root, (node, bound, parent) => {
    const bad = forbiddenCall(node);
    if (bad) {
      issues.push({ code: 'SF308', offset: node.start, message: `calls ${bad.name}(), which is not allowed: ${bad.reason}` });
      return;
    }
    if (node.op === '.') {
      fieldIssue(node, bound, facts, issues);
      return;
    }
    if (node.op !== 'id' || typeof node.args !== 'string' || bound.has(node.args)) return;
    const name = node.args;
    if (name === 'cel') return;
    if (!visible.includes(name)) {
      // Type names (int, string...) are identifiers too: only names we know
      // to be scoped are reported here; the type checker reports the rest.
      if (name === 'iteration' || name === 'index' || name === 'item' || facts.itemNames.has(name)) issues.push(notInScope(name, node.start, scope, facts));
      return;
    }
    if (name !== 'steps') return;
    if (!parent || parent.op !== '.' || !Array.isArray(parent.args) || parent.args[0] !== node) return;
    const id = parent.args[1];
    if (typeof id !== 'string' || facts.stepIds.has(id)) return;
    const guess = suggest(id, facts.stepIds);
    const hint = guess ? `did you mean "${guess}"?` : `steps: ${nameList([...facts.stepIds])}`;
    issues.push({ code: 'SF306', offset: node.start, message: `reads steps.${id}, but no step has the id "${id}" (${hint})` });
  });
  return issues.sort((a, b) => a.offset - b.offset);
}

/** A field read on a step, steps.<id>.<field>: only output, status, and iteration for loops. */
function fieldIssue(node: CelNode, bound: ReadonlySet<string>, facts: ExprFacts, issues: ExprIssue[]): void {
  if (!Array.isArray(node.args)) return;
  const [target, field] = node.args;
  if (!isCelNode(target) || target.op !== '.' || !Array.isArray(target.args) || typeof field !== 'string') return;
  const [stepsNode, id] = target.args;
  if (!isCelNode(stepsNode) || stepsNode.op !== 'id' || stepsNode.args !== 'steps' || bound.has('steps') || typeof id !== 'string') return;
  if (!facts.stepIds.has(id)) return;
  const isLoop = facts.loopIds.has(id);
  if (field === 'output' || field === 'status' || (isLoop && field === 'iteration')) return;
  const has = isLoop ? 'output, status and iteration' : 'output and status (iteration only for loop steps)';
  issues.push({ code: 'SF307', offset: target.start, message: `reads steps.${id}.${field}; a step has ${has}` });
}

const PATH = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$/;
const UNUSUAL = new Set([...CEL_RESERVED, '__proto__', 'prototype', 'constructor', 'cel']);

/**
 * The type of a plain field path that is certainly valid (`inputs.a.b`,
 * `steps.x.output`, `run.id`, `item.name`, `index`), without parsing it; null
 * sends everything else, errors included, through the full check. Most
 * expressions are such paths, and a definition of 4,000 steps has thousands.
 * A test holds this to the same answers as the full check.
 */
function pathType(src: string, scope: ExprScope, facts: ExprFacts): string | null {
  if (!PATH.test(src)) return null;
  const segs = src.split('.');
  if (segs.some((s) => UNUSUAL.has(s))) return null;
  const [head, ...rest] = segs;
  let local: LocalType | undefined;
  for (const [name, type] of scope.locals) if (name === head) local = type;
  if (local !== undefined) return local === 'int' ? (rest.length === 0 ? 'int' : null) : 'dyn';
  if (head === 'inputs') return 'dyn';
  if (head === 'run') return rest.length === 1 && (rest[0] === 'id' || rest[0] === 'startedAt') ? 'string' : null;
  if (head !== 'steps' || rest.length < 2) return null;
  const [id, field, ...more] = rest;
  if (id === undefined || !facts.stepIds.has(id)) return null;
  if (field === 'output') return 'dyn';
  if (more.length > 0) return null;
  if (field === 'status') return 'string';
  if (field === 'iteration' && facts.loopIds.has(id)) return 'int';
  return null;
}
