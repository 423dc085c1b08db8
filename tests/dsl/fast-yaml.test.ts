/**
 * The fast path (dsl/fast-yaml.ts) against the full path (the `yaml`
 * Document): wherever the fast path reads a text, the full path finds no
 * problem and builds the same data; diagnostics and IR do not depend on
 * which path read the text.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { Document } from 'yaml';
import { compile, validate, parseDocument } from '../../dsl';
import { parseSource } from '../../dsl/document';
import { readCommonYaml } from '../../dsl/fast-yaml';
import { generateDefinition } from '../../bench/compile';
import { INVALID, REPO, exampleFiles, timed } from './helpers';
import { definition, toYaml } from './generate';

const HOSTILE = join(REPO, 'tests', 'fixtures', 'hostile', 'documents');

function yamlFiles(dir: string): { name: string; text: string }[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => ({ name: f, text: readFileSync(join(dir, f), 'utf8') }));
}

const corpus = [...exampleFiles(), ...yamlFiles(INVALID), ...yamlFiles(HOSTILE)];

/** The contract: null, or exactly the full path's data (values and key order) with no problem. */
function expectAgreement(text: string): 'fast' | 'full' {
  const fast = readCommonYaml(text);
  if (fast === null) return 'full';
  const full = parseSource(text, 'x.swarm.yaml', { fastPath: false });
  expect(full.problems).toEqual([]);
  expect(fast).toStrictEqual(full.value);
  expect(JSON.stringify(fast)).toBe(JSON.stringify(full.value));
  return 'fast';
}

describe('fast path and full path agree', () => {
  test.each(corpus.map((c) => [c.name, c.text]))('%s: same data, or left to the full path', (_name, text) => {
    expectAgreement(text);
  });

  test('the examples and the benchmark definition take the fast path', () => {
    // A regression here is no wrong answer, only the slow path: keep it visible.
    expect(expectAgreement(generateDefinition(30))).toBe('fast');
    expect(expectAgreement(FEATURES)).toBe('fast');
    const fast = exampleFiles().filter((e) => expectAgreement(e.text) === 'fast');
    expect(fast.length).toBeGreaterThanOrEqual(Math.ceil(exampleFiles().length / 2));
  });

  test.each(yamlFiles(INVALID).map((c) => [c.name, c.text]))('%s: the same diagnostics, positions included', (name, text) => {
    expect(validate(text, name)).toEqual(validate(text, name, { fastPath: false }));
  });

  test.each(exampleFiles().map((e) => [e.name, e.text]))('%s: the same IR and hash', (name, text) => {
    const fast = compile(text, name);
    const full = compile(text, name, { fastPath: false });
    expect(fast).toEqual(full);
  });

  test('the benchmark definition (1,000 steps) compiles to the same IR and hash', () => {
    const text = generateDefinition(250);
    const fast = compile(text, 'bench.swarm.yaml');
    expect(fast.diagnostics).toEqual([]);
    expect(fast.ir?.sha256).toBe(compile(text, 'bench.swarm.yaml', { fastPath: false }).ir?.sha256);
  });

  test('a definition read by the fast path still locates its semantic errors (the Document is parsed on demand)', () => {
    const text = 'swarm: demo\nversion: 1\nsteps:\n  - id: a\n    llm: missing\n    prompt: hi\n  - id: a\n    sleep: 1s\n';
    expect(readCommonYaml(text)).not.toBeNull();
    const fast = validate(text, 'd.swarm.yaml');
    expect(fast.length).toBeGreaterThan(0);
    expect(fast).toEqual(validate(text, 'd.swarm.yaml', { fastPath: false }));
    const doc = parseDocument(text, 'd.swarm.yaml');
    expect(doc.doc?.toString()).toBe(parseDocument(text, 'd.swarm.yaml', { fastPath: false }).doc?.toString());
    expect(doc.doc?.contents?.range?.[0]).toBe(0);
  });

  test('generated definitions, written in several YAML styles', () => {
    const styles: ((d: unknown) => string)[] = [
      toYaml,
      (d) => new Document(d).toString({ defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN' }),
      (d) => new Document(d).toString({ defaultStringType: 'QUOTE_SINGLE', defaultKeyType: 'PLAIN', indentSeq: false }),
      (d) => new Document(d).toString({ collectionStyle: 'flow', lineWidth: 0 }),
      (d) => new Document(d).toString({ blockQuote: 'literal', lineWidth: 0, indent: 4 }),
    ];
    let fastCount = 0;
    fc.assert(
      fc.property(definition, fc.nat({ max: styles.length - 1 }), (def, style) => {
        if (expectAgreement((styles[style] ?? toYaml)(def)) === 'fast') fastCount++;
      }),
      { numRuns: 150, seed: 7 },
    );
    expect(fastCount).toBeGreaterThan(30);
  });

  test('mangled texts: whatever the fast path accepts, the full path reads the same way', () => {
    const bases = [...exampleFiles().map((e) => e.text), FEATURES];
    const unit = fc.constantFrom(' ', '  ', '\n', '\n  ', '\n- ', ':', ': ', '- ', '#', ' #', '"', "'", '\\', '{', '}', '[', ']', ',', '|', '>', '|-', '>-', '&a', '*a', '!', '?', '%', '@', '~', '0', '1', '.', 'e', '0x', '0o', 'true', 'null', '.inf', '---', '...', 'é', '\u00a0');
    const edit = fc.record({ at: fc.nat(), cut: fc.nat({ max: 6 }), insert: fc.array(unit, { maxLength: 3 }).map((u) => u.join('')) });
    fc.assert(
      fc.property(fc.nat({ max: bases.length - 1 }), fc.array(edit, { minLength: 1, maxLength: 3 }), (b, edits) => {
        let text = bases[b] ?? '';
        for (const e of edits) {
          const at = e.at % (text.length + 1);
          text = text.slice(0, at) + e.insert + text.slice(at + e.cut);
        }
        expectAgreement(text);
      }),
      { numRuns: 1000, seed: 11 },
    );
  });
});

/** Every construct of the subset at least once: the base text for the mangling test. */
const FEATURES = `---
# a comment
swarm: demo
version: 1
literal: |
  line one
    indented
  # not a comment

folded: >
  one
  two

  three
stripped: |-
  x
folded_stripped: >-
  a

  b
flow: { a: 1, "b c": [x, -2, 0x1F, 0o17, 1.5, 1e3, .5, "s", 's''t', true, null, ~, {}], d: [] }
quoted: "esc \\" \\\\ \\/ \\n \\t \\u00e9"
single: 'it''s'
plain: text with # a comment
hash: a#b
colon: x:y
url: http://example.com/a
neg: -x
list:
- 1
- key: v
  other: [1, 2]
-
  nested: true
- "q"
steps:
  - id: a
    llm: fast
    prompt: "\${{ inputs.topic }}: go"
  -   id: b
      sleep: 1s
`;

describe('the subset', () => {
  test.each([
    ['a: 1\nb: -2\nc: 1.50\nd: 0x1F\ne: 0o17\nf: 1e3\ng: +5\nh: 007\n', { a: 1, b: -2, c: 1.5, d: 31, e: 15, f: 1000, g: 5, h: 7 }],
    ['a: true\nb: False\nc: null\nd: ~\ne: yes\nf: NULL\n', { a: true, b: false, c: null, d: null, e: 'yes', f: null }],
    ['a: |\n  x\n  y\n\nb: >\n  p\n  q\n\n  r\n', { a: 'x\ny\n', b: 'p q\nr\n' }],
    ['a:\n- x\n- y\nb: { c: [1, {d: e}] }\n', { a: ['x', 'y'], b: { c: [1, { d: 'e' }] } }],
    ['"a b": \'c\'\n', { 'a b': 'c' }],
  ])('%j reads as the yaml package reads it', (text, value) => {
    expect(readCommonYaml(text)).toStrictEqual(value);
    expectAgreement(text);
  });

  test('a long line of many quoted strings is read in linear time', () => {
    // Each string is scanned to its own closing quote, never to the end of the line.
    const text = `a: [${Array.from({ length: 60_000 }, () => '"x"').join(', ')}]\n`;
    const { ms, result } = timed(() => readCommonYaml(text));
    expect(result).not.toBeNull();
    expect(ms).toBeLessThan(2000);
  });

  test.each([
    ['anchors and aliases', 'a: &x 1\nb: *x\n'],
    ['tags', 'a: !!str 1\n'],
    ['duplicate keys', 'a: 1\na: 2\n'],
    ['__proto__', '__proto__: 1\n'],
    ['constructor in a flow mapping', 'a: { constructor: 1 }\n'],
    ['non-string keys', '1: a\n'],
    ['non-finite numbers', 'a: .inf\n'],
    ['two documents', 'a: 1\n---\nb: 2\n'],
    ['multi-line plain scalars', 'a: one\n  two\n'],
    ['multi-line quoted scalars', 'a: "one\n  two"\n'],
    ['multi-line flow collections', 'a: [1,\n  2]\n'],
    ['tabs', 'a:\t1\n'],
    ['CRLF line ends', 'a: 1\r\nb: 2\r\n'],
    ['a list at the root', '- a\n'],
    ['an empty document', '# nothing\n'],
    ['nested mappings on one line', 'a: b: c\n'],
    ['keep chomping', 'a: |+\n  x\n\n'],
    ['indentation indicators', 'a: |2\n   x\n'],
    ['odd indentation', 'a:\n    b: 1\n  c: 2\n'],
    ['nesting past the limit', `a: ${'['.repeat(70)}${']'.repeat(70)}\n`],
  ])('%s are left to the full path', (_what, text) => {
    expect(readCommonYaml(text)).toBeNull();
  });
});
