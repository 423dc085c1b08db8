/**
 * The Run form: fields generated from the swarm's `inputs` JSON Schema, and
 * the run input built from what was typed. Only the common shapes get their
 * own controls (strings, numbers, booleans, enums at the top level of an
 * object schema); anything else is typed as JSON. The API checks the input
 * against the full schema anyway and says what is wrong.
 */
import type { Json } from '../../../dsl/ir';
import { asJson, isJsonObject } from './json';
import type { JsonObject } from './json';

export type InputType = 'string' | 'integer' | 'number' | 'boolean' | 'enum' | 'json';

export interface InputField {
  name: string;
  type: InputType;
  required: boolean;
  description: string;
  options?: string[];
  min?: number;
  max?: number;
  default?: Json;
}

export interface InputForm {
  /** Fields of an object schema; empty when the input is typed as one JSON value. */
  fields: InputField[];
  /** The whole input is one JSON text (no schema, or not an object schema). */
  wholeJson: boolean;
}

export function inputForm(inputsSchema: unknown): InputForm {
  const s = asJson(inputsSchema);
  if (s === undefined || !isJsonObject(s) || s.type !== 'object' || !isJsonObject(s.properties)) return { fields: [], wholeJson: true };
  const required = new Set(Array.isArray(s.required) ? s.required.filter((x): x is string => typeof x === 'string') : []);
  const fields: InputField[] = [];
  for (const [name, p] of Object.entries(s.properties)) {
    if (!isJsonObject(p)) continue;
    const f: InputField = { name, type: 'json', required: required.has(name), description: typeof p.description === 'string' ? p.description : '' };
    if (Array.isArray(p.enum) && p.enum.every((x) => typeof x === 'string')) {
      f.type = 'enum';
      f.options = p.enum.map(String);
    } else if (p.type === 'string' || p.type === 'integer' || p.type === 'number' || p.type === 'boolean') f.type = p.type;
    if (typeof p.minimum === 'number') f.min = p.minimum;
    if (typeof p.maximum === 'number') f.max = p.maximum;
    if (p.default !== undefined) f.default = p.default;
    fields.push(f);
  }
  return { fields, wholeJson: false };
}

/** Typed values -> the run input, or the problems to show beside the fields. */
export function buildInput(form: InputForm, values: Record<string, string | boolean>): { input: Json; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  if (form.wholeJson) {
    const raw = values[''];
    const text = typeof raw === 'string' ? raw.trim() : '';
    if (text === '') return { input: {}, errors };
    try {
      const j = asJson(JSON.parse(text));
      if (j === undefined) throw new Error('not JSON');
      return { input: j, errors };
    } catch {
      errors[''] = 'the input must be JSON, e.g. {"task": "..."}';
      return { input: {}, errors };
    }
  }
  const input: JsonObject = {};
  for (const f of form.fields) {
    const raw = values[f.name];
    if (f.type === 'boolean') {
      if (typeof raw === 'boolean') input[f.name] = raw;
      continue;
    }
    const text = typeof raw === 'string' ? raw : '';
    if (text.trim() === '') {
      if (f.required) errors[f.name] = `${f.name} is required`;
      continue;
    }
    if (f.type === 'string' || f.type === 'enum') input[f.name] = text;
    else if (f.type === 'integer' || f.type === 'number') {
      const n = Number(text);
      if (!Number.isFinite(n) || (f.type === 'integer' && !Number.isInteger(n))) errors[f.name] = `${f.name} must be ${f.type === 'integer' ? 'a whole number' : 'a number'}`;
      else if (f.min !== undefined && n < f.min) errors[f.name] = `${f.name} must be at least ${f.min}`;
      else if (f.max !== undefined && n > f.max) errors[f.name] = `${f.name} must be at most ${f.max}`;
      else input[f.name] = n;
    } else {
      try {
        const j = asJson(JSON.parse(text));
        if (j === undefined) throw new Error('not JSON');
        input[f.name] = j;
      } catch {
        errors[f.name] = `${f.name} must be JSON`;
      }
    }
  }
  return { input, errors };
}
