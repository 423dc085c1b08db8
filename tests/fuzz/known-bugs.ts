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

/** Open bugs, by id. Fixed ones are gone; their reproducers stay in known-bugs.test.ts as ordinary tests. */
export const KNOWN_BUGS: Record<never, string> = {};

export type KnownBugId = keyof typeof KNOWN_BUGS;

/** The known DSL bug this failure is, or null (none is known: the DSL fuzzer fails on every failure). */
export function knownDslBug(_f: FuzzFailure): KnownBugId | null {
  return null;
}

/** The known bug a too-slow pathological document (pathological.ts) is, or null (none is known: locating diagnostics is linear now). */
export function knownSlowShape(_diagnostics: number): KnownBugId | null {
  return null;
}

/** The known API bug this failed exchange is, or null (none is known: the API fuzzer fails on every failure). */
export function knownApiBug(_req: ApiRequest, _res: RawResponse): KnownBugId | null {
  return null;
}
