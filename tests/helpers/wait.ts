/** Thrown by a `waitUntil` check that knows it can never become true (the run already ended). */
export class GiveUp extends Error {}

/**
 * Polls `fn` every 100 ms until it is true; throws naming `what` after
 * `timeoutMs`. Other errors (a run not picked up yet) count as "not yet".
 */
export async function waitUntil(what: string, fn: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    let ok = false;
    try {
      ok = await fn();
    } catch (err) {
      if (err instanceof GiveUp) throw err;
    }
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting until ${what}`);
}
