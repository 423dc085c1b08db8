/** The layout sidecar: read defensively, carried across edits by step id, dropped when a step changes container. */
import { buildGraph } from '../../editor/src/model/graph';
import { carryLayout, clearPosition, parseLayout, setPosition } from '../../editor/src/model/sidecar';
import { applyPatch } from '../../editor/src/model/patch';
import { parseYaml } from '../../editor/src/model/yaml-source';

const SRC = `steps:
  - { id: a, sleep: 1s }
  - { id: b, sleep: 1s }
  - id: f
    forEach: \${{ [1] }}
    do:
      - { id: c, sleep: 1s }
`;
const graph = (t: string) => buildGraph(parseYaml(t));

test('anything that is not a position keyed by a step pointer is left out', () => {
  expect(parseLayout({ '/steps/0': { x: 1.4, y: 2, width: 9 }, '/steps/1': { x: 'no', y: 1 }, '/models/m': { x: 1, y: 1 }, '/steps/2': { x: Infinity, y: 0 }, '/steps/3': null })).toEqual({ '/steps/0': { x: 1, y: 2 } });
  expect(parseLayout(null)).toEqual({});
  expect(parseLayout([{ x: 1, y: 1 }])).toEqual({});
  expect(parseLayout(JSON.parse('{"__proto__": {"x": 1, "y": 2}}'))).toEqual({});
});

test('positions follow their steps when pointers shift', () => {
  const layout = { '/steps/0': { x: 10, y: 10 }, '/steps/1': { x: 20, y: 20 }, '/steps/2/do/0': { x: 5, y: 80 } };
  const after = applyPatch(SRC, { op: 'delete', ptr: '/steps/0' });
  expect(carryLayout(layout, graph(SRC), graph(after))).toEqual({ '/steps/0': { x: 20, y: 20 }, '/steps/1/do/0': { x: 5, y: 80 } });
});

test('a step moved to another container loses its position (it was relative to the old one)', () => {
  const layout = { '/steps/0': { x: 10, y: 10 }, '/steps/1': { x: 20, y: 20 } };
  const after = applyPatch(SRC, { op: 'move', from: '/steps/0', list: '/steps/2/do', index: 1 });
  expect(carryLayout(layout, graph(SRC), graph(after))).toEqual({ '/steps/0': { x: 20, y: 20 } });
});

test('set and clear', () => {
  const l = setPosition({}, '/steps/0', { x: 1.6, y: 2.2 });
  expect(l).toEqual({ '/steps/0': { x: 2, y: 2 } });
  expect(clearPosition(l, '/steps/0')).toEqual({});
  expect(clearPosition(l, '/steps/9')).toBe(l);
});
