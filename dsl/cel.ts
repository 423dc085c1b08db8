/**
 * What the compiler and the run-time evaluator agree on about CEL: limits,
 * reserved words, functions that are refused, and walks over the parsed tree.
 *
 * Imported by workflow code (through dsl/expr.ts): pure, no Node built-ins,
 * no clock, no randomness.
 */

/** Parse-time limits passed to cel-js: expressions are short and shallow. */
export const CEL_LIMITS = {
  maxAstNodes: 2000,
  maxDepth: 32,
  maxListElements: 1000,
  maxMapEntries: 1000,
  maxCallArguments: 32,
} as const;

/** Characters in one expression. */
export const MAX_EXPRESSION_LENGTH = 10_000;

/** CEL keywords and reserved words: a step id or an `as` name must not be one (ids are field names in expressions). */
export const CEL_RESERVED = new Set([
  'true',
  'false',
  'null',
  'in',
  'as',
  'break',
  'const',
  'continue',
  'else',
  'for',
  'function',
  'if',
  'import',
  'let',
  'loop',
  'package',
  'namespace',
  'return',
  'var',
  'void',
  'while',
]);

/** Names every expression can use. `cel` is the namespace of `cel.bind`. */
export const GLOBAL_NAMES = ['inputs', 'steps', 'run'] as const;

/** A node of cel-js's parse tree, as far as these walks need it. */
export interface CelNode {
  op: string;
  args: unknown;
  start: number;
  end: number;
}

export function isCelNode(v: unknown): v is CelNode {
  return (
    typeof v === 'object' &&
    v !== null &&
    'op' in v &&
    typeof v.op === 'string' &&
    'args' in v &&
    'start' in v &&
    typeof v.start === 'number' &&
    'end' in v &&
    typeof v.end === 'number'
  );
}

/** The direct children of a node. */
export function children(node: CelNode): CelNode[] {
  if (node.op === 'value' || node.op === 'id') return [];
  const out: CelNode[] = [];
  const collect = (v: unknown, depth: number): void => {
    if (isCelNode(v)) out.push(v);
    else if (Array.isArray(v) && depth < 3) for (const x of v) collect(x, depth + 1);
  };
  collect(node.args, 0);
  return out;
}

const MACROS = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);

/**
 * Visits every node with the names bound by macros around it
 * (`list.map(x, ...)`, `cel.bind(x, v, ...)`), so that free names can be told
 * from bound ones. The binder's own `id` node is not visited.
 */
export function visitScoped(root: CelNode, fn: (node: CelNode, bound: ReadonlySet<string>, parent: CelNode | null) => void): void {
  const stack: { node: CelNode; bound: ReadonlySet<string>; parent: CelNode | null }[] = [{ node: root, bound: new Set(), parent: null }];
  while (stack.length > 0) {
    const top = stack.pop();
    if (!top) break;
    const { node, bound } = top;
    fn(node, bound, top.parent);
    if (node.op === 'rcall' && Array.isArray(node.args)) {
      const [name, receiver, args] = node.args;
      const list = Array.isArray(args) ? args.filter(isCelNode) : [];
      const binder = list[0];
      const binds =
        typeof name === 'string' &&
        binder?.op === 'id' &&
        typeof binder.args === 'string' &&
        ((MACROS.has(name) && list.length >= 2) || (name === 'bind' && isCelNode(receiver) && receiver.op === 'id' && receiver.args === 'cel' && list.length === 3));
      if (binds && typeof binder.args === 'string') {
        const inner = new Set(bound);
        inner.add(binder.args);
        if (isCelNode(receiver)) stack.push({ node: receiver, bound, parent: node });
        list.forEach((arg, i) => {
          if (i === 0) return;
          // cel.bind(x, value, body): x is bound in body only.
          const scope = name === 'bind' && i === 1 ? bound : inner;
          stack.push({ node: arg, bound: scope, parent: node });
        });
        continue;
      }
    }
    for (const child of children(node)) stack.push({ node: child, bound, parent: node });
  }
}

const TIME_ZONE_METHODS = new Set([
  'getDate',
  'getDayOfMonth',
  'getDayOfWeek',
  'getFullYear',
  'getHours',
  'getMilliseconds',
  'getMinutes',
  'getMonth',
  'getSeconds',
]);

/**
 * Calls that are refused although cel-js offers them: `matches` runs a
 * JavaScript regular expression, which can take exponential time on a crafted
 * pattern (CEL's own RE2 cannot); time-zone arguments and getDayOfYear read the
 * host's time-zone database, which can differ between workers and would break
 * replay.
 */
export function forbiddenCall(node: CelNode): { name: string; reason: string } | null {
  if (!Array.isArray(node.args)) return null;
  if (node.op === 'call' && node.args[0] === 'matches') {
    return { name: 'matches', reason: 'regular expressions are not bounded in time here; use contains, startsWith or endsWith' };
  }
  if (node.op !== 'rcall') return null;
  const [name, , args] = node.args;
  if (name === 'matches') {
    return { name: 'matches', reason: 'regular expressions are not bounded in time here; use contains, startsWith or endsWith' };
  }
  if (name === 'getDayOfYear') {
    return { name, reason: 'it depends on the worker\'s time zone, so a replay could differ' };
  }
  if (typeof name === 'string' && TIME_ZONE_METHODS.has(name) && Array.isArray(args) && args.length > 0) {
    return { name, reason: 'a time-zone argument depends on the worker\'s time-zone database, so a replay could differ; use UTC (no argument)' };
  }
  return null;
}

/** The first line of a cel-js error message (they append a source excerpt), as a clause. */
export function celSummary(err: unknown): string {
  const raw = err instanceof Error ? err.message : String(err);
  const first = (raw.split('\n')[0] ?? raw).trim().replace(/\.$/, '');
  return first.length > 0 ? first.charAt(0).toLowerCase() + first.slice(1) : 'unknown error';
}

/** Offset of a cel-js error inside its expression, when it carries one. */
export function celErrorOffset(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  if ('range' in err && typeof err.range === 'object' && err.range !== null && 'start' in err.range && typeof err.range.start === 'number') {
    return err.range.start;
  }
  if ('node' in err && isCelNode(err.node)) return err.node.start;
  return undefined;
}

/**
 * What an expression reads from its scope: for each free name, the fields it
 * reads as `name.field` (null when it reads the name some other way, e.g.
 * `inputs["x"]` or `inputs` whole). Lets the evaluator convert only what is read.
 */
export function references(root: CelNode): Map<string, Set<string> | null> {
  const names = new Map<string, Set<string> | null>();
  visitScoped(root, (node, bound, parent) => {
    if (node.op !== 'id' || typeof node.args !== 'string' || bound.has(node.args)) return;
    const name = node.args;
    if (!names.has(name)) names.set(name, new Set());
    const fields = names.get(name);
    if (fields === null || fields === undefined) return;
    const field = parent && parent.op === '.' && Array.isArray(parent.args) && parent.args[0] === node ? parent.args[1] : undefined;
    if (typeof field === 'string') fields.add(field);
    else names.set(name, null);
  });
  return names;
}
