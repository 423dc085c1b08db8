/**
 * One Temporal namespace per jest worker: test files that run at the same
 * time never poll each other's task queues (a run started by one file must be
 * worked by that file's workers, with its own simulated model and data dir).
 */
export const TEST_NAMESPACES = Array.from({ length: 8 }, (_, i) => `test-${i + 1}`);

export function testNamespace(): string {
  const id = Number(process.env.JEST_WORKER_ID ?? '1');
  return TEST_NAMESPACES[(id - 1) % TEST_NAMESPACES.length] ?? 'default';
}
