/**
 * Every step kind and its error paths, run by the real interpreter on the
 * real dev server against the simulated model over HTTP.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { queryProgress, waitForRun } from '../../runtime/runs';
import { dataPaths, workspaceDirName } from '../../runtime/config';
import { describeTemporal } from '../helpers/temporal';
import { startSwarmEnv, type SwarmEnv } from '../helpers/swarm-env';
import { waitUntil } from '../helpers/wait';

const MODELS = `models:\n  m: { pool: default, model: kimi-k2.6, maxTokens: 256 }\n`;

describeTemporal('step kinds on the dev server', () => {
  let env: SwarmEnv;
  beforeAll(async () => {
    env = await startSwarmEnv();
  });
  afterAll(async () => env?.close());

  test('sequence, set, if/else, when and the run output', async () => {
    const out = await env.run(
      `swarm: t-flow\nversion: 1\nsteps:
  - id: a
    set: { n: "\${{ inputs.n * 2 }}", label: "n=\${{ inputs.n }}" }
  - id: grp
    sequence:
      - id: b
        if: \${{ steps.a.output.n > 5 }}
        then:
          - id: big
            set: { size: big }
        else:
          - id: small
            set: { size: small }
      - id: skipped
        when: \${{ inputs.n > 100 }}
        set: { never: true }
output:
  doubled: \${{ steps.a.output.n }}
  label: \${{ steps.a.output.label }}
  size: \${{ steps.b.output.size }}
  skippedStatus: \${{ steps.skipped.status }}
  group: \${{ steps.grp.output }}
`,
      { n: 4 },
    );
    expect(out.status).toBe('succeeded');
    expect(out.output).toEqual({ doubled: 8, label: 'n=4', size: 'big', skippedStatus: 'skipped', group: null });
    expect(out.result?.steps.small?.status).toBe('skipped');
  });

  test('parallel maps branch ids to outputs; forEach keeps input order', async () => {
    const out = await env.run(
      `swarm: t-fan\nversion: 1\n${MODELS}steps:
  - id: p
    parallel:
      - id: left
        set: { side: l }
      - id: right
        llm: m
        prompt: "say right"
  - id: each
    forEach: \${{ inputs.items }}
    as: it
    concurrency: 2
    do:
      - id: sq
        set: { v: "\${{ it * it }}", at: "\${{ index }}" }
output:
  p: \${{ steps.p.output.left }}
  right: \${{ steps.p.output.right }}
  each: \${{ steps.each.output }}
`,
      { items: [3, 1, 2] },
    );
    expect(out.status).toBe('succeeded');
    const o = out.output as { p: unknown; right: unknown; each: unknown };
    expect(o.p).toEqual({ side: 'l' });
    expect(String(o.right)).toMatch(/^\[simulated\]/);
    expect(o.each).toEqual([
      { v: 9, at: 0 },
      { v: 1, at: 1 },
      { v: 4, at: 2 },
    ]);
  });

  test('loop: until after each iteration, iteration counts from 1, steps.<loop>.iteration', async () => {
    const out = await env.run(
      `swarm: t-loop\nversion: 1\n${MODELS}steps:
  - id: l
    loop:
      maxIterations: 10
      until: \${{ iteration >= 3 }}
      do:
        - id: think
          llm: m
          prompt: "iteration \${{ iteration }}"
        - id: mark
          set: { it: "\${{ iteration }}", outer: "\${{ steps.l.iteration }}" }
output:
  last: \${{ steps.l.output }}
  iteration: \${{ steps.l.iteration }}
`,
    );
    expect(out.status).toBe('succeeded');
    expect(out.output).toEqual({ last: { it: 3, outer: 3 }, iteration: 3 });
    expect(out.result?.usage.steps).toBe(3);
  });

  test('tools: fs.write then fs.read in the run workspace, shell on its allow list', async () => {
    const started = await env.start(
      `swarm: t-tools\nversion: 1
tools:
  write: { uses: fs.write }
  read: { uses: fs.read }
  node: { uses: shell, with: { allow: ["node --version"], timeout: 30s } }
steps:
  - id: w
    tool: write
    with: { path: notes/a.txt, content: "hello \${{ inputs.who }}" }
  - id: r
    tool: read
    with: { path: notes/a.txt }
  - id: v
    tool: node
    with: { command: "node --version" }
output:
  read: \${{ steps.r.output }}
  exit: \${{ steps.v.output.exitCode }}
`,
      { who: 'Ada' },
    );
    const out = await waitForRun(started.handle);
    expect(out.status).toBe('succeeded');
    const o = out.output as { read: { content?: string }; exit: number };
    expect(JSON.stringify(o.read)).toContain('hello Ada');
    expect(o.exit).toBe(0);
    const file = path.join(dataPaths(env.settings.home).workspaces, workspaceDirName(started.id), 'notes', 'a.txt');
    expect(fs.readFileSync(file, 'utf8')).toBe('hello Ada');
  });

  test('a failing tool with onError: continue is recorded and the run goes on; without it the run fails naming the step', async () => {
    const yaml = (onError: string) => `swarm: t-err\nversion: 1
tools:
  read: { uses: fs.read }
steps:
  - id: missing
    tool: read
    onError: ${onError}
    with: { path: ../../etc/passwd }
  - id: after
    set: { status: "\${{ steps.missing.status }}" }
output: \${{ steps.after.output }}
`;
    const cont = await env.run(yaml('continue'));
    expect(cont.status).toBe('succeeded');
    expect(cont.output).toEqual({ status: 'failed' });
    expect(cont.result?.steps.missing?.error).toMatch(/missing|workspace|\.\./);
    const failed = await env.run(yaml('fail'));
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/step "missing"/);
  });

  test('waitFor takes a signal payload; a signal that does not come times out the step', async () => {
    const yaml = `swarm: t-wait\nversion: 1\nsteps:
  - id: approve
    waitFor: { signal: approve, timeout: 30s }
output: \${{ steps.approve.output }}
`;
    const run = await env.start(yaml);
    await waitUntil('the run waits', async () => (await queryProgress(env.client, run.id)).currentSteps.includes('approve'));
    await run.handle.signal('approve', { approved: true, by: 'ada' });
    const out = await waitForRun(run.handle);
    expect(out.status).toBe('succeeded');
    expect(out.output).toEqual({ approved: true, by: 'ada' });

    const timedOut = await env.run(yaml.replace('timeout: 30s', 'timeout: 1s'));
    expect(timedOut.status).toBe('failed');
    expect(timedOut.error).toMatch(/approve.*did not come/);
  });

  test('sleep is a durable timer', async () => {
    const t0 = Date.now();
    const out = await env.run(`swarm: t-sleep\nversion: 1\nsteps:\n  - id: nap\n    sleep: 1s\n  - id: done\n    set: { ok: true }\noutput: \${{ steps.done.output.ok }}\n`);
    expect(out.status).toBe('succeeded');
    expect(out.output).toBe(true);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
  });

  test('budget: maxSteps runs out, the run ends budget_exhausted with what finished', async () => {
    const out = await env.run(
      `swarm: t-budget\nversion: 1\nlimits: { maxSteps: 3 }\n${MODELS}steps:
  - id: l
    loop:
      maxIterations: 10
      do:
        - id: think
          llm: m
          prompt: "go \${{ iteration }}"
`,
    );
    expect(out.status).toBe('budget_exhausted');
    expect(out.result?.usage.steps).toBe(3);
    expect(out.error).toMatch(/maxSteps/);
  });

  test('deadline bounds the whole run', async () => {
    const out = await env.run(`swarm: t-deadline\nversion: 1\nlimits: { deadline: 2s }\nsteps:\n  - id: w\n    waitFor: { signal: never }\n`);
    expect(out.status).toBe('deadline_exceeded');
    expect(out.error).toMatch(/deadline of 2s/);
  });

  test('cancel ends a waiting run as cancelled', async () => {
    const run = await env.start(`swarm: t-cancel\nversion: 1\nsteps:\n  - id: w\n    waitFor: { signal: go }\n`);
    await waitUntil('the run waits', async () => (await queryProgress(env.client, run.id)).currentSteps.includes('w'));
    await run.handle.cancel();
    const out = await waitForRun(run.handle);
    expect(out.status).toBe('cancelled');
  });

  test('history stays bounded: continue-as-new carries the loop and the result is whole', async () => {
    const yaml = `swarm: t-can\nversion: 1\n${MODELS}steps:
  - id: l
    loop:
      maxIterations: 200
      until: \${{ iteration >= inputs.n }}
      do:
        - id: think
          llm: m
          prompt: "step \${{ iteration }}"
        - id: count
          set: { i: "\${{ iteration }}" }
output: \${{ steps.count.output.i }}
`;
    const out = await env.run(yaml, { n: 60 }, { historyEventThreshold: 150 });
    expect(out.status).toBe('succeeded');
    expect(out.output).toBe(60);
    expect(out.result?.usage.steps).toBe(60);
    expect(out.result?.continuedAsNew).toBeGreaterThanOrEqual(2);
  });
});
