import * as fs from 'node:fs';
import * as path from 'node:path';

let cached: string | null = null;

/** The checkout's root (where package.json names swarmflow), from source (ts) or from dist/ alike. */
export function projectRoot(): string {
  if (cached) return cached;
  let dir = __dirname;
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg)) {
      try {
        if ((JSON.parse(fs.readFileSync(pkg, 'utf8')) as { name?: unknown }).name === 'swarmflow') return (cached = dir);
      } catch {
        // not ours; keep looking
      }
    }
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`cannot find the swarmflow checkout above ${__dirname}`);
    dir = up;
  }
}
