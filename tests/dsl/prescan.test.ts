/**
 * The nesting pre-scan (dsl/prescan.ts) against the YAML parser: a line that
 * continues a plain scalar is text, so its "[" or "{" opens nothing; but the
 * scan must never count less than the parser builds, or a deep document
 * would reach the parser (seconds of CPU, a stack overflow).
 */
import { isMap, isSeq, parseDocument } from 'yaml';
import { deepNestingOffset } from '../../dsl/prescan';
import { compile } from '../../dsl';

/** Nesting of mappings and lists in the parsed tree, the top one counting as 1. */
function treeDepth(node: unknown): number {
  if (!isMap(node) && !isSeq(node)) return 0;
  let max = 0;
  for (const item of node.items) {
    const children: unknown[] = isMap(node) && typeof item === 'object' && item !== null && 'key' in item && 'value' in item ? [item.key, item.value] : [item];
    for (const c of children) max = Math.max(max, treeDepth(c));
  }
  return 1 + max;
}

const CONTEXTS: string[] = [
  'a: b\n',
  'a:\n  b\n',
  'a: b\n  c\n',
  '- b\n',
  '- a: b\n',
  '- - b\n',
  '? b\n',
  'a: &x b\n',
  'a: !!str b\n',
  'x: &x 1\na: *x\n',
  'a: b # c\n',
  'a: b\n\n',
  'a: b\n  # c\n',
  'a: "b\n  c"\n',
  "a: 'b'\n",
  'a: |\n  b\n',
  'a: |\n    b\n',
  'a: >-\n    b\n\n',
  'a: |2\n    b\n',
  'a: |1\n   b\n',
  'a: |+2\n  b\n',
  '- |\n  b\n',
  '- |2\n   b\n',
  '- a: |\n    b\n',
  '- a: |1\n     b\n',
  'a:\n  |\n   b\n',
  'a:\n  |2\n     b\n',
  'a: |\n    b\n  # c\n',
  'a: b\n  c: d\n',
  'a: [b]\n',
  'a: [b,\n  c]\n',
  'a: b\nc: d\n',
  'b\n',
  'a: %b\n',
  'a: @b\n',
  'a: ]\n',
];

const DEEP = 100;
const LINES: string[] = ['['.repeat(DEEP) + ']'.repeat(DEEP), '{'.repeat(DEEP) + '}'.repeat(DEEP), `x: ${'['.repeat(DEEP)}${']'.repeat(DEEP)}`, `- ${'['.repeat(DEEP)}${']'.repeat(DEEP)}`, `x ${'['.repeat(DEEP)}`, `"${'['.repeat(DEEP)}"`];

test('whatever the context, a document the scan lets through nests no deeper than 64 once parsed', () => {
  let passed = 0;
  for (const context of CONTEXTS) {
    for (const line of LINES) {
      for (let indent = 0; indent <= 6; indent++) {
        const text = `${context}${' '.repeat(indent)}${line}\n`;
        if (deepNestingOffset(text) !== null) continue;
        passed++;
        const doc = parseDocument(text, { uniqueKeys: false, logLevel: 'silent' });
        expect({ text, depth: treeDepth(doc.contents) }).toEqual({ text, depth: expect.any(Number) });
        expect({ text, deep: treeDepth(doc.contents) > 64 }).toEqual({ text, deep: false });
      }
    }
  }
  // The continuation lines are let through (about a third of the cases).
  expect(passed).toBeGreaterThan(100);
});

test('a plain scalar continued on lines that start with "[" or "{" is text, not nesting', () => {
  const cases = [
    `a: words\n  ${'['.repeat(70)} end\n`,
    `a: words\n    ${'{'.repeat(70)}\n    ${'['.repeat(70)}\n`,
    `- words\n   ${'['.repeat(70)}\n`,
    `a: words\n\n  ${'['.repeat(70)}\n`,
  ];
  for (const text of cases) {
    expect(deepNestingOffset(text)).toBeNull();
    const doc = parseDocument(text);
    expect(doc.errors).toEqual([]);
    expect(treeDepth(doc.contents)).toBeLessThanOrEqual(2);
  }
  const text = `swarm: x\nversion: 1\nsteps:\n  - id: a\n    set:\n      text: words\n        ${'['.repeat(70)} end\n`;
  const { ir, diagnostics } = compile(text, 'x.swarm.yaml');
  expect(diagnostics).toEqual([]);
  expect(ir?.steps[0]).toMatchObject({ kind: 'set', values: { text: `words ${'['.repeat(70)} end` } });
});

test('block scalar content is skipped only while it keeps its indentation', () => {
  expect(deepNestingOffset(`a: |\n    ${'['.repeat(70)}\n\n    ${'{'.repeat(70)}\n`)).toBeNull();
  expect(deepNestingOffset(`a: |2\n    ${'['.repeat(70)}\n  ${'{'.repeat(70)}\n`)).toBeNull();
  expect(deepNestingOffset(`a: |\n    b\n ${'['.repeat(70)}\n`)).not.toBeNull();
});

test('nesting is still counted where flow can start: after a key, a comment, a sibling, or inside a continuation after ": "', () => {
  const deep = '['.repeat(70);
  for (const text of [
    `a: b\n  c: ${deep}\n`,
    `a: b\n${deep}\n`,
    `a: b # c\n  ${deep}\n`,
    `a: b\n  # c\n  ${deep}\n`,
    `a:\n  ${deep}\n`,
    `- a: b\n  ${deep}\n`,
    `x: &x 1\na: *x\n  ${deep}\n`,
    `a: |\n    b\n   ${deep}\n`,
    `a: |2\n    b\n ${deep}\n`,
  ]) {
    expect({ text, refused: deepNestingOffset(text) !== null }).toEqual({ text, refused: true });
  }
});
