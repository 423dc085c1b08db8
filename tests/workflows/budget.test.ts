/**
 * Budget accuracy of a fan-out of sub-agents (issue 4: "budgets are reserved
 * before each call so that parallel sub-agents cannot overshoot them
 * together"; "when one runs out ... the run ends with budget_exhausted"):
 * leases are sized to what is left, so a budget that covers every agent's
 * calls is enough however many agents share it, and a budget that does not
 * is used to its last step and never beyond.
 */
import { describeTemporal } from '../helpers/temporal';
import { waitForRun } from '../../runtime/runs';
import { SIGNALS } from '../../workflows/types';
import { compileOrThrow, startSwarmEnv, type SwarmEnv } from '../helpers/swarm-env';

/** 20 agents; with the simulated model's one tool turn each makes 3 calls: a turn with a tool call, the tool, the answer. */
const AGENTS = 20;
const STEPS_PER_AGENT = 3;

function fanOut(maxSteps: number): string {
  return `swarm: t-budget-fan\nversion: 1
limits: { maxSubAgents: ${AGENTS}, maxSteps: ${maxSteps} }
models:
  m: { pool: default, model: kimi-k2.6, maxTokens: 48 }
tools:
  write: { uses: fs.write }
agents:
  # maxTurns 4: a lease of up to 8 steps each, more than the 3 it spends.
  scribe: { model: m, instructions: "Keep a note with the write tool, then answer.", tools: [write], maxTurns: 4 }
steps:
  - id: fan
    forEach: \${{ inputs.items }}
    do:
      - id: work
        agent: scribe
        prompt: "Note on item \${{ item }}."
output: \${{ size(steps.fan.output) }}
`;
}

describeTemporal('budgets of a sub-agent fan-out', () => {
  let env: SwarmEnv;
  beforeAll(async () => {
    env = await startSwarmEnv({ toolTurns: 1 });
  }, 60_000);
  afterAll(async () => env?.close());

  const items = { items: Array.from({ length: AGENTS }, (_, i) => i) };

  test('maxSteps equal to what the agents spend is enough, although it is far less than 8 per agent', async () => {
    const out = await env.run(fanOut(AGENTS * STEPS_PER_AGENT), items);
    expect({ status: out.status, error: out.error }).toEqual({ status: 'succeeded', error: null });
    expect(out.output).toBe(AGENTS);
    expect(out.result?.usage.steps).toBe(AGENTS * STEPS_PER_AGENT);
  }, 120_000);

  test('a maxSteps short of it is used to its last step, never beyond, and the run ends budget_exhausted', async () => {
    const limit = AGENTS * STEPS_PER_AGENT - 15;
    const out = await env.run(fanOut(limit), items);
    expect(out.status).toBe('budget_exhausted');
    expect(out.error).toMatch(/budget is used up/);
    expect(out.result?.usage.steps).toBe(limit);
    expect(out.result?.steps.fan?.status).toBe('failed');
  }, 120_000);
});

/**
 * Children that end without reporting their usage still count (patch
 * charge-unreported-children): an agent cut off by its timeout is charged its
 * whole lease, the most it could have spent; a child swarm that fails hands
 * its usage up with its failure.
 */
describeTemporal('usage of children that end without a normal result', () => {
  let env: SwarmEnv;
  beforeAll(async () => {
    env = await startSwarmEnv({ latencyMs: 1500, toolTurns: 0 });
  }, 60_000);
  afterAll(async () => env?.close());

  test('an agent stopped by its timeout is charged its lease (at least one step, at most maxTurns x 2)', async () => {
    const out = await env.run(`swarm: t-unreported-agent\nversion: 1
models:
  m: { pool: default, model: kimi-k2.6, maxTokens: 48 }
agents:
  slow: { model: m, instructions: Answer., maxTurns: 2 }
steps:
  - id: late
    agent: slow
    prompt: "hello"
    timeout: 500ms
    retry: 1
    onError: continue
`);
    expect(out.status).toBe('succeeded');
    expect(out.result?.steps.late?.status).toBe('failed');
    expect(out.result?.usage.steps).toBeGreaterThanOrEqual(1);
    expect(out.result?.usage.steps).toBeLessThanOrEqual(4);
    expect(out.result?.usage.tokens).toBeGreaterThan(0);
  }, 60_000);

  test('a child swarm that fails after spending hands its usage to the parent', async () => {
    const child = compileOrThrow(`swarm: t-spender\nversion: 1
models:
  m: { pool: default, model: kimi-k2.6, maxTokens: 48 }
agents:
  a: { model: m, instructions: Answer., maxTurns: 1 }
tools:
  read: { uses: fs.read }
steps:
  - id: ask
    agent: a
    prompt: "hello"
  - id: missing
    tool: read
    with: { path: "no-such-file.txt" }
    retry: 1
`);
    env.services.setSwarmLookup(async (name) => (name === 't-spender' ? child : null));
    const out = await env.run(`swarm: t-unreported-swarm\nversion: 1\nsteps:\n  - id: call\n    swarm: t-spender@1\n    onError: continue\n`);
    expect(out.status).toBe('succeeded');
    expect(out.result?.steps.call?.status).toBe('failed');
    // The agent's one model call, and the tool call that failed: what the child reported, not its whole lease (4000).
    expect(out.result?.usage.steps).toBeGreaterThanOrEqual(1);
    expect(out.result?.usage.steps).toBeLessThanOrEqual(2);
    expect(out.result?.usage.tokens).toBeGreaterThan(0);
  }, 60_000);
});

/**
 * A sub-agent's first lease covers what it will likely spend (patch
 * agent-lease-likely-need): an agent of 14 turns (13 model calls, 12 tool
 * calls: 25 steps) runs without asking the root for more, where the older
 * first lease of 16 steps made every such agent do a signal round trip.
 */
describeTemporal('first lease of a long-running sub-agent', () => {
  let env: SwarmEnv;
  beforeAll(async () => {
    env = await startSwarmEnv({ toolTurns: 12 });
  }, 60_000);
  afterAll(async () => env?.close());

  test('three agents of 25 steps each never ask the root for a top-up', async () => {
    const run = await env.start(
      `swarm: t-lease-size\nversion: 1
limits: { maxSteps: 1000 }
models:
  m: { pool: default, model: kimi-k2.6, maxTokens: 48 }
tools:
  write: { uses: fs.write }
agents:
  long: { model: m, instructions: "Keep notes with the write tool, then answer.", tools: [write], maxTurns: 14 }
steps:
  - id: fan
    forEach: \${{ inputs.items }}
    do:
      - id: work
        agent: long
        prompt: "Notes on \${{ item }}."
`,
      { items: [1, 2, 3] },
    );
    const out = await waitForRun(run.handle);
    expect(out.status).toBe('succeeded');
    expect(out.result?.usage.steps).toBe(3 * 25);
    const history = await run.handle.fetchHistory();
    const requests = (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === SIGNALS.leaseRequest);
    expect(requests).toHaveLength(0);
  }, 120_000);
});
