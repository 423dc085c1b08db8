/**
 * The inference pool: every model call of a swarm goes through `chat`.
 *
 * - Admission: a call waits in the pool's FIFO queue until an endpoint that
 *   serves its model (and declared quantization) has a free slot; an
 *   endpoint never has more than `maxConcurrency` calls in flight.
 * - Routing: `router.ts` (affinity unless imbalanced, else the strategy);
 *   fallbacks only when no primary is routable.
 * - Failover: an attempt that fails with a failover-able error (5xx, dead
 *   engine, dropped stream even after the first byte, 429, quota, auth) moves
 *   to another endpoint, up to `maxAttempts`; then the error goes to
 *   Temporal (`toTemporalFailure`) retryable or not.
 * - Health: probes every `health.intervalMs`; circuit breaking in `endpoint-state.ts`.
 * - Secrets: keys are read from the environment at call time; every error
 *   message is redacted of them before it leaves.
 */
import { LLAMA_CPP_KIND, llamaCppBackendFactory } from './llama-cpp/backend';
import { BACKEND_ERRORS, type Backend, type BackendContext, type BackendFactory } from './backend';
import { isBuiltinKind, type InferenceConfig, type PoolConfig } from './config';
import { DIALECTS } from './dialects';
import { EndpointState, type EndpointStatus } from './endpoint-state';
import {
  AllEndpointsFailedError,
  BackendBugError,
  InferenceCancelledError,
  InferenceError,
  NoEndpointError,
  NoHealthyEndpointError,
} from './errors';
import { OpenAICompatibleBackend } from './openai-backend';
import { route, type RouteDecision } from './router';
import { readApiKey, redact, redactError } from './secrets';
import { schemaErrorsOf } from './structured';
import type { CallOptions, ChatRequest, ChatResponse } from './types';
import { BackendModuleError, checkBackend, loadBackendModule } from './user-backends';

export interface PoolStatus {
  /** Where the configuration came from. */
  source: string;
  pools: {
    name: string;
    strategy: string;
    /** Calls waiting for a slot. */
    queued: number;
    /** Sum of the endpoints' maxConcurrency. */
    slots: number;
    endpoints: EndpointStatus[];
  }[];
}

export interface InferencePool {
  /** One model call; resolves with the whole answer or throws an `InferenceError`. */
  chat(req: ChatRequest, opts: CallOptions): Promise<ChatResponse>;
  status(): PoolStatus;
  /** Calls the pool can run at once: the inference worker's activity concurrency. */
  slots(pool: string): number;
  /** Probes every endpoint now and returns the status (for `swarmflow pool status`). */
  probeNow(): Promise<PoolStatus>;
  close(): Promise<void>;
}

export interface CreatePoolOptions {
  /** User backend kinds registered in code (kind -> factory); also overrides built-in kinds. */
  backends?: Record<string, BackendFactory>;
  /** Where `apiKeyEnv` names are read at call time; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Periodic health probes; default true. Tests of routing rules turn them off. */
  probes?: boolean;
  /** Random source of the strategies (tests make it deterministic). */
  random?: () => number;
  /** Observes each routing decision (tests, debugging). */
  onRoute?: (d: { pool: string; endpoint: string; rule: RouteDecision<unknown>['rule'] }) => void;
}

/** Thrown when an endpoint names a kind that is neither built in nor registered. */
export class UnknownBackendKindError extends Error {
  constructor(endpoint: string, kind: string) {
    super(
      `endpoint ${endpoint}: kind "${kind}" is not built in (openai, vllm, sglang, llama-server, ollama, moonshot, sim, llama-cpp); ` +
        `add "module: ./your-backend.js" to the endpoint or register it with createPool(config, { backends: { "${kind}": factory } })`,
    );
    this.name = 'UnknownBackendKindError';
  }
}

interface Waiter {
  req: ChatRequest;
  opts: CallOptions;
  excluded: ReadonlySet<string>;
  resolve(ep: EndpointState): void;
  reject(err: Error): void;
}

interface PoolRuntime {
  cfg: PoolConfig;
  endpoints: EndpointState[];
  queue: Waiter[];
}

export function createPool(config: InferenceConfig, opts: CreatePoolOptions = {}): InferencePool {
  return new Pool(config, opts);
}

class Pool implements InferencePool {
  private readonly pools = new Map<string, PoolRuntime>();
  private readonly env: NodeJS.ProcessEnv;
  private readonly random: () => number;
  private readonly closing = new AbortController();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly factories = new Map<string, () => Backend | Promise<Backend>>();
  private closed = false;

  constructor(
    private readonly config: InferenceConfig,
    private readonly opts: CreatePoolOptions,
  ) {
    this.env = opts.env ?? process.env;
    this.random = opts.random ?? Math.random;
    const ctx: BackendContext = { redact: (t) => this.redact(t), errors: BACKEND_ERRORS };
    for (const cfg of Object.values(config.pools)) {
      const rt: PoolRuntime = { cfg, endpoints: cfg.endpoints.map((e, i) => new EndpointState(e, cfg, i)), queue: [] };
      for (const ep of rt.endpoints) {
        const e = ep.cfg;
        const user = opts.backends?.[e.kind];
        const key = `${cfg.name}/${e.name}`;
        if (user !== undefined) this.factories.set(key, () => user(e, ctx));
        else if (e.kind === LLAMA_CPP_KIND) this.factories.set(key, () => llamaCppBackendFactory(e, ctx));
        else if (isBuiltinKind(e.kind)) {
          const dialect = DIALECTS[e.kind];
          this.factories.set(key, () => new OpenAICompatibleBackend(e, ctx, dialect));
        }
        else if (e.module !== null) {
          const file = e.module;
          this.factories.set(key, () => loadBackendModule(file)(e, ctx));
        } else throw new UnknownBackendKindError(e.name, e.kind);
      }
      this.pools.set(cfg.name, rt);
      if (opts.probes !== false) this.startProbes(rt);
    }
  }

  private secrets(): string[] {
    const out: string[] = [];
    for (const rt of this.pools.values()) {
      for (const ep of rt.endpoints) {
        const k = readApiKey(this.env, ep.cfg.apiKeyEnv);
        if (k !== undefined) out.push(k);
      }
    }
    return out;
  }

  private redact(text: string): string {
    return redact(text, this.secrets());
  }

  private backendOf(rt: PoolRuntime, ep: EndpointState): Promise<Backend> {
    ep.backend ??= (async () => {
      const make = this.factories.get(`${rt.cfg.name}/${ep.name}`);
      if (make === undefined) throw new UnknownBackendKindError(ep.name, ep.cfg.kind);
      const made = await make();
      // Built-in backends are ours; user ones are checked at the boundary.
      return made instanceof OpenAICompatibleBackend ? made : checkBackend(made, ep.name);
    })();
    return ep.backend;
  }

  private poolOf(name: string | undefined): PoolRuntime {
    const poolName = name ?? 'default';
    const rt = this.pools.get(poolName);
    if (rt === undefined) {
      throw new NoEndpointError(
        `no inference pool "${poolName}" in ${this.config.source}; pools: ${[...this.pools.keys()].join(', ')}. ` +
          `Add it to inference.yaml or set the model's pool to one of these`,
      );
    }
    return rt;
  }

  private serves(ep: EndpointState, req: ChatRequest, opts: CallOptions): boolean {
    const models = ep.cfg.models;
    if (models !== null && !models.includes(req.model)) return false;
    const q = opts.quantization ?? null;
    return q === null || ep.cfg.quantization === q;
  }

  /** Assigns a slot to the waiter if it can run now; rejects it if it never can; false = keep waiting. */
  private tryAssign(rt: PoolRuntime, w: Waiter, now: number): boolean {
    const eligible = rt.endpoints.filter((ep) => this.serves(ep, w.req, w.opts) && !w.excluded.has(ep.name));
    const routable = eligible.filter((ep) => ep.routable(now));
    if (routable.length === 0) {
      const waits = eligible.map((ep) => ep.retryInMs(now)).filter((ms) => ms > 0);
      const retryAfter = waits.length > 0 ? Math.min(...waits) : rt.cfg.circuit.cooldownMs;
      w.reject(
        new NoHealthyEndpointError(
          `pool ${rt.cfg.name}: no endpoint serving ${w.req.model} can take calls now (${eligible
            .map((ep) => `${ep.name}: ${ep.health === 'unknown' ? ep.circuit(now) : `${ep.health}, circuit ${ep.circuit(now)}`}`)
            .join('; ')}); retry in ${Math.ceil(retryAfter / 1000)}s`,
          retryAfter,
        ),
      );
      return true;
    }
    const primaries = routable.filter((ep) => ep.cfg.role === 'primary');
    const tier = primaries.length > 0 ? primaries : routable;
    const free = tier.filter((ep) => ep.free(now));
    if (free.length === 0) return false;
    const toCandidate = (ep: EndpointState): { ep: EndpointState; name: string; load: number; weight: number; index: number } => ({
      ep,
      name: ep.name,
      load: ep.load(),
      weight: ep.cfg.weight,
      index: ep.index,
    });
    const decision = route(rt.cfg, tier.map(toCandidate), free.map(toCandidate), w.opts.affinityKey, this.random);
    const chosen = decision.chosen.ep;
    chosen.acquire(now);
    this.opts.onRoute?.({ pool: rt.cfg.name, endpoint: chosen.name, rule: decision.rule });
    w.resolve(chosen);
    return true;
  }

  /** Runs waiting calls in arrival order while slots are free. */
  private pump(rt: PoolRuntime): void {
    const now = Date.now();
    for (let i = 0; i < rt.queue.length; ) {
      if (!rt.endpoints.some((ep) => ep.free(now))) {
        // Nothing is free; still reject waiters that nothing can ever serve now (all down).
        if (rt.endpoints.some((ep) => ep.routable(now))) return;
      }
      const w = rt.queue[i];
      if (w !== undefined && this.tryAssign(rt, w, now)) rt.queue.splice(i, 1);
      else i += 1;
    }
  }

  private admit(rt: PoolRuntime, req: ChatRequest, opts: CallOptions, excluded: ReadonlySet<string>): Promise<EndpointState> {
    return new Promise<EndpointState>((resolve, reject) => {
      const signal = opts.signal;
      if (signal?.aborted) return reject(new InferenceCancelledError(null));
      if (this.closed) return reject(new InferenceCancelledError(null));
      const onAbort = (): void => {
        const i = rt.queue.indexOf(w);
        if (i >= 0) rt.queue.splice(i, 1);
        reject(new InferenceCancelledError(null));
      };
      const w: Waiter = {
        req,
        opts,
        excluded,
        resolve: (ep) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(ep);
        },
        reject: (e) => {
          signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
      };
      // Fast path when nobody waits; otherwise join the queue so earlier calls go first.
      if (rt.queue.length === 0 && this.tryAssign(rt, w, Date.now())) return;
      rt.queue.push(w);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pump(rt);
    });
  }

  async chat(req: ChatRequest, opts: CallOptions): Promise<ChatResponse> {
    const rt = this.poolOf(opts.pool);
    const eligible = rt.endpoints.filter((ep) => this.serves(ep, req, opts));
    if (eligible.length === 0) {
      const have = rt.endpoints
        .map((ep) => `${ep.name} (models ${ep.cfg.models?.join(', ') ?? 'any'}, quantization ${ep.cfg.quantization ?? 'undeclared'})`)
        .join('; ');
      throw new NoEndpointError(
        `pool ${rt.cfg.name} has no endpoint serving model ${req.model}` +
          `${opts.quantization ? ` with quantization ${opts.quantization}` : ''}: ${have}. Fix the model settings or inference.yaml`,
      );
    }
    const excluded = new Set<string>();
    const failures: InferenceError[] = [];
    const signals = [this.closing.signal, ...(opts.signal ? [opts.signal] : [])];
    // A signal per call: undici listens on it, so the shared closing signal collects no listeners.
    const signal = AbortSignal.any(signals);
    for (let attempt = 0; attempt < rt.cfg.maxAttempts && excluded.size < eligible.length; attempt++) {
      let ep: EndpointState;
      try {
        ep = await this.admit(rt, req, opts, excluded);
      } catch (e) {
        if (e instanceof NoHealthyEndpointError && failures.length > 0) break;
        throw e;
      }
      const started = Date.now();
      try {
        const backend = await this.backendOf(rt, ep);
        const res = await backend.chat(req, {
          signal,
          apiKey: readApiKey(this.env, ep.cfg.apiKeyEnv),
          onTokens: (completionTokens) => opts.onProgress?.({ completionTokens, endpoint: ep.name }),
        });
        ep.recordSuccess(Date.now() - started, res.usage);
        const out: ChatResponse = { ...res, endpoint: ep.name };
        if (req.outputSchema) out.schemaErrors = schemaErrorsOf(out.content, req.outputSchema);
        if (failures.length > 0) out.failedOver = failures.map((f) => f.endpoint ?? '?');
        return out;
      } catch (e) {
        const err = this.asInferenceError(e, ep.name, signal);
        const reopenAt = ep.recordFailure(err);
        if (reopenAt !== null) this.wakeAt(rt, reopenAt);
        if (!err.failover) throw err;
        failures.push(err);
        excluded.add(ep.name);
      } finally {
        ep.release();
        this.pump(rt);
      }
    }
    const only = failures[0];
    if (failures.length === 1 && only !== undefined) throw only;
    throw redactError(new AllEndpointsFailedError(rt.cfg.name, failures), this.secrets());
  }

  private asInferenceError(e: unknown, endpoint: string, signal: AbortSignal): InferenceError {
    let err: InferenceError;
    if (signal.aborted && !(e instanceof InferenceCancelledError)) err = new InferenceCancelledError(endpoint);
    else if (e instanceof InferenceError) err = e;
    else if (e instanceof BackendModuleError || e instanceof UnknownBackendKindError) {
      err = new BackendBugError(endpoint, e.message);
    } else err = new BackendBugError(endpoint, e instanceof Error ? `${e.name}: ${e.message}` : String(e));
    return redactError(err, this.secrets());
  }

  /** Re-runs the queue when an open circuit allows a trial again. */
  private wakeAt(rt: PoolRuntime, at: number): void {
    if (this.closed) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.pump(rt);
    }, Math.max(0, at - Date.now()) + 1);
    t.unref();
    this.timers.add(t);
  }

  private async probeEndpoint(rt: PoolRuntime, ep: EndpointState): Promise<void> {
    const started = Date.now();
    const signal = AbortSignal.any([this.closing.signal, AbortSignal.timeout(rt.cfg.health.timeoutMs)]);
    try {
      const backend = await this.backendOf(rt, ep);
      const h = await backend.probe({ signal, apiKey: readApiKey(this.env, ep.cfg.apiKeyEnv) });
      if (this.closed) return;
      ep.recordProbe({ ...h, detail: h.detail === null ? null : this.redact(h.detail) }, Date.now() - started);
    } catch (e) {
      if (this.closed) return;
      const detail = this.redact(e instanceof Error ? e.message : String(e));
      ep.recordProbe({ state: 'down', running: null, waiting: null, generatedTokensTotal: null, detail }, Date.now() - started);
    }
  }

  private async probePool(rt: PoolRuntime): Promise<void> {
    await Promise.all(rt.endpoints.map((ep) => this.probeEndpoint(rt, ep)));
    this.pump(rt);
  }

  private startProbes(rt: PoolRuntime): void {
    const tick = (): void => {
      void this.probePool(rt).finally(() => {
        if (this.closed) return;
        const t = setTimeout(() => {
          this.timers.delete(t);
          tick();
        }, rt.cfg.health.intervalMs);
        t.unref();
        this.timers.add(t);
      });
    };
    tick();
  }

  async probeNow(): Promise<PoolStatus> {
    await Promise.all([...this.pools.values()].map((rt) => this.probePool(rt)));
    return this.status();
  }

  status(): PoolStatus {
    const now = Date.now();
    return {
      source: this.config.source,
      pools: [...this.pools.values()].map((rt) => ({
        name: rt.cfg.name,
        strategy: rt.cfg.strategy,
        queued: rt.queue.length,
        slots: rt.endpoints.reduce((s, ep) => s + ep.cfg.maxConcurrency, 0),
        endpoints: rt.endpoints.map((ep) => {
          const s = ep.status(now);
          return { ...s, lastError: s.lastError === null ? null : this.redact(s.lastError) };
        }),
      })),
    };
  }

  slots(pool: string): number {
    return this.poolOf(pool).endpoints.reduce((s, ep) => s + ep.cfg.maxConcurrency, 0);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.closing.abort();
    for (const rt of this.pools.values()) {
      for (const w of rt.queue.splice(0)) w.reject(new InferenceCancelledError(null));
    }
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const backends: Promise<Backend>[] = [];
    for (const rt of this.pools.values()) for (const ep of rt.endpoints) if (ep.backend) backends.push(ep.backend);
    await Promise.all(
      backends.map(async (b) => {
        try {
          await (await b).close?.();
        } catch {
          // A backend that failed to build or close holds nothing to release.
        }
      }),
    );
  }
}
