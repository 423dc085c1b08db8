/**
 * The `llama-cpp` backend kind: a GGUF model run on the inference worker's
 * own machine through node-llama-cpp (llama.cpp), with no server.
 *
 * - The model is loaded once per worker process in a model host process
 *   (host.mjs, shared by every endpoint naming the same file and settings)
 *   and serves `maxConcurrency` parallel sequences.
 * - The quantization is read from the file's header, never trusted from
 *   configuration: a declared `quantization` that the file contradicts takes
 *   the endpoint down with a message that says so.
 * - A model that fails to load (missing package, bad file, too little
 *   memory, a llama.cpp crash) takes only its endpoint down: probe() reports
 *   `down` with the reason and chat() throws LlamaCppUnavailableError. A host
 *   that crashes after loading is restarted on the next probe or call.
 */
import { statSync } from 'node:fs';
import * as path from 'node:path';
import type { Backend, BackendCallOptions, BackendContext, BackendFactory, Health } from '../backend';
import type { EndpointConfig } from '../config';
import { BadRequestError, ContextOverflowError, EngineError, InferenceCancelledError, type InferenceError, StreamDroppedError } from '../errors';
import type { ChatRequest, ChatResponse } from '../types';
import { LlamaCppUnavailableError } from './errors';
import { GgufError, metaString, readGgufHeader } from './gguf';
import { HostCallError, HostLoadError, leaseHost, ModelHost, type HostLease } from './host-client';
import { toFunctions, toHistory, toResponse } from './messages';
import type { LoadMessage } from './protocol';
import { DEFAULT_CONTEXT_SIZE, LlamaCppConfigError, llamaCppSettings, type LlamaCppSettings } from './options';
import { findNodeLlamaCpp, type LlamaPackage } from './package';
import { quantizationMatches, quantizationOf, type GgufQuantization } from './quantization';

export const LLAMA_CPP_KIND = 'llama-cpp';

/** Wait between restarts of a host that crashed after loading. */
const RESTART_BACKOFF_MS = 2000;

interface Unavailable {
  down: string;
}

function fileStamp(file: string): string {
  try {
    const s = statSync(file);
    return `${s.size}:${s.mtimeMs}`;
  } catch {
    return 'missing';
  }
}

export class LlamaCppBackend implements Backend {
  /** What the file holds; null until its header has been read. */
  quantization: GgufQuantization | null = null;
  /** The model's name from its metadata (`general.name`), else the file name. */
  modelName: string;
  private readonly settings: LlamaCppSettings | null;
  private readonly configError: string | null;
  private lease: HostLease | null = null;
  /** Why the model cannot be loaded now, with the file stamp it was found for (a changed file is tried again). */
  private blocked: { why: string; stamp: string; recheck: boolean } | null = null;
  private lastRestart = 0;
  private closed = false;
  /** Timings of the last successful call as the host measured them (benchmarks: what the IPC hop costs). */
  lastHostTimings: { firstTokenMs: number | null; totalMs: number } | null = null;

  constructor(
    private readonly ep: EndpointConfig,
    private readonly ctx: BackendContext,
    baseDir?: string,
  ) {
    let settings: LlamaCppSettings | null = null;
    let configError: string | null = null;
    try {
      settings = llamaCppSettings(ep, baseDir);
    } catch (e) {
      if (!(e instanceof LlamaCppConfigError)) throw e;
      configError = e.message;
    }
    this.settings = settings;
    this.configError = configError;
    this.modelName = settings !== null ? path.basename(settings.modelPath).replace(/\.gguf$/i, '') : ep.name;
    // Start loading now, so the model is warm by the first call; problems surface through probe().
    this.prepare();
  }

  /** The live host, or why there is none. Never throws. */
  private prepare(): ModelHost | Unavailable {
    if (this.closed) return { down: 'the backend is closed' };
    if (this.configError !== null || this.settings === null) return { down: this.configError ?? 'no settings' };
    const s = this.settings;
    if (this.lease !== null) {
      const host = this.lease.current();
      if (host.state !== 'failed') return host;
      const failure = host.failure ?? 'the model host failed';
      if (host.info !== null) {
        // It had loaded, then died (killed, out of memory, a llama.cpp abort): start it again, not in a tight loop.
        if (Date.now() - this.lastRestart < RESTART_BACKOFF_MS) return { down: failure };
        this.lastRestart = Date.now();
        return this.lease.restart(host);
      }
      // The load itself failed: only a changed file is worth another try.
      const stamp = fileStamp(s.modelPath);
      this.blocked ??= { why: `llama.cpp could not load ${s.modelPath}: ${failure}`, stamp, recheck: false };
      if (this.blocked.stamp === stamp) return { down: this.blocked.why };
      const checked = this.check(s);
      if ('down' in checked) return checked;
      return this.lease.restart(host);
    }
    if (this.blocked !== null && !this.blocked.recheck && this.blocked.stamp === fileStamp(s.modelPath)) return { down: this.blocked.why };
    const checked = this.check(s);
    if ('down' in checked) return checked;
    const key = JSON.stringify([s.modelPath, s.contextSize, s.threads, s.sequences, s.gpu, s.gpuLayers, s.batchSize, s.flashAttention]);
    const load: LoadMessage = {
      t: 'load',
      entry: checked.entry,
      modelPath: s.modelPath,
      contextSize: s.contextSize,
      threads: s.threads,
      sequences: s.sequences,
      gpu: s.gpu,
      gpuLayers: s.gpuLayers,
      batchSize: s.batchSize,
      flashAttention: s.flashAttention,
      defaultContextSize: DEFAULT_CONTEXT_SIZE,
    };
    try {
      this.lease = leaseHost(key, () => new ModelHost(load, s.loadTimeoutMs));
    } catch (e) {
      // host.mjs missing, or the process cannot be forked: nothing a probe can fix by retrying at once.
      const why = e instanceof Error ? e.message : String(e);
      this.blocked = { why, stamp: fileStamp(s.modelPath), recheck: false };
      return { down: why };
    }
    return this.lease.current();
  }

  /**
   * The cheap checks before a load: the package is installed, the file is
   * GGUF, and it holds the declared quantization. Records why not in
   * `blocked`: a missing package is looked for again on every probe, a bad
   * file only once it changes.
   */
  private check(s: LlamaCppSettings): LlamaPackage | Unavailable {
    const stamp = fileStamp(s.modelPath);
    let pkg: LlamaPackage;
    try {
      pkg = findNodeLlamaCpp();
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      this.blocked = { why, stamp, recheck: true };
      return { down: why };
    }
    try {
      const header = readGgufHeader(s.modelPath);
      const q = quantizationOf(header);
      this.quantization = q;
      this.modelName = metaString(header, 'general.name') ?? this.modelName;
      if (this.ep.quantization !== null && !quantizationMatches(this.ep.quantization, q)) {
        throw new LlamaCppConfigError(
          this.ep.name,
          `quantization is declared as ${this.ep.quantization} but ${s.modelPath} holds ${q.label} (${q.quantization}, from ${q.source}); ` +
            'remove `quantization` (llama-cpp endpoints read it from the file) or point options.model at the file you meant',
        );
      }
    } catch (e) {
      // GgufError and LlamaCppConfigError say what is wrong; anything else is an I/O failure reading the file.
      const why = e instanceof GgufError || e instanceof LlamaCppConfigError ? e.message : `cannot read ${s.modelPath}: ${e instanceof Error ? e.message : String(e)}`;
      this.blocked = { why, stamp, recheck: false };
      return { down: why };
    }
    this.blocked = null;
    return pkg;
  }

  private describe(host: ModelHost): string {
    const q = this.quantization;
    const i = host.info;
    const parts = [`${this.modelName}`, q !== null ? `${q.label} (${q.quantization})` : 'quantization unknown'];
    if (i !== null) {
      parts.push(`context ${i.contextSize} x ${i.sequences} sequence${i.sequences === 1 ? '' : 's'}`, `${i.threads} thread${i.threads === 1 ? '' : 's'}`, i.gpu, `chat template ${i.chatWrapper}`);
    }
    if (q?.note) parts.push(q.note);
    return parts.join(', ');
  }

  async probe(): Promise<Health> {
    const base: Health = { state: 'up', running: null, waiting: null, generatedTokensTotal: null, detail: null };
    const host = this.prepare();
    if (!(host instanceof ModelHost)) return { ...base, state: 'down', detail: this.ctx.redact(host.down) };
    const running = host.inFlight;
    const generatedTokensTotal = host.generatedTokensTotal;
    if (host.state === 'loading') return { ...base, state: 'loading', running, generatedTokensTotal, detail: `loading ${this.describe(host)}` };
    const sequences = host.info?.sequences ?? this.ep.maxConcurrency;
    return {
      ...base,
      state: running >= sequences ? 'saturated' : 'up',
      running: Math.min(running, sequences),
      waiting: Math.max(0, running - sequences),
      generatedTokensTotal,
      detail: this.describe(host),
    };
  }

  async chat(req: ChatRequest, opts: BackendCallOptions): Promise<ChatResponse> {
    const name = this.ep.name;
    if (opts.signal.aborted) throw new InferenceCancelledError(name);
    const host = this.prepare();
    if (!(host instanceof ModelHost)) throw new LlamaCppUnavailableError(name, this.ctx.redact(host.down));
    if (req.maxTokens !== undefined && req.maxTokens !== null && (!Number.isInteger(req.maxTokens) || req.maxTokens < 1)) {
      throw new BadRequestError(name, `maxTokens must be a positive integer, got ${req.maxTokens}`, 400);
    }
    const history = toHistory(req, name);
    const functions = toFunctions(req);
    try {
      const done = await host.chat(
        {
          history,
          functions,
          schema: req.outputSchema ?? null,
          maxTokens: req.maxTokens ?? null,
          // node-llama-cpp's default: greedy decoding, so a call without a temperature is reproducible.
          temperature: req.temperature ?? 0,
          seed: this.settings?.seed ?? null,
          thinking: req.thinking ?? null,
        },
        { signal: opts.signal, onProgress: opts.onTokens, firstTokenTimeoutMs: this.ep.timeoutMs, idleTimeoutMs: this.ep.idleTimeoutMs },
      );
      this.lastHostTimings = { firstTokenMs: done.firstTokenMs, totalMs: done.totalMs };
      return toResponse(req, done, name, this.modelName);
    } catch (e) {
      throw this.callError(e, opts.signal);
    }
  }

  private callError(e: unknown, signal: AbortSignal): InferenceError | Error {
    const name = this.ep.name;
    if (signal.aborted) return new InferenceCancelledError(name);
    if (e instanceof HostLoadError) {
      const s = this.settings;
      return new LlamaCppUnavailableError(name, this.ctx.redact(`llama.cpp could not load ${s?.modelPath ?? 'the model'}: ${e.message}`));
    }
    if (!(e instanceof HostCallError)) return e instanceof Error ? e : new Error(String(e));
    const detail = this.ctx.redact(e.message);
    switch (e.kind) {
      case 'aborted':
        return new InferenceCancelledError(name);
      case 'overflow':
        return new ContextOverflowError(name, detail);
      case 'bad_request':
        return new BadRequestError(name, detail, 400);
      case 'engine':
        return new EngineError(name, `llama.cpp: ${detail}`);
      case 'crashed':
        return new EngineError(name, detail, 'engine_unreachable');
      case 'first_token_timeout':
        return new EngineError(name, detail, 'timeout');
      case 'idle_timeout':
        return new StreamDroppedError(name, detail);
    }
  }

  /** The model host's process id while one runs (diagnostics and tests). */
  hostPid(): number | null {
    return this.lease?.current().pid ?? null;
  }

  async close(): Promise<void> {
    this.closed = true;
    const lease = this.lease;
    this.lease = null;
    await lease?.release();
  }
}

/**
 * The BackendFactory of kind `llama-cpp`: register it with
 * `createPool(config, { backends: { 'llama-cpp': llamaCppBackendFactory } })`.
 * It never throws: a misconfigured endpoint comes up `down` with the reason.
 */
export const llamaCppBackendFactory: BackendFactory = (endpoint: EndpointConfig, ctx: BackendContext) => new LlamaCppBackend(endpoint, ctx);

/**
 * The quantization class of a llama-cpp endpoint's GGUF file (`int4` for
 * Q4_K_M), for the config loader to fill `quantization` so the pool routes
 * on what the file holds; null when the file is unreadable (the endpoint will
 * report why when probed).
 */
export function llamaCppEndpointQuantization(endpoint: EndpointConfig, baseDir?: string): string | null {
  try {
    return quantizationOf(readGgufHeader(llamaCppSettings(endpoint, baseDir).modelPath)).quantization;
  } catch {
    return null;
  }
}
