/**
 * IR -> YAML, the way back for the editor: compiling the YAML gives the same
 * IR again. Defaults are left out, so a definition stays as short as its
 * author wrote it.
 *
 * With the source the IR came from, the source's comments, key order and
 * spelling survive: an unchanged IR gives the source back byte for byte, and
 * a changed one is merged into the source's tree (steps matched by id), so
 * only the changed nodes are rewritten.
 */
import { Document, isAlias, isMap, isNode, isPair, isScalar, isSeq, visit } from 'yaml';
import type { Alias, Node, ToStringOptions } from 'yaml';
import { DEFAULTS } from './ir';
import type { AgentIR, Json, ModelIR, RetryIR, SkillRefIR, StepIR, SwarmIR, ToolIR, ValueIR } from './ir';
import { RETRY_DEFAULTS } from './compile-steps';
import { formatDuration, parseDuration } from './duration';
import { canonicalJson } from './canonical';
import { isMap as isJsonMap, jsonEqual, own, str } from './json';
import type { JsonMap } from './json';
import { parseSource } from './document';
import { exceedsSize, utf8Length } from './prescan';
import { compile } from './validate';
import { scanTemplate } from './template';

/**
 * Scalars are never folded: a folded line is indentation added to every
 * line of a long string (a document near 1 MiB written back grew past the
 * limit), and a folded continuation line that starts with "[" reads like flow
 * nesting to a line-based scan. lineWidth 0 turns folding off for plain,
 * quoted and block scalars; a double-quoted string is also kept on one line
 * (its newlines written as \n) instead of one source line per newline.
 */
const TO_STRING: ToStringOptions = { lineWidth: 0, minContentWidth: 0, doubleQuotedMinMultiLineLength: Number.MAX_SAFE_INTEGER };

/**
 * The compact form, for a definition whose block form passes the size limit
 * (long multi-line strings indented as literal blocks, or a source written as
 * JSON): flow collections and double-quoted strings, about the size of JSON.
 */
const COMPACT: ToStringOptions = { ...TO_STRING, collectionStyle: 'flow', blockQuote: false };

export function irToYaml(ir: SwarmIR, source?: string): string {
  if (source !== undefined) {
    const parsed = parseSource(source, 'source');
    if (parsed.doc && parsed.problems.length === 0 && isJsonMap(parsed.value)) {
      const before = compile(source, 'source').ir;
      if (before && unhashed(before) === unhashed(ir)) return source;
      const def = irToDefinition(ir, parsed.value);
      const doc = parsed.doc;
      const aliased = aliasValues(doc);
      doc.contents = merge(doc, doc.contents, def);
      repairAliases(doc, aliased);
      return withinLimit(doc.toString(TO_STRING), () => new Document(def).toString(COMPACT));
    }
  }
  const doc = new Document(irToDefinition(ir));
  return withinLimit(doc.toString(TO_STRING), () => doc.toString(COMPACT));
}

/** The text, or the compact form when the text is over the size limit and the compact form is smaller. */
function withinLimit(text: string, compact: () => string): string {
  if (exceedsSize(text) === null) return text;
  const small = compact();
  return utf8Length(small) < utf8Length(text) ? small : text;
}

function unhashed(ir: SwarmIR): string {
  const { sha256: _, ...rest } = ir;
  return canonicalJson(rest);
}

// ---- IR -> definition data ------------------------------------------------------

/**
 * Writes `key` unless it holds the default. When the source spelled a value
 * that means the same (`10m` for 600000 ms, an explicit default), the
 * source's spelling is kept.
 */
function put(out: JsonMap, key: string, value: Json, opts: { def?: Json; src?: JsonMap; read?: (v: unknown) => unknown; same?: unknown }): void {
  const srcValue = opts.src ? own(opts.src, key) : undefined;
  if (srcValue !== undefined && opts.read && jsonEqual(opts.read(srcValue), opts.same ?? value)) {
    out[key] = srcValue;
    return;
  }
  if ('def' in opts && jsonEqual(opts.same ?? value, opts.def)) return;
  out[key] = value;
}

const asIs = (v: unknown): unknown => v;
const asDuration = (v: unknown): unknown => (typeof v === 'string' ? parseDuration(v) : undefined);

export function irToDefinition(ir: SwarmIR, src?: JsonMap): JsonMap {
  const out: JsonMap = {};
  out['swarm'] = ir.name;
  out['version'] = ir.version;
  if (ir.description !== null) out['description'] = ir.description;
  if (ir.inputs !== null) out['inputs'] = ir.inputs;

  const srcLimits = src ? mapOf(own(src, 'limits')) : undefined;
  const limits: JsonMap = {};
  put(limits, 'maxSubAgents', ir.limits.maxSubAgents, { def: DEFAULTS.maxSubAgents, src: srcLimits, read: asIs });
  put(limits, 'maxSteps', ir.limits.maxSteps, { def: DEFAULTS.maxSteps, src: srcLimits, read: asIs });
  put(limits, 'deadline', formatDuration(ir.limits.deadlineMs), { def: DEFAULTS.deadlineMs, same: ir.limits.deadlineMs, src: srcLimits, read: asDuration });
  put(limits, 'tokens', ir.limits.tokens, { def: DEFAULTS.tokens, src: srcLimits, read: asIs });
  if (Object.keys(limits).length > 0 || (srcLimits && Object.keys(srcLimits).length === 0)) out['limits'] = limits;

  const named = <T>(key: string, table: { [name: string]: T }, emit: (v: T, s: JsonMap | undefined) => JsonMap): void => {
    const names = Object.keys(table);
    const srcTable = src ? mapOf(own(src, key)) : undefined;
    if (names.length === 0 && !srcTable) return;
    const entries: [string, JsonMap][] = [];
    for (const name of names) {
      const v = table[name];
      if (v !== undefined) entries.push([name, emit(v, srcTable ? mapOf(own(srcTable, name)) : undefined)]);
    }
    out[key] = Object.fromEntries(entries);
  };
  named('models', ir.models, modelDef);
  named('tools', ir.tools, toolDef);
  if (ir.skills.length > 0 || (src && Array.isArray(own(src, 'skills')))) out['skills'] = skillsDef(ir.skills, src ? own(src, 'skills') : undefined);
  named('agents', ir.agents, agentDef);

  const srcSteps = new Map<string, JsonMap>();
  if (src) collectSteps(own(src, 'steps'), srcSteps);
  const ctx: StepCtx = { srcSteps, maxSubAgents: ir.limits.maxSubAgents };
  out['steps'] = ir.steps.map((s) => stepDef(s, ctx));
  if (ir.output !== null) out['output'] = valueDef(ir.output);
  return out;
}

function mapOf(v: unknown): JsonMap | undefined {
  return isJsonMap(v) ? v : undefined;
}

function modelDef(m: ModelIR, s: JsonMap | undefined): JsonMap {
  const out: JsonMap = {};
  put(out, 'pool', m.pool, { def: 'default', src: s, read: asIs });
  out['model'] = m.model;
  if (m.temperature !== null) out['temperature'] = m.temperature;
  if (m.maxTokens !== null) out['maxTokens'] = m.maxTokens;
  if (m.quantization !== null) out['quantization'] = m.quantization;
  return out;
}

function toolDef(t: ToolIR, s: JsonMap | undefined): JsonMap {
  const out: JsonMap = { uses: t.uses };
  put(out, 'with', t.with, { def: {}, src: s, read: asIs });
  return out;
}

function agentDef(a: AgentIR, s: JsonMap | undefined): JsonMap {
  const out: JsonMap = { model: a.model };
  put(out, 'instructions', a.instructions, { def: '', src: s, read: asIs });
  put(out, 'tools', a.tools, { def: [], src: s, read: asIs });
  put(out, 'skills', a.skills, { def: [], src: s, read: asIs });
  put(out, 'maxTurns', a.maxTurns, { def: DEFAULTS.maxTurns, src: s, read: asIs });
  return out;
}

function skillRef(text: string): SkillRefIR {
  const at = text.indexOf('@');
  return at < 0 ? { name: text, range: '*' } : { name: text.slice(0, at), range: text.slice(at + 1) };
}

function skillsDef(skills: readonly SkillRefIR[], src: unknown): string[] {
  const srcRefs = Array.isArray(src) ? src.filter((x): x is string => typeof x === 'string') : [];
  return skills.map((s) => {
    const same = srcRefs.find((r) => jsonEqual(skillRef(r), s));
    if (same !== undefined) return same;
    return s.range === '*' ? s.name : `${s.name}@${s.range}`;
  });
}

interface StepCtx {
  srcSteps: Map<string, JsonMap>;
  maxSubAgents: number;
}

function collectSteps(steps: unknown, out: Map<string, JsonMap>): void {
  if (!Array.isArray(steps)) return;
  for (const s of steps) {
    if (!isJsonMap(s)) continue;
    const id = str(s, 'id');
    if (id !== undefined && !out.has(id)) out.set(id, s);
    for (const key of ['do', 'then', 'else', 'parallel', 'sequence']) collectSteps(own(s, key), out);
    const loop = own(s, 'loop');
    if (isJsonMap(loop)) collectSteps(own(loop, 'do'), out);
  }
}

function defaultTimeout(kind: StepIR['kind']): number | null {
  if (kind === 'llm') return DEFAULTS.llmTimeoutMs;
  if (kind === 'tool') return DEFAULTS.toolTimeoutMs;
  return null;
}

function readRetry(v: unknown): RetryIR | undefined {
  if (typeof v === 'number') {
    return {
      maxAttempts: v,
      initialIntervalMs: RETRY_DEFAULTS.initialIntervalMs,
      backoffCoefficient: RETRY_DEFAULTS.backoffCoefficient,
      maxIntervalMs: RETRY_DEFAULTS.initialIntervalMs * RETRY_DEFAULTS.maxIntervalFactor,
    };
  }
  if (!isJsonMap(v)) return undefined;
  const maxAttempts = own(v, 'maxAttempts');
  const initial = typeof own(v, 'initialInterval') === 'string' ? parseDuration(String(own(v, 'initialInterval'))) : RETRY_DEFAULTS.initialIntervalMs;
  const coefficient = own(v, 'backoffCoefficient');
  const maxInterval = typeof own(v, 'maxInterval') === 'string' ? parseDuration(String(own(v, 'maxInterval'))) : null;
  if (typeof maxAttempts !== 'number' || initial === null) return undefined;
  return {
    maxAttempts,
    initialIntervalMs: initial,
    backoffCoefficient: typeof coefficient === 'number' ? coefficient : RETRY_DEFAULTS.backoffCoefficient,
    maxIntervalMs: maxInterval ?? initial * RETRY_DEFAULTS.maxIntervalFactor,
  };
}

function retryDef(r: RetryIR): Json {
  const plain = readRetry(r.maxAttempts);
  if (plain && jsonEqual(plain, r)) return r.maxAttempts;
  const out: { [key: string]: Json } = { maxAttempts: r.maxAttempts };
  if (r.initialIntervalMs !== RETRY_DEFAULTS.initialIntervalMs) out['initialInterval'] = formatDuration(r.initialIntervalMs);
  if (r.backoffCoefficient !== RETRY_DEFAULTS.backoffCoefficient) out['backoffCoefficient'] = r.backoffCoefficient;
  if (r.maxIntervalMs !== r.initialIntervalMs * RETRY_DEFAULTS.maxIntervalFactor) out['maxInterval'] = formatDuration(r.maxIntervalMs);
  return out;
}

function stepDef(step: StepIR, ctx: StepCtx): JsonMap {
  const src = ctx.srcSteps.get(step.id);
  const out: JsonMap = { id: step.id };
  put(out, 'name', step.name, { def: step.id, src, read: asIs });
  if (step.when !== null) put(out, 'when', valueDef(step.when), { src, read: shapeOf, same: step.when });
  const steps = (list: readonly StepIR[]): JsonMap[] => list.map((s) => stepDef(s, ctx));

  switch (step.kind) {
    case 'agent':
      out['agent'] = step.agent;
      put(out, 'prompt', valueDef(step.prompt), { src, read: shapeOf, same: step.prompt });
      if (step.outputSchema !== null) out['output'] = { schema: step.outputSchema };
      break;
    case 'llm':
      out['llm'] = step.model;
      put(out, 'prompt', valueDef(step.prompt), { src, read: shapeOf, same: step.prompt });
      if (step.system !== null) put(out, 'system', valueDef(step.system), { src, read: shapeOf, same: step.system });
      if (step.outputSchema !== null) out['output'] = { schema: step.outputSchema };
      break;
    case 'tool':
      out['tool'] = step.tool;
      put(out, 'with', valueDef(step.with), { def: {}, src, read: shapeOf, same: step.with });
      break;
    case 'forEach':
      put(out, 'forEach', valueDef(step.items), { src, read: shapeOf, same: step.items });
      put(out, 'as', step.as, { def: 'item', src, read: asIs });
      put(out, 'concurrency', step.concurrency, { def: ctx.maxSubAgents, src, read: asIs });
      out['do'] = steps(step.do);
      break;
    case 'parallel':
      out['parallel'] = steps(step.branches);
      break;
    case 'sequence':
      out['sequence'] = steps(step.steps);
      break;
    case 'if':
      put(out, 'if', valueDef(step.cond), { src, read: shapeOf, same: step.cond });
      out['then'] = steps(step.then);
      if (step.else.length > 0) out['else'] = steps(step.else);
      break;
    case 'loop': {
      const srcLoop = src ? mapOf(own(src, 'loop')) : undefined;
      const loop: JsonMap = {};
      if (step.until !== null) put(loop, 'until', valueDef(step.until), { src: srcLoop, read: shapeOf, same: step.until });
      loop['maxIterations'] = step.maxIterations;
      loop['do'] = steps(step.do);
      out['loop'] = loop;
      break;
    }
    case 'waitFor': {
      const srcWait = src ? mapOf(own(src, 'waitFor')) : undefined;
      const wait: JsonMap = { signal: step.signal };
      if (step.signalTimeoutMs !== null) put(wait, 'timeout', formatDuration(step.signalTimeoutMs), { src: srcWait, read: asDuration, same: step.signalTimeoutMs });
      out['waitFor'] = wait;
      break;
    }
    case 'sleep':
      put(out, 'sleep', formatDuration(step.durationMs), { src, read: asDuration, same: step.durationMs });
      break;
    case 'set': {
      const srcSet = src ? mapOf(own(src, 'set')) : undefined;
      const values: JsonMap = {};
      for (const k of Object.keys(step.values)) {
        const v = step.values[k];
        if (v !== undefined) put(values, k, valueDef(v), { src: srcSet, read: shapeOf, same: v });
      }
      out['set'] = values;
      break;
    }
    case 'captureSkill': {
      const srcCap = src ? mapOf(own(src, 'captureSkill')) : undefined;
      const cap: JsonMap = { name: step.skill, from: step.from };
      put(cap, 'description', step.description, { def: '', src: srcCap, read: asIs });
      out['captureSkill'] = cap;
      break;
    }
    case 'swarm': {
      const ref = step.version === null ? step.swarm : `${step.swarm}@${step.version}`;
      out['swarm'] = ref;
      put(out, 'with', valueDef(step.with), { def: {}, src, read: shapeOf, same: step.with });
      break;
    }
    default: {
      const never: never = step;
      return never;
    }
  }
  put(out, 'timeout', step.timeoutMs === null ? null : formatDuration(step.timeoutMs), {
    def: defaultTimeout(step.kind),
    same: step.timeoutMs,
    src,
    read: asDuration,
  });
  if (out['timeout'] === null) delete out['timeout'];
  if (step.retry !== null) put(out, 'retry', retryDef(step.retry), { src, read: readRetry, same: step.retry });
  put(out, 'onError', step.onError, { def: 'fail', src, read: asIs });
  return out;
}

/** ValueIR -> the definition's spelling: `${{ e }}` for expressions, text for templates. */
export function valueDef(v: ValueIR): Json {
  if (v === null || typeof v === 'boolean' || typeof v === 'number' || typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map(valueDef);
  const expr: unknown = Reflect.get(v, '$expr');
  if (typeof expr === 'string' && Object.keys(v).length === 1) return `\${{ ${expr} }}`;
  const tmpl: unknown = Reflect.get(v, '$tmpl');
  if (Array.isArray(tmpl) && Object.keys(v).length === 1) {
    return tmpl.map((p: unknown) => (typeof p === 'string' ? p : isJsonMap(p) ? `\${{ ${String(own(p, '$expr'))} }}` : '')).join('');
  }
  if (Object.prototype.hasOwnProperty.call(v, '$lit') && Object.keys(v).length === 1) {
    const lit: unknown = Reflect.get(v, '$lit');
    return isJson(lit) ? lit : null;
  }
  const entries: [string, Json][] = [];
  for (const k of Object.keys(v)) {
    const x: unknown = Reflect.get(v, k);
    if (isValueIR(x)) entries.push([k, valueDef(x)]);
  }
  return Object.fromEntries(entries);
}

function isJson(v: unknown): v is Json {
  return v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || Array.isArray(v) || isJsonMap(v);
}

function isValueIR(v: unknown): v is ValueIR {
  return isJson(v);
}

/** The ValueIR a source value compiles to (structure only; the compiler checks the expressions). */
export function shapeOf(v: unknown): unknown {
  if (typeof v === 'string') {
    if (!v.includes('${{')) return v;
    const scan = scanTemplate(v);
    if (!scan.ok) return undefined;
    const parts = scan.parts.map((p) => (p.kind === 'text' ? p.text : { $expr: p.src }));
    const only = parts[0];
    return parts.length === 1 && typeof only === 'object' ? only : { $tmpl: parts };
  }
  if (Array.isArray(v)) return v.map(shapeOf);
  if (isJsonMap(v)) {
    const keys = Object.keys(v);
    if (keys.some((k) => k.startsWith('$'))) return { $lit: v };
    return Object.fromEntries(keys.map((k) => [k, shapeOf(v[k])]));
  }
  return v;
}

// ---- merging into the source tree ---------------------------------------------------

/** What each alias of the source stood for, read before the merge changes anything. */
function aliasValues(doc: Document): Map<Alias, unknown> {
  const values = new Map<Alias, unknown>();
  visit(doc, {
    Alias(_key, node) {
      const target = node.resolve(doc);
      if (target) values.set(node, target.toJS(doc));
    },
  });
  return values;
}

/**
 * The merge may drop or rewrite an anchored node, or move it after its
 * aliases (steps are matched by id, so they can change places). Each alias
 * that no longer finds its anchor earlier in the document, or whose anchor
 * now holds something else, is replaced by the value it stood for.
 */
function repairAliases(doc: Document, before: Map<Alias, unknown>): void {
  const seen = new Set<string>();
  visit(doc, {
    Node(_key, node) {
      if (isAlias(node)) {
        const target = seen.has(node.source) ? node.resolve(doc) : undefined;
        const was = before.get(node);
        if (target && (was === undefined || jsonEqual(target.toJS(doc), was))) return undefined;
        return doc.createNode(was ?? null);
      }
      if (isNode(node) && node.anchor) seen.add(node.anchor);
      return undefined;
    },
  });
}

function merge(doc: Document, node: unknown, want: unknown): Node {
  if (isAlias(node)) {
    const target = node.resolve(doc);
    if (target && jsonEqual(target.toJSON(), want)) return node;
    return doc.createNode(want);
  }
  if (isScalar(node) && !Array.isArray(want) && !isJsonMap(want)) {
    if (node.value === want) return node;
    node.value = want;
    return node;
  }
  if (isMap(node) && isJsonMap(want)) {
    const keep = node.items.filter((pair) => isPair(pair) && isScalar(pair.key) && Object.prototype.hasOwnProperty.call(want, String(pair.key.value)));
    const present = new Set<string>();
    for (const pair of keep) {
      if (!isScalar(pair.key)) continue;
      const key = String(pair.key.value);
      present.add(key);
      pair.value = merge(doc, pair.value, want[key]);
    }
    node.items = keep;
    for (const key of Object.keys(want)) if (!present.has(key)) node.add(doc.createPair(key, want[key]));
    return node;
  }
  if (isSeq(node) && Array.isArray(want)) {
    const old = [...node.items];
    const byId = new Map<string, unknown>();
    for (const item of old) {
      const id = isMap(item) ? item.get('id') : undefined;
      if (typeof id === 'string' && !byId.has(id)) byId.set(id, item);
    }
    node.items = want.map((w: unknown, i) => {
      const id = isJsonMap(w) ? own(w, 'id') : undefined;
      const match = typeof id === 'string' && byId.has(id) ? byId.get(id) : typeof id === 'string' ? undefined : old[i];
      if (typeof id === 'string') byId.delete(id);
      return match === undefined ? doc.createNode(w) : merge(doc, match, w);
    });
    return node;
  }
  return doc.createNode(want);
}
