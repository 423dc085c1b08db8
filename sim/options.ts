/**
 * Options, fault settings and counters of the simulated model server.
 *
 * Faults are set at start (`SimOptions.faults`) or at run time through
 * `POST /sim/faults` (tests only). A fault with `times` fires on that many
 * requests and then clears itself; without `times` it fires until replaced.
 */

export interface CountedFault {
  /** How many requests it applies to; absent = every request until cleared. */
  times?: number;
}

export interface SimFaults {
  /** Added before the response starts (headers included). */
  latencyMs?: number;
  /** Streaming: headers go out at once, the first token after this delay. JSON: added to latency. */
  firstTokenMs?: number;
  /** Delay between streamed chunks. */
  chunkDelayMs?: number;
  /** 429 `rate_limit_reached_error` with `Retry-After: retryAfterS`. */
  rateLimit?: CountedFault & { retryAfterS?: number };
  /** 429 `exceeded_current_quota_error` (does not clear with backoff). */
  quota?: CountedFault;
  /** 503 while the model is loading; `/health` answers 503 too. */
  loading?: CountedFault;
  /** 500 internal error. */
  serverError?: CountedFault;
  /** Close the socket mid-stream after `afterChunks` data chunks (JSON requests: before any byte). */
  dropStream?: CountedFault & { afterChunks?: number };
  /** Tool-call arguments that are not valid JSON. */
  malformedToolCalls?: CountedFault;
  /** Fail the next `count` completion requests with `status` (default 500). */
  failNext?: { count: number; status?: number };
}

export interface SimOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 (default) = a free port. */
  port?: number;
  /** Seed of every deterministic choice; default 0. */
  seed?: number;
  /** Shortcut for `faults.latencyMs`. */
  latencyMs?: number;
  /**
   * Quote the start of the message answered (`Re: "..."`) instead of naming it by a digest. Off by
   * default: a prompt must not come back as output. Tests that need a model to repeat given text use it.
   */
  echo?: boolean;
  /** Tool-calling turns before answering when tools are offered; default 2. */
  toolTurns?: number;
  /** Items in generated arrays when the schema allows (clamped to minItems..maxItems); default 3. */
  arrayItems?: number;
  /** Model ids listed by `/v1/models`; any requested id is served. Default `['kimi-k2.6', 'sim']`. */
  models?: string[];
  /** Requests served at once; more wait (and count in the `waiting` gauge). Default 256. */
  slots?: number;
  /** Context window in tokens; longer prompts get 400 context overflow. Default 262144. */
  contextTokens?: number;
  /** When set, requests need `Authorization: Bearer <apiKey>`; others get 401 that echoes the key they sent. */
  apiKey?: string;
  /** Field of reasoning text in answers; default `reasoning_content` (Moonshot, SGLang, llama-server). */
  reasoningField?: 'reasoning' | 'reasoning_content';
  /** Emit reasoning unless the request disables thinking; default false (only when the request enables it). */
  reasoning?: boolean;
  faults?: SimFaults;
  /**
   * A counter several servers can share: completion requests in flight across
   * all of them and the highest such number (admission tests measure a pool's
   * total in flight exactly with it, instead of sampling).
   */
  gauge?: SimGauge;
}

export interface SimGauge {
  inFlight: number;
  peak: number;
}

export interface SimStats {
  /** Completion requests received (all outcomes). */
  requests: number;
  /** Completion requests answered successfully. */
  completed: number;
  /** Of those, answered as SSE streams. */
  streamed: number;
  /** Requests that got an injected fault (error status or dropped stream). */
  faulted: number;
  /** Requests being served / waiting for a slot now. */
  running: number;
  waiting: number;
  /** Highest number of completion requests in flight at once (running + waiting). */
  peakInFlight: number;
  promptTokens: number;
  completionTokens: number;
  /** Responses by HTTP status. */
  byStatus: Record<string, number>;
}
