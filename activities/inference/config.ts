/**
 * `inference.yaml`: pools of OpenAI-compatible endpoints. Loaded once at
 * worker start, validated against `schemas/inference.schema.json`, errors
 * located as `file:line:col: message`, defaults filled in so that the pool
 * never guesses.
 *
 * Where the configuration comes from, first match wins:
 *   1. `opts.file`;
 *   2. `SWARMFLOW_INFERENCE`: a file path, or the YAML/JSON text itself;
 *   3. `inference.yaml` in `opts.cwd` (default: the process's cwd);
 *   4. nothing: one pool `default` whose one endpoint is the simulated server at `opts.simUrl`.
 */
import Ajv from 'ajv';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { isMap, isPair, isScalar, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import schema from '../../schemas/inference.schema.json';
import { LLAMA_CPP_KIND, llamaCppEndpointQuantization } from './llama-cpp/backend';

export const BUILTIN_KINDS = ['openai', 'vllm', 'sglang', 'llama-server', 'ollama', 'moonshot', 'sim'] as const;
export type BuiltinKind = (typeof BUILTIN_KINDS)[number];
export type Strategy = 'least-outstanding' | 'power-of-two' | 'weighted' | 'ordered';

export function isBuiltinKind(kind: string): kind is BuiltinKind {
  return (BUILTIN_KINDS as readonly string[]).includes(kind);
}

export interface EndpointConfig {
  name: string;
  /** Base URL of the OpenAI-compatible API (`.../v1`), no trailing slash. */
  url: string;
  kind: string;
  /** Absolute path of a user backend module, or null. */
  module: string | null;
  /** Model ids served; null = any. */
  models: string[] | null;
  servedModels: Record<string, string>;
  quantization: string | null;
  maxConcurrency: number;
  weight: number;
  role: 'primary' | 'fallback';
  apiKeyEnv: string | null;
  timeoutMs: number;
  idleTimeoutMs: number;
  options: Record<string, unknown>;
}

export interface PoolConfig {
  name: string;
  strategy: Strategy;
  affinity: { enabled: boolean; absolute: number; relative: number };
  maxAttempts: number;
  health: { intervalMs: number; timeoutMs: number };
  circuit: { failures: number; cooldownMs: number };
  endpoints: EndpointConfig[];
}

export interface InferenceConfig {
  /** Where it came from: a file path, `$SWARMFLOW_INFERENCE`, or `built-in (simulated)`. */
  source: string;
  pools: Record<string, PoolConfig>;
}

export interface Diagnostic {
  file: string;
  line: number;
  col: number;
  message: string;
}

/** Thrown when inference.yaml is unreadable or invalid; `diagnostics` are located in the file. */
export class InferenceConfigError extends Error {
  constructor(readonly diagnostics: Diagnostic[]) {
    super(diagnostics.map((d) => `${d.file}:${d.line}:${d.col}: ${d.message}`).join('\n'));
    this.name = 'InferenceConfigError';
  }
}

/** The shape the schema guarantees (before defaults). */
interface RawEndpoint {
  name: string;
  url?: string;
  kind?: string;
  module?: string;
  models?: string[];
  servedModels?: Record<string, string>;
  quantization?: string;
  maxConcurrency?: number;
  weight?: number;
  role?: 'primary' | 'fallback';
  apiKeyEnv?: string;
  timeoutMs?: number;
  idleTimeoutMs?: number;
  options?: Record<string, unknown>;
}
interface RawPool {
  strategy?: Strategy;
  affinity?: boolean | { absolute?: number; relative?: number };
  maxAttempts?: number;
  health?: { intervalMs?: number; timeoutMs?: number };
  circuit?: { failures?: number; cooldownMs?: number };
  endpoints: RawEndpoint[];
}
interface RawConfig {
  pools: Record<string, RawPool>;
}

const ajv = new Ajv({ allErrors: true, strict: false });
const validateRaw = ajv.compile<RawConfig>(schema);

const MAX_CONFIG_BYTES = 1024 * 1024;

export interface LoadInferenceConfigOptions {
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Base URL of the simulated server (`http://127.0.0.1:PORT/v1`): the default endpoint and `kind: sim` endpoints without a url. */
  simUrl?: string;
  cwd?: string;
}

export function loadInferenceConfig(opts: LoadInferenceConfigOptions = {}): InferenceConfig {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const fromEnv = env.SWARMFLOW_INFERENCE?.trim();
  if (opts.file !== undefined) return parseInferenceConfig(readConfig(path.resolve(cwd, opts.file)), path.resolve(cwd, opts.file), opts);
  if (fromEnv) {
    const inline = fromEnv.includes('\n') || fromEnv.startsWith('{');
    if (inline) return parseInferenceConfig(fromEnv, '$SWARMFLOW_INFERENCE', { ...opts, cwd });
    const file = path.resolve(cwd, fromEnv);
    return parseInferenceConfig(readConfig(file), file, opts);
  }
  const local = path.join(cwd, 'inference.yaml');
  if (existsSync(local)) return parseInferenceConfig(readConfig(local), local, opts);
  if (opts.simUrl === undefined) {
    throw new InferenceConfigError([
      {
        file: local,
        line: 1,
        col: 1,
        message: 'no inference configuration: write inference.yaml, set SWARMFLOW_INFERENCE, or start the simulated server (swarmflow sim) and pass its URL',
      },
    ]);
  }
  return defaultSimConfig(opts.simUrl);
}

/**
 * One pool `default`, one endpoint `sim`: what `swarmflow dev` and the tests
 * use when nothing is configured. The simulated server stands in for an INT4
 * engine (Kimi K2.6 ships INT4), so models that ask for `quantization: int4`
 * route to it, and it takes as many calls at once as its own slots.
 */
export function defaultSimConfig(simUrl: string, maxConcurrency = 256): InferenceConfig {
  return {
    source: 'built-in (simulated)',
    pools: {
      default: normalizePool('default', { endpoints: [{ name: 'sim', kind: 'sim', url: simUrl, maxConcurrency, quantization: 'int4' }] }, '', simUrl),
    },
  };
}

function readConfig(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new InferenceConfigError([{ file, line: 1, col: 1, message: `cannot read the inference configuration: ${why}` }]);
  }
  return text;
}

/** Parses and validates configuration text; `file` names it in diagnostics and anchors relative `module` paths. */
export function parseInferenceConfig(text: string, file: string, opts: { simUrl?: string; cwd?: string } = {}): InferenceConfig {
  if (text.length > MAX_CONFIG_BYTES) {
    throw new InferenceConfigError([{ file, line: 1, col: 1, message: `configuration over ${MAX_CONFIG_BYTES} bytes` }]);
  }
  const lines = new LineCounter();
  // Core schema, unique keys, few aliases: security rule 11.
  const doc = parseDocument(text, { lineCounter: lines, schema: 'core', uniqueKeys: true, prettyErrors: false });
  const at = (offset: number, message: string): Diagnostic => {
    const p = lines.linePos(offset);
    return { file, line: p.line, col: p.col, message };
  };
  if (doc.errors.length > 0) throw new InferenceConfigError(doc.errors.map((e) => at(e.pos[0], e.message.split('\n')[0] ?? e.message)));
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 50 });
  } catch (e) {
    throw new InferenceConfigError([at(0, e instanceof Error ? e.message : String(e))]);
  }
  if (!validateRaw(data)) {
    const diags = (validateRaw.errors ?? []).map((err) => {
      const segs = err.instancePath.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
      let message = `${err.instancePath === '' ? '(top level)' : segs.join('.')}: ${err.message ?? 'invalid'}`;
      if (err.keyword === 'additionalProperties' && typeof err.params.additionalProperty === 'string') {
        segs.push(err.params.additionalProperty);
        message = `${segs.join('.')}: unknown setting "${err.params.additionalProperty}"`;
        return at(keyOffset(doc, segs), message);
      }
      if (err.keyword === 'enum' && Array.isArray(err.params.allowedValues)) {
        message += `: ${err.params.allowedValues.map((v: unknown) => JSON.stringify(v)).join(', ')}`;
      }
      return at(valueOffset(doc, segs), message);
    });
    // oneOf/anyOf echo their branches' errors; keep the first per place to stay readable.
    const seen = new Set<string>();
    throw new InferenceConfigError(
      diags.filter((d) => {
        const k = `${d.line}:${d.col}`;
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
      }),
    );
  }
  const baseDir = file.startsWith('$') ? (opts.cwd ?? process.cwd()) : path.dirname(file);
  const diags: Diagnostic[] = [];
  const pools: Record<string, PoolConfig> = {};
  for (const [name, raw] of Object.entries(data.pools)) {
    const seen = new Set<string>();
    raw.endpoints.forEach((ep, i) => {
      const where = ['pools', name, 'endpoints', String(i)];
      if (seen.has(ep.name)) diags.push(at(valueOffset(doc, [...where, 'name']), `pool ${name}: two endpoints are named "${ep.name}"`));
      seen.add(ep.name);
      const kind = ep.kind ?? 'openai';
      if (ep.url === undefined && kind !== 'sim' && kind !== LLAMA_CPP_KIND) diags.push(at(valueOffset(doc, where), `endpoint ${ep.name}: "url" is required (only kinds sim and llama-cpp may omit it)`));
      if (kind === LLAMA_CPP_KIND && typeof ep.options?.model !== 'string') {
        diags.push(at(valueOffset(doc, where), `endpoint ${ep.name}: kind llama-cpp needs options.model, the path of a GGUF file`));
      }
      if (ep.url === undefined && kind === 'sim' && opts.simUrl === undefined) {
        diags.push(at(valueOffset(doc, where), `endpoint ${ep.name}: kind sim without url needs the simulated server running (swarmflow dev starts it)`));
      }
      if (ep.module !== undefined && (isBuiltinKind(kind) || kind === LLAMA_CPP_KIND)) {
        diags.push(at(valueOffset(doc, [...where, 'module']), `endpoint ${ep.name}: "module" is for user kinds; "${kind}" is built in`));
      }
    });
    pools[name] = normalizePool(name, raw, baseDir, opts.simUrl);
  }
  if (diags.length > 0) throw new InferenceConfigError(diags);
  return { source: file, pools };
}

function normalizePool(name: string, raw: RawPool, baseDir: string, simUrl: string | undefined): PoolConfig {
  const aff = raw.affinity;
  return {
    name,
    strategy: raw.strategy ?? 'least-outstanding',
    affinity: {
      enabled: aff !== false,
      absolute: typeof aff === 'object' ? (aff.absolute ?? 64) : 64,
      relative: typeof aff === 'object' ? (aff.relative ?? 1.5) : 1.5,
    },
    maxAttempts: raw.maxAttempts ?? 3,
    health: { intervalMs: raw.health?.intervalMs ?? 5000, timeoutMs: raw.health?.timeoutMs ?? 2000 },
    circuit: { failures: raw.circuit?.failures ?? 3, cooldownMs: raw.circuit?.cooldownMs ?? 10_000 },
    endpoints: raw.endpoints.map((ep) => normalizeEndpoint(ep, baseDir, simUrl)),
  };
}

function normalizeEndpoint(ep: RawEndpoint, baseDir: string, simUrl: string | undefined): EndpointConfig {
  if (ep.kind === LLAMA_CPP_KIND) return normalizeLlamaCppEndpoint(ep, baseDir);
  const url = (ep.url ?? simUrl ?? '').replace(/\/+$/, '');
  const hosted = /^https:\/\/api\.moonshot\.(ai|cn)(\/|$)/.test(url);
  return {
    name: ep.name,
    url,
    kind: ep.kind ?? (hosted ? 'moonshot' : 'openai'),
    module: ep.module !== undefined ? path.resolve(baseDir, ep.module) : null,
    models: ep.models ?? null,
    servedModels: ep.servedModels ?? {},
    quantization: ep.quantization ?? null,
    maxConcurrency: ep.maxConcurrency ?? 16,
    weight: ep.weight ?? 1,
    role: ep.role ?? 'primary',
    apiKeyEnv: ep.apiKeyEnv ?? null,
    timeoutMs: ep.timeoutMs ?? 600_000,
    idleTimeoutMs: ep.idleTimeoutMs ?? 120_000,
    options: ep.options ?? {},
  };
}

/**
 * A local GGUF model run in-process: the model path is taken relative to the
 * configuration file, one sequence at a time unless told otherwise (KV cache
 * on a CPU is dear), and the quantization is read from the file itself, not
 * trusted from the configuration.
 */
function normalizeLlamaCppEndpoint(ep: RawEndpoint, baseDir: string): EndpointConfig {
  const options = { ...(ep.options ?? {}) };
  if (typeof options.model === 'string') options.model = path.resolve(baseDir, options.model);
  const cfg: EndpointConfig = {
    name: ep.name,
    url: ep.url ?? `llama-cpp:${String(options.model ?? '')}`,
    kind: LLAMA_CPP_KIND,
    module: null,
    models: ep.models ?? null,
    servedModels: ep.servedModels ?? {},
    quantization: null,
    maxConcurrency: ep.maxConcurrency ?? 1,
    weight: ep.weight ?? 1,
    role: ep.role ?? 'primary',
    apiKeyEnv: null,
    timeoutMs: ep.timeoutMs ?? 600_000,
    idleTimeoutMs: ep.idleTimeoutMs ?? 120_000,
    options,
  };
  return { ...cfg, quantization: llamaCppEndpointQuantization(cfg) };
}

/** Offset of the value at `segs` in the document, or of its nearest existing ancestor. */
function valueOffset(doc: Document, segs: string[]): number {
  for (let n = segs.length; n >= 0; n--) {
    const node = doc.getIn(segs.slice(0, n).map(keyOf), true);
    if (isNodeWithRange(node)) return node.range[0];
  }
  return 0;
}

/** Offset of the key `segs[last]` in its parent map (for unknown-setting errors). */
function keyOffset(doc: Document, segs: string[]): number {
  const parent = doc.getIn(segs.slice(0, -1).map(keyOf), true);
  const key = segs[segs.length - 1];
  if (isMap(parent)) {
    for (const pair of parent.items) {
      if (isPair(pair) && isScalar(pair.key) && String(pair.key.value) === key && pair.key.range) return pair.key.range[0];
    }
  }
  return valueOffset(doc, segs.slice(0, -1));
}

function keyOf(seg: string): string | number {
  return /^\d+$/.test(seg) ? Number(seg) : seg;
}

function isNodeWithRange(v: unknown): v is Node & { range: [number, number, number] } {
  return typeof v === 'object' && v !== null && 'range' in v && Array.isArray(v.range);
}
