/**
 * User tool kinds: a module (CommonJS, or ESM where Node can require it)
 * named in the worker's configuration that exports a `ToolKind` or a list
 * of them, as `module.exports`, `default` or `toolKinds`. Modules are code
 * the worker's operator chose to install; definitions only name their kinds.
 *
 * What a module exports is checked here, field by field, so a broken module
 * stops the worker at start with a message naming the module and the field.
 */
import * as path from 'node:path';
import { messageOf, ToolModuleError } from './errors';
import { checkSchema, isJson } from './json-schema';
import type { Json, JSONSchema, ToolConfig, ToolContext, ToolEffect, ToolKind } from './types';

const USES_RE = /^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)*$/;
const EFFECTS: readonly ToolEffect[] = ['read', 'write', 'external'];

function isObject(v: unknown): v is { [key: string]: unknown } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function schemaField(v: unknown, field: string, where: string): JSONSchema {
  if (!isObject(v) || !isJson(v) || Array.isArray(v)) throw new ToolModuleError(where, `${field} must be a JSON Schema object`);
  const problems = checkSchema(v);
  if (problems.length > 0) throw new ToolModuleError(where, `${field}: ${problems.join('; ')}`);
  return v;
}

/** Turns one exported value into a checked ToolKind (functions wrapped so their answers are checked too). */
export function toToolKind(value: unknown, where: string): ToolKind {
  if (!isObject(value)) throw new ToolModuleError(where, 'a tool kind must be an object');
  const { uses, description, effect, run, argsSchema, checkConfig, describeConfig, deduplicate, repeatable } = value;
  if (typeof uses !== 'string' || uses.length > 64 || !USES_RE.test(uses)) throw new ToolModuleError(where, `uses must be a dotted lower-case name such as "acme.word-count", got ${JSON.stringify(uses)}`);
  const at = `${where} (${uses})`;
  if (typeof description !== 'string' || description.trim() === '') throw new ToolModuleError(at, 'description must be a non-empty string');
  const eff = EFFECTS.find((e) => e === effect);
  if (!eff) throw new ToolModuleError(at, `effect must be one of ${EFFECTS.join(', ')}`);
  if (typeof run !== 'function') throw new ToolModuleError(at, 'run(args, ctx) must be a function');
  if (deduplicate !== undefined && typeof deduplicate !== 'boolean') throw new ToolModuleError(at, 'deduplicate must be a boolean');
  if (repeatable !== undefined && typeof repeatable !== 'boolean') throw new ToolModuleError(at, 'repeatable must be a boolean');
  if (checkConfig !== undefined && typeof checkConfig !== 'function') throw new ToolModuleError(at, 'checkConfig must be a function');
  if (describeConfig !== undefined && typeof describeConfig !== 'function') throw new ToolModuleError(at, 'describeConfig must be a function');
  const configSchema = schemaField(value['configSchema'], 'configSchema', at);
  const resultSchema = schemaField(value['resultSchema'], 'resultSchema', at);
  let args: (config: ToolConfig) => JSONSchema;
  if (typeof argsSchema === 'function') {
    args = (config) => schemaField(argsSchema.call(value, config), 'argsSchema(config)', at);
  } else {
    const fixed = schemaField(argsSchema, 'argsSchema', at);
    args = () => fixed;
  }
  const kind: ToolKind = {
    uses,
    description,
    effect: eff,
    configSchema,
    resultSchema,
    argsSchema: args,
    run: async (a: Json, ctx: ToolContext): Promise<Json> => {
      const out: unknown = await run.call(value, a, ctx);
      if (!isJson(out)) throw new Error(`${uses} returned a value that is not JSON`);
      return out;
    },
  };
  if (deduplicate !== undefined) kind.deduplicate = deduplicate;
  if (repeatable !== undefined) kind.repeatable = repeatable;
  if (typeof checkConfig === 'function') {
    kind.checkConfig = (config) => {
      const out: unknown = checkConfig.call(value, config);
      return Array.isArray(out) ? out.map(String) : [];
    };
  }
  if (typeof describeConfig === 'function') {
    kind.describeConfig = (config) => String(describeConfig.call(value, config));
  }
  return kind;
}

function exportedKinds(mod: unknown): unknown[] | null {
  const candidates: unknown[] = [mod];
  if (isObject(mod)) candidates.push(mod['default'], mod['toolKinds']);
  for (const c of candidates) {
    if (Array.isArray(c)) return c;
    if (isObject(c) && typeof c['uses'] === 'string') return [c];
  }
  return null;
}

/**
 * Loads tool kinds from module paths (relative paths from the current
 * directory). Throws `ToolModuleError` naming the module when a file cannot
 * be loaded or exports no valid kinds; duplicates across modules are refused.
 */
export async function loadToolModules(paths: string[]): Promise<ToolKind[]> {
  const kinds: ToolKind[] = [];
  const seen = new Map<string, string>();
  for (const p of paths) {
    const abs = path.resolve(p);
    let mod: unknown;
    try {
      mod = require(abs);
    } catch (err) {
      throw new ToolModuleError(abs, `cannot be loaded: ${messageOf(err).split('\n')[0]}`);
    }
    const exported = exportedKinds(mod);
    if (!exported || exported.length === 0) throw new ToolModuleError(abs, 'exports no tool kind; export a ToolKind or a list of them (module.exports, default or toolKinds)');
    for (const value of exported) {
      const kind = toToolKind(value, abs);
      const other = seen.get(kind.uses);
      if (other) throw new ToolModuleError(abs, `tool kind "${kind.uses}" is also exported by ${other}`);
      seen.set(kind.uses, abs);
      kinds.push(kind);
    }
  }
  return kinds;
}
