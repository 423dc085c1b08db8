/**
 * Waits `ms`, or less if `signal` aborts (then it resolves, never rejects):
 * for polling and retry loops that check the signal themselves and must
 * stop promptly when told to (the effect ledger waiting on a claim, a worker
 * waiting for Temporal, an SSE stream between polls, the simulated model
 * sleeping out its latency).
 */
export function pauseFor(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
