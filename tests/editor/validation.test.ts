/**
 * The editor validates with dsl/ (the CLI's code): generated definitions
 * validate, diagnostics land on the right node and the right text, and the
 * build-time ajv precompilation reads the same options dsl/ uses.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { validate } from '../../dsl';
import { buildGraph } from '../../editor/src/model/graph';
import { diagnosticRange, diagnosticsByNode } from '../../editor/src/model/diagnostics';
import { generateDefinition } from '../../editor/src/model/generate';
import { parseYaml } from '../../editor/src/model/yaml-source';
import { readAjvOptions } from '../../editor/build/ajv-standalone';

const ROOT = path.resolve(__dirname, '..', '..');

test.each([1, 30, 1000])('a generated %i-step definition is valid and has that many steps', (n) => {
  const text = generateDefinition(n);
  expect(validate(text, 'gen.swarm.yaml')).toEqual([]);
  expect(buildGraph(parseYaml(text)).nodes.length).toBe(n);
});

test('a diagnostic is shown on its step and underlines its token', () => {
  const text = generateDefinition(30).replace('  - id: s1\n    agent: worker', '  - id: s1\n    agent: wrker');
  const diagnostics = validate(text, 'gen.swarm.yaml');
  expect(diagnostics).toHaveLength(1);
  const d = diagnostics[0];
  if (!d) throw new Error('no diagnostic');
  const g = buildGraph(parseYaml(text));
  expect([...diagnosticsByNode(g, diagnostics).keys()]).toEqual(['/steps/1']);
  const r = diagnosticRange(text, d);
  expect(text.slice(r.from, r.to)).toBe('wrker');
});

test('problems outside any step are kept under the empty id', () => {
  const text = generateDefinition(3).replace('version: 1', 'version: one');
  const diagnostics = validate(text, 'gen.swarm.yaml');
  expect(diagnostics.length).toBeGreaterThan(0);
  expect(diagnosticsByNode(buildGraph(parseYaml(text)), diagnostics).get('')?.length).toBe(diagnostics.length);
});

test('the editor build precompiles the schema with the options dsl/schema-check.ts uses', () => {
  const source = fs.readFileSync(path.join(ROOT, 'dsl', 'schema-check.ts'), 'utf8');
  const options = readAjvOptions(source);
  expect(options.allErrors).toBe(true);
  expect(Object.keys(options).length).toBeGreaterThan(1);
  expect(() => readAjvOptions('const ajv = new Ajv2020(opts);')).toThrow(/update editor\/build\/ajv-standalone\.ts/);
  expect(() => readAjvOptions('new Ajv2020({ allErrors: true, code: {} })')).toThrow();
});
