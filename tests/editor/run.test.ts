/** The run overlay: wire data checked, events and progress folded, statuses per canvas node, sub-agents per forEach. */
import { buildGraph } from '../../editor/src/model/graph';
import { applyEvent, applyProgress, newRunView, nodeStatuses, parseEvent, parseProgress, subAgentCounts, subAgentsByNode, temporalRunUrl } from '../../editor/src/model/run';
import { parseYaml } from '../../editor/src/model/yaml-source';

const g = buildGraph(
  parseYaml(`steps:
  - { id: plan, llm: m, prompt: p }
  - id: fan
    forEach: \${{ [1, 2] }}
    do:
      - { id: one, agent: a, prompt: p }
      - { id: two, sleep: 1s }
  - id: ok
    waitFor: { signal: approve }
`),
);

test('events off the wire are checked', () => {
  expect(parseEvent({ seq: 3, type: 'step.finished', step: 'plan', status: 'succeeded', data: { x: 1 } })).toEqual({ seq: 3, type: 'step.finished', step: 'plan', status: 'succeeded', data: { x: 1 } });
  expect(parseEvent({ seq: 'x', type: 'run.started' })).toBeNull();
  expect(parseEvent({ seq: 1, type: 'rm -rf' })).toBeNull();
  expect(parseEvent(null)).toBeNull();
});

test('events fold into the view once each, in sequence', () => {
  let v = newRunView('s/abc');
  v = applyEvent(v, { seq: 1, type: 'run.started' });
  v = applyEvent(v, { seq: 2, type: 'step.started', step: 'plan' });
  expect(v.status).toBe('running');
  expect(v.steps).toEqual({ plan: 'running' });
  v = applyEvent(v, { seq: 3, type: 'step.finished', step: 'plan', status: 'succeeded' });
  v = applyEvent(v, { seq: 4, type: 'usage', data: { steps: 1, tokens: 120 } });
  v = applyEvent(v, { seq: 5, type: 'agents', data: { running: 2, queued: 0, done: 0 } });
  const again = applyEvent(v, { seq: 2, type: 'step.started', step: 'plan' });
  expect(again).toBe(v); // replayed after a reconnect: ignored
  expect(v).toMatchObject({ steps: { plan: 'succeeded' }, usage: { steps: 1, tokens: 120 }, agents: { running: 2 }, lastSeq: 5, finished: false });
  v = applyEvent(v, { seq: 6, type: 'run.finished', status: 'succeeded' });
  expect(v).toMatchObject({ status: 'succeeded', finished: true });
});

test('a progress answer (bare or inside GET /v1/runs/:id) is read and folded', () => {
  const answer = {
    id: 's/abc',
    status: 'running',
    progress: {
      runId: 's/abc',
      status: 'running',
      steps: { plan: 'succeeded', fan: 'running', bogus: 'exploded' },
      usage: { steps: 4, tokens: 900 },
      budget: { steps: 4000, tokens: 5e7 },
      agents: { running: 1, queued: 0, done: 1 },
      subAgents: { one: [{ index: 1, workflowId: 'w1', status: 'running', turns: 2, tokens: 50 }, { index: 0, workflowId: 'w0', status: 'succeeded', turns: 3, tokens: 70 }, { index: 'x' }] },
      events: [{ seq: 9, type: 'step.started', step: 'ok' }],
      lastSeq: 9,
    },
  };
  const p = parseProgress(answer);
  expect(p.steps).toEqual({ plan: 'succeeded', fan: 'running' });
  expect(p.subAgents?.one).toHaveLength(2);
  const v = applyProgress(newRunView('s/abc'), p);
  expect(v).toMatchObject({ status: 'running', usage: { tokens: 900 }, budget: { steps: 4000 }, lastSeq: 9, steps: { ok: 'running' } });

  const statuses = nodeStatuses(g, v);
  expect(Object.fromEntries(statuses)).toEqual({
    '/steps/0': 'succeeded',
    '/steps/1': 'running',
    '/steps/1/do/0': 'running', // inside a forEach: takes the forEach's status
    '/steps/1/do/1': 'running',
    '/steps/2': 'running',
  });
  const subs = subAgentsByNode(g, v.subAgents);
  expect(subs.get('/steps/1')?.map((s) => s.index)).toEqual([0, 1]);
  expect(subAgentCounts(subs.get('/steps/1') ?? [])).toMatchObject({ running: 1, succeeded: 1, failed: 0 });
});

test('after the run, steps it never reached read as skipped', () => {
  const v = applyEvent(applyProgress(newRunView('s/x'), { steps: { plan: 'failed' } }), { seq: 1, type: 'run.finished', status: 'failed' });
  expect(nodeStatuses(g, v).get('/steps/2')).toBe('skipped');
  expect(nodeStatuses(g, newRunView('s/x')).get('/steps/2')).toBe('pending');
});

test('the Temporal UI link escapes the run id', () => {
  expect(temporalRunUrl('http://127.0.0.1:8233/', 'default', 'swarm-a/0123abcd4567')).toBe('http://127.0.0.1:8233/namespaces/default/workflows/swarm-a%2F0123abcd4567');
});
