import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { projectRoot } from './root';

/**
 * Where the Temporal CLI (the dev server) is: $TEMPORAL_CLI, the path the
 * bootstrap recorded, `temporal` on PATH, or the Go bin dir. Throws one
 * sentence that says how to get it when none exists.
 */
export function temporalCliPath(root = projectRoot()): string {
  const candidates: string[] = [];
  if (process.env.TEMPORAL_CLI) candidates.push(process.env.TEMPORAL_CLI);
  for (const base of [root, path.resolve(root, '..')]) {
    const recorded = path.join(base, '.swarmflow', 'temporal-cli');
    if (fs.existsSync(recorded)) candidates.push(fs.readFileSync(recorded, 'utf8').trim());
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) if (dir) candidates.push(path.join(dir, 'temporal'));
  if (process.env.GOBIN) candidates.push(path.join(process.env.GOBIN, 'temporal'));
  if (process.env.GOPATH) candidates.push(path.join(process.env.GOPATH.split(path.delimiter)[0] ?? '', 'bin', 'temporal'));
  candidates.push(path.join(os.homedir(), 'go', 'bin', 'temporal'));
  for (const c of candidates) {
    try {
      fs.accessSync(c, fs.constants.X_OK);
      return c;
    } catch {
      // next
    }
  }
  throw new Error('the Temporal CLI was not found: run `npm run bootstrap` to build it, or set TEMPORAL_CLI to a temporal binary');
}
