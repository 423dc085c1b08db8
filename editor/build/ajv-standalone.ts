/**
 * Vite plugin: the swarm schema's ajv validator, compiled at build time.
 *
 * dsl/schema-check.ts compiles schemas/swarm.schema.json with ajv when first
 * used. ajv compiles by generating JavaScript and running it with
 * `new Function`, which the editor's Content-Security-Policy (no
 * 'unsafe-eval', set by the API server) forbids. So for the browser bundle
 * only, `ajv/dist/2020` imported from dsl/ is replaced by a module whose
 * `compile()` returns the same validator generated ahead of time with ajv's
 * standalone code, from the same schema and the same options (read from
 * dsl/schema-check.ts, so the two cannot drift). The dsl code itself is
 * unchanged and is the code the CLI runs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import type { Plugin } from 'vite';

const AJV_ID = '\0swarmflow:ajv-2020-precompiled';
const FORMATS_ID = '\0swarmflow:ajv-formats-precompiled';

export class AjvPrecompileError extends Error {
  constructor(message: string) {
    super(`precompiling the swarm schema for the editor: ${message}`);
    this.name = 'AjvPrecompileError';
  }
}

/** The options object literal passed to `new Ajv2020({...})` in dsl/schema-check.ts. */
export function readAjvOptions(schemaCheckSource: string): Record<string, boolean> {
  const m = /new Ajv2020\(\s*\{([^}]*)\}\s*\)/.exec(schemaCheckSource);
  if (!m || m[1] === undefined) throw new AjvPrecompileError('dsl/schema-check.ts no longer calls `new Ajv2020({ ... })` with an options literal; update editor/build/ajv-standalone.ts');
  const out: Record<string, boolean> = {};
  for (const part of m[1].split(',')) {
    const kv = /^\s*([A-Za-z]+)\s*:\s*(true|false)\s*$/.exec(part);
    if (!kv || kv[1] === undefined) {
      if (part.trim() === '') continue;
      throw new AjvPrecompileError(`the ajv option "${part.trim()}" is not a plain boolean; update editor/build/ajv-standalone.ts`);
    }
    out[kv[1]] = kv[2] === 'true';
  }
  return out;
}

/** ES module text: a drop-in `Ajv2020` class whose compile() returns the precompiled validator. */
export function precompiledModule(repoRoot: string): string {
  const req = createRequire(path.join(repoRoot, 'package.json'));
  const options = readAjvOptions(fs.readFileSync(path.join(repoRoot, 'dsl', 'schema-check.ts'), 'utf8'));
  const schema: unknown = JSON.parse(fs.readFileSync(path.join(repoRoot, 'schemas', 'swarm.schema.json'), 'utf8'));
  const schemaId = typeof schema === 'object' && schema !== null ? Reflect.get(schema, '$id') : undefined;
  if (typeof schemaId !== 'string') throw new AjvPrecompileError('schemas/swarm.schema.json has no $id');
  const Ajv2020 = req('ajv/dist/2020').default;
  const standaloneCode = req('ajv/dist/standalone').default;
  const { _ } = req('ajv');
  const addFormats = req('ajv-formats').default;
  const ajv = new Ajv2020({ ...options, code: { source: true, esm: true, formats: _`__formats` } });
  addFormats(ajv);
  const validate = ajv.compile(schema);
  let code: string = standaloneCode(ajv, validate);
  const def = /export default (\w+);/.exec(code);
  if (!def || def[1] === undefined) throw new AjvPrecompileError('ajv standalone output has no default export');
  const fn = def[1];
  code = code.replace(/^"use strict";/, '').replace(/export const validate = \w+;/, '').replace(/export default \w+;/, '');
  code = code.replace(/require\("ajv\/dist\/runtime\/equal"\)\.default/g, '__equal').replace(/require\("ajv\/dist\/runtime\/ucs2length"\)\.default/g, '__ucs2length');
  if (/require\(/.test(code)) throw new AjvPrecompileError(`ajv standalone output needs a runtime module this plugin does not provide: ${/require\([^)]*\)/.exec(code)?.[0] ?? ''}`);
  const usesFormats = /\b__formats\b/.test(code);
  return [
    "import __equal from 'fast-deep-equal';",
    usesFormats ? "import * as __formatsModule from 'ajv-formats/dist/formats';" : '',
    usesFormats ? 'const __formats = __formatsModule.fullFormats ?? __formatsModule.default?.fullFormats;' : '',
    // ajv/dist/runtime/ucs2length: string length in code points.
    'function __ucs2length(str) { let length = 0; let pos = 0; const len = str.length; while (pos < len) { length++; const v = str.charCodeAt(pos++); if (v >= 0xd800 && v <= 0xdbff && pos < len && (str.charCodeAt(pos) & 0xfc00) === 0xdc00) pos++; } return length; }',
    code,
    `const __precompiled = new Map([[${JSON.stringify(schemaId)}, ${fn}]]);`,
    'export default class Ajv2020 {',
    '  constructor() {}',
    '  compile(schema) {',
    '    const v = schema && __precompiled.get(schema.$id);',
    "    if (!v) throw new Error('only the swarm schema is precompiled into the editor; ' + (schema && schema.$id) + ' is not (see editor/build/ajv-standalone.ts)');",
    '    return v;',
    '  }',
    '  addFormat() { return this; }',
    '  addKeyword() { return this; }',
    '}',
  ].join('\n');
}

export function ajvStandalone(repoRoot: string): Plugin {
  const dslDir = path.join(repoRoot, 'dsl') + path.sep;
  return {
    name: 'swarmflow-ajv-standalone',
    enforce: 'pre',
    resolveId(id, importer) {
      if (!importer || !path.normalize(importer).startsWith(dslDir)) return null;
      if (id === 'ajv/dist/2020') return AJV_ID;
      if (id === 'ajv-formats') return FORMATS_ID;
      return null;
    },
    load(id) {
      if (id === AJV_ID) return precompiledModule(repoRoot);
      // The formats are compiled into the validator already.
      if (id === FORMATS_ID) return 'export default function addFormats(ajv) { return ajv; }';
      return null;
    },
  };
}
