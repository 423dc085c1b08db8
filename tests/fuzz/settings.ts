/**
 * Seeds and sizes of the fuzz runs in `npm test`. Fixed by default, so a
 * failure in CI is the same failure on a laptop; SWARMFLOW_FUZZ_SEED picks
 * other cases (and is printed, so those can be found again).
 */
export const DEFAULT_SEED = 20260709;

export function fuzzSeed(): number {
  const raw = process.env.SWARMFLOW_FUZZ_SEED;
  if (raw === undefined || raw === '') return DEFAULT_SEED;
  const n = Number(raw);
  if (!Number.isSafeInteger(n)) throw new Error(`SWARMFLOW_FUZZ_SEED must be a whole number, not "${raw}"`);
  return n | 0;
}

/** `npm test`: at least 10,000 definitions (issue 9), in chunks of 1,000 (one test each, so each has its own timeout). */
export const TEST_DSL = { runs: 10_000, chunk: 1_000 } as const;

/** `npm test`: thousands of requests, in chunks of 500. */
export const TEST_API = { runs: 2_000, chunk: 500 } as const;
