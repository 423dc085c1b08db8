/** Document -> graph: nodes, containers, lanes, edges, and finding nodes by pointer and by cursor. */
import { buildGraph, childrenOf, nodeAtOffset, nodeForPtr } from '../../editor/src/model/graph';
import { parseYaml } from '../../editor/src/model/yaml-source';

const SRC = `swarm: g
version: 1
models: { m: { model: x } }
agents: { a: { model: m } }
tools: { t: { uses: fs.read } }
steps:
  - id: first
    name: The first
    llm: m
    prompt: hi
  - id: fan
    forEach: \${{ [1, 2] }}
    as: n
    do:
      - id: inner
        agent: a
        prompt: p
      - id: after
        sleep: 1s
  - id: gate
    when: \${{ true }}
    if: \${{ steps.first.output == "x" }}
    then:
      - id: yes
        set: { v: 1 }
  - id: both
    parallel:
      - id: left
        tool: t
      - id: right
        waitFor: { signal: go, timeout: 1h }
  - id: again
    loop:
      maxIterations: 2
      do:
        - id: body
          sequence:
            - id: deep
              swarm: other@2
  - id: broken
    prompt: no kind
`;

const g = buildGraph(parseYaml(SRC));

test('one node per step, with its kind, label, detail and place', () => {
  const first = g.byId.get('/steps/0');
  expect(first).toMatchObject({ type: 'step', kind: 'llm', stepId: 'first', label: 'The first', detail: 'llm m', parent: null, listPtr: '/steps', index: 0 });
  expect(g.byId.get('/steps/1')).toMatchObject({ type: 'group', kind: 'forEach', childList: '/steps/1/do', detail: 'for each n in [1, 2]' });
  expect(g.byId.get('/steps/1/do/0')).toMatchObject({ kind: 'agent', parent: '/steps/1', detail: 'agent a', depth: 1 });
  expect(g.byId.get('/steps/3')).toMatchObject({ kind: 'parallel', sideBySide: true, detail: '2 branches at once' });
  expect(g.byId.get('/steps/3/parallel/1')).toMatchObject({ kind: 'waitFor', detail: 'wait for go (1h)' });
  expect(g.byId.get('/steps/4')).toMatchObject({ kind: 'loop', childList: '/steps/4/loop/do', detail: 'loop ≤ 2' });
  expect(g.byId.get('/steps/4/loop/do/0/sequence/0')).toMatchObject({ kind: 'swarm', detail: 'swarm other@2', depth: 2 });
  expect(g.byId.get('/steps/5')).toMatchObject({ kind: 'unknown', detail: 'no kind key (agent, llm, tool...)' });
  expect(g.names).toEqual({ agents: ['a'], models: ['m'], tools: ['t'], stepIds: ['first', 'fan', 'inner', 'after', 'gate', 'yes', 'both', 'left', 'right', 'again', 'body', 'deep', 'broken'] });
});

test('an if step has a then lane and an else lane, the else lane present even when empty', () => {
  const gate = g.byId.get('/steps/2');
  expect(gate).toMatchObject({ type: 'group', kind: 'if', childList: null, conditional: true });
  expect(childrenOf(g, '/steps/2').map((n) => [n.id, n.type, n.lane, n.range === null])).toEqual([
    ['/steps/2/then', 'lane', 'then', false],
    ['/steps/2/else', 'lane', 'else', true],
  ]);
  expect(g.byId.get('/steps/2/then/0')).toMatchObject({ parent: '/steps/2/then', kind: 'set' });
});

test('edges follow the order of each list; parallel branches have none between them', () => {
  expect(g.edges.map((e) => `${e.source} -> ${e.target}`)).toEqual([
    '/steps/0 -> /steps/1',
    '/steps/1/do/0 -> /steps/1/do/1',
    '/steps/1 -> /steps/2',
    '/steps/2 -> /steps/3',
    '/steps/3 -> /steps/4',
    '/steps/4 -> /steps/5',
  ]);
});

test('parents come before their children (React Flow needs that order)', () => {
  const seen = new Set<string>();
  for (const n of g.nodes) {
    if (n.parent) expect(seen.has(n.parent)).toBe(true);
    seen.add(n.id);
  }
});

test('a diagnostic pointer finds the deepest node; a cursor offset finds the deepest step', () => {
  expect(nodeForPtr(g, '/steps/1/do/0/agent')?.id).toBe('/steps/1/do/0');
  expect(nodeForPtr(g, '/steps/2/else')?.id).toBe('/steps/2/else');
  expect(nodeForPtr(g, '/models/m')).toBeNull();
  expect(nodeAtOffset(g, SRC.indexOf('agent: a'))?.id).toBe('/steps/1/do/0');
  expect(nodeAtOffset(g, SRC.indexOf('as: n'))?.id).toBe('/steps/1');
  expect(nodeAtOffset(g, SRC.indexOf('swarm: g'))).toBeNull();
});

test('a document that is not a swarm gives an empty graph, never an error', () => {
  for (const text of ['', 'just text', '- a\n- b\n', 'steps: 3\n', 'steps:\n  - 1\n  - [x]\n']) {
    const graph = buildGraph(parseYaml(text));
    expect(graph.edges.length).toBeLessThanOrEqual(1);
    for (const n of graph.nodes) expect(n.kind).toBe('unknown');
  }
});
