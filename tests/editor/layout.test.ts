/** Automatic layout: nothing overlaps, containers hold their children, user positions win, large lists are fast. */
import { buildGraph } from '../../editor/src/model/graph';
import type { SwarmGraph } from '../../editor/src/model/graph';
import { DAGRE_MAX, SIZES, layoutGraph } from '../../editor/src/model/layout';
import type { Box } from '../../editor/src/model/layout';
import { generateDefinition } from '../../editor/src/model/generate';
import { parseYaml } from '../../editor/src/model/yaml-source';
import { examples } from './examples';

function overlaps(a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

function checkLayout(g: SwarmGraph, boxes: Map<string, Box>): void {
  for (const n of g.nodes) expect(boxes.has(n.id)).toBe(true);
  const byParent = new Map<string | null, string[]>();
  for (const n of g.nodes) byParent.set(n.parent, [...(byParent.get(n.parent) ?? []), n.id]);
  // Overlapping pairs are collected and checked once: an expect() per pair made 1,000 steps cost 23 s.
  const overlapping: string[] = [];
  for (const [parent, ids] of byParent) {
    for (let i = 0; i < ids.length; i++) {
      for (let j = i + 1; j < ids.length; j++) {
        const a = boxes.get(ids[i] ?? '');
        const b = boxes.get(ids[j] ?? '');
        if (a && b && overlaps(a, b)) overlapping.push(`${ids[i]} / ${ids[j]}`);
      }
      const child = boxes.get(ids[i] ?? '');
      const p = parent ? boxes.get(parent) : undefined;
      if (child && p) {
        // Relative to the parent, inside it, below its header.
        expect(child.x).toBeGreaterThanOrEqual(0);
        expect(child.y).toBeGreaterThanOrEqual(SIZES.laneHeader);
        expect(child.x + child.width).toBeLessThanOrEqual(p.width);
        expect(child.y + child.height).toBeLessThanOrEqual(p.height);
      }
    }
  }
  expect(overlapping).toEqual([]);
}

test.each(examples().map((e) => [e.name, e.text] as const))('%s: no overlaps, children inside their containers', (_name, text) => {
  const g = buildGraph(parseYaml(text));
  checkLayout(g, layoutGraph(g));
});

test('steps of a list go top to bottom; parallel branches and if lanes side by side', () => {
  const g = buildGraph(parseYaml(`steps:
  - { id: a, sleep: 1s }
  - id: p
    parallel:
      - { id: l, sleep: 1s }
      - { id: r, sleep: 1s }
  - id: c
    if: \${{ true }}
    then: [{ id: t, sleep: 1s }]
    else: [{ id: e, sleep: 1s }]
`));
  const b = layoutGraph(g);
  const y = (id: string): number => b.get(id)?.y ?? NaN;
  const x = (id: string): number => b.get(id)?.x ?? NaN;
  expect(y('/steps/0')).toBeLessThan(y('/steps/1'));
  expect(y('/steps/1')).toBeLessThan(y('/steps/2'));
  expect(x('/steps/1/parallel/0')).toBeLessThan(x('/steps/1/parallel/1'));
  expect(y('/steps/1/parallel/0')).toBe(y('/steps/1/parallel/1'));
  expect(x('/steps/2/then')).toBeLessThan(x('/steps/2/else'));
  checkLayout(g, b);
});

test('a position the user set wins, and its container grows to hold it', () => {
  const text = 'steps:\n  - id: f\n    forEach: ${{ [1] }}\n    do:\n      - { id: a, sleep: 1s }\n';
  const g = buildGraph(parseYaml(text));
  const auto = layoutGraph(g);
  const moved = layoutGraph(g, { '/steps/0/do/0': { x: 500, y: 300 } });
  expect(moved.get('/steps/0/do/0')).toMatchObject({ x: 500, y: 300 });
  expect(moved.get('/steps/0')?.width).toBe(500 + SIZES.stepWidth + SIZES.pad);
  expect(moved.get('/steps/0')?.height).toBeGreaterThan(auto.get('/steps/0')?.height ?? 0);
});

test(`a 1,000-step definition is laid out without overlaps, top to bottom (lists over ${DAGRE_MAX} skip dagre)`, () => {
  const g = buildGraph(parseYaml(generateDefinition(1000)));
  expect(g.nodes.length).toBe(1000);
  // Its speed is the bench's editor figure (time to interactive), not a timed unit test.
  const b = layoutGraph(g);
  checkLayout(g, b);
  const tops = g.nodes.filter((n) => n.parent === null).map((n) => b.get(n.id)?.y ?? 0);
  expect([...tops].sort((p, q) => p - q)).toEqual(tops);
});
