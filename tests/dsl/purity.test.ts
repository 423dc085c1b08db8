/**
 * dsl/ runs in Node and the browser; dsl/expr.ts also runs inside Temporal's
 * deterministic workflow sandbox. Checked on the source, import by import.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, dirname, normalize } from 'node:path';
import { REPO } from './helpers';

const DSL = join(REPO, 'dsl');

function importsOf(file: string): string[] {
  const src = readFileSync(file, 'utf8');
  return [...src.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'/gm), ...src.matchAll(/^\s*import\s+'([^']+)'/gm)].map((m) => m[1] ?? '');
}

function code(file: string): string {
  // Comments may mention what the code must not do.
  return readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
}

test('nothing in dsl/ uses Node built-ins (fs, path, node:*, Buffer, process)', () => {
  for (const f of readdirSync(DSL).filter((n) => n.endsWith('.ts'))) {
    const file = join(DSL, f);
    for (const spec of importsOf(file)) {
      expect({ file: f, spec, builtin: spec.startsWith('node:') || ['fs', 'path', 'crypto', 'os', 'child_process', 'vm'].includes(spec) }).toEqual({ file: f, spec, builtin: false });
    }
    const body = code(file);
    expect({ file: f, buffer: /\bBuffer\b/.test(body), process: /\bprocess\./.test(body), evalLike: /\beval\(|new Function\(/.test(body) }).toEqual({ file: f, buffer: false, process: false, evalLike: false });
  }
});

test('dsl/expr.ts and everything it imports stay out of ajv, yaml, Node, the clock and randomness', () => {
  const seen = new Set<string>();
  const queue = [join(DSL, 'expr.ts')];
  const packages = new Set<string>();
  while (queue.length > 0) {
    const file = queue.pop();
    if (!file || seen.has(file)) continue;
    seen.add(file);
    const body = code(file);
    expect({ file, clock: /Date\.now|new Date\(|performance\.now|Math\.random|setTimeout|setInterval/.test(body) }).toEqual({ file, clock: false });
    for (const spec of importsOf(file)) {
      if (spec.startsWith('.')) queue.push(normalize(join(dirname(file), `${spec}.ts`)));
      else packages.add(spec);
    }
  }
  expect([...packages].sort()).toEqual(['@marcbachmann/cel-js', '@marcbachmann/cel-js/evaluator']);
  expect([...seen].map((f) => f.slice(DSL.length + 1)).sort()).toEqual(['cel.ts', 'expr.ts', 'ir.ts']);
});
