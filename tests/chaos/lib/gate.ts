/**
 * Crash and chaos tests start their own Temporal dev servers and worker
 * processes. Like every other Temporal test they are skipped in unit-only
 * runs (SWARMFLOW_TEST_NO_TEMPORAL=1) unless SWARMFLOW_CHAOS=1 asks for them.
 */
export function chaosEnabled(): boolean {
  return Boolean(process.env.SWARMFLOW_CHAOS) || !process.env.SWARMFLOW_TEST_NO_TEMPORAL;
}

export const describeChaos: jest.Describe = (chaosEnabled() ? describe : describe.skip) as jest.Describe;

/** Log lines go to stderr at once (console.log would hold them until the test ends, with a stack for each). */
export function chaosLog(line: string): void {
  process.stderr.write(`[chaos] ${line}\n`);
}
