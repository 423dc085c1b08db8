/**
 * Helpers of the tests that run the tiny model for real. The model's
 * weights are random, so what it says is nonsense by construction: the tests
 * check tokens, usage, limits, cancellation, grammar-constrained JSON and
 * tool-call plumbing, never the meaning of the text.
 */
import type { Backend, BackendCallOptions, Health, HealthState } from '../../activities/inference/backend';
import type { ChatRequest, ChatResponse } from '../../activities/inference/types';
import { ensureNodeLlamaCpp } from './fixtures';

/** `describe` when node-llama-cpp is installed or installable here, else `describe.skip` (and the reason is printed). */
export const describeLlama: jest.Describe = (ensureNodeLlamaCpp() ? describe : describe.skip) as jest.Describe;

/** Probes until the backend reports `state` (or fails the test after `timeoutMs`). */
export async function waitForState(b: Backend, state: HealthState, timeoutMs = 60_000): Promise<Health> {
  const deadline = Date.now() + timeoutMs;
  let last: Health | null = null;
  while (Date.now() < deadline) {
    last = await b.probe({ signal: AbortSignal.timeout(5000), apiKey: undefined });
    if (last.state === state) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`backend did not become ${state} within ${timeoutMs} ms; last probe: ${JSON.stringify(last)}`);
}

export function call(b: Backend, req: Partial<ChatRequest> & Pick<ChatRequest, 'messages'>, opts: Partial<BackendCallOptions> = {}): Promise<ChatResponse> {
  return b.chat({ model: 'tiny', ...req }, { signal: new AbortController().signal, apiKey: undefined, ...opts });
}

export function user(content: string): ChatRequest['messages'] {
  return [{ role: 'user', content }];
}
