/**
 * What the llama tests share: the optional package (installed on demand,
 * the tests skip only when that fails), the tiny GGUF models written into
 * tests/fixtures/gguf/, and endpoint configurations.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { BACKEND_ERRORS, type BackendContext } from '../../activities/inference/backend';
import type { EndpointConfig } from '../../activities/inference/config';
import { findNodeLlamaCpp } from '../../activities/inference/llama-cpp';
import { tinyLlamaGguf, type TinyLlamaOptions } from './gguf-writer';

const ROOT = path.resolve(__dirname, '..', '..');
export const FIXTURES = path.join(ROOT, 'tests', 'fixtures', 'gguf');

function installed(): boolean {
  try {
    findNodeLlamaCpp();
    return true;
  } catch {
    return false;
  }
}

/**
 * True when node-llama-cpp is usable, installing it first with
 * `node scripts/optional-deps.js llama` if needed (one Jest worker at a time:
 * a lock folder keeps two workers from installing into the same prefix).
 */
export function ensureNodeLlamaCpp(): boolean {
  if (installed()) return true;
  const lock = path.join(ROOT, '.swarmflow', 'optional-install.lock');
  mkdirSync(path.dirname(lock), { recursive: true });
  const deadline = Date.now() + 300_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Another worker is installing; a lock older than five minutes is stale.
      let age = 0;
      try {
        age = Date.now() - statSync(lock).mtimeMs;
      } catch {
        continue; // released meanwhile: try to take it
      }
      if (Date.now() > deadline || age > 300_000) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
      if (installed()) return true;
    }
  }
  try {
    if (installed()) return true;
    const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'optional-deps.js'), 'llama'], { encoding: 'utf8', timeout: 300_000 });
    if (r.status !== 0) process.stderr.write(`[llama tests] node-llama-cpp could not be installed; the llama-cpp tests are skipped:\n${r.stderr}\n`);
    return installed();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** Writes a tiny model into tests/fixtures/gguf/ (atomically; the same bytes every time) and returns its path. */
export function tinyModel(name: string, opts: TinyLlamaOptions = {}): string {
  mkdirSync(FIXTURES, { recursive: true });
  const file = path.join(FIXTURES, name);
  const bytes = tinyLlamaGguf({ contextLength: 4096, ...opts });
  if (existsSync(file) && readFileSync(file).equals(bytes)) return file;
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, file);
  return file;
}

/** An endpoint of kind llama-cpp as the config loader would produce it. */
export function llamaEndpoint(name: string, options: Record<string, unknown>, over: Partial<EndpointConfig> = {}): EndpointConfig {
  return {
    name,
    url: '',
    kind: 'llama-cpp',
    module: null,
    models: null,
    servedModels: {},
    quantization: null,
    maxConcurrency: 2,
    weight: 1,
    role: 'primary',
    apiKeyEnv: null,
    timeoutMs: 60_000,
    idleTimeoutMs: 30_000,
    // One thread: the tiny model gains nothing from more, and spinning threads on a busy 2-core box lose a lot.
    options: { threads: 1, gpu: false, contextSize: 2048, ...options },
    ...over,
  };
}

export const ctx: BackendContext = { redact: (t) => t.replace(/sk-secret-[a-z0-9]+/g, '[redacted]'), errors: BACKEND_ERRORS };
