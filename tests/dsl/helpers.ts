import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export const REPO = join(__dirname, '..', '..');
export const SHARED_EXAMPLES = join(REPO, '..', 'shared', 'examples');
export const EXAMPLES = join(REPO, 'examples');
export const INVALID = join(REPO, 'tests', 'fixtures', 'dsl', 'invalid');

/** Every example definition: the shared contract's and the project's own. */
export function exampleFiles(): { name: string; path: string; text: string }[] {
  const out: { name: string; path: string; text: string }[] = [];
  for (const dir of [SHARED_EXAMPLES, EXAMPLES]) {
    let names: string[] = [];
    try {
      names = readdirSync(dir).filter((f) => f.endsWith('.swarm.yaml'));
    } catch {
      continue; // ../shared is absent outside this workspace; examples/ holds copies
    }
    for (const name of names.sort()) {
      const path = join(dir, name);
      out.push({ name: `${dir === EXAMPLES ? 'examples' : 'shared'}/${name}`, path, text: readFileSync(path, 'utf8') });
    }
  }
  return out;
}

/**
 * CPU milliseconds taken by fn, and its result. CPU time, not wall time: the
 * suite shares two cores with other workers, and a refusal that takes 50 ms
 * of work can take seconds of wall time on a saturated machine.
 */
export function timed<T>(fn: () => T): { ms: number; result: T } {
  const c0 = process.cpuUsage();
  const result = fn();
  const c = process.cpuUsage(c0);
  return { ms: (c.user + c.system) / 1000, result };
}
