/** The example definitions every editor test runs over: the repository's and the shared spec's. */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const EXAMPLE_DIRS = [path.resolve(__dirname, '..', '..', 'examples'), '/work/shared/examples'];

export interface Example {
  name: string;
  file: string;
  text: string;
}

export function examples(): Example[] {
  const out: Example[] = [];
  const seen = new Set<string>();
  for (const dir of EXAMPLE_DIRS) {
    if (!fs.existsSync(dir)) continue;
    for (const name of fs.readdirSync(dir).sort()) {
      if (!name.endsWith('.swarm.yaml')) continue;
      const file = path.join(dir, name);
      const text = fs.readFileSync(file, 'utf8');
      const key = `${name}\n${text}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ name: `${path.basename(dir)}/${name}`, file, text });
    }
  }
  return out;
}
