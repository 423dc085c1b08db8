/** docs/dsl.md is the language reference: its examples validate and it lists every error code. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CODES, STEP_KINDS, validate, compile, formatDiagnostic } from '../../dsl';
import { walkSteps } from '../../dsl/walk';
import { REPO } from './helpers';

const doc = readFileSync(join(REPO, 'docs', 'dsl.md'), 'utf8');
const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');

/** What the step examples may refer to. */
const HEADER = `swarm: docs-example
version: 1
models:
  fast: { model: kimi-k2.6 }
  deep: { model: kimi-k2.6 }
tools:
  read: { uses: fs.read }
  test: { uses: shell, with: { allow: ["npm test"] } }
skills: [ts-refactor]
agents:
  coder: { model: fast, tools: [read, test], skills: [ts-refactor] }
  researcher: { model: deep, tools: [read] }
`;

test('every complete definition in the reference validates', () => {
  const full = blocks.filter((b) => b.startsWith('swarm:'));
  expect(full.length).toBeGreaterThan(0);
  for (const b of full) expect(validate(b, 'docs.swarm.yaml').map(formatDiagnostic)).toEqual([]);
});

test('every step example validates, and together they show every step kind', () => {
  const snippets = blocks.filter((b) => b.startsWith('steps:'));
  const kinds = new Set<string>();
  for (const b of snippets) {
    const { ir, diagnostics } = compile(HEADER + b, 'docs.swarm.yaml');
    expect({ b, diagnostics: diagnostics.map(formatDiagnostic) }).toEqual({ b, diagnostics: [] });
    for (const s of walkSteps(ir?.steps ?? [])) kinds.add(s.kind);
  }
  expect([...kinds].sort()).toEqual([...STEP_KINDS].sort());
});

test('the catalogue lists every error code', () => {
  for (const code of Object.keys(CODES)) expect(doc).toContain(`| ${code} |`);
});

test('the reference shows the VS Code schema line', () => {
  expect(doc).toContain('# yaml-language-server: $schema=');
});
