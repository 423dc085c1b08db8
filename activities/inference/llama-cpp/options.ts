/**
 * The settings of a `kind: llama-cpp` endpoint, read from its `options` in
 * inference.yaml and checked here (the schema lets `options` be any object):
 *
 *   - name: local
 *     kind: llama-cpp
 *     maxConcurrency: 2            # parallel sequences of the llama.cpp context
 *     options:
 *       model: ./models/qwen2.5-7b-instruct-Q4_K_M.gguf
 *       contextSize: 8192          # tokens per sequence (default: the model's, at most 4096)
 *       threads: 8                 # CPU threads (default: llama.cpp's count of math cores)
 */
import * as path from 'node:path';
import type { EndpointConfig } from '../config';

export type GpuSetting = 'auto' | false | 'cuda' | 'vulkan' | 'metal';

export interface LlamaCppSettings {
  /** Absolute path of the GGUF file. */
  modelPath: string;
  /** Tokens per sequence; null = the model's trained context, at most DEFAULT_CONTEXT_SIZE. */
  contextSize: number | null;
  /** null = llama.cpp's count of math cores. */
  threads: number | null;
  /** Parallel sequences: the endpoint's maxConcurrency. */
  sequences: number;
  gpu: GpuSetting;
  /** Layers offloaded to the GPU; null = node-llama-cpp decides. */
  gpuLayers: number | 'auto' | 'max' | null;
  batchSize: number | null;
  flashAttention: boolean | null;
  /** Sampling seed when temperature > 0; null = random per call. */
  seed: number | null;
  loadTimeoutMs: number;
}

export const DEFAULT_CONTEXT_SIZE = 4096;
const KNOWN = ['model', 'contextSize', 'threads', 'gpu', 'gpuLayers', 'batchSize', 'flashAttention', 'seed', 'loadTimeoutMs'] as const;

/** Thrown when a llama-cpp endpoint's options are missing or wrong; the message names the endpoint, the option and the fix. */
export class LlamaCppConfigError extends Error {
  constructor(
    readonly endpoint: string,
    detail: string,
  ) {
    super(`endpoint ${endpoint} (kind llama-cpp): ${detail}; fix the endpoint's options in inference.yaml`);
    this.name = 'LlamaCppConfigError';
  }
}

function isGpu(v: unknown): v is GpuSetting {
  return v === 'auto' || v === false || v === 'cuda' || v === 'vulkan' || v === 'metal';
}

function positiveInt(ep: string, key: string, v: unknown, max: number): number | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max) {
    throw new LlamaCppConfigError(ep, `options.${key} must be an integer from 1 to ${max}, got ${JSON.stringify(v)}`);
  }
  return v;
}

/**
 * Reads an endpoint's llama-cpp settings; relative model paths resolve
 * against `baseDir` (the folder of inference.yaml when the loader passes it,
 * else the working directory).
 */
export function llamaCppSettings(ep: EndpointConfig, baseDir: string = process.cwd()): LlamaCppSettings {
  const o = ep.options;
  const unknown = Object.keys(o).filter((k) => !(KNOWN as readonly string[]).includes(k));
  if (unknown.length > 0) {
    throw new LlamaCppConfigError(ep.name, `unknown option${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')} (known: ${KNOWN.join(', ')})`);
  }
  if (typeof o.model !== 'string' || o.model.trim() === '') {
    throw new LlamaCppConfigError(ep.name, 'options.model must name the GGUF file, e.g. model: ./models/qwen2.5-7b-instruct-Q4_K_M.gguf');
  }
  const gpu = o.gpu;
  if (gpu !== undefined && !isGpu(gpu)) {
    throw new LlamaCppConfigError(ep.name, `options.gpu must be auto, false, cuda, vulkan or metal, got ${JSON.stringify(gpu)}`);
  }
  const gl = o.gpuLayers;
  let gpuLayers: LlamaCppSettings['gpuLayers'] = null;
  if (gl === 'auto' || gl === 'max') gpuLayers = gl;
  else if (gl !== undefined) {
    if (typeof gl !== 'number' || !Number.isInteger(gl) || gl < 0) {
      throw new LlamaCppConfigError(ep.name, `options.gpuLayers must be a layer count (0 or more), auto or max, got ${JSON.stringify(gl)}`);
    }
    gpuLayers = gl;
  }
  const fa = o.flashAttention;
  if (fa !== undefined && typeof fa !== 'boolean') throw new LlamaCppConfigError(ep.name, `options.flashAttention must be true or false, got ${JSON.stringify(fa)}`);
  const seed = o.seed;
  if (seed !== undefined && (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0)) {
    throw new LlamaCppConfigError(ep.name, `options.seed must be a non-negative integer, got ${JSON.stringify(seed)}`);
  }
  return {
    modelPath: path.resolve(baseDir, o.model),
    contextSize: positiveInt(ep.name, 'contextSize', o.contextSize, 1 << 24),
    threads: positiveInt(ep.name, 'threads', o.threads, 1024),
    sequences: ep.maxConcurrency,
    gpu: gpu ?? 'auto',
    gpuLayers,
    batchSize: positiveInt(ep.name, 'batchSize', o.batchSize, 1 << 20),
    flashAttention: fa ?? null,
    seed: seed ?? null,
    loadTimeoutMs: positiveInt(ep.name, 'loadTimeoutMs', o.loadTimeoutMs, 24 * 3600 * 1000) ?? 300_000,
  };
}
