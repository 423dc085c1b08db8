/**
 * Workflow code is deterministic: it may import only the workflow SDK, other
 * workflow files, the pure parts of dsl/ (IR types, expressions, walking) and
 * activity *types*. This test reads every file in workflows/ and fails on any
 * other import, so a Node built-in or activity code cannot slip in.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const DIR = path.resolve(__dirname, '..', '..', 'workflows');
const ALLOWED_VALUE_IMPORTS = [/^@temporalio\/workflow$/, /^\.\/[a-z-]+$/, /^\.\.\/dsl\/(ir|expr|walk)$/];
const ALLOWED_TYPE_IMPORTS = [...ALLOWED_VALUE_IMPORTS, /^\.\.\/activities\/(contracts|registry)$/, /^\.\.\/runtime\/metrics$/];

function imports(src: string): { spec: string; typeOnly: boolean }[] {
  const out: { spec: string; typeOnly: boolean }[] = [];
  for (const m of src.matchAll(/^\s*import\s+(type\s+)?[^'";]*?from\s+['"]([^'"]+)['"]/gm)) out.push({ spec: m[2] ?? '', typeOnly: Boolean(m[1]) });
  for (const m of src.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) out.push({ spec: m[1] ?? '', typeOnly: false });
  for (const m of src.matchAll(/\brequire\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push({ spec: m[1] ?? '', typeOnly: false });
  for (const m of src.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push({ spec: m[1] ?? '', typeOnly: true });
  return out;
}

describe('workflows/ imports', () => {
  const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.ts'));

  test('there is workflow code to check', () => {
    expect(files).toEqual(expect.arrayContaining(['index.ts', 'swarm.ts', 'agent.ts']));
  });

  test.each(files)('%s imports only deterministic modules', (file) => {
    const src = fs.readFileSync(path.join(DIR, file), 'utf8');
    const bad = imports(src).filter(({ spec, typeOnly }) => !(typeOnly ? ALLOWED_TYPE_IMPORTS : ALLOWED_VALUE_IMPORTS).some((re) => re.test(spec)));
    expect(bad).toEqual([]);
  });

  test('the checker itself catches a forbidden import', () => {
    const found = imports("import * as fs from 'node:fs';\nimport { x } from '../activities/registry';\nimport type { Y } from '../activities/registry';");
    const bad = found.filter(({ spec, typeOnly }) => !(typeOnly ? ALLOWED_TYPE_IMPORTS : ALLOWED_VALUE_IMPORTS).some((re) => re.test(spec)));
    expect(bad.map((b) => b.spec)).toEqual(['node:fs', '../activities/registry']);
  });

  test('no clock, randomness or eval in workflow code', () => {
    for (const file of files) {
      const src = fs.readFileSync(path.join(DIR, file), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      expect({ file, hits: src.match(/\b(Math\.random|new Function|eval\(|setTimeout|setInterval|performance\.now|process\.)/g) ?? [] }).toEqual({ file, hits: [] });
    }
  });
});
