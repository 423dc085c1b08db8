/**
 * Generators of hostile swarm definitions, as text:
 *
 * - `mutated`: a valid definition (generated, or an example) or a corpus
 *   document, changed at random in its data (keys deleted, renamed to
 *   prototype names, retyped, step kinds swapped, values nested deep, huge or
 *   odd strings, expressions) and then in its text (BOMs, NULs, CRLF, lone
 *   surrogates, anchors and aliases, tags, duplicated lines, directives...);
 * - `expression`: random expression text in every place that takes one;
 * - `escape`: the escape corpus, disguised, in every place;
 * - `text`: text with no definition in it at all.
 */
import fc from 'fast-check';
import { Document, parse } from 'yaml';
import { definition as validDefinition } from '../dsl/generate';
import { escapePayloads, seedDocuments } from './corpus';
import { anyExpression, DISGUISES, disguise } from './expr-gen';

export type Family = 'mutated' | 'expression' | 'escape' | 'text';

export interface DslCase {
  family: Family;
  text: string;
  /** Expressions to evaluate directly as well (the runtime must be safe even on IR the compiler never made). */
  exprs: string[];
}

type Data = unknown;

/** Own data property, even for `__proto__` (plain assignment would set the prototype). */
function setOwn(o: object, key: string, value: Data): void {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
}

export function toYaml(v: Data): string {
  try {
    return new Document(v).toString({ lineWidth: 0 });
  } catch {
    // Values the yaml writer refuses (none expected): fall back to JSON, which is YAML too.
    return JSON.stringify(v) ?? 'null';
  }
}

// ---- odd values -----------------------------------------------------------------

const ODD_CHARS = ['\u0000', '\uFEFF', '\uD800', '\uDC00', '\uDBFF\uDFFF', '\r', '\r\n', '\u2028', '\u202E', '\u200B', '\t', '\u0085', '\u001b', '\\', '"', "'", '#', ': ', '- ', '&a', '*a', '!!js/function', '${{', '}}', '`'];

export const oddString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 30, unit: 'binary' }),
  fc.array(fc.oneof(fc.constantFrom(...ODD_CHARS), fc.string({ maxLength: 4 })), { maxLength: 8 }).map((xs) => xs.join('')),
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'yes', 'no', 'on', '~', 'null', '.inf', '.nan', '0x1F', '0o17', '1e3', '-', '?', ':', '|', '>', '@x', '%x', '<<'),
);

/** Strings around the size limits: long fields, and documents just under and over 1 MiB of UTF-8. */
const hugeString: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom(2_000, 20_000, 20_000, 100_000, 349_000, 1_048_000, 1_049_000), fc.constantFrom('x', '€', '😀', '\u0000', 'a\n'))
  .map(([n, unit]) => unit.repeat(Math.max(1, Math.floor(n / Buffer.byteLength(unit)))));

const specialNumber: fc.Arbitrary<number> = fc.constantFrom(Number.NaN, Infinity, -Infinity, -0, 1e308, 5e-324, 2 ** 53 + 1, -(2 ** 63), 0.1 + 0.2, 1e21);

function nested(depth: number, leaf: Data, asList: boolean): Data {
  let v = leaf;
  for (let i = 0; i < depth; i++) {
    if (asList) v = [v];
    else {
      const o = {};
      setOwn(o, 'k', v);
      v = o;
    }
  }
  return v;
}

export const hostileValue: fc.Arbitrary<Data> = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  { weight: 4, arbitrary: oddString },
  { weight: 3, arbitrary: anyExpression.map((e) => `\${{ ${e} }}`) },
  { weight: 2, arbitrary: fc.tuple(oddString, anyExpression).map(([t, e]) => `${t}\${{ ${e} }}${t}`) },
  { weight: 1, arbitrary: specialNumber },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 30, max: 90 }), fc.boolean()).map(([d, l]) => nested(d, 1, l)) },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, {}, [], '', 0) },
);

// ---- mutations of data -------------------------------------------------------------

const STEP_KINDS = ['agent', 'llm', 'tool', 'waitFor', 'sleep', 'set', 'captureSkill', 'swarm', 'forEach', 'parallel', 'sequence', 'if', 'loop'];
const ODD_KEYS = ['__proto__', 'constructor', 'prototype', '<<', '', ' ', '${{ inputs.x }}', 'id', 'kind', 'do', 'then', 'with', 'when', '\uD800', 'ключ', 'a'.repeat(300), 'steps', 'toString', 'hasOwnProperty', '$expr', '$tmpl', '$lit'];

type DataOp =
  | { op: 'delete' | 'swapKind' | 'duplicateItem' | 'deleteAllButOne'; at: number; pick: number }
  | { op: 'retype'; at: number; value: Data }
  | { op: 'renameKey'; at: number; key: string }
  | { op: 'insertKey'; at: number; key: string; value: Data }
  | { op: 'nest'; at: number; depth: number; asList: boolean }
  | { op: 'huge'; at: number; value: string };

// Weights out of 131: a huge string in about one mutated document of 50, since each costs milliseconds to write and parse.
const dataOp: fc.Arbitrary<DataOp> = fc.oneof(
  { weight: 30, arbitrary: fc.record({ op: fc.constantFrom('delete' as const, 'swapKind' as const, 'duplicateItem' as const, 'deleteAllButOne' as const), at: fc.nat(), pick: fc.nat() }) },
  { weight: 40, arbitrary: fc.record({ op: fc.constant('retype' as const), at: fc.nat(), value: hostileValue }) },
  { weight: 20, arbitrary: fc.record({ op: fc.constant('renameKey' as const), at: fc.nat(), key: fc.oneof(fc.constantFrom(...ODD_KEYS, ...STEP_KINDS), oddString) }) },
  { weight: 20, arbitrary: fc.record({ op: fc.constant('insertKey' as const), at: fc.nat(), key: fc.oneof(fc.constantFrom(...ODD_KEYS, ...STEP_KINDS), oddString), value: hostileValue }) },
  { weight: 10, arbitrary: fc.record({ op: fc.constant('nest' as const), at: fc.nat(), depth: fc.integer({ min: 1, max: 80 }), asList: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('huge' as const), at: fc.nat(), value: hugeString }) },
);

interface Slot {
  parent: object;
  key: string | number;
}

function isObject(v: Data): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Every place in the tree that holds a value (bounded, so deep values cost nothing). */
function slots(root: Data): Slot[] {
  const out: Slot[] = [];
  const walk = (v: Data, depth: number): void => {
    if (depth > 12 || out.length > 2000) return;
    if (Array.isArray(v)) v.forEach((x, i) => (out.push({ parent: v, key: i }), walk(x, depth + 1)));
    else if (isObject(v)) for (const k of Object.keys(v)) (out.push({ parent: v, key: k }), walk(v[k], depth + 1));
  };
  walk(root, 0);
  return out;
}

function containers(root: Data): object[] {
  const out: object[] = [];
  const walk = (v: Data, depth: number): void => {
    if (depth > 12 || out.length > 2000) return;
    if (Array.isArray(v)) (out.push(v), v.forEach((x) => walk(x, depth + 1)));
    else if (isObject(v)) (out.push(v), Object.values(v).forEach((x) => walk(x, depth + 1)));
  };
  walk(root, 0);
  return out;
}

function get(s: Slot): Data {
  return Array.isArray(s.parent) ? s.parent[Number(s.key)] : Reflect.get(s.parent, s.key);
}

function put(s: Slot, value: Data): void {
  if (Array.isArray(s.parent)) s.parent[Number(s.key)] = value;
  else setOwn(s.parent, String(s.key), value);
}

/** A copy that keeps own `__proto__` keys as data. */
function clone(v: Data): Data {
  if (Array.isArray(v)) return v.map(clone);
  if (isObject(v)) {
    const o = {};
    for (const k of Object.keys(v)) setOwn(o, k, clone(v[k]));
    return o;
  }
  return v;
}

/** Rebuilds an object with one key renamed, keeping the order of keys. */
function renameKey(o: Record<string, unknown>, from: string, to: string): void {
  const entries = Object.keys(o).map((k) => [k === from ? to : k, o[k]] as const);
  for (const k of Object.keys(o)) Reflect.deleteProperty(o, k);
  for (const [k, v] of entries) setOwn(o, k, v);
}

export function applyDataOps(root: Data, ops: readonly DataOp[]): Data {
  const tree = clone(root);
  for (const m of ops) {
    const all = slots(tree);
    if (all.length === 0) break;
    const s = all[m.at % all.length];
    if (!s) continue;
    switch (m.op) {
      case 'delete':
        if (Array.isArray(s.parent)) s.parent.splice(Number(s.key), 1);
        else Reflect.deleteProperty(s.parent, s.key);
        break;
      case 'deleteAllButOne': {
        const v = get(s);
        if (Array.isArray(v) && v.length > 1) v.splice(0, v.length, v[m.pick % v.length]);
        break;
      }
      case 'duplicateItem': {
        const v = get(s);
        if (Array.isArray(v) && v.length > 0) v.push(clone(v[m.pick % v.length]));
        break;
      }
      case 'swapKind': {
        // Find the nearest step (a map with a kind key) from this slot's parent.
        const step = containers(tree).filter(isObject).filter((o) => STEP_KINDS.some((k) => k in o));
        const target = step[m.at % Math.max(1, step.length)];
        if (!target) break;
        const kind = STEP_KINDS.find((k) => k in target);
        const to = STEP_KINDS[m.pick % STEP_KINDS.length];
        if (kind && to && kind !== to) renameKey(target, kind, to);
        break;
      }
      case 'retype':
        put(s, m.value);
        break;
      case 'renameKey':
        if (!Array.isArray(s.parent) && isObject(s.parent)) renameKey(s.parent, String(s.key), m.key);
        break;
      case 'insertKey': {
        const maps = containers(tree).filter(isObject);
        const target = maps[m.at % Math.max(1, maps.length)];
        if (target) setOwn(target, m.key, m.value);
        break;
      }
      case 'nest':
        put(s, nested(m.depth, get(s), m.asList));
        break;
      case 'huge':
        put(s, m.value);
        break;
    }
  }
  return tree;
}

// ---- mutations of text ---------------------------------------------------------------

type TextOp = { op: TextOpName; at: number; pick: number; n: number; token: string };
type TextOpName =
  | 'bom' | 'bomMiddle' | 'crlf' | 'lonecr' | 'insert' | 'surrogate' | 'anchorAlias' | 'aliasUndefined' | 'aliasBomb' | 'tag' | 'dupLine'
  | 'deleteLine' | 'swapLines' | 'indent' | 'tab' | 'docMarker' | 'directive' | 'deepFlow' | 'deepBlock' | 'truncate' | 'comment';

const TEXT_OPS: TextOpName[] = ['bom', 'bomMiddle', 'crlf', 'lonecr', 'insert', 'surrogate', 'anchorAlias', 'aliasUndefined', 'aliasBomb', 'tag', 'dupLine', 'deleteLine', 'swapLines', 'indent', 'tab', 'docMarker', 'directive', 'deepFlow', 'deepBlock', 'truncate', 'comment'];

const TOKENS = ['{', '}', '[', ']', ':', '- ', '? ', ',', '"', "'", '|', '>', '&a ', '*a', '!', '!!', '%', '@', '`', '#', '\t', '\u0000', '\u0007', '\uFEFF', '\uD800', '\r', '\n', '${{', '}}', '<<: ', '---', '...', '\\'];
const TAGS = ['!!js/function ', '!!binary ', '!!set ', '!custom ', '!<tag:yaml.org,2002:js/undefined> ', '!!str ', '!!int ', '!!map ', '!!python/object:os.system ', '! '];

const textOp: fc.Arbitrary<TextOp> = fc.record({
  op: fc.constantFrom(...TEXT_OPS),
  at: fc.nat(),
  pick: fc.nat(),
  n: fc.integer({ min: 1, max: 120 }),
  token: fc.oneof(fc.constantFrom(...TOKENS), fc.string({ maxLength: 6, unit: 'binary' })),
});

function lineBounds(text: string, at: number): { start: number; end: number } {
  const i = at % (text.length + 1);
  const start = text.lastIndexOf('\n', i - 1) + 1;
  const nl = text.indexOf('\n', i);
  return { start, end: nl < 0 ? text.length : nl };
}

/** The offsets just after `: ` on value lines (where an anchor, alias or tag can go). */
function valueStarts(text: string): number[] {
  const out: number[] = [];
  for (let i = text.indexOf(': '); i >= 0 && out.length < 500; i = text.indexOf(': ', i + 2)) out.push(i + 2);
  return out;
}

export function applyTextOp(text: string, m: TextOp): string {
  const pos = m.at % (text.length + 1);
  const lines = text.split('\n');
  const li = m.at % Math.max(1, lines.length);
  switch (m.op) {
    case 'bom':
      return `\uFEFF${text}`;
    case 'bomMiddle':
    case 'insert':
      return text.slice(0, pos) + (m.op === 'bomMiddle' ? '\uFEFF' : m.token.repeat(1 + (m.n % 3))) + text.slice(pos);
    case 'crlf':
      return m.pick % 2 === 0 ? text.replace(/\n/g, '\r\n') : text.replace(/\n/g, (nl, i: number) => (i % 3 === 0 ? '\r\n' : nl));
    case 'lonecr':
      return text.slice(0, pos) + '\r' + text.slice(pos);
    case 'surrogate':
      return text.slice(0, pos) + ['\uD800', '\uDFFF', '\uDBFF', '\uDC00\uD800'][m.pick % 4] + text.slice(pos);
    case 'anchorAlias': {
      const vs = valueStarts(text);
      if (vs.length < 2) return text;
      const a = vs[m.at % vs.length] ?? 0;
      const b = vs[m.pick % vs.length] ?? 0;
      const [first, second] = a < b ? [a, b] : [b, a];
      const end = lineBounds(text, second).end;
      // Anchor one value, replace a later one with its alias (or the same one: a self-reference).
      return `${text.slice(0, first)}&x${m.n} ${text.slice(first, second)}*x${m.n}${text.slice(end)}`;
    }
    case 'aliasUndefined': {
      const vs = valueStarts(text);
      const at = vs[m.at % Math.max(1, vs.length)];
      if (at === undefined) return text;
      return `${text.slice(0, at)}*nowhere${m.n} ${text.slice(at)}`;
    }
    case 'aliasBomb': {
      const depth = 2 + (m.n % 9);
      let bomb = `b0: &b0 [${Array.from({ length: 9 }, () => 'lol').join(', ')}]\n`;
      for (let i = 1; i < depth; i++) bomb += `b${i}: &b${i} [${Array.from({ length: 9 }, () => `*b${i - 1}`).join(', ')}]\n`;
      const vs = valueStarts(text);
      const at = vs[m.at % Math.max(1, vs.length)];
      const withUse = at === undefined ? text : `${text.slice(0, at)}*b${depth - 1}${text.slice(lineBounds(text, at).end)}`;
      return bomb + withUse;
    }
    case 'tag': {
      const vs = valueStarts(text);
      const at = vs[m.at % Math.max(1, vs.length)];
      if (at === undefined) return text;
      return text.slice(0, at) + (TAGS[m.pick % TAGS.length] ?? '') + text.slice(at);
    }
    case 'dupLine':
      return [...lines.slice(0, li + 1), lines[li] ?? '', ...lines.slice(li + 1)].join('\n');
    case 'deleteLine':
      return [...lines.slice(0, li), ...lines.slice(li + 1)].join('\n');
    case 'swapLines': {
      const lj = m.pick % Math.max(1, lines.length);
      const copy = [...lines];
      const x = copy[li] ?? '';
      copy[li] = copy[lj] ?? '';
      copy[lj] = x;
      return copy.join('\n');
    }
    case 'indent':
      return lines.map((l, i) => (i === li ? ' '.repeat(1 + (m.n % 4)) + l : l)).join('\n');
    case 'tab':
      return lines.map((l, i) => (i === li ? l.replace(/^ +/, '\t') : l)).join('\n');
    case 'docMarker':
      return [...lines.slice(0, li), ['---', '...', '--- |', '--- !!map'][m.pick % 4] ?? '---', ...lines.slice(li)].join('\n');
    case 'directive':
      return `${['%YAML 1.1', '%YAML 1.2', '%YAML 2.0', '%TAG ! tag:yaml.org,2002:js/', '%FOO bar'][m.pick % 5] ?? '%YAML 1.1'}\n---\n${text}`;
    case 'deepFlow': {
      const n = 55 + (m.n % 20);
      return text.slice(0, pos) + '['.repeat(n) + '1' + ']'.repeat(m.pick % 2 === 0 ? n : m.pick % n) + text.slice(pos);
    }
    case 'deepBlock': {
      const n = 55 + (m.n % 20);
      const block = Array.from({ length: n }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n');
      return `${text}\n${block} v\n`;
    }
    case 'truncate':
      return text.slice(0, pos);
    case 'comment':
      return text.slice(0, pos) + (m.pick % 2 === 0 ? ' #' : '#') + text.slice(pos);
  }
}

// ---- the families ----------------------------------------------------------------------

const seeds = seedDocuments();
/** Seeds as data where they parse as plain YAML, for data-level mutation. */
const seedData: Data[] = seeds.flatMap((s) => {
  try {
    const v: unknown = parse(s.text, { schema: 'core', merge: false, maxAliasCount: 100, uniqueKeys: false, logLevel: 'silent' });
    return isObject(v) ? [v] : [];
  } catch {
    return [];
  }
});

const baseData: fc.Arbitrary<Data> = fc.oneof({ weight: 3, arbitrary: validDefinition }, { weight: 2, arbitrary: fc.constantFrom(...seedData) });

const mutated: fc.Arbitrary<DslCase> = fc.oneof(
  // Data mutations, then text mutations.
  {
    weight: 3,
    arbitrary: fc
      .tuple(baseData, fc.array(dataOp, { minLength: 1, maxLength: 4 }), fc.array(textOp, { maxLength: 2 }))
      .map(([base, ops, tops]) => ({ family: 'mutated' as const, text: tops.reduce(applyTextOp, toYaml(applyDataOps(base, ops))), exprs: [] })),
  },
  // Text mutations of the corpus as written (its tags, anchors and spellings survive).
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom(...seeds.map((s) => s.text)), fc.array(textOp, { minLength: 1, maxLength: 4 }))
      .map(([text, tops]) => ({ family: 'mutated' as const, text: tops.reduce(applyTextOp, text), exprs: [] })),
  },
);

/** Where an expression can go (and a few places where it must not). */
export type Place =
  | 'prompt' | 'prompt-template' | 'two-in-one' | 'when' | 'forEach' | 'forEach-body' | 'set' | 'tool-with' | 'output' | 'loop-until'
  | 'agent-prompt' | 'swarm-with' | 'if' | 'instructions' | 'step-id' | 'set-key';

export const PLACES: readonly Place[] = ['prompt', 'prompt-template', 'two-in-one', 'when', 'forEach', 'forEach-body', 'set', 'tool-with', 'output', 'loop-until', 'agent-prompt', 'swarm-with', 'if', 'instructions', 'step-id', 'set-key'];

/** A valid definition with `expr` placed at `place`. */
export function placeExpression(expr: string, place: Place): string {
  const e = `\${{ ${expr} }}`;
  const step = (s: Record<string, Data>): Record<string, Data> => ({ id: 's1', ...s });
  const steps: Data[] = [{ id: 's0', llm: 'm0', prompt: 'start' }];
  let output: Data = undefined;
  const agents: Record<string, Data> = { a0: { model: 'm0', tools: ['t0'] } };
  switch (place) {
    case 'prompt':
      steps.push(step({ llm: 'm0', prompt: e }));
      break;
    case 'prompt-template':
      steps.push(step({ llm: 'm0', prompt: `Before ${e} after.` }));
      break;
    case 'two-in-one':
      steps.push(step({ llm: 'm0', prompt: `${e}${e}` }));
      break;
    case 'when':
      steps.push(step({ when: e, set: { v: 1 } }));
      break;
    case 'forEach':
      steps.push(step({ forEach: e, do: [{ id: 's2', set: { v: '${{ item }}' } }] }));
      break;
    case 'forEach-body':
      steps.push(step({ forEach: '${{ inputs.list }}', as: 'sub', do: [{ id: 's2', set: { v: e } }] }));
      break;
    case 'set':
      steps.push(step({ set: { v: e, w: [e, { k: e }] } }));
      break;
    case 'tool-with':
      steps.push(step({ tool: 't0', with: { path: e } }));
      break;
    case 'output':
      output = e;
      break;
    case 'loop-until':
      steps.push(step({ loop: { until: e, maxIterations: 3, do: [{ id: 's2', set: { v: '${{ iteration }}' } }] } }));
      break;
    case 'agent-prompt':
      steps.push(step({ agent: 'a0', prompt: e }));
      break;
    case 'swarm-with':
      steps.push(step({ swarm: 'other', with: { a: e } }));
      break;
    case 'if':
      steps.push(step({ if: e, then: [{ id: 's2', set: { v: 1 } }], else: [{ id: 's3', set: { v: 2 } }] }));
      break;
    case 'instructions':
      agents['a0'] = { model: 'm0', tools: ['t0'], instructions: e };
      steps.push(step({ agent: 'a0', prompt: 'go' }));
      break;
    case 'step-id':
      steps.push({ id: e, set: { v: 1 } });
      break;
    case 'set-key': {
      const values = {};
      setOwn(values, e, 1);
      steps.push(step({ set: values }));
      break;
    }
  }
  const def: Record<string, Data> = {
    swarm: 'fuzz',
    version: 1,
    inputs: { type: 'object', properties: { x: { type: 'string' }, list: { type: 'array' }, topic: { type: 'string' }, count: { type: 'integer' } } },
    models: { m0: { model: 'kimi-k2.6' } },
    tools: { t0: { uses: 'fs.read' } },
    agents,
    steps,
  };
  if (output !== undefined) def['output'] = output;
  return toYaml(def);
}

const expression: fc.Arbitrary<DslCase> = fc
  .tuple(anyExpression, fc.constantFrom(...PLACES))
  .map(([expr, place]) => ({ family: 'expression' as const, text: placeExpression(expr, place), exprs: [expr] }));

const payloads = escapePayloads();

const escape: fc.Arbitrary<DslCase> = fc
  .tuple(fc.constantFrom(...payloads), fc.constantFrom(...DISGUISES), fc.constantFrom(...PLACES))
  .map(([p, how, place]) => {
    const expr = disguise(p, how);
    return { family: 'escape' as const, text: placeExpression(expr, place), exprs: [expr] };
  });

const text: fc.Arbitrary<DslCase> = fc
  .oneof(
    fc.string({ maxLength: 300, unit: 'binary' }),
    fc.array(fc.oneof(fc.constantFrom(...TOKENS), fc.string({ maxLength: 5 })), { maxLength: 80 }).map((xs) => xs.join('')),
    fc.array(fc.tuple(fc.nat({ max: 12 }), fc.oneof(oddString, fc.constantFrom('swarm', 'steps', 'version', 'id', 'set', 'llm')), fc.oneof(oddString, fc.constant(''))), { maxLength: 20 }).map((ls) => ls.map(([ind, k, v]) => `${' '.repeat(ind)}${k}: ${v}`).join('\n')),
    fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  )
  .map((t) => ({ family: 'text' as const, text: t, exprs: [] }));

/** Every family, weighted: 40% mutated, 30% expression, 20% escape, 10% text. */
export const dslCase: fc.Arbitrary<DslCase> = fc.oneof(
  { weight: 4, arbitrary: mutated },
  { weight: 3, arbitrary: expression },
  { weight: 2, arbitrary: escape },
  { weight: 1, arbitrary: text },
);

export const families = { mutated, expression, escape, text } as const;
