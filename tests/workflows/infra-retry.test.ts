/**
 * The retry rule of workflows/retry.ts on the real dev server: an activity
 * whose worker "dies" (takes the task, never heartbeats, never answers, so
 * Temporal ends the attempt with a heartbeat timeout) is retried however
 * often that happens, and the run ends exactly like an undisturbed one;
 * failures the activity itself throws still count against the step's
 * `retry`. A scripted swarm worker wraps the real `toolCall` activity:
 * per idempotency key it plays a list of faults before the real call.
 */
import { NativeConnection, Worker } from '@temporalio/worker';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { Json } from '../../dsl/ir';
import { FsBlobStore } from '../../activities/blobs';
import { createActivities } from '../../activities/registry';
import type { ToolCallInput, ToolCallResult } from '../../activities/contracts';
import { startSimServer, type SimServer } from '../../sim/server';
import { buildWorkerServices, type WorkerServices } from '../../runtime/services';
import { startWorkers, type WorkerSet } from '../../runtime/worker';
import { newRunId, startRun, waitForRun, type RunOutcome } from '../../runtime/runs';
import { dataPaths, workspaceDirName, type Settings } from '../../runtime/config';
import { metricsSinks } from '../../runtime/metrics';
import { SWARM_TASK_QUEUE } from '../../workflows/types';
import { compileOrThrow } from '../helpers/swarm-env';
import { describeTemporal, testBundle, testClient, testSettings } from '../helpers/temporal';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** `hang`: the worker took the task and died (no heartbeat, no answer). `throw`: the activity fails (retryable). */
type Fault = 'hang' | 'throw';

/** Faults to play per idempotency key without its run id (`agent#t1.c0`, `w`), and what happened. */
class FaultScript {
  private readonly plans = new Map<string, Fault[]>();
  readonly attempts = new Map<string, number>();
  readonly realResults = new Map<string, ToolCallResult[]>();

  plan(runId: string, key: string, faults: Fault[]): void {
    this.plans.set(`${runId}/${key}`, [...faults]);
  }

  next(fullKey: string): Fault | undefined {
    this.attempts.set(fullKey, (this.attempts.get(fullKey) ?? 0) + 1);
    return this.plans.get(fullKey)?.shift();
  }

  attemptsOf(runId: string, key: string): number {
    return this.attempts.get(`${runId}/${key}`) ?? 0;
  }

  realOf(runId: string, key: string): ToolCallResult[] {
    return this.realResults.get(`${runId}/${key}`) ?? [];
  }
}

const HEARTBEAT_MS = 2000;

describeTemporal('infrastructure failures are retried without a cap, application failures by the step\'s retry', () => {
  let sim: SimServer;
  let settings: Settings;
  let services: WorkerServices;
  let inference: WorkerSet;
  let swarmWorker: Worker;
  let swarmRunning: Promise<void>;
  let connection: NativeConnection;
  let client: Client;
  const script = new FaultScript();

  beforeAll(async () => {
    sim = await startSimServer({ seed: 5, toolTurns: 1 });
    settings = testSettings({ simUrl: sim.url });
    services = await buildWorkerServices(settings);
    inference = await startWorkers({ settings, swarm: false, inference: { pools: services.poolSlots, chat: services.chat }, tools: services.tools });
    const paths = dataPaths(settings.home);
    const real = createActivities({
      blobs: new FsBlobStore(paths.blobs),
      tools: services.tools,
      resolver: services.resolver,
      workspaceFor: (runId) => {
        const dir = path.join(paths.workspaces, workspaceDirName(runId.split('/').slice(0, 2).join('/')));
        fs.mkdirSync(dir, { recursive: true });
        return dir;
      },
    });
    connection = await NativeConnection.connect({ address: settings.temporalAddress });
    swarmWorker = await Worker.create({
      connection,
      namespace: settings.namespace,
      taskQueue: SWARM_TASK_QUEUE,
      workflowBundle: { codePath: testBundle() },
      sinks: metricsSinks(),
      shutdownGraceTime: '1s',
      activities: {
        resolveRun: real.resolveRun,
        async toolCall(input: ToolCallInput): Promise<ToolCallResult> {
          const fault = script.next(input.ctx.idempotencyKey);
          if (fault === 'throw') throw ApplicationFailure.retryable(`scripted failure of ${input.ctx.idempotencyKey}`, 'ScriptedFailure');
          if (fault === 'hang') {
            // A dead worker: no heartbeat, no answer. Only the worker's shutdown ends this attempt here.
            const signal = Context.current().cancellationSignal;
            await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve())));
            throw new Error('the hung attempt was cancelled');
          }
          const r = await real.toolCall(input);
          const list = script.realResults.get(input.ctx.idempotencyKey) ?? [];
          list.push(r);
          script.realResults.set(input.ctx.idempotencyKey, list);
          return r;
        },
      },
    });
    swarmRunning = swarmWorker.run();
    client = await testClient(settings);
  }, 60_000);

  afterAll(async () => {
    swarmWorker?.shutdown();
    await swarmRunning?.catch(() => undefined);
    await connection?.close();
    await inference?.shutdown();
    await services?.close();
    await client?.connection.close();
    await sim?.close();
  });

  /** Starts `yaml` twice at once: a calm twin and a run whose keys get `faults`. */
  async function twins(yaml: string, faults: Record<string, Fault[]>, input: Json = {}, withCalm = true): Promise<{ calm: RunOutcome | null; hit: RunOutcome; hitId: string }> {
    const ir = compileOrThrow(yaml);
    const options = { heartbeatTimeoutMs: HEARTBEAT_MS };
    // The faults are planned before the run starts, so its first attempt cannot slip past them.
    const runId = newRunId();
    for (const [key, f] of Object.entries(faults)) script.plan(`${ir.name}/${runId}`, key, f);
    const hitRun = await startRun(client, { ir, input, options, runId });
    const calmRun = withCalm ? await startRun(client, { ir, input, options }) : null;
    const [hit, calm] = await Promise.all([waitForRun(hitRun.handle), calmRun ? waitForRun(calmRun.handle) : Promise.resolve(null)]);
    return { calm, hit, hitId: hitRun.id };
  }

  test('an agent\'s tool call whose worker dies 3 times in a row (all the old code allowed) still runs once, and the agent answers as in a calm run', async () => {
    const { calm, hit, hitId } = await twins(
      `swarm: t-infra-agent\nversion: 1
models:
  m: { pool: default, model: kimi-k2.6, maxTokens: 48 }
tools:
  write: { uses: fs.write }
agents:
  scribe: { model: m, instructions: "You keep notes with the write tool, then answer.", tools: [write], maxTurns: 3 }
steps:
  - id: work
    agent: scribe
    prompt: Keep a note.
output: \${{ steps.work.output }}
`,
      // The agent's first tool call (turn 1, call 0): as many dead workers in a row as the old 3 attempts.
      { 'work#t1.c0': ['hang', 'hang', 'hang'] },
    );
    expect({ status: calm?.status, error: calm?.error }).toEqual({ status: 'succeeded', error: null });
    expect({ status: hit.status, error: hit.error }).toEqual({ status: 'succeeded', error: null });
    expect(hit.output).toEqual(calm?.output);
    expect(hit.result?.usage).toEqual(calm?.result?.usage);
    expect(script.attemptsOf(hitId, 'work#t1.c0')).toBe(4);
    const real = script.realOf(hitId, 'work#t1.c0');
    expect(real).toHaveLength(1);
    expect(real[0]?.ok).toBe(true);
  }, 120_000);

  test('a tool step with retry: 2 rides through 3 dead workers; thrown failures still count against its retry', async () => {
    const { calm, hit, hitId } = await twins(
      `swarm: t-infra-tool\nversion: 1
tools:
  write: { uses: fs.write }
steps:
  - id: all
    parallel:
      - id: w
        tool: write
        with: { path: a.txt, content: hello }
        retry: 2
      - id: mixed
        tool: write
        with: { path: b.txt, content: "two faults of the tool, two dead workers" }
        retry: { maxAttempts: 3, initialInterval: 200ms }
      - id: spent
        tool: write
        with: { path: c.txt, content: three faults of the tool }
        retry: { maxAttempts: 3, initialInterval: 200ms }
        onError: continue
output:
  w: \${{ steps.w.output }}
  mixed: \${{ steps.mixed.output }}
  spent: \${{ steps.spent.status }}
`,
      {
        w: ['hang', 'hang', 'hang'],
        // 2 thrown failures < 3 attempts: the dead workers between them do not count.
        mixed: ['hang', 'throw', 'hang', 'throw'],
        // The third thrown failure ends the step, however many dead workers came between.
        spent: ['throw', 'hang', 'throw', 'hang', 'throw'],
      },
    );
    expect({ status: hit.status, error: hit.error }).toEqual({ status: 'succeeded', error: null });
    expect((hit.output as Record<string, Json>).w).toEqual((calm?.output as Record<string, Json>).w);
    expect((hit.output as Record<string, Json>).mixed).toEqual((calm?.output as Record<string, Json>).mixed);
    expect(script.attemptsOf(hitId, 'w')).toBe(4);
    expect(script.realOf(hitId, 'w')).toHaveLength(1);
    expect(script.attemptsOf(hitId, 'mixed')).toBe(5);
    expect(script.realOf(hitId, 'mixed')).toHaveLength(1);
    expect((hit.output as Record<string, Json>).spent).toBe('failed');
    expect(hit.result?.steps.spent?.error).toMatch(/scripted failure/);
    expect(script.attemptsOf(hitId, 'spent')).toBe(5);
    expect(script.realOf(hitId, 'spent')).toHaveLength(0);
  }, 120_000);

  test('a worker that keeps dying is retried until the run\'s deadline, even with retry: 1', async () => {
    const { hit, hitId } = await twins(
      `swarm: t-infra-deadline\nversion: 1
limits: { deadline: 9s }
tools:
  write: { uses: fs.write }
steps:
  - id: w
    tool: write
    with: { path: a.txt, content: never }
    retry: 1
`,
      { w: Array.from({ length: 50 }, (): Fault => 'hang') },
      {},
      false,
    );
    expect({ status: hit.status, error: hit.error }).toEqual({ status: 'deadline_exceeded', error: expect.stringMatching(/deadline/) });
    // retry: 1 allows one attempt, yet dead workers are no attempt of the step's own: it was tried again and again.
    expect(script.attemptsOf(hitId, 'w')).toBeGreaterThan(1);
    expect(script.realOf(hitId, 'w')).toHaveLength(0);
  }, 60_000);
});
