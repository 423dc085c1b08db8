/**
 * Graph <-> document round trips over every example: building the graph and
 * writing every node back changes no byte; moving each step away and back
 * changes no byte; the graph read back is the same graph.
 */
import { buildGraph } from '../../editor/src/model/graph';
import type { SwarmGraph } from '../../editor/src/model/graph';
import { applyPatch, planPatch } from '../../editor/src/model/patch';
import { stepValue, listLength } from '../../editor/src/model/ops';
import { parseYaml } from '../../editor/src/model/yaml-source';
import { asJson } from '../../editor/src/model/json';
import { examples } from './examples';

const all = examples();

function shape(g: SwarmGraph): unknown {
  return g.nodes.map((n) => [n.id, n.type, n.kind, n.parent, n.stepId, n.label, n.detail, n.listPtr, n.index, n.childList]);
}

test('there are examples to round-trip', () => {
  expect(all.length).toBeGreaterThanOrEqual(4);
});

describe.each(all.map((e) => [e.name, e] as const))('%s', (_name, ex) => {
  const doc = parseYaml(ex.text);
  const graph = buildGraph(doc);

  test('parses and has a node per step', () => {
    expect(doc.errors).toEqual([]);
    expect(graph.nodes.filter((n) => n.type !== 'lane').length).toBe(graph.names.stepIds.length);
    expect(graph.nodes.length).toBeGreaterThan(0);
  });

  test('writing every step back from the graph changes no byte', () => {
    for (const n of graph.nodes) {
      if (n.type === 'lane') continue;
      const value = stepValue(doc, n.id);
      expect(value).not.toBeNull();
      if (value) expect(planPatch(ex.text, doc, { op: 'set', ptr: n.id, value })).toEqual([]);
    }
    for (const key of ['swarm', 'version', 'inputs', 'limits', 'models', 'tools', 'skills', 'agents', 'steps', 'output']) {
      const node = doc.get(key, true);
      if (node === undefined) continue;
      const value = asJson(doc.toJS()[key]);
      if (value !== undefined) expect(planPatch(ex.text, doc, { op: 'set', ptr: `/${key}`, value })).toEqual([]);
    }
  });

  test('moving each step to the end of its list and back changes no byte', () => {
    for (const n of graph.nodes) {
      if (n.type === 'lane') continue;
      const len = listLength(doc, n.listPtr);
      if (n.index === len - 1) continue;
      const moved = applyPatch(ex.text, { op: 'move', from: n.id, list: n.listPtr, index: len });
      expect(moved).not.toBe(ex.text);
      const back = applyPatch(moved, { op: 'move', from: `${n.listPtr}/${len - 1}`, list: n.listPtr, index: n.index });
      expect(back).toBe(ex.text);
    }
  });

  test('the graph read back after an edit and its undo is the same graph', () => {
    const first = graph.nodes.find((n) => n.type === 'step');
    if (!first) return;
    const edited = applyPatch(ex.text, { op: 'set', ptr: `${first.id}/name`, value: 'Renamed' });
    expect(buildGraph(parseYaml(edited)).byId.get(first.id)?.label).toBe('Renamed');
    const before = stepValue(doc, first.id);
    if (!before) throw new Error(`${first.id} has no value`);
    const undone = applyPatch(edited, { op: 'set', ptr: first.id, value: before });
    expect(shape(buildGraph(parseYaml(undone)))).toEqual(shape(graph));
    // Putting back a name that was written plain gives back the same bytes.
    if (typeof before.name !== 'string' || !/[:#"']/.test(before.name)) expect(undone).toBe(ex.text);
  });
});
