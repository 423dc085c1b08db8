/**
 * Generates a value that satisfies a JSON Schema, deterministically from an
 * Rng: the simulated model's structured answers and tool-call arguments.
 *
 * Covers what output and tool schemas use in practice: type (or a list of
 * types), const, enum, object properties/required/additionalProperties/
 * minProperties, array items/prefixItems/minItems/maxItems/uniqueItems,
 * string length and common formats, number ranges and multipleOf, local
 * `$ref` (`#/$defs/...`, `#/definitions/...`), allOf (merged), anyOf/oneOf
 * (first branch that is not `null`), `not` is ignored. String `pattern` is
 * not honoured: a schema that requires one gets a plain string.
 */
import { Rng, words } from './random';

export interface SampleOptions {
  /** Items in arrays, clamped to the schema's minItems..maxItems; default 3. */
  arrayItems: number;
}

type Schema = Record<string, unknown>;

function isObject(v: unknown): v is Schema {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

const MAX_DEPTH = 8;

export function sampleFromSchema(schema: unknown, rng: Rng, opts: SampleOptions): unknown {
  const root = isObject(schema) ? schema : {};
  return new Sampler(root, rng, opts).sample(root, 0, 'value');
}

class Sampler {
  constructor(
    private readonly root: Schema,
    private readonly rng: Rng,
    private readonly opts: SampleOptions,
  ) {}

  sample(input: unknown, depth: number, hint: string): unknown {
    if (input === true || input === undefined) return words(this.rng, 2);
    if (!isObject(input)) return null;
    const s = this.resolve(input, 0);
    if ('const' in s) return s.const;
    if (Array.isArray(s.enum) && s.enum.length > 0) return this.rng.pick(s.enum);
    const branches = Array.isArray(s.anyOf) ? s.anyOf : Array.isArray(s.oneOf) ? s.oneOf : null;
    if (branches && branches.length > 0) {
      const nonNull = branches.find((b) => !(isObject(b) && b.type === 'null'));
      const { anyOf: _a, oneOf: _o, ...rest } = s;
      return this.sample(this.merge(rest, nonNull ?? branches[0]), depth, hint);
    }
    switch (this.typeOf(s)) {
      case 'object':
        return this.object(s, depth);
      case 'array':
        return this.array(s, depth, hint);
      case 'integer':
        return this.number(s, true);
      case 'number':
        return this.number(s, false);
      case 'boolean':
        return this.rng.next() < 0.5;
      case 'null':
        return null;
      default:
        return this.string(s, hint);
    }
  }

  /** Follows local `$ref`s and merges `allOf` so that the rest sees one flat schema. */
  private resolve(s: Schema, hops: number): Schema {
    let out = s;
    if (typeof out.$ref === 'string' && hops < 32) {
      const target = this.pointer(out.$ref);
      const { $ref: _r, ...rest } = out;
      out = this.merge(rest, this.resolve(target, hops + 1));
    }
    if (Array.isArray(out.allOf)) {
      const { allOf, ...rest } = out;
      let merged: Schema = rest;
      for (const part of allOf) if (isObject(part)) merged = this.merge(merged, this.resolve(part, hops + 1));
      out = merged;
    }
    return out;
  }

  private pointer(ref: string): Schema {
    if (!ref.startsWith('#')) return {};
    let cur: unknown = this.root;
    for (const raw of ref.slice(1).split('/').filter((p) => p !== '')) {
      const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
      cur = isObject(cur) ? cur[key] : undefined;
    }
    return isObject(cur) ? cur : {};
  }

  /** Shallow merge; properties and required lists are combined. */
  private merge(a: Schema, b: unknown): Schema {
    if (!isObject(b)) return a;
    const out: Schema = { ...a, ...b };
    if (isObject(a.properties) || isObject(b.properties)) {
      out.properties = { ...(isObject(a.properties) ? a.properties : {}), ...(isObject(b.properties) ? b.properties : {}) };
    }
    const req = [...(Array.isArray(a.required) ? a.required : []), ...(Array.isArray(b.required) ? b.required : [])];
    if (req.length > 0) out.required = [...new Set(req)];
    return out;
  }

  private typeOf(s: Schema): string {
    const t = s.type;
    if (typeof t === 'string') return t;
    if (Array.isArray(t)) {
      const first = t.find((x) => typeof x === 'string' && x !== 'null') ?? t[0];
      return typeof first === 'string' ? first : 'string';
    }
    if (isObject(s.properties) || Array.isArray(s.required)) return 'object';
    if (s.items !== undefined || Array.isArray(s.prefixItems)) return 'array';
    if (num(s.minimum) !== undefined || num(s.maximum) !== undefined) return 'number';
    return 'string';
  }

  private object(s: Schema, depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const props = isObject(s.properties) ? s.properties : {};
    const required = new Set(Array.isArray(s.required) ? s.required.filter((r): r is string => typeof r === 'string') : []);
    const deep = depth >= MAX_DEPTH;
    for (const [key, sub] of Object.entries(props)) {
      if (deep && !required.has(key)) continue;
      out[key] = this.sample(sub, depth + 1, key);
    }
    for (const key of required) if (!(key in out)) out[key] = this.sample(true, depth + 1, key);
    const minProps = num(s.minProperties) ?? 0;
    const extra = s.additionalProperties;
    for (let i = 0; Object.keys(out).length < minProps && i < 64; i++) {
      out[`extra_${i}`] = this.sample(isObject(extra) ? extra : true, depth + 1, 'extra');
    }
    return out;
  }

  private array(s: Schema, depth: number, hint: string): unknown[] {
    const min = Math.max(0, Math.floor(num(s.minItems) ?? 0));
    const max = Math.floor(num(s.maxItems) ?? Number.POSITIVE_INFINITY);
    const wanted = depth >= MAX_DEPTH ? min : Math.min(Math.max(this.opts.arrayItems, min), max);
    const prefix = Array.isArray(s.prefixItems) ? s.prefixItems : Array.isArray(s.items) ? s.items : [];
    const rest = Array.isArray(s.items) ? s.additionalItems : s.items;
    const out: unknown[] = [];
    const seen = new Set<string>();
    for (let i = 0; i < wanted; i++) {
      const sub = i < prefix.length ? prefix[i] : rest;
      if (sub === false) break;
      let v = this.sample(sub, depth + 1, hint);
      // uniqueItems: a few more draws usually find a new value; give up rather than loop.
      for (let tries = 0; s.uniqueItems === true && seen.has(JSON.stringify(v)) && tries < 16; tries++) {
        v = this.sample(sub, depth + 1, `${hint} ${i}`);
      }
      if (s.uniqueItems === true && seen.has(JSON.stringify(v))) break;
      seen.add(JSON.stringify(v));
      out.push(v);
    }
    return out;
  }

  private number(s: Schema, integer: boolean): number {
    let lo = num(s.minimum) ?? Number.NEGATIVE_INFINITY;
    let hi = num(s.maximum) ?? Number.POSITIVE_INFINITY;
    const exLo = num(s.exclusiveMinimum);
    const exHi = num(s.exclusiveMaximum);
    const step = num(s.multipleOf);
    const eps = integer ? 1 : 1e-6;
    if (exLo !== undefined) lo = Math.max(lo, exLo + eps);
    if (exHi !== undefined) hi = Math.min(hi, exHi - eps);
    if (!Number.isFinite(lo) && !Number.isFinite(hi)) [lo, hi] = [0, 100];
    else if (!Number.isFinite(lo)) lo = hi - 100;
    else if (!Number.isFinite(hi)) hi = lo + 100;
    if (step !== undefined && step > 0) {
      const first = Math.ceil(lo / step);
      const last = Math.floor(hi / step);
      const k = last >= first ? this.rng.int(first, last) : first;
      return integer ? Math.round(k * step) : Number((k * step).toPrecision(12));
    }
    if (integer) return this.rng.int(Math.ceil(lo), Math.floor(hi));
    return Math.round((lo + this.rng.next() * (hi - lo)) * 1000) / 1000;
  }

  private string(s: Schema, hint: string): string {
    const min = Math.max(0, Math.floor(num(s.minLength) ?? 0));
    const max = Math.floor(num(s.maxLength) ?? Number.POSITIVE_INFINITY);
    const formatted = this.format(typeof s.format === 'string' ? s.format : '');
    let text = formatted ?? `${hint.replace(/[^A-Za-z0-9 _-]/g, '').slice(0, 24)} ${words(this.rng, this.rng.int(1, 4))}`.trim();
    while (text.length < min) text += ` ${words(this.rng, 1)}`;
    // Count code points, as JSON Schema does.
    if ([...text].length > max) text = [...text].slice(0, max).join('');
    return text;
  }

  private format(f: string): string | null {
    const r = this.rng;
    const two = (n: number): string => String(n).padStart(2, '0');
    const date = `20${two(r.int(20, 29))}-${two(r.int(1, 12))}-${two(r.int(1, 28))}`;
    const time = `${two(r.int(0, 23))}:${two(r.int(0, 59))}:${two(r.int(0, 59))}Z`;
    const hex = (n: number): string => Array.from({ length: n }, () => r.int(0, 15).toString(16)).join('');
    switch (f) {
      case 'date-time':
        return `${date}T${time}`;
      case 'date':
        return date;
      case 'time':
        return time;
      case 'email':
        return `${words(r, 1)}@example.com`;
      case 'uri':
      case 'url':
      case 'uri-reference':
        return `https://example.com/${words(r, 1)}`;
      case 'uuid':
        return `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;
      case 'ipv4':
        return `10.${r.int(0, 255)}.${r.int(0, 255)}.${r.int(1, 254)}`;
      case 'hostname':
        return `${words(r, 1)}.example.com`;
      default:
        return null;
    }
  }
}
