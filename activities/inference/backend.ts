/**
 * The one interface every model backend implements: built-in engines speak
 * OpenAI-compatible HTTP (`openai-backend.ts`); users add kinds of their own
 * (`user-backends.ts`). A backend makes one attempt on one endpoint; retries,
 * failover, admission and circuit breaking belong to the pool.
 */
import type { EndpointConfig } from './config';
import {
  AuthError,
  BadRequestError,
  ContextOverflowError,
  EngineError,
  InferenceCancelledError,
  InferenceError,
  QuotaExceededError,
  RateLimitedError,
  StreamDroppedError,
} from './errors';
import type { ChatRequest, ChatResponse } from './types';

export type HealthState = 'up' | 'loading' | 'saturated' | 'down';

export interface Health {
  state: HealthState;
  /** Engine-reported load, where the engine exposes it (`/metrics` gauges, `/slots`). */
  running: number | null;
  waiting: number | null;
  /** Engine counter of generated tokens, for tokens/s between two probes. */
  generatedTokensTotal: number | null;
  detail: string | null;
}

export interface BackendCallOptions {
  /** Aborts the HTTP request: caller cancellation, pool shutdown. */
  signal: AbortSignal;
  /** The key named by the endpoint's `apiKeyEnv`, read at call time; undefined when none. */
  apiKey: string | undefined;
  /** Called as streamed tokens arrive (estimated until the engine reports usage). */
  onTokens?: (completionTokens: number) => void;
}

export interface Backend {
  /**
   * One attempt. Resolves with the whole answer (streamed from the engine and
   * buffered here); throws an `InferenceError` subclass that says whether the
   * pool may fail over and whether Temporal may retry.
   */
  chat(req: ChatRequest, opts: BackendCallOptions): Promise<ChatResponse>;
  /** Cheap health/load probe; never throws (returns `state: 'down'` with a detail). */
  probe(opts: { signal: AbortSignal; apiKey: string | undefined }): Promise<Health>;
  close?(): Promise<void>;
}

export interface BackendContext {
  /** Redacts known secrets from text (use it on anything you put in an error message). */
  redact(text: string): string;
  /** The error classes to throw, so user modules need not import swarmflow. */
  errors: typeof BACKEND_ERRORS;
}

export const BACKEND_ERRORS = {
  InferenceError,
  RateLimitedError,
  QuotaExceededError,
  AuthError,
  ContextOverflowError,
  BadRequestError,
  EngineError,
  StreamDroppedError,
  InferenceCancelledError,
} as const;

/** Builds the backend of one endpoint. User modules export one as `createBackend`. */
export type BackendFactory = (endpoint: EndpointConfig, ctx: BackendContext) => Backend | Promise<Backend>;
