/** The parsed-document helpers the editor uses: pointers <-> source ranges. */
import { isMap, isScalar } from 'yaml';
import { parseDocument, rangeOfPointer, pointerAtOffset, nodeAtPointer, compile, validate } from '../../dsl';
import { cpuTimed } from '../fuzz/stats';
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

describe('locating many diagnostics is linear (the fuzzer\'s dsl-quadratic-locate)', () => {
  const unknownKeys = (n: number): string => `swarm: x\nversion: 1\nsteps:\n  - id: a\n    set: { v: 1 }\n${Array.from({ length: n }, (_, i) => `k${i}: 1`).join('\n')}\n`;

  test('each mapping is searched once, however many pointers go through it', () => {
    const n = 4_000;
    const parsed = parseDocument(unknownKeys(n), 'keys.swarm.yaml');
    const doc = parsed.doc;
    if (!doc || !isMap(doc.contents)) throw new Error('no mapping');
    // Count reads of the top mapping's entries: a search per pointer reads about n * n / 2.
    let reads = 0;
    const items = doc.contents.items;
    doc.contents.items = new Proxy(items, {
      get(target, prop, receiver) {
        if (typeof prop === 'string' && /^\d+$/.test(prop)) reads++;
        return Reflect.get(target, prop, receiver);
      },
    });
    for (let i = 0; i < n; i++) expect(nodeAtPointer(doc, `/k${i}`).exact).toBe(true);
    expect(nodeAtPointer(doc, '/missing').exact).toBe(false);
    expect(reads).toBeLessThan(3 * n);
  });

  test('an edited mapping is indexed again', () => {
    const parsed = parseDocument('a: 1\nb: 2\n', 'edit.swarm.yaml');
    const doc = parsed.doc;
    if (!doc || !isMap(doc.contents)) throw new Error('no mapping');
    expect(nodeAtPointer(doc, '/b').exact).toBe(true);
    doc.contents.set(doc.createNode('c'), doc.createNode(3));
    expect(nodeAtPointer(doc, '/c').exact).toBe(true);
    doc.contents.delete('a');
    expect(nodeAtPointer(doc, '/a').exact).toBe(false);
    expect(nodeAtPointer(doc, '/b').exact).toBe(true);
    // An entry renamed in place: the old name is gone, the new one found.
    const pair = doc.contents.items[0];
    if (!pair || !isScalar(pair.key)) throw new Error('no pair');
    pair.key.value = 'renamed';
    expect(nodeAtPointer(doc, '/b').exact).toBe(false);
    expect(nodeAtPointer(doc, '/renamed').exact).toBe(true);
  });

  test('a duplicate key is located at its first entry, as before', () => {
    const parsed = parseDocument('a: 1\nb: 2\na: 3\n', 'dup.swarm.yaml');
    const doc = parsed.doc;
    if (!doc) throw new Error('no doc');
    expect(nodeAtPointer(doc, '/a').node?.range?.[0]).toBe(3);
  });

  test('4,000 unknown top-level keys (35 KiB) are reported within 2 s of CPU', () => {
    // Warm up the schema validator and the messages for unknown keys.
    validate(unknownKeys(50), 'warm.swarm.yaml');
    const { ms, result } = cpuTimed(() => validate(unknownKeys(4_000), 'keys.swarm.yaml'));
    // At most 200 are shown, in file order, then one line counting the rest (SF013).
    expect(result).toHaveLength(201);
    expect(result[199]).toMatchObject({ line: 205, col: 1, code: 'SF102' });
    expect(result[200]).toMatchObject({ code: 'SF013', message: '3,800 more problems not shown; fix the ones above and validate again' });
    // Was 0.7 s under plain Node and about 5 s under Jest, growing with the square (140 s at 1 MiB); now about 0.2 s.
    expect(ms).toBeLessThan(2_000);
  });
});
