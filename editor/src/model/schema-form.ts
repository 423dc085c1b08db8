/**
 * Form fields generated from the language's JSON Schema
 * (schemas/swarm.schema.json), so a key the schema gains shows up in the
 * node forms without editor changes. The schema is the source of truth for
 * which keys exist, their types, limits and help text; the editor adds only
 * what a schema cannot say: which names a field refers to (agents, models,
 * tools, skills, steps), for pickers.
 */
import type { Json } from '../../../dsl/ir';
import { isJsonObject, asJson } from './json';
import type { JsonObject } from './json';
import type { StepKind } from './steps';

export type FieldType =
  | 'text'
  | 'multiline'
  | 'expression'
  | 'integer'
  | 'number'
  | 'boolean'
  | 'enum'
  | 'duration'
  | 'ref'
  | 'refList'
  | 'stringList'
  | 'json';

export type RefTarget = 'agents' | 'models' | 'tools' | 'skills' | 'steps';

export interface Field {
  /** Keys from the edited object to the value (`['waitFor', 'signal']`). */
  path: string[];
  label: string;
  description: string;
  type: FieldType;
  required: boolean;
  options?: string[];
  ref?: RefTarget;
  min?: number;
  max?: number;
  pattern?: string;
}

/** Which names a field picks from: the one thing the schema cannot tell. */
const REF_TARGETS: Record<string, RefTarget> = {
  'step:agent': 'agents',
  'step:llm': 'models',
  'step:tool': 'tools',
  'step:captureSkill.from': 'steps',
  'agents:model': 'models',
  'agents:tools': 'tools',
  'agents:skills': 'skills',
};

/** Thrown when the schema lacks a part the forms are built from (the schema file and the editor disagree). */
export class SchemaShapeError extends Error {
  constructor(what: string) {
    super(`schemas/swarm.schema.json has no ${what}; the editor's forms are built from it`);
    this.name = 'SchemaShapeError';
  }
}

type Schema = JsonObject;

function defs(schema: Schema): Schema {
  const d = schema.$defs;
  if (!isJsonObject(d)) throw new SchemaShapeError('$defs');
  return d;
}

function refName(s: Schema): string | null {
  const r = s.$ref;
  return typeof r === 'string' && r.startsWith('#/$defs/') ? r.slice('#/$defs/'.length) : null;
}

function resolve(root: Schema, s: Schema): Schema {
  let cur = s;
  for (let i = 0; i < 10; i++) {
    const name = refName(cur);
    if (!name) return cur;
    const next = defs(root)[name];
    if (!isJsonObject(next)) return cur;
    cur = { ...next, ...Object.fromEntries(Object.entries(cur).filter(([k]) => k !== '$ref')) };
  }
  return cur;
}

function props(s: Schema): Record<string, Schema> {
  const p = s.properties;
  const out: Record<string, Schema> = {};
  if (!isJsonObject(p)) return out;
  for (const [k, v] of Object.entries(p)) if (isJsonObject(v)) out[k] = v;
  return out;
}

function requiredOf(s: Schema): Set<string> {
  return new Set(Array.isArray(s.required) ? s.required.filter((x): x is string => typeof x === 'string') : []);
}

const SKIP_REFS = new Set(['stepList', 'step']);

/** Fields for one property; nested objects with fixed keys expand into their own fields. */
function fieldsFor(root: Schema, scope: string, path: string[], raw: Schema, required: boolean): Field[] {
  const name = refName(raw);
  if (name && SKIP_REFS.has(name)) return [];
  const s = resolve(root, raw);
  const items = isJsonObject(s.items) ? s.items : null;
  if (items && refName(items) === 'step') return [];
  const description = typeof raw.description === 'string' ? raw.description : typeof s.description === 'string' ? s.description : '';
  const key = path.join('.');
  const ref = REF_TARGETS[`${scope}:${key}`];
  const base: Field = { path, label: path[path.length - 1] ?? key, description, type: 'json', required };
  if (typeof s.pattern === 'string') base.pattern = s.pattern;
  if (typeof s.minimum === 'number') base.min = s.minimum;
  if (typeof s.maximum === 'number') base.max = s.maximum;

  if (name === 'duration') return [{ ...base, type: 'duration' }];
  if (name === 'condition') return [{ ...base, type: 'expression' }];
  if (name === 'value') return [{ ...base, type: 'multiline' }];
  if (name === 'retry' || name === 'outputSpec' || name === 'jsonSchema') return [{ ...base, type: 'json' }];
  if (Array.isArray(s.enum)) return [{ ...base, type: 'enum', options: s.enum.map(String) }];
  const type = s.type;
  if (Array.isArray(type)) {
    if (type.includes('string')) return [{ ...base, type: 'expression' }];
    return [base];
  }
  if (type === 'string') {
    if (ref) return [{ ...base, type: 'ref', ref }];
    return [{ ...base, type: key.endsWith('instructions') || key.endsWith('description') ? 'multiline' : 'text' }];
  }
  if (type === 'integer') return [{ ...base, type: 'integer' }];
  if (type === 'number') return [{ ...base, type: 'number' }];
  if (type === 'boolean') return [{ ...base, type: 'boolean' }];
  if (type === 'array') {
    if (ref) return [{ ...base, type: 'refList', ref }];
    const it = items ? resolve(root, items) : null;
    return [{ ...base, type: it?.type === 'string' ? 'stringList' : 'json' }];
  }
  if (type === 'object' && s.additionalProperties === false && isJsonObject(s.properties)) {
    const req = requiredOf(s);
    return Object.entries(props(s)).flatMap(([k, v]) => fieldsFor(root, scope, [...path, k], v, req.has(k)).map((f) => ({ ...f, label: `${path.join('.')}.${f.label}` })));
  }
  return [base];
}

/** The schema definitions whose properties a step of `kind` may have (from the step's allOf if/then). */
function kindDefs(root: Schema, step: Schema, kind: StepKind): Schema[] {
  const out: Schema[] = [];
  const allOf = Array.isArray(step.allOf) ? step.allOf : [];
  for (const entry of allOf) {
    if (!isJsonObject(entry) || !isJsonObject(entry.if) || !isJsonObject(entry.then)) continue;
    const req = entry.if.required;
    if (!Array.isArray(req) || req.length !== 1 || req[0] !== kind) continue;
    let def: Schema | null = entry.then;
    for (let i = 0; def && i < 5; i++) {
      const name = refName(def);
      const target: Json | undefined = name ? defs(root)[name] : undefined;
      if (i > 0 || !name) out.push(def);
      def = isJsonObject(target) ? target : null;
    }
  }
  return out;
}

/** The fields of a step of `kind`: id, name, its kind key (expanded when it is an object), its kind's keys, when, onError. */
export function stepFields(schemaJson: unknown, kind: StepKind): Field[] {
  const root = asSchema(schemaJson);
  const step = defs(root).step;
  if (!isJsonObject(step)) throw new SchemaShapeError('$defs.step');
  const common = props(step);
  const req = requiredOf(step);
  const field = (k: string, required = req.has(k)): Field[] => {
    const s = common[k];
    return s ? fieldsFor(root, 'step', [k], s, required) : [];
  };
  const kindRequired = new Set<string>();
  const extra: [string, Schema][] = [];
  for (const d of kindDefs(root, step, kind)) {
    for (const k of requiredOf(d)) kindRequired.add(k);
    for (const [k, v] of Object.entries(props(d))) if (!extra.some(([e]) => e === k)) extra.push([k, v]);
  }
  return [
    ...field('id', true),
    ...field('name'),
    ...field(kind, true),
    ...extra.flatMap(([k, v]) => fieldsFor(root, 'step', [k], v, kindRequired.has(k))),
    ...field('when'),
    ...field('onError'),
  ];
}

/** The fields of an entry under `models`, `tools` or `agents`. */
export function entryFields(schemaJson: unknown, section: 'models' | 'tools' | 'agents'): Field[] {
  const root = asSchema(schemaJson);
  const def = defs(root)[{ models: 'model', tools: 'tool', agents: 'agent' }[section]];
  if (!isJsonObject(def)) throw new SchemaShapeError(`definition for ${section} entries`);
  const req = requiredOf(def);
  return Object.entries(props(def)).flatMap(([k, v]) => fieldsFor(root, section, [k], v, req.has(k)));
}

/** Fields of the definition itself: name, version, description, limits, inputs, output (steps and the named sections have their own panels). */
export function swarmFields(schemaJson: unknown): Field[] {
  const root = asSchema(schemaJson);
  const req = requiredOf(root);
  const own = new Set(['steps', 'models', 'tools', 'agents', 'skills']);
  return Object.entries(props(root))
    .filter(([k]) => !own.has(k))
    .flatMap(([k, v]) => fieldsFor(root, 'swarm', [k], v, req.has(k)));
}

/** The help text of a top-level key (`skills`, `limits`...). */
export function topLevelDescription(schemaJson: unknown, key: string): string {
  const root = asSchema(schemaJson);
  const d = props(root)[key]?.description;
  return typeof d === 'string' ? d : '';
}

function asSchema(v: unknown): Schema {
  const j = asJson(v);
  if (j === undefined || !isJsonObject(j)) throw new SchemaShapeError('object at its root');
  return j;
}

// ---------------------------------------------------------------- values <-> inputs

export function fieldValue(obj: Json, field: Field): Json | undefined {
  let cur: Json | undefined = obj;
  for (const k of field.path) {
    if (!isJsonObject(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}

/** What a form control shows for a value. */
export function formatFieldValue(field: Field, v: Json | undefined): string {
  if (v === undefined || v === null) return '';
  switch (field.type) {
    case 'refList':
    case 'stringList':
      return Array.isArray(v) ? v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(', ') : JSON.stringify(v);
    case 'json':
      return typeof v === 'string' ? v : JSON.stringify(v, null, 2);
    case 'multiline':
      return typeof v === 'string' ? v : JSON.stringify(v, null, 2);
    default:
      return typeof v === 'string' ? v : JSON.stringify(v);
  }
}

/** A form control's text -> the value to write (undefined: remove the key), or an error for the user. */
export function parseFieldInput(field: Field, raw: string | boolean): { value: Json | undefined; error: string | null } {
  if (typeof raw === 'boolean') return { value: raw, error: null };
  const text = raw;
  if (text.trim() === '' && field.type !== 'multiline') return field.required ? { value: undefined, error: `${field.label} is required` } : { value: undefined, error: null };
  switch (field.type) {
    case 'integer':
    case 'number': {
      if (/^\$\{\{/.test(text.trim())) return { value: text.trim(), error: null };
      const n = Number(text);
      if (!Number.isFinite(n) || (field.type === 'integer' && !Number.isInteger(n))) return { value: undefined, error: `${field.label} must be ${field.type === 'integer' ? 'a whole number' : 'a number'}` };
      if (field.min !== undefined && n < field.min) return { value: undefined, error: `${field.label} must be at least ${field.min}` };
      if (field.max !== undefined && n > field.max) return { value: undefined, error: `${field.label} must be at most ${field.max}` };
      return { value: n, error: null };
    }
    case 'refList':
    case 'stringList':
      return { value: text.split(',').map((s) => s.trim()).filter((s) => s !== ''), error: null };
    case 'json': {
      try {
        const parsed: unknown = JSON.parse(text);
        const j = asJson(parsed);
        return j === undefined ? { value: undefined, error: `${field.label}: not JSON data` } : { value: j, error: null };
      } catch {
        // Not JSON: a plain string is a fine value for most of these (a retry count, a prompt-like value).
        return { value: text, error: null };
      }
    }
    case 'multiline':
      return text === '' && field.required ? { value: undefined, error: `${field.label} is required` } : { value: text === '' ? undefined : text, error: null };
    case 'expression':
      if (text.trim() === 'true' || text.trim() === 'false') return { value: text.trim() === 'true', error: null };
      return { value: text, error: null };
    case 'duration':
      return /^\d+(ms|s|m|h|d)$/.test(text.trim()) ? { value: text.trim(), error: null } : { value: undefined, error: `${field.label}: a number and a unit, e.g. 30s, 10m, 12h` };
    default:
      return { value: text, error: null };
  }
}
