/** Windowing of large graphs: what React Flow is given, and fitting the whole layout. */
import { buildGraph } from '../../editor/src/model/graph';
import { layoutGraph } from '../../editor/src/model/layout';
import { absoluteBoxes } from '../../editor/src/model/ops';
import { generateDefinition } from '../../editor/src/model/generate';
import { fitViewport, nodesInRect, viewRect } from '../../editor/src/model/window';
import { parseYaml } from '../../editor/src/model/yaml-source';

const g = buildGraph(parseYaml(generateDefinition(1000)));
const abs = absoluteBoxes(g, layoutGraph(g));
const size = { width: 600, height: 700 };

test('the window holds what the view shows and a screen around it, containers included', () => {
  const v = { x: 40, y: 20, zoom: 0.85 };
  const shown = nodesInRect(g, abs, viewRect(v, size, 1));
  expect(shown.size).toBeGreaterThan(5);
  expect(shown.size).toBeLessThan(80);
  expect(shown.has('/steps/0')).toBe(true);
  for (const id of shown) {
    const n = g.byId.get(id);
    if (n?.parent) expect(shown.has(n.parent)).toBe(true);
  }
  // Far down the graph: the first steps are gone, the ones there are in.
  const last = abs.get(g.nodes[g.nodes.length - 1]?.id ?? '');
  if (!last) throw new Error('no last box');
  const far = nodesInRect(g, abs, viewRect({ x: 0, y: -last.y * 0.85, zoom: 0.85 }, size, 1));
  expect(far.has('/steps/0')).toBe(false);
  expect(far.has(g.nodes[g.nodes.length - 1]?.id ?? '')).toBe(true);
});

test('nodes asked for stay in the window wherever the view is (the selection)', () => {
  const child = g.nodes.find((n) => n.parent !== null && n.id.startsWith('/steps/9'));
  if (!child) throw new Error('no nested step');
  const shown = nodesInRect(g, abs, { x: -1e6, y: -1e6, width: 1, height: 1 }, [child.id]);
  expect([...shown].sort()).toEqual([child.id, child.parent].sort());
});

test('fitting shows the whole layout, zoom clamped', () => {
  const v = fitViewport(abs, size);
  expect(v.zoom).toBe(0.05);
  const small = buildGraph(parseYaml(generateDefinition(3)));
  const sv = fitViewport(absoluteBoxes(small, layoutGraph(small)), size);
  expect(sv.zoom).toBeLessThanOrEqual(1);
  const r = viewRect(sv, size, 0);
  for (const b of absoluteBoxes(small, layoutGraph(small)).values()) {
    expect(b.x).toBeGreaterThanOrEqual(r.x);
    expect(b.y + b.height).toBeLessThanOrEqual(r.y + r.height + 1e-6);
  }
});
