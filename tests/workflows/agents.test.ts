/**
 * Sub-agents: the LLM <-> tool loop as child workflows, output schemas,
 * the maxSubAgents cap across a fan-out, child swarms, and Skills captured by
 * one run and applied by the next.
 */
import { waitForRun } from '../../runtime/runs';
import { historyText } from '../helpers/history-text';
import { describeTemporal } from '../helpers/temporal';
import { startSwarmEnv, compileOrThrow, type SwarmEnv } from '../helpers/swarm-env';

describeTemporal('agents', () => {
  let env: SwarmEnv;
  beforeAll(async () => {
    env = await startSwarmEnv({ toolTurns: 2, arrayItems: 4 });
  });
  afterAll(async () => env?.close());

  test('an agent calls its tools, gets their results back and answers in its schema', async () => {
    const before = env.sim.stats().requests;
    const run = await env.start(
      `swarm: t-agent\nversion: 1
models:
  m: { pool: default, model: kimi-k2.6 }
tools:
  list: { uses: fs.list }
agents:
  a:
    model: m
    instructions: You look around the workspace.
    tools: [list]
    maxTurns: 5
steps:
  - id: look
    agent: a
    prompt: "What is in the workspace of \${{ inputs.who }}?"
    output:
      schema:
        type: object
        properties: { files: { type: integer }, summary: { type: string } }
        required: [files, summary]
output: \${{ steps.look.output }}
`,
      { who: 'Ada' },
    );
    const out = await waitForRun(run.handle);
    expect(out.status).toBe('succeeded');
    const o = out.output as { files: unknown; summary: unknown };
    expect(typeof o.files).toBe('number');
    expect(typeof o.summary).toBe('string');
    // 2 tool-calling turns, then the answer: 3 model calls, 2+ tool calls.
    expect(env.sim.stats().requests - before).toBe(3);
    expect(out.result?.usage.steps).toBeGreaterThanOrEqual(5);
    // The agent is a child workflow under the run; its history holds no rendered prompt.
    const child = env.client.workflow.getHandle(`${run.id}/look`);
    const desc = await child.describe();
    expect(desc.type).toBe('agentWorkflow');
    const text = historyText(await child.fetchHistory());
    expect(text).toContain('agentTurn');
    expect(text).not.toContain('What is in the workspace of Ada?');
  });

  test('a fan-out of 12 sub-agents never runs more than maxSubAgents at once', async () => {
    const slow = await startSwarmEnvSlow();
    try {
      const out = await slow.run(
        `swarm: t-fan-agents\nversion: 1
limits: { maxSubAgents: 3 }
models:
  m: { pool: default, model: kimi-k2.6 }
agents:
  w: { model: m, instructions: Answer briefly., maxTurns: 2 }
steps:
  - id: each
    forEach: \${{ inputs.items }}
    do:
      - id: ans
        agent: w
        prompt: "item \${{ item }}"
output: \${{ steps.each.output.size() }}
`,
        { items: Array.from({ length: 12 }, (_, i) => i) },
      );
      expect(out.status).toBe('succeeded');
      expect(out.output).toBe(12);
      expect(slow.sim.stats().peakInFlight).toBeLessThanOrEqual(3);
      expect(slow.sim.stats().peakInFlight).toBeGreaterThanOrEqual(2);
    } finally {
      await slow.close();
    }
  });

  test('a swarm step runs a stored definition as a child swarm', async () => {
    const child = compileOrThrow(`swarm: t-child\nversion: 2\ninputs: { type: object, properties: { x: { type: integer } } }\nsteps:\n  - id: s\n    set: { twice: "\${{ inputs.x * 2 }}" }\noutput: \${{ steps.s.output.twice }}\n`);
    env.services.setSwarmLookup(async (name, version) => (name === 't-child' && (version === null || version === 2) ? child : null));
    const out = await env.run(`swarm: t-parent\nversion: 1\nsteps:\n  - id: call\n    swarm: t-child@2\n    with: { x: 21 }\noutput: \${{ steps.call.output }}\n`);
    expect(out.status).toBe('succeeded');
    expect(out.output).toBe(42);
    const missing = await env.run(`swarm: t-parent2\nversion: 1\nsteps:\n  - id: call\n    swarm: t-nope@1\n`);
    expect(missing.status).toBe('failed');
    expect(missing.error).toMatch(/t-nope@1.*not stored/);
  });

  test('a run captures a Skill; another swarm applies it; a repeated identical capture stores no new version', async () => {
    const capture = `swarm: t-learn\nversion: 1
models:
  m: { pool: default, model: kimi-k2.6 }
agents:
  writer: { model: m, instructions: You write release notes., maxTurns: 2 }
steps:
  - id: notes
    agent: writer
    prompt: Write release notes for version 1.
    output:
      schema: { type: object, properties: { title: { type: string }, items: { type: array, items: { type: string } } }, required: [title, items] }
  - id: learn
    captureSkill: { name: release-notes, from: notes, description: How to write release notes. }
output: \${{ steps.learn.output }}
`;
    const first = await env.run(capture);
    expect(first.status).toBe('succeeded');
    const skill = first.output as { name: string; version: string; created: boolean };
    expect(skill.name).toBe('release-notes');
    expect(skill.created).toBe(true);
    const again = await env.run(capture);
    expect(again.status).toBe('succeeded');
    expect((again.output as { version: string; created: boolean }).version).toBe(skill.version);
    expect((again.output as { created: boolean }).created).toBe(false);
    expect((await env.services.skillService.store.versions('release-notes')).length).toBe(1);

    const apply = await env.start(`swarm: t-apply\nversion: 1
models:
  m: { pool: default, model: kimi-k2.6 }
skills: [release-notes@^${skill.version.split('.')[0]}]
agents:
  writer: { model: m, instructions: You write release notes., skills: [release-notes], maxTurns: 2 }
steps:
  - id: notes
    agent: writer
    prompt: Write release notes for version 2.
output: \${{ steps.notes.output }}
`);
    const out = await waitForRun(apply.handle);
    expect(out.status).toBe('succeeded');
    // The skill's schema shaped the answer (the step set none).
    const o = out.output as { title?: unknown; items?: unknown };
    expect(typeof o.title).toBe('string');
    expect(Array.isArray(o.items)).toBe(true);
    // The version was pinned at run start and the agent's system prompt carried the skill.
    const childHistory = historyText(await env.client.workflow.getHandle(`${apply.id}/notes`).fetchHistory());
    expect(childHistory).toContain(skill.version);
    expect(await lastConversation(env, `${apply.id}/notes`)).toContain('release-notes');
  });
});

/** The system prompt of an agent's conversation, from the blob store. */
async function lastConversation(env: SwarmEnv, workflowId: string): Promise<string> {
  const text = historyText(await env.client.workflow.getHandle(workflowId).fetchHistory());
  const refs = [...text.matchAll(/sha256:[0-9a-f]{64}/g)].map((m) => m[0]);
  const blobs = await Promise.all(refs.map(async (r) => (await env.services.blobs.has(r) ? (await env.services.blobs.get(r)).toString('utf8') : '')));
  return blobs.join('\n');
}

async function startSwarmEnvSlow(): Promise<SwarmEnv> {
  // Long enough that sub-agents started together overlap at the model even on a loaded 2-core machine
  // (150 ms was not: their starts spread wider than a call, and the peak read 1).
  return startSwarmEnv({ latencyMs: 600, toolTurns: 0 });
}
