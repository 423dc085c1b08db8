/**
 * Bugs the fuzzers found that are not fixed yet (in files this suite does
 * not own). Each has an exact reproducer in known-bugs.test.ts, marked
 * `test.failing`: when the fix lands, that test starts to fail, and the
 * entry is removed from here and there. Until then the random fuzzers count
 * a case that hits one of them (printed as "known bugs hit") instead of
 * stopping on it, so they keep looking for new ones.
 */
import type { ApiRequest } from './api-gen';
import type { RawResponse } from './api-harness';
import type { FuzzFailure } from './stats';

export const KNOWN_BUGS = {
  'api-deep-input-500':
    'POST /v1/runs (and signals) with JSON nested ~10,000 deep in "input"/"payload": the payload converter (JSON.stringify) or the inputs-schema check (@cfworker/json-schema, recursive $ref) overflows the stack: 500 instead of 400',
  'api-redos-inputs-pattern':
    'an inputs schema "pattern" is a JavaScript RegExp run on the run input when a run starts: "^(a+)+$" against 40 "a"s and a "!" blocks the API process for hours',
} as const;

export type KnownBugId = keyof typeof KNOWN_BUGS;

/** The known DSL bug this failure is, or null (none is known: the DSL fuzzer fails on every failure). */
export function knownDslBug(_f: FuzzFailure): KnownBugId | null {
  return null;
}

/** The known bug a too-slow pathological document (pathological.ts) is, or null (none is known: locating diagnostics is linear now). */
export function knownSlowShape(_diagnostics: number): KnownBugId | null {
  return null;
}

/** Deepest nesting of JSON brackets outside strings (a linear scan; bytes, not parsed). */
export function jsonNesting(b: Buffer): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) max = Math.max(max, ++depth);
    else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

/** The known API bug this failed exchange is, or null (then it is a new failure). */
export function knownApiBug(req: ApiRequest, res: RawResponse): KnownBugId | null {
  const runsRoute = /^\/v1\/runs(\/|\?|$)/.test(req.target);
  if (res.status === 500 && req.method === 'POST' && runsRoute && req.body && jsonNesting(req.body) >= 2_000) return 'api-deep-input-500';
  return null;
}
