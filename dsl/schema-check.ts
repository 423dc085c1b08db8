/**
 * Validates a definition against schemas/swarm.schema.json with one ajv
 * instance, and turns ajv's errors into problems a person can act on: one
 * plain sentence per mistake, at the node that is wrong.
 *
 * ajv reports every failed branch of a `oneOf`/`anyOf` and every `if`; those
 * are folded here into the error that helps (for a step: which kind key it is
 * missing; for `retry: "3"`: what retry may be).
 */
import Ajv2020 from 'ajv/dist/2020';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import swarmSchema from '../schemas/swarm.schema.json';
import type { Problem } from './diagnostic';
import { BoundedCache } from './bounded-cache';
import type { Code } from './codes';
import { STEP_KINDS } from './ir';
import { isMap, own } from './json';
import { join, segments } from './pointer';
import { nameList, placeOf, quote, showValue, subjectOf, suggest } from './describe';
import type { Place } from './describe';

interface Validators {
  /** The whole definition; step lists hold markers instead of steps (see STEP_MARKER). */
  root: ValidateFunction;
  /** One step, its own step lists again holding markers; null where ajv cannot give it (the editor's precompiled stub). */
  step: ValidateFunction | null;
}

let validators: Validators | null = null;

/**
 * Where ajv would check a step against `#/$defs/step`, the schema we compile
 * has this keyword instead: it records the step and passes. We then check each
 * recorded step with its own call. Why: a recursive `$ref` is a separate ajv
 * function whose errors the caller appends with `vErrors.concat(...)`, so a
 * list of N failing steps copied the growing error list N times (4,000
 * unknown-kind steps: 2.3 s; 16,000: 26 s). One call per step keeps every
 * error list as small as the step it describes, and the errors are the same
 * ones ajv gave before, only with the step's pointer put in front.
 */
const STEP_MARKER = 'x-swarmflow-step';

/** Steps the marker saw during the current root or step call, in data order. */
let markedSteps: { ptr: string; data: unknown }[] = [];

function markedSchema(): Record<string, unknown> {
  const schema: unknown = JSON.parse(JSON.stringify(swarmSchema));
  const swap = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(swap);
    if (!isMap(node)) return node;
    if (own(node, '$ref') === '#/$defs/step' && Object.keys(node).length === 1) return { [STEP_MARKER]: true };
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) out[k] = swap(v);
    return out;
  };
  const marked = swap(schema);
  if (!isMap(marked)) throw new Error('schemas/swarm.schema.json is not an object');
  return marked;
}

/** The ajv validators, compiled on first use (about 0.2 s, once per process or page). */
function getValidators(): Validators {
  if (validators === null) {
    const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false, strictRequired: false, verbose: true });
    addFormats(ajv);
    ajv.addKeyword({
      keyword: STEP_MARKER,
      schemaType: 'boolean',
      errors: false,
      validate: (_schema: unknown, data: unknown, _parent: unknown, cxt?: { instancePath: string }) => {
        markedSteps.push({ ptr: cxt?.instancePath ?? '', data });
        return true;
      },
    });
    // The editor's bundle replaces ajv with a stub that returns the whole
    // schema's precompiled validator for this $id (no markers, so no step calls).
    const root = ajv.compile(markedSchema());
    const step = typeof ajv.getSchema === 'function' ? (ajv.getSchema(`${swarmSchema.$id}#/$defs/step`) ?? null) : null;
    validators = { root, step };
  }
  return validators;
}

const KIND_KEYS: readonly string[] = STEP_KINDS;

/** Keys a step of each kind may have, read from the schema so the two never drift. */
const STEP_KEYS: Map<string, Set<string>> = (() => {
  const defs: Record<string, unknown> = swarmSchema.$defs;
  const keysOf = (name: string): string[] => {
    const def = defs[name];
    if (!isMap(def)) return [];
    const props = own(def, 'properties');
    const ref = own(def, '$ref');
    const inherited = typeof ref === 'string' ? keysOf(ref.replace('#/$defs/', '')) : [];
    return [...(isMap(props) ? Object.keys(props) : []), ...inherited];
  };
  const common = ['id', 'name', 'when', 'onError'];
  const specific: Record<string, string> = {
    agent: 'agentStep',
    llm: 'llmStep',
    tool: 'toolStep',
    forEach: 'forEachStep',
    if: 'ifStep',
    captureSkill: 'activityStep',
    swarm: 'swarmStep',
  };
  const out = new Map<string, Set<string>>();
  for (const kind of KIND_KEYS) {
    const extra = specific[kind];
    out.set(kind, new Set([...common, kind, ...(extra ? keysOf(extra) : [])]));
  }
  return out;
})();

const hasOwn = Object.prototype.hasOwnProperty;

/** The kind keys a step has; a failing step has several errors that each ask. */
const kindsByStep = new WeakMap<object, string[]>();

function kindKeysOf(step: Record<string, unknown>): string[] {
  let kinds = kindsByStep.get(step);
  if (kinds === undefined) {
    kinds = [];
    for (const k of KIND_KEYS) if (hasOwn.call(step, k)) kinds.push(k);
    kindsByStep.set(step, kinds);
  }
  return kinds;
}

const ANY_STEP_KEY = new Set([...STEP_KEYS.values()].flatMap((s) => [...s]));

interface PatternHint {
  code: Code;
  noun: string;
  rule: string;
}

/** Patterns of the schema and how to explain them. */
const PATTERN_HINTS: Map<string, PatternHint> = (() => {
  const defs = swarmSchema.$defs;
  const m = new Map<string, PatternHint>();
  m.set(defs.swarmName.pattern, {
    code: 'SF104',
    noun: 'swarm name',
    rule: 'lowercase letters, digits and dashes, starting with a letter (at most 63 characters)',
  });
  m.set(defs.refName.pattern, {
    code: 'SF104',
    noun: 'name',
    rule: 'letters, digits, _ and -, starting with a letter (at most 63 characters)',
  });
  m.set(defs.stepId.pattern, {
    code: 'SF104',
    noun: 'step id',
    rule: 'lowercase letters, digits and _, starting with a letter (at most 63 characters)',
  });
  m.set(defs.skillName.pattern, {
    code: 'SF104',
    noun: 'skill name',
    rule: 'lowercase letters, digits, _ and -, starting with a letter (at most 63 characters)',
  });
  m.set(defs.skillRef.pattern, {
    code: 'SF104',
    noun: 'skill reference',
    rule: 'a skill name, optionally followed by @ and a semver range, e.g. ts-refactor@^2',
  });
  m.set(defs.identifier.pattern, {
    code: 'SF104',
    noun: 'name',
    rule: 'letters, digits and _, starting with a letter or _',
  });
  m.set(defs.duration.pattern, {
    code: 'SF108',
    noun: 'duration',
    rule: 'a whole number and a unit: 500ms, 30s, 10m, 12h or 1d',
  });
  m.set(defs.tool.properties.uses.pattern, {
    code: 'SF104',
    noun: 'tool kind',
    rule: 'lowercase words joined by dots, such as fs.read, shell or http.get',
  });
  m.set(defs.step.properties.swarm.pattern, {
    code: 'SF104',
    noun: 'swarm reference',
    rule: 'a swarm name and a version such as review@3, or the name alone for the latest version',
  });
  return m;
})();

/** Schema problems of a definition's data, at most one per mistake. */
export function schemaProblems(root: unknown): Problem[] {
  const errors = schemaErrors(root);
  if (errors.length === 0) return [];
  return foldErrors(root, errors).map((e) => toProblem(root, e));
}

/** ajv's errors for the whole definition: the root call, then one call per step (breadth first). */
function schemaErrors(root: unknown): ErrorObject[] {
  const v = getValidators();
  const errors: ErrorObject[] = [];
  const queue: { ptr: string; data: unknown }[] = [];
  const run = (fn: ValidateFunction, data: unknown, prefix: string): void => {
    markedSteps = [];
    const ok = fn(data);
    const found = markedSteps;
    markedSteps = [];
    if (!ok) {
      // ajv makes fresh error objects on every call, so they are ours to re-point.
      for (const e of fn.errors ?? []) {
        if (prefix !== '') e.instancePath = prefix + e.instancePath;
        errors.push(e);
      }
    }
    for (const s of found) queue.push({ ptr: prefix + s.ptr, data: s.data });
  };
  run(v.root, root, '');
  for (let i = 0; i < queue.length; i++) {
    const item = queue[i];
    if (item === undefined) continue;
    if (v.step === null) throw new Error('the schema validator marked a step but has no step validator');
    run(v.step, item.data, item.ptr);
  }
  return errors;
}

/** ajv's error, with the pointer and key we settled on. */
interface Folded {
  error: ErrorObject;
  ptr: string;
  /** For unknown and duplicate keys: point at the key. */
  key?: string;
  /** Several `type` errors at one place merged into one list of types. */
  types?: string[];
  /** A step with zero or several kind keys. */
  kinds?: string[];
}

const COMBINATORS = new Set(['oneOf', 'anyOf', 'allOf', 'if', 'not', 'propertyNames', '$ref']);

function foldErrors(root: unknown, errors: readonly ErrorObject[]): Folded[] {
  const out: Folded[] = [];
  const kindReported = new Set<string>();
  const kept: ErrorObject[] = [];

  // A failing step has several errors at its own pointer; walk to it once.
  const places = new Map<string, Place>();
  const placeAt = (ptr: string): Place => {
    let place = places.get(ptr);
    if (place === undefined) {
      place = placeOf(root, ptr);
      places.set(ptr, place);
    }
    return place;
  };

  for (const e of errors) {
    if (e.keyword === 'if' || e.keyword === 'propertyNames') continue;
    const place = placeAt(e.instancePath);
    if (place.isStep && isMap(e.data)) {
      const kinds = kindKeysOf(e.data);
      const allowed = kinds.length === 1 ? (STEP_KEYS.get(kinds[0] ?? '') ?? ANY_STEP_KEY) : ANY_STEP_KEY;
      if (e.keyword === 'unevaluatedProperties' || e.keyword === 'additionalProperties') {
        const key = unknownKeyOf(e);
        if (allowed.has(key)) continue;
      }
      if (kinds.length !== 1) {
        if (e.keyword === 'oneOf') {
          if (!kindReported.has(e.instancePath)) {
            kindReported.add(e.instancePath);
            out.push({ error: e, ptr: e.instancePath, kinds });
          }
          continue;
        }
        if (e.keyword === 'required' && KIND_KEYS.includes(String(e.params['missingProperty']))) continue;
      }
    }
    kept.push(e);
  }

  // Combinators and type errors only count when nothing more precise was said
  // at the same place or below it.
  // Sets of every pointer at or above such an error, so each question is one
  // lookup instead of a search over all errors (thousands of them in a hostile file).
  const underNonCombinator = new Set<string>();
  const underPrecise = new Set<string>();
  for (const e of kept) {
    if (COMBINATORS.has(e.keyword)) continue;
    addWithAncestors(underNonCombinator, e.instancePath);
    if (e.keyword !== 'type') addWithAncestors(underPrecise, e.instancePath);
  }
  const typeGroups = new Map<string, ErrorObject[]>();
  for (const e of kept) {
    if (COMBINATORS.has(e.keyword)) {
      if (underNonCombinator.has(e.instancePath)) continue;
      out.push({ error: e, ptr: e.instancePath });
      continue;
    }
    if (e.keyword === 'type') {
      if (underPrecise.has(e.instancePath)) continue;
      const group = typeGroups.get(e.instancePath);
      if (group) group.push(e);
      else typeGroups.set(e.instancePath, [e]);
      continue;
    }
    if (e.propertyName !== undefined) {
      out.push({ error: e, ptr: join(e.instancePath, e.propertyName), key: e.propertyName });
      continue;
    }
    if (e.keyword === 'unevaluatedProperties' || e.keyword === 'additionalProperties') {
      const key = unknownKeyOf(e);
      out.push({ error: e, ptr: join(e.instancePath, key), key });
      continue;
    }
    if (e.keyword === 'uniqueItems') {
      const later = Math.max(Number(e.params['i']), Number(e.params['j']));
      out.push({ error: e, ptr: join(e.instancePath, later) });
      continue;
    }
    out.push({ error: e, ptr: e.instancePath });
  }
  for (const [ptr, group] of typeGroups) {
    const types = [...new Set(group.flatMap((e) => typeList(e.params['type'])))];
    const first = group[0];
    if (first) out.push({ error: first, ptr, types });
  }
  // A combinator left alone with its type errors says the same thing twice.
  const typed = new Set(out.filter((o) => o.types !== undefined).map((o) => o.ptr));
  return out.filter((f) => !(COMBINATORS.has(f.error.keyword) && f.types === undefined && typed.has(f.ptr)));
}

/** Adds `ptr` and every pointer above it (`/a/b` -> `/a/b`, `/a`, ``): what isUnder(ptr, x) is true for. */
function addWithAncestors(set: Set<string>, ptr: string): void {
  if (set.has(ptr)) return;
  set.add(ptr);
  for (let i = ptr.lastIndexOf('/'); i >= 0; i = ptr.lastIndexOf('/', i - 1)) {
    const up = ptr.slice(0, i);
    if (set.has(up)) return;
    set.add(up);
    if (i === 0) return;
  }
}

/** The key an additionalProperties/unevaluatedProperties error names (a template, not String(): cheaper per error). */
function unknownKeyOf(e: ErrorObject): string {
  return `${e.params['unevaluatedProperty'] ?? e.params['additionalProperty'] ?? ''}`;
}

function typeList(t: unknown): string[] {
  if (typeof t === 'string') return t.split(',');
  if (Array.isArray(t)) return t.filter((x): x is string => typeof x === 'string');
  return [];
}

function isUserSchema(ptr: string): boolean {
  const segs = segments(ptr);
  if (segs[0] === 'inputs') return true;
  const i = segs.lastIndexOf('output');
  return i >= 0 && segs[i + 1] === 'schema' && segs[0] === 'steps';
}

function toProblem(root: unknown, f: Folded): Problem {
  const p = describeError(root, f);
  if (isUserSchema(f.ptr) && p.code !== 'SF005') {
    const where = segments(f.ptr)[0] === 'inputs' ? 'inputs' : 'output.schema';
    return { ...p, code: 'SF113', message: `${p.message} (${where} must be a valid JSON Schema 2020-12)` };
  }
  return p;
}

function describeError(root: unknown, f: Folded): Problem {
  const e = f.error;
  const subject = subjectOf(root, f.ptr);
  const data: unknown = e.data;
  const problem = (code: Code, message: string, at?: 'key'): Problem =>
    at ? { code, ptr: f.ptr, message, at } : { code, ptr: f.ptr, message };

  if (f.kinds !== undefined) {
    const owner = placeOf(root, f.ptr).owner;
    const found = f.kinds.length === 0 ? 'it has none' : `it has ${f.kinds.join(' and ')}`;
    return problem('SF106', `${owner} must have exactly one kind key: ${KIND_KEYS.join(', ')}; ${found}`);
  }
  if (f.types !== undefined) return problem('SF103', `${subject} must be ${expectedTypes(f.ptr, f.types)}, not ${showValue(data)}`);

  switch (e.keyword) {
    case 'required': {
      const missing = String(e.params['missingProperty']);
      const place = placeOf(root, f.ptr);
      if (place.owner.startsWith('tool ') && (missing === 'with' || missing === 'allow')) return allowListProblem(root, f.ptr);
      return problem('SF101', `${subject} is missing required key "${missing}"`);
    }
    case 'additionalProperties':
    case 'unevaluatedProperties': {
      const key = f.key ?? '';
      const ownerPtr = e.instancePath;
      const allowed = allowedKeys(root, ownerPtr, e);
      const guess = suggestOnce(key, allowed);
      const hint = guess !== null ? `did you mean "${guess}"?` : `expected one of: ${nameList(allowed, 30)}`;
      return problem('SF102', `${subjectOf(root, ownerPtr)} has unknown key "${key}"; ${hint}`, 'key');
    }
    case 'pattern': {
      const hint = PATTERN_HINTS.get(String(e.params['pattern']));
      const shown = f.key !== undefined ? f.key : typeof data === 'string' ? data : String(data);
      if (f.key !== undefined) {
        const parent = subjectOf(root, e.instancePath);
        return problem(hint?.code ?? 'SF104', `${quote(shown)} under ${parent} is not a valid ${hint?.noun ?? 'name'}; use ${hint?.rule ?? 'a simpler name'}`, 'key');
      }
      if (hint?.noun === 'step id' && placeOf(root, f.ptr).rest.join('/') === 'id') {
        return problem(hint.code, `the step id ${quote(shown)} is not valid; use ${hint.rule}`);
      }
      return problem(
        hint?.code ?? 'SF104',
        `${subject} is ${quote(shown)}, which is not a valid ${hint?.noun ?? 'value'}; use ${hint?.rule ?? 'a value of the documented form'}`,
      );
    }
    case 'enum': {
      const allowed = Array.isArray(e.params['allowedValues']) ? e.params['allowedValues'].map(String) : [];
      return problem('SF105', `${subject} must be one of ${allowed.join(', ')}, not ${showValue(data)}`);
    }
    case 'const':
      return problem('SF105', `${subject} must be ${JSON.stringify(e.params['allowedValue'])}, not ${showValue(data)}`);
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const words: Record<string, string> = {
        minimum: 'at least',
        maximum: 'at most',
        exclusiveMinimum: 'greater than',
        exclusiveMaximum: 'less than',
      };
      return problem('SF107', `${subject} must be ${words[e.keyword] ?? ''} ${String(e.params['limit'])}, not ${String(data)}`);
    }
    case 'multipleOf':
      return problem('SF107', `${subject} must be a multiple of ${String(e.params['multipleOf'])}, not ${String(data)}`);
    case 'minItems':
    case 'minProperties':
    case 'minLength': {
      const limit = Number(e.params['limit']);
      if (limit <= 1) return problem('SF109', `${subject} must not be empty`);
      const unit = e.keyword === 'minItems' ? 'items' : e.keyword === 'minLength' ? 'characters' : 'keys';
      return problem('SF109', `${subject} must have at least ${limit} ${unit}`);
    }
    case 'maxItems':
    case 'maxProperties':
    case 'maxLength': {
      const unit = e.keyword === 'maxItems' ? 'items' : e.keyword === 'maxLength' ? 'characters' : 'keys';
      return problem('SF110', `${subject} must have at most ${String(e.params['limit'])} ${unit}`);
    }
    case 'uniqueItems': {
      const item: unknown = Array.isArray(data) ? data[Number(e.params['i'])] : undefined;
      const listSubject = subjectOf(root, e.instancePath);
      const shown = typeof item === 'string' ? quote(item) : showValue(item);
      return problem('SF111', `${listSubject} lists ${shown} more than once; keep one`);
    }
    case 'format':
      return problem('SF119', `${subject} must be a valid ${String(e.params['format'])}, not ${showValue(data)}`);
    case 'oneOf':
    case 'anyOf':
      return problem('SF119', `${subject} does not have any of the accepted forms`);
    case 'not':
      return problem('SF119', `${subject} has a form that is not allowed here`);
    case 'false schema':
      return problem('SF102', `${subject} is not allowed here`);
    case 'dependentRequired':
      return problem('SF101', `${subject} is missing "${String(e.params['missingProperty'])}", which "${String(e.params['property'])}" requires`);
    default:
      return problem('SF119', `${subject} does not match the definition's schema (rule "${e.keyword}")`);
  }
}

/**
 * suggest() compares the key with every allowed one; a file that repeats one
 * wrong key on thousands of steps asks the same question each time.
 */
const suggestions = new BoundedCache<string | null>(1000);

function suggestOnce(key: string, allowed: readonly string[]): string | null {
  const k = `${key}\u0000${allowed.join('\u0000')}`;
  const known = suggestions.get(k);
  return known !== undefined ? known : suggestions.set(k, suggest(key, allowed));
}

function allowListProblem(root: unknown, ptr: string): Problem {
  const toolPtr = segments(ptr).length > 2 ? ptr.slice(0, ptr.lastIndexOf('/')) : ptr;
  const place = placeOf(root, toolPtr);
  const tool = segments(toolPtr)[1] ?? '';
  const tools = isMap(root) ? own(root, 'tools') : undefined;
  const def = isMap(tools) ? own(tools, tool) : undefined;
  const uses = isMap(def) ? String(own(def, 'uses')) : 'shell';
  const what = uses === 'shell' ? 'the commands it may run' : 'the URL patterns it may reach';
  return { code: 'SF112', ptr, message: `${place.owner} uses ${uses}, so it needs with.allow: a list of ${what}` };
}

function allowedKeys(root: unknown, ownerPtr: string, e: ErrorObject): string[] {
  const place = placeOf(root, ownerPtr);
  if (place.isStep) {
    const step = e.data;
    const kinds = isMap(step) ? kindKeysOf(step) : [];
    const keys = kinds.length === 1 ? STEP_KEYS.get(kinds[0] ?? '') : ANY_STEP_KEY;
    return [...(keys ?? ANY_STEP_KEY)];
  }
  const parent = e.parentSchema;
  const props = isMap(parent) ? own(parent, 'properties') : undefined;
  return isMap(props) ? Object.keys(props) : [];
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
  null: 'empty',
};

function expectedTypes(ptr: string, types: readonly string[]): string {
  const last = segments(ptr).at(-1);
  if (last === 'retry') return 'a whole number of attempts or a mapping with maxAttempts, initialInterval, backoffCoefficient and maxInterval';
  if (last === 'when' || last === 'if' || last === 'until') return 'a ${{ }} expression or true/false';
  if (last === 'forEach') return 'a ${{ }} expression or a list';
  const words = types.map((t) => TYPE_WORDS[t] ?? t);
  if (words.length <= 1) return words[0] ?? 'something else';
  return `${words.slice(0, -1).join(', ')} or ${words.at(-1) ?? ''}`;
}
