/** The parsed-document helpers the editor uses: pointers <-> source ranges. */
import { parseDocument, rangeOfPointer, pointerAtOffset, nodeAtPointer, compile } from '../../dsl';
import { walkSteps } from '../../dsl/walk';
import { exampleFiles } from './helpers';

const text = `swarm: demo
version: 1
models:
  fast: { model: m }
steps:
  - id: first
    llm: fast
    prompt: "Hello \${{ inputs.name }}"
  - id: group
    sequence:
      - id: inner
        sleep: 1s
`;

test('parseDocument gives the document, its data and no diagnostics for valid text', () => {
  const parsed = parseDocument(text, 'demo.swarm.yaml');
  expect(parsed.diagnostics).toEqual([]);
  expect(parsed.doc).not.toBeNull();
  expect(parsed.value).toMatchObject({ swarm: 'demo', steps: [{ id: 'first' }, { id: 'group' }] });
});

test('parseDocument reports document-level problems with positions', () => {
  const parsed = parseDocument('a: 1\na: 2\n', 'dup.swarm.yaml');
  expect(parsed.diagnostics.map((d) => `${d.line}:${d.col} ${d.code}`)).toEqual(['2:1 SF004']);
});

test('a pointer finds its source range, and an offset finds its pointer', () => {
  const parsed = parseDocument(text, 'demo.swarm.yaml');
  const range = rangeOfPointer(parsed, '/steps/1/sequence/0');
  expect(range).not.toBeNull();
  if (!range) return;
  expect(text.slice(range.start, range.end)).toBe('id: inner\n        sleep: 1s\n');
  expect(pointerAtOffset(parsed, text.indexOf('sleep'))).toBe('/steps/1/sequence/0/sleep');
  expect(pointerAtOffset(parsed, text.indexOf('inputs.name'))).toBe('/steps/0/prompt');
  expect(rangeOfPointer(parsed, '/steps/7')).toBeNull();
  expect(nodeAtPointer(parsed.doc ?? (() => { throw new Error('no doc'); })(), '/steps/0/llm').exact).toBe(true);
});

test('every step pointer of every compiled example names that step in the source', () => {
  for (const e of exampleFiles()) {
    const parsed = parseDocument(e.text, e.name);
    const ir = compile(e.text, e.name).ir;
    for (const s of walkSteps(ir?.steps ?? [])) {
      const range = rangeOfPointer(parsed, s.ptr);
      expect(range).not.toBeNull();
      if (range) expect(e.text.slice(range.start, range.end)).toContain(`id: ${s.id}`);
    }
  }
});

test('a diagnostic inside an expression points at the expression, in plain, quoted and block scalars', () => {
  const at = (prompt: string): string => {
    const src = `swarm: demo\nversion: 1\nmodels: { fast: { model: m } }\nsteps:\n  - id: a\n    llm: fast\n    prompt: ${prompt}\n`;
    const [d] = compile(src, 'x').diagnostics;
    return `${d?.line}:${d?.col}`;
  };
  // The column of `nope` itself: 4 + `prompt: ` + `Hi ${{ ` (+1 for a quote).
  expect(at('Hi ${{ nope }}')).toBe('7:20');
  expect(at('"Hi ${{ nope }}"')).toBe('7:21');
  expect(at("'Hi ${{ nope }}'")).toBe('7:21');
  expect(at('|\n      Hi\n      there ${{ nope }}')).toBe('9:17');
});
