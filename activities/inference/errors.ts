/**
 * Errors of the inference pool and how Temporal should treat them.
 *
 * Every error names the endpoint and the reason. `retryable` tells Temporal
 * whether another attempt can help; `failover` tells the pool whether another
 * endpoint may answer the same call; `retryAfterMs` becomes the activity's
 * `nextRetryDelay`. Messages are redacted of API keys before they are built.
 */
import { ApplicationFailure } from '@temporalio/common';

export type InferenceReason =
  | 'rate_limited'
  | 'quota_exceeded'
  | 'auth'
  | 'context_overflow'
  | 'bad_request'
  | 'engine_error'
  | 'engine_unreachable'
  | 'stream_dropped'
  | 'timeout'
  | 'cancelled'
  | 'no_endpoint'
  | 'no_healthy_endpoint'
  | 'all_failed'
  | 'config'
  | 'replay_miss'
  | 'backend_bug';

export interface InferenceErrorInit {
  endpoint: string | null;
  reason: InferenceReason;
  retryable: boolean;
  /** Another endpoint may succeed where this one failed. */
  failover: boolean;
  retryAfterMs?: number | null;
  status?: number | null;
}

/** Base class: thrown by backends and the pool for any failed model call. */
export class InferenceError extends Error {
  readonly endpoint: string | null;
  readonly reason: InferenceReason;
  readonly retryable: boolean;
  readonly failover: boolean;
  readonly retryAfterMs: number | null;
  readonly status: number | null;

  constructor(message: string, init: InferenceErrorInit) {
    super(message);
    this.name = 'InferenceError';
    this.endpoint = init.endpoint;
    this.reason = init.reason;
    this.retryable = init.retryable;
    this.failover = init.failover;
    this.retryAfterMs = init.retryAfterMs ?? null;
    this.status = init.status ?? null;
  }
}

/** Thrown when an endpoint answers 429 with a rate limit (or engine overload): retry after `Retry-After`. */
export class RateLimitedError extends InferenceError {
  constructor(endpoint: string, detail: string, retryAfterMs: number, status = 429) {
    super(`endpoint ${endpoint} is rate limited (HTTP ${status}): ${detail}; retry after ${Math.ceil(retryAfterMs / 1000)}s`, {
      endpoint,
      reason: 'rate_limited',
      retryable: true,
      failover: true,
      retryAfterMs,
      status,
    });
    this.name = 'RateLimitedError';
  }
}

/** Thrown when a hosted API's quota is exhausted: backoff does not clear it; top up or change the key. */
export class QuotaExceededError extends InferenceError {
  constructor(endpoint: string, detail: string) {
    super(`endpoint ${endpoint} has exhausted its quota (HTTP 429): ${detail}; top up the account or remove the endpoint`, {
      endpoint,
      reason: 'quota_exceeded',
      retryable: false,
      failover: true,
      status: 429,
    });
    this.name = 'QuotaExceededError';
  }
}

/** Thrown on 401/403: the key named by `apiKeyEnv` is missing, wrong or not allowed. */
export class AuthError extends InferenceError {
  constructor(endpoint: string, detail: string, status: number, apiKeyEnv: string | null) {
    const fix = apiKeyEnv ? `check the key in $${apiKeyEnv}` : 'set apiKeyEnv on the endpoint';
    super(`endpoint ${endpoint} refused the credentials (HTTP ${status}): ${detail}; ${fix}`, {
      endpoint,
      reason: 'auth',
      retryable: false,
      failover: true,
      status,
    });
    this.name = 'AuthError';
  }
}

/** Thrown when the prompt does not fit the model's context window: retrying the same prompt cannot help. */
export class ContextOverflowError extends InferenceError {
  constructor(endpoint: string, detail: string) {
    super(`endpoint ${endpoint}: the conversation does not fit the model's context window: ${detail}; shorten the prompt or the history`, {
      endpoint,
      reason: 'context_overflow',
      retryable: false,
      failover: false,
      status: 400,
    });
    this.name = 'ContextOverflowError';
  }
}

/** Thrown when the engine rejects the request itself (400/404/422): a bug in the request or config. */
export class BadRequestError extends InferenceError {
  constructor(endpoint: string, detail: string, status: number) {
    super(`endpoint ${endpoint} rejected the request (HTTP ${status}): ${detail}`, {
      endpoint,
      reason: 'bad_request',
      retryable: false,
      failover: false,
      status,
    });
    this.name = 'BadRequestError';
  }
}

/** Thrown on 5xx, an unreachable or dead engine, or a timeout: fail over, then retry. */
export class EngineError extends InferenceError {
  constructor(
    endpoint: string,
    detail: string,
    reason: 'engine_error' | 'engine_unreachable' | 'timeout' = 'engine_error',
    status: number | null = null,
  ) {
    super(`endpoint ${endpoint} failed${status !== null ? ` (HTTP ${status})` : ''}: ${detail}`, {
      endpoint,
      reason,
      retryable: true,
      failover: true,
      status,
    });
    this.name = 'EngineError';
  }
}

/** Thrown when a stream ends or breaks before its finish: the pool fails over (it buffers, so nothing leaked). */
export class StreamDroppedError extends InferenceError {
  constructor(endpoint: string, detail: string) {
    super(`endpoint ${endpoint} dropped the stream: ${detail}`, {
      endpoint,
      reason: 'stream_dropped',
      retryable: true,
      failover: true,
    });
    this.name = 'StreamDroppedError';
  }
}

/** Thrown when the caller's AbortSignal fired (activity cancelled or timed out). */
export class InferenceCancelledError extends InferenceError {
  constructor(endpoint: string | null) {
    super(`model call cancelled${endpoint ? ` while on endpoint ${endpoint}` : ' while waiting for a slot'}`, {
      endpoint,
      reason: 'cancelled',
      retryable: false,
      failover: false,
    });
    this.name = 'InferenceCancelledError';
  }
}

/** Thrown when no endpoint of the pool serves the model (and quantization): a configuration mismatch. */
export class NoEndpointError extends InferenceError {
  constructor(message: string) {
    super(message, { endpoint: null, reason: 'no_endpoint', retryable: false, failover: false });
    this.name = 'NoEndpointError';
  }
}

/** Thrown when matching endpoints exist but all are down, cooling down or have open circuits. */
export class NoHealthyEndpointError extends InferenceError {
  constructor(message: string, retryAfterMs: number | null) {
    super(message, { endpoint: null, reason: 'no_healthy_endpoint', retryable: true, failover: false, retryAfterMs });
    this.name = 'NoHealthyEndpointError';
  }
}

/** Thrown when every endpoint tried for one call failed; retryable when any of the failures was. */
export class AllEndpointsFailedError extends InferenceError {
  constructor(
    pool: string,
    readonly attempts: InferenceError[],
  ) {
    const retryable = attempts.some((a) => a.retryable);
    const delays = attempts.filter((a) => a.retryable && a.retryAfterMs !== null).map((a) => a.retryAfterMs ?? 0);
    super(`pool ${pool}: all ${attempts.length} endpoints tried failed: ${attempts.map((a) => a.message).join('; ')}`, {
      endpoint: attempts.map((a) => a.endpoint).filter((e) => e !== null).join(',') || null,
      reason: 'all_failed',
      retryable,
      failover: false,
      retryAfterMs: delays.length > 0 ? Math.min(...delays) : null,
    });
    this.name = 'AllEndpointsFailedError';
  }
}

/** Thrown when a backend (built in or user-registered) broke its contract, e.g. threw a non-error. */
export class BackendBugError extends InferenceError {
  constructor(endpoint: string, detail: string) {
    super(`endpoint ${endpoint}: backend failed unexpectedly: ${detail}`, {
      endpoint,
      reason: 'backend_bug',
      retryable: true,
      failover: true,
    });
    this.name = 'BackendBugError';
  }
}

/**
 * Converts any error of a model call into a Temporal `ApplicationFailure`:
 * type = the error class name (usable in `nonRetryableErrorTypes`),
 * `nextRetryDelay` from `Retry-After`. Unknown errors stay retryable.
 */
export function toTemporalFailure(err: unknown): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  if (err instanceof InferenceError) {
    return ApplicationFailure.create({
      message: err.message,
      type: err.name,
      nonRetryable: !err.retryable,
      ...(err.retryable && err.retryAfterMs !== null ? { nextRetryDelay: err.retryAfterMs } : {}),
      details: [{ endpoint: err.endpoint, reason: err.reason, status: err.status }],
    });
  }
  const message = err instanceof Error ? err.message : String(err);
  return ApplicationFailure.create({ message: `inference: ${message}`, type: 'InferenceBug', nonRetryable: false });
}
