/**
 * Runtime state of one endpoint inside a pool: calls in flight (admission),
 * health from probes, the circuit breaker, and figures for `pool status`.
 *
 * Circuit: consecutive engine failures (5xx, dropped streams, timeouts) open
 * it after `circuit.failures`; a dead engine (connection refused) or a 429
 * opens it at once (429 for `Retry-After`); quota and auth failures open it
 * for a long while since backoff does not clear them. After the cooldown one
 * trial call goes through (half-open); its outcome closes or reopens the
 * circuit. A healthy probe half-opens a circuit that engine failures opened.
 */
import type { Backend, Health, HealthState } from './backend';
import type { EndpointConfig, PoolConfig } from './config';
import type { InferenceError, InferenceReason } from './errors';
import { RateWindow, Ring } from './stats';
import type { Usage } from './types';

export type CircuitState = 'closed' | 'open' | 'half-open';

const ENGINE_FAULTS: ReadonlySet<InferenceReason> = new Set(['engine_error', 'engine_unreachable', 'stream_dropped', 'timeout', 'backend_bug']);

export interface EndpointStatus {
  pool: string;
  name: string;
  url: string;
  kind: string;
  role: 'primary' | 'fallback';
  models: string[] | null;
  quantization: string | null;
  maxConcurrency: number;
  inFlight: number;
  peakInFlight: number;
  health: HealthState | 'unknown';
  healthDetail: string | null;
  circuit: CircuitState;
  /** ISO time the open circuit allows a trial again. */
  openUntil: string | null;
  openReason: string | null;
  engineRunning: number | null;
  engineWaiting: number | null;
  calls: number;
  failures: number;
  lastError: string | null;
  latencyMs: { p50: number; p95: number } | null;
  probeLatencyMs: { p50: number; p95: number } | null;
  /** Engine generation rate between the last two probes when it reports one, else this pool's own rate. */
  tokensPerSecond: number | null;
  promptTokens: number;
  completionTokens: number;
}

export class EndpointState {
  inFlight = 0;
  peakInFlight = 0;
  health: HealthState | 'unknown' = 'unknown';
  healthDetail: string | null = null;
  engineRunning: number | null = null;
  engineWaiting: number | null = null;
  private circuitState: CircuitState = 'closed';
  private openUntil = 0;
  private openReason: InferenceReason | null = null;
  private consecutiveFailures = 0;
  private trialInFlight = false;
  calls = 0;
  failures = 0;
  lastError: string | null = null;
  promptTokens = 0;
  completionTokens = 0;
  private readonly latency = new Ring();
  private readonly probeLatency = new Ring();
  private readonly tokens = new RateWindow();
  private engineRate: number | null = null;
  private lastGenerated: { at: number; total: number } | null = null;
  backend: Promise<Backend> | null = null;

  constructor(
    readonly cfg: EndpointConfig,
    readonly pool: PoolConfig,
    /** Position in the pool's list: the order of the `ordered` strategy. */
    readonly index: number,
  ) {}

  get name(): string {
    return this.cfg.name;
  }

  circuit(now = Date.now()): CircuitState {
    if (this.circuitState === 'open' && now >= this.openUntil) this.circuitState = 'half-open';
    return this.circuitState;
  }

  /** Can take calls at all (health and circuit), ignoring how busy it is. */
  routable(now = Date.now()): boolean {
    if (this.health === 'down' || this.health === 'loading') return false;
    return this.circuit(now) !== 'open';
  }

  /** Routable and below its concurrency cap; half-open admits one trial call and queues the rest behind it. */
  free(now = Date.now()): boolean {
    if (!this.routable(now) || this.inFlight >= this.cfg.maxConcurrency) return false;
    return !(this.circuitState === 'half-open' && this.trialInFlight);
  }

  /** Outstanding work for routing: ours, or the engine's own count when other clients add to it. */
  load(): number {
    const engine = (this.engineRunning ?? 0) + (this.engineWaiting ?? 0);
    return Math.max(this.inFlight, engine) / this.cfg.weight;
  }

  /** Milliseconds until the circuit allows a trial; 0 when it does now. */
  retryInMs(now = Date.now()): number {
    return this.circuit(now) === 'open' ? Math.max(0, this.openUntil - now) : 0;
  }

  acquire(now = Date.now()): void {
    if (this.circuit(now) === 'half-open') this.trialInFlight = true;
    this.inFlight += 1;
    this.peakInFlight = Math.max(this.peakInFlight, this.inFlight);
    if (this.inFlight > this.cfg.maxConcurrency) {
      // Admission guarantees this never happens; fail loudly if it does.
      throw new Error(`bug: endpoint ${this.name} admitted ${this.inFlight} calls over maxConcurrency ${this.cfg.maxConcurrency}`);
    }
  }

  release(): void {
    this.inFlight -= 1;
  }

  recordSuccess(latencyMs: number, usage: Usage, now = Date.now()): void {
    this.calls += 1;
    this.latency.push(latencyMs);
    this.tokens.add(usage.completionTokens, now);
    this.promptTokens += usage.promptTokens;
    this.completionTokens += usage.completionTokens;
    this.consecutiveFailures = 0;
    this.trialInFlight = false;
    if (this.circuitState !== 'closed') {
      this.circuitState = 'closed';
      this.openReason = null;
    }
    if (this.health === 'down' || this.health === 'unknown') this.health = 'up';
  }

  /** Returns the time the circuit reopens when this failure opened it (for a wake-up timer). */
  recordFailure(err: InferenceError, now = Date.now()): number | null {
    this.calls += 1;
    this.trialInFlight = false;
    if (err.reason === 'cancelled' || err.reason === 'bad_request' || err.reason === 'context_overflow') return null;
    this.failures += 1;
    this.lastError = err.message;
    const cooldown = this.pool.circuit.cooldownMs;
    switch (err.reason) {
      case 'rate_limited':
        return this.open(err.reason, err.retryAfterMs ?? cooldown, now);
      case 'quota_exceeded':
      case 'auth':
        return this.open(err.reason, Math.max(60_000, cooldown * 6), now);
      case 'engine_unreachable':
        // Nothing listens there: stop sending at once; probes or the cooldown's trial call tell when it is back.
        return this.open(err.reason, cooldown, now);
      default:
        if (!ENGINE_FAULTS.has(err.reason)) return null;
        this.consecutiveFailures += 1;
        if (this.circuitState === 'half-open' || this.consecutiveFailures >= this.pool.circuit.failures) {
          return this.open(err.reason, cooldown, now);
        }
        return null;
    }
  }

  private open(reason: InferenceReason, ms: number, now: number): number {
    this.circuitState = 'open';
    this.openReason = reason;
    this.openUntil = now + ms;
    return this.openUntil;
  }

  recordProbe(h: Health, latencyMs: number, now = Date.now()): void {
    this.probeLatency.push(latencyMs);
    this.health = h.state;
    this.healthDetail = h.detail;
    this.engineRunning = h.running;
    this.engineWaiting = h.waiting;
    if (h.generatedTokensTotal !== null) {
      const prev = this.lastGenerated;
      if (prev !== null && now > prev.at && h.generatedTokensTotal >= prev.total) {
        this.engineRate = Math.round(((h.generatedTokensTotal - prev.total) * 1000 * 100) / (now - prev.at)) / 100;
      }
      this.lastGenerated = { at: now, total: h.generatedTokensTotal };
    }
    // A live engine ends an outage the pool saw; it says nothing about quotas, keys or rate limits.
    if (h.state !== 'down' && this.circuitState === 'open' && this.openReason !== null && ENGINE_FAULTS.has(this.openReason)) {
      this.circuitState = 'half-open';
      this.openUntil = now;
    }
  }

  status(now = Date.now()): EndpointStatus {
    const circuit = this.circuit(now);
    return {
      pool: this.pool.name,
      name: this.name,
      url: this.cfg.url,
      kind: this.cfg.kind,
      role: this.cfg.role,
      models: this.cfg.models,
      quantization: this.cfg.quantization,
      maxConcurrency: this.cfg.maxConcurrency,
      inFlight: this.inFlight,
      peakInFlight: this.peakInFlight,
      health: this.health,
      healthDetail: this.healthDetail,
      circuit,
      openUntil: circuit === 'open' ? new Date(this.openUntil).toISOString() : null,
      openReason: circuit === 'closed' ? null : this.openReason,
      engineRunning: this.engineRunning,
      engineWaiting: this.engineWaiting,
      calls: this.calls,
      failures: this.failures,
      lastError: this.lastError,
      latencyMs: this.latency.percentiles(),
      probeLatencyMs: this.probeLatency.percentiles(),
      tokensPerSecond: this.engineRate ?? this.tokens.perSecond(now),
      promptTokens: this.promptTokens,
      completionTokens: this.completionTokens,
    };
  }
}
