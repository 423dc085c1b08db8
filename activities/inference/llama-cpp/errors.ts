/**
 * The pool error of a llama-cpp endpoint that cannot serve at all: the
 * package is missing, the options are wrong, the file is not a usable GGUF
 * model, or llama.cpp refused to load it. Another attempt on the same
 * endpoint cannot help until someone fixes it, so Temporal must not retry;
 * another endpoint of the pool may still answer (failover).
 */
import { InferenceError } from '../errors';

/** Thrown by chat() when the endpoint's model is not loadable; the message names the endpoint, the cause and the fix. */
export class LlamaCppUnavailableError extends InferenceError {
  constructor(endpoint: string, detail: string) {
    super(`endpoint ${endpoint} (local GGUF model) is unavailable: ${detail}`, {
      endpoint,
      reason: 'config',
      retryable: false,
      failover: true,
    });
    this.name = 'LlamaCppUnavailableError';
  }
}
