/** Authoring operations: add, duplicate, rename, move, connect, drop, all as document edits. */
import { buildGraph } from '../../editor/src/model/graph';
import { absoluteBoxes, addStep, connectSteps, deleteStep, dropSlot, duplicateStep, EditError, moveStep, pointerAfterMove, renameRefs, renameStep, slotAfter } from '../../editor/src/model/ops';
import { layoutGraph } from '../../editor/src/model/layout';
import { applyPatch, planPatches } from '../../editor/src/model/patch';
import { applyEdits } from '../../editor/src/model/text';
import { STEP_KINDS, freshId, newStep } from '../../editor/src/model/steps';
import { parseYaml } from '../../editor/src/model/yaml-source';

const SRC = `swarm: ops
version: 1
models:
  m: { model: x }
steps:
  # the plan
  - id: plan
    llm: m
    prompt: "Plan \${{ inputs.x }}"
  - id: fan
    forEach: \${{ steps.plan.output }}
    do:
      - id: work
        llm: m
        prompt: "Do \${{ item }} after \${{ steps.plan.output }}"
      - id: check
        when: \${{ steps.work.output != "" }}
        llm: m
        prompt: "Check \${{ steps.work.output }}"
  - id: gate
    if: \${{ true }}
    then:
      - id: yes
        sleep: 1s
  - id: learn
    captureSkill: { name: s, from: plan }
output: \${{ steps.fan.output }}
`;

const doc = parseYaml(SRC);
const g = buildGraph(doc);
const node = (ptr: string) => {
  const n = g.byId.get(ptr);
  if (!n) throw new Error(`no node ${ptr}`);
  return n;
};
const data = (text: string): unknown => parseYaml(text).toJS();

test('a new step of every kind gets an unused id, and the definition still parses', () => {
  let text = SRC;
  for (const kind of STEP_KINDS) {
    const graph = buildGraph(parseYaml(text));
    const { op } = addStep(graph, kind, { list: '/steps', index: 0 });
    text = applyPatch(text, op);
  }
  const graph = buildGraph(parseYaml(text));
  expect(new Set(graph.names.stepIds).size).toBe(graph.names.stepIds.length);
  expect(graph.nodes.filter((n) => n.parent === null).map((n) => n.kind).slice(0, STEP_KINDS.length).reverse()).toEqual([...STEP_KINDS]);
});

test('new steps use names the definition already has', () => {
  expect(newStep('llm', { agents: [], models: ['m'], tools: [], stepIds: [] })).toEqual({ id: 'llm', llm: 'm', prompt: 'Write the prompt.' });
  expect(freshId('loop', [])).toBe('loop_2'); // a CEL reserved word is never an id
  expect(freshId('work', ['work', 'work_2'])).toBe('work_3');
});

test('a step is added after the selection, into an empty lane, or at the end', () => {
  expect(slotAfter(g, '/steps/1/do/0', doc)).toEqual({ list: '/steps/1/do', index: 1 });
  expect(slotAfter(g, '/steps/2/else', doc)).toEqual({ list: '/steps/2/else', index: 0 });
  expect(slotAfter(g, null, doc)).toEqual({ list: '/steps', index: 4 });
});

test('duplicating gives fresh ids to the copy and its children, and renames references inside the copy only', () => {
  const { op, ptr } = duplicateStep(doc, g, node('/steps/1'));
  expect(ptr).toBe('/steps/2');
  const out = applyPatch(SRC, op);
  expect(data(out)).toMatchObject({
    steps: [
      { id: 'plan' },
      { id: 'fan', do: [{ id: 'work' }, { id: 'check', prompt: 'Check ${{ steps.work.output }}' }] },
      { id: 'fan_2', do: [{ id: 'work_2', prompt: 'Do ${{ item }} after ${{ steps.plan.output }}' }, { id: 'check_2', when: '${{ steps.work_2.output != "" }}', prompt: 'Check ${{ steps.work_2.output }}' }] },
      { id: 'gate' },
      { id: 'learn' },
    ],
  });
  expect(out.startsWith(SRC.slice(0, SRC.indexOf('  - id: gate')))).toBe(true);
});

test('renaming a step renames its references everywhere, as one change', () => {
  const ops = renameStep(doc, node('/steps/0'), 'draft');
  const out = applyEdits(SRC, planPatches(SRC, doc, ops));
  expect(out).toContain('  - id: draft\n');
  expect(out).toContain('forEach: ${{ steps.draft.output }}');
  expect(out).toContain('prompt: "Do ${{ item }} after ${{ steps.draft.output }}"');
  expect(out).toContain('captureSkill: { name: s, from: draft }');
  expect(out).not.toMatch(/steps\.plan\b/);
  expect(out.replace(/draft/g, 'plan')).toBe(SRC);
  expect(() => renameStep(doc, node('/steps/0'), 'Bad Id')).toThrow(EditError);
});

test('references are renamed only inside expressions', () => {
  expect(renameRefs('steps.a.output and ${{ steps.a.output + steps.ab.output }}', new Map([['a', 'b']]))).toBe('steps.a.output and ${{ steps.b.output + steps.ab.output }}');
});

test('moves: reorder, nest, the pointer where the step lands, and never into itself', () => {
  const slot = { list: '/steps/2/then', index: 1 };
  const out = applyPatch(SRC, moveStep(node('/steps/0'), slot));
  expect(pointerAfterMove(node('/steps/0'), slot)).toBe('/steps/1/then/1');
  expect(buildGraph(parseYaml(out)).byId.get('/steps/1/then/1')?.stepId).toBe('plan');
  expect(out).toContain('      - id: yes\n        sleep: 1s\n      # the plan\n      - id: plan\n        llm: m\n');
  expect(() => moveStep(node('/steps/1'), { list: '/steps/1/do', index: 0 })).toThrow(/inside itself/);
  expect(() => deleteStep(node('/steps/2/then'))).toThrow(EditError);
  expect(pointerAfterMove(node('/steps/3'), { list: '/steps', index: 0 })).toBe('/steps/0');
  expect(pointerAfterMove(node('/steps/0'), { list: '/steps', index: 4 })).toBe('/steps/3');
});

test('connecting A to B makes B run right after A', () => {
  const op = connectSteps(g, '/steps/3', '/steps/0');
  expect(op).toEqual({ op: 'move', from: '/steps/0', list: '/steps', index: 4 });
  expect(connectSteps(g, '/steps/0', '/steps/1')).toBeNull(); // already next
  expect(connectSteps(g, '/steps/2/else', '/steps/3')).toEqual({ op: 'move', from: '/steps/3', list: '/steps/2/else', index: 0 });
  expect(() => connectSteps(g, '/steps/1/do/0', '/steps/1')).toThrow(/contains/);
});

test('a drop lands in the innermost container under the point, at the place its height says', () => {
  const abs = absoluteBoxes(g, layoutGraph(g));
  const box = (ptr: string) => {
    const b = abs.get(ptr);
    if (!b) throw new Error(`no box ${ptr}`);
    return b;
  };
  const work = box('/steps/1/do/0');
  expect(dropSlot(g, abs, { x: work.x + 10, y: work.y + work.height + 2 }, null)).toEqual({ list: '/steps/1/do', index: 1 });
  expect(dropSlot(g, abs, { x: work.x + 10, y: work.y + 2 }, null)).toEqual({ list: '/steps/1/do', index: 0 });
  const lane = box('/steps/2/else');
  expect(dropSlot(g, abs, { x: lane.x + 5, y: lane.y + lane.height - 5 }, null)).toEqual({ list: '/steps/2/else', index: 0 });
  const last = box('/steps/3');
  expect(dropSlot(g, abs, { x: last.x + 5, y: last.y + last.height + 50 }, null)).toEqual({ list: '/steps', index: 4 });
  // A container is never a drop target for itself.
  const fan = box('/steps/1');
  expect(dropSlot(g, abs, { x: fan.x + 5, y: fan.y + fan.height - 3 }, '/steps/1').list).toBe('/steps');
});
