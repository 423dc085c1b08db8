/**
 * Activities of the hand-written baselines: a no-op, and one chat completion
 * straight to the simulated model over HTTP (no pool, no blobs).
 * `simUrl` is the OpenAI base URL (ends in /v1), as SimServer.url gives it.
 */
import type { BaselineActivities } from './workflows';

export function baselineActivities(simUrl: string): BaselineActivities {
  return {
    noop: async (i: number) => i - i,
    async modelCall(agent: number, turn: number): Promise<number> {
      const res = await fetch(`${simUrl.replace(/\/$/, '')}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'kimi-k2.6', max_tokens: 64, messages: [{ role: 'user', content: `item ${agent}, turn ${turn}` }] }),
      });
      if (!res.ok) throw new Error(`bench baseline: the simulated model at ${simUrl} answered ${res.status}`);
      const body: unknown = await res.json();
      const usage = typeof body === 'object' && body !== null ? (body as { usage?: { total_tokens?: unknown } }).usage : undefined;
      return typeof usage?.total_tokens === 'number' ? usage.total_tokens : 0;
    },
  };
}
