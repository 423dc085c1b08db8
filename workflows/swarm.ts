/**
 * The root interpreter: runs a swarm's IR as one Temporal workflow
 * (continued-as-new as history grows), with sub-agents as child workflows
 * and LLM calls, tools and Skill capture as activities.
 *
 * Deterministic by construction: no I/O, no clock but the workflow's, no
 * randomness; activities are named by string and imported as types only.
 */
import * as wf from '@temporalio/workflow';
import type { Json, StepIR, SwarmIR, ValueIR, RetryIR } from '../dsl/ir';
import type { SwarmActivities } from '../activities/registry';
import { evaluateValue } from '../dsl/expr';
import type { ExprScope, StepContext } from '../activities/contracts';
import { callActivity, retryPolicy } from './retry';
import type { SwarmMetricsSinks } from '../runtime/metrics';

/** The run's end, for the worker's Prometheus metrics (runtime/metrics.ts; not called on replay). */
const { swarmMetrics } = wf.proxySinks<SwarmMetricsSinks>();
import { AGENT_LEASE_PATCH, Budget, BudgetExhausted, CHARGE_UNREPORTED_PATCH, FAIR_BUDGET_PATCH, agentLeaseWant, tokenEstimate } from './budget';
import { Semaphore } from './semaphore';
import { StepsScope, allStepIds, expressionSources, isTruthy, referencedSteps } from './scope';
import { childLists, walkSteps } from '../dsl/walk';
import {
  SIGNALS,
  QUERIES,
  SWARM_TASK_QUEUE,
  inferenceTaskQueue,
  type AgentResult,
  type AgentWorkflowInput,
  type CarriedState,
  type Cursor,
  type Progress,
  type ProgressEvent,
  type RunStatus,
  type StepState,
  type StepStatus,
  type SubAgentInfo,
  type SwarmResult,
  type SwarmWorkflowInput,
  type Usage,
} from './types';

export const progressQuery = wf.defineQuery<Progress, [number?]>(QUERIES.progress);
/**
 * A sub-agent asks for more budget: `want` is what it would like. Agents of
 * the fair protocol (FAIR_BUDGET_PATCH) also send `need`, what its next call
 * must have, and `returned`, the rest of its lease it gives back meanwhile.
 */
export const leaseRequestSignal = wf.defineSignal<[LeaseRequest]>(SIGNALS.leaseRequest);
export interface LeaseRequest {
  from: string;
  want: Usage;
  need?: Usage;
  returned?: Usage;
}
export const leaseGrantSignal = wf.defineSignal<[Usage]>(SIGNALS.leaseGrant);

const DEFAULT_EVENT_THRESHOLD = 3000;
const DEFAULT_BYTES_THRESHOLD = 2 * 1024 * 1024;
const EVENT_LOG_SIZE = 2000;
const DEFAULT_HEARTBEAT_TIMEOUT_MS = 10_000;
/** Run resolution: its failures are problems of the definition (non-retryable) or of the store. */
const RESOLVE_RETRY: RetryIR = { maxAttempts: 3, initialIntervalMs: 1000, backoffCoefficient: 2, maxIntervalMs: 10_000 };

interface Frame {
  scope: StepsScope;
  locals: Record<string, Json>;
  /** Loop iterations and forEach indexes on the path, for idempotency keys and child ids. */
  path: string;
  /** True when every ancestor runs its steps one at a time (continue-as-new is safe here). */
  sequential: boolean;
}

/** Thrown to unwind to the top and continue-as-new with nothing in flight. */
class ContinueAsNewNow extends Error {
  constructor(readonly cursor: Cursor) {
    super('continue-as-new');
  }
}

/** A step that failed; carries the step id so the run's error names it. */
class StepFailed extends Error {
  constructor(
    readonly stepId: string,
    message: string,
  ) {
    super(message);
  }
}

export async function swarmWorkflow(input: SwarmWorkflowInput): Promise<SwarmResult> {
  return new SwarmRun(input).execute();
}

class SwarmRun {
  private readonly ir: SwarmIR;
  private readonly root = new StepsScope(null);
  private readonly budget: Budget;
  private readonly agents: Semaphore;
  private readonly stepStatus: Record<string, StepStatus> = {};
  private readonly current = new Set<string>();
  private readonly subAgents: Record<string, SubAgentInfo[]> = {};
  private readonly agentCounts = { running: 0, queued: 0, done: 0 };
  private readonly signals: Record<string, Json[]>;
  private readonly events: ProgressEvent[] = [];
  private readonly leases = new Map<string, Usage>();
  /** The root's own calls (llm, tool, captureSkill) and child swarms holding a reservation now. */
  private inflight = 0;
  /** Sub-agents holding a lease that wait for a top-up (they gave their rest back). */
  private parked = 0;
  /** Sub-agents waiting for their first lease. */
  private leaseWaiters = 0;
  private eventSeq: number;
  private status: RunStatus = 'running';
  private resume: Cursor | null;
  private readonly pos: number[] = [];
  private continuedAsNew: number;
  private gate = { history: -1, count: 0, timer: null as Promise<void> | null };
  private lastSearchSteps = -1;
  private readonly deadlineAt: number;
  private readonly heartbeatTimeoutMs: number;
  /** Every step id of the definition (computed once: it was walked again for every activity). */
  private readonly stepIds: string[];
  /** Per step: the step ids its templates may name (the same answer every time the step runs). */
  private readonly referenced = new WeakMap<StepIR, Set<string>>();

  constructor(private readonly input: SwarmWorkflowInput) {
    this.ir = input.ir;
    const carried = input.carried;
    this.stepIds = allStepIds(this.ir.steps);
    for (const id of this.stepIds) {
      this.root.set(id, { output: null, status: 'skipped' });
      this.stepStatus[id] = 'pending';
    }
    if (carried) {
      for (const [id, s] of Object.entries(carried.steps)) this.root.set(id, s);
      for (const [id, s] of Object.entries(carried.steps)) this.stepStatus[id] = s.status;
    }
    const limits = { steps: this.ir.limits.maxSteps, tokens: this.ir.limits.tokens };
    const parentLease = input.parent?.lease;
    this.budget = new Budget(parentLease ?? limits, carried?.usage ?? { steps: 0, tokens: 0 });
    this.agents = new Semaphore(this.ir.limits.maxSubAgents);
    this.signals = carried?.signals ?? {};
    this.eventSeq = carried?.eventSeq ?? 0;
    this.resume = carried?.cursor.length ? [...carried.cursor] : null;
    this.continuedAsNew = carried?.continuedAsNew ?? 0;
    this.heartbeatTimeoutMs = input.options?.heartbeatTimeoutMs ?? DEFAULT_HEARTBEAT_TIMEOUT_MS;
    this.deadlineAt = input.deadlineAt ?? wf.workflowInfo().startTime.getTime() + this.ir.limits.deadlineMs;

    wf.setHandler(progressQuery, (after?: number) => this.progress(after ?? 0));
    wf.setHandler(leaseRequestSignal, async (req) => {
      const grant = req.need ? await this.topUp(req, req.need) : this.status === 'running' ? this.budget.lease(req.want) : { steps: 0, tokens: 0 };
      if (req.need && !this.leases.has(req.from)) {
        // The agent ended while it waited (its step's timeout, a cancellation) and its lease is settled: keep nothing for it.
        this.budget.release(grant);
        return;
      }
      const prev = this.leases.get(req.from) ?? { steps: 0, tokens: 0 };
      this.leases.set(req.from, { steps: prev.steps + grant.steps, tokens: prev.tokens + grant.tokens });
      try {
        await wf.getExternalWorkflowHandle(req.from).signal(leaseGrantSignal, grant);
      } catch {
        // The agent closed meanwhile; runAgent settles everything it was granted when its result comes.
      }
    });
    // Any other signal is a `waitFor` signal: buffered until a step takes it.
    wf.setDefaultSignalHandler((name: string, ...args: unknown[]) => {
      (this.signals[name] ??= []).push(toJson(args[0] ?? null));
    });
  }

  async execute(): Promise<SwarmResult> {
    if (!this.input.carried) this.emit({ type: 'run.started' });
    else this.emit({ type: 'run.continued', data: { continuedAsNew: this.continuedAsNew } });
    this.upsertSearch(true);
    if (!this.input.resolved) {
      try {
        const summary = 'resolve skills, called swarms, pools and tools';
        this.input.resolved = await callActivity(
          'resolveRun',
          [{ ir: this.ir }],
          { taskQueue: SWARM_TASK_QUEUE, summary, attemptTimeoutMs: 60_000, heartbeatTimeoutMs: null, retry: RESOLVE_RETRY, retryUntil: this.deadlineAt },
          { taskQueue: SWARM_TASK_QUEUE, startToCloseTimeout: 60_000, retry: { maximumAttempts: 3 }, summary },
        );
      } catch (err) {
        this.status = 'failed';
        const error = errorMessage(err);
        this.emit({ type: 'run.finished', status: this.status, data: { error } });
        swarmMetrics.runFinished(this.ir.name, this.status);
        this.upsertSearch(true);
        throw wf.ApplicationFailure.create({ message: error, type: 'RunNotStartable', nonRetryable: true });
      }
    }
    const remaining = this.deadlineAt - Date.now();
    let deadlineHit = false;
    let output: Json = null;
    let error: string | null = null;
    const scope = new wf.CancellationScope();
    const deadlineTimer = wf.CancellationScope.nonCancellable(() => wf.sleep(Math.max(1, remaining))).then(() => {
      deadlineHit = true;
      scope.cancel();
    });
    void deadlineTimer;
    try {
      await scope.run(async () => {
        await this.execList(this.ir.steps, { scope: this.root, locals: {}, path: '', sequential: true });
        output = this.ir.output === null ? null : this.evaluate(this.ir.output, { scope: this.root, locals: {}, path: '', sequential: true }, 'output');
      });
      this.status = 'succeeded';
    } catch (err) {
      if (err instanceof ContinueAsNewNow) return this.continueAsNew(err.cursor);
      if (err instanceof BudgetExhausted) {
        this.status = 'budget_exhausted';
        error = err.message;
      } else if (deadlineHit) {
        this.status = 'deadline_exceeded';
        error = `the run's deadline of ${formatMs(this.ir.limits.deadlineMs)} passed`;
      } else if (wf.isCancellation(err)) {
        this.status = 'cancelled';
        error = 'the run was cancelled';
      } else {
        this.status = 'failed';
        error = errorMessage(err);
      }
    }
    const result: SwarmResult = {
      status: this.status,
      output,
      error,
      steps: this.stepsSummary(),
      usage: this.budget.usage,
      continuedAsNew: this.continuedAsNew,
    };
    this.emit({ type: 'run.finished', status: this.status, data: { error } });
    swarmMetrics.runFinished(this.ir.name, this.status);
    await wf.CancellationScope.nonCancellable(async () => this.upsertSearch(true));
    if (this.status === 'failed') throw wf.ApplicationFailure.create({ message: error ?? 'the run failed', type: 'SwarmFailed', nonRetryable: true, details: [result] });
    if (this.status === 'deadline_exceeded') throw wf.ApplicationFailure.create({ message: error ?? 'deadline', type: 'DeadlineExceeded', nonRetryable: true, details: [result] });
    if (this.status === 'cancelled') throw new wf.CancelledFailure(error ?? 'cancelled', [result]);
    return result;
  }

  // ---------------------------------------------------------------- steps

  private async execList(list: StepIR[], frame: Frame): Promise<Json> {
    let start = 0;
    let resumingInto = false;
    if (this.resume) {
      start = this.resume.shift() ?? 0;
      resumingInto = this.resume.length > 0;
      if (!resumingInto) this.resume = null;
    }
    let last: Json = null;
    for (let i = start; i < list.length; i++) {
      const step = list[i] as StepIR;
      if (frame.sequential) {
        this.pos.push(i);
        if (!(resumingInto && i === start)) this.maybeContinueAsNew();
      }
      try {
        last = await this.execStep(step, frame, resumingInto && i === start);
      } finally {
        if (frame.sequential) this.pos.pop();
      }
    }
    return last;
  }

  private async execStep(step: StepIR, frame: Frame, resuming: boolean): Promise<Json> {
    if (!resuming && this.input.reuse && Object.prototype.hasOwnProperty.call(this.input.reuse, step.id) && frame.scope === this.root) {
      const reused = this.input.reuse[step.id] as StepState;
      this.finish(step, frame, reused);
      return reused.output;
    }
    if (!resuming && step.when !== null && !isTruthy(this.evaluate(step.when, frame, `${step.id}.when`))) {
      this.finish(step, frame, { output: null, status: 'skipped' });
      return null;
    }
    if (!resuming) this.start(step, frame);
    try {
      const state = await this.runKind(step, frame, resuming);
      this.finish(step, frame, state);
      return state.output;
    } catch (err) {
      if (err instanceof ContinueAsNewNow || err instanceof BudgetExhausted || wf.isCancellation(err)) {
        if (!(err instanceof ContinueAsNewNow)) this.finish(step, frame, { output: null, status: wf.isCancellation(err) ? 'cancelled' : 'failed', error: errorMessage(err) });
        throw err;
      }
      const message = errorMessage(err);
      this.finish(step, frame, { output: null, status: 'failed', error: message });
      if (step.onError === 'continue') return null;
      // The run's error names the innermost step that failed.
      throw err instanceof StepFailed && message.startsWith('step "') ? err : new StepFailed(step.id, `step "${step.id}" failed: ${message}`);
    }
  }

  private async runKind(step: StepIR, frame: Frame, resuming: boolean): Promise<StepState> {
    switch (step.kind) {
      case 'llm':
        return this.runLlm(step, frame);
      case 'tool':
        return this.runTool(step, frame);
      case 'agent':
        return this.runAgent(step, frame);
      case 'sequence':
        return { output: await this.execList(step.steps, frame), status: 'succeeded' };
      case 'if': {
        let branch: number;
        if (resuming && this.resume) {
          branch = this.resume.shift() ?? 0;
          if (this.resume.length === 0) this.resume = null;
        } else branch = isTruthy(this.evaluate(step.cond, frame, `${step.id}.if`)) ? 0 : 1;
        if (frame.sequential) this.pos.push(branch);
        try {
          return { output: await this.execList(branch === 0 ? step.then : step.else, frame), status: 'succeeded' };
        } finally {
          if (frame.sequential) this.pos.pop();
        }
      }
      case 'loop':
        return this.runLoop(step, frame, resuming);
      case 'parallel': {
        const inner: Frame = { ...frame, sequential: false };
        const outputs = await allSettledOrThrow(step.branches.map((b) => () => this.execStep(b, inner, false)));
        const out: Record<string, Json> = {};
        step.branches.forEach((b, i) => (out[b.id] = outputs[i] ?? null));
        return { output: out, status: 'succeeded' };
      }
      case 'forEach':
        return this.runForEach(step, frame);
      case 'waitFor': {
        const queue = (this.signals[step.signal] ??= []);
        const timeout = step.signalTimeoutMs;
        const got = timeout === null ? (await wf.condition(() => queue.length > 0), true) : await wf.condition(() => queue.length > 0, timeout);
        if (!got) throw new StepFailed(step.id, `step "${step.id}" waited ${formatMs(timeout ?? 0)} for signal "${step.signal}", which did not come`);
        return { output: queue.shift() ?? null, status: 'succeeded' };
      }
      case 'sleep':
        await wf.sleep(step.durationMs);
        return { output: null, status: 'succeeded' };
      case 'set': {
        const out: Record<string, Json> = {};
        for (const [k, v] of Object.entries(step.values)) out[k] = this.evaluate(v, frame, `${step.id}.set.${k}`);
        return { output: out, status: 'succeeded' };
      }
      case 'captureSkill':
        return this.runCaptureSkill(step, frame);
      case 'swarm':
        return this.runChildSwarm(step, frame);
      default: {
        const never: never = step;
        throw new Error(`unknown step kind ${JSON.stringify(never)}`);
      }
    }
  }

  private async runLoop(step: Extract<StepIR, { kind: 'loop' }>, frame: Frame, resuming: boolean): Promise<StepState> {
    let iteration = 1;
    if (resuming && this.resume) {
      iteration = this.resume.shift() ?? 1;
      if (this.resume.length === 0) this.resume = null;
    }
    let output: Json = (frame.scope.get(step.id)?.output as Json) ?? null;
    for (; iteration <= step.maxIterations; iteration++) {
      frame.scope.set(step.id, { output, status: 'running', iteration });
      if (frame.sequential) this.pos.push(iteration);
      try {
        output = await this.execList(step.do, { ...frame, locals: { ...frame.locals, iteration }, path: `${frame.path}.i${iteration}` });
      } finally {
        if (frame.sequential) this.pos.pop();
      }
      frame.scope.set(step.id, { output, status: 'running', iteration });
      if (step.until !== null && isTruthy(this.evaluate(step.until, { ...frame, locals: { ...frame.locals, iteration } }, `${step.id}.until`))) break;
    }
    return { output, status: 'succeeded', iteration: Math.min(iteration, step.maxIterations) };
  }

  private async runForEach(step: Extract<StepIR, { kind: 'forEach' }>, frame: Frame): Promise<StepState> {
    const items = this.evaluate(step.items, frame, `${step.id}.forEach`);
    if (!Array.isArray(items)) throw new StepFailed(step.id, `step "${step.id}": forEach needs a list, got ${describeJson(items)}`);
    const outputs: Json[] = new Array<Json>(items.length).fill(null);
    const transcripts: string[][] = items.map(() => []);
    const tasks = items.map((item, index) => async () => {
      const inner: Frame = {
        scope: new StepsScope(frame.scope),
        locals: { ...frame.locals, [step.as]: item, index },
        path: `${frame.path}.f${index}`,
        sequential: false,
      };
      outputs[index] = await this.execList(step.do, inner);
      // What the iterations' model-driven steps said, for a captureSkill from this step.
      transcripts[index] = Object.values(inner.scope.vars).flatMap((v) => v.transcripts ?? []);
      return outputs[index] ?? null;
    });
    await allSettledOrThrow(tasks, step.concurrency);
    return { output: outputs, status: 'succeeded', transcripts: transcripts.flat() };
  }

  // ------------------------------------------------------------ activities

  private ctx(step: StepIR, frame: Frame): StepContext {
    return { runId: this.input.runId, stepId: step.id, idempotencyKey: `${this.input.runId}/${step.id}${frame.path}` };
  }

  /** What an activity needs to evaluate a template: only the step results it can name. */
  private exprScope(frame: Frame, step: StepIR, values: (ValueIR | null)[]): ExprScope {
    let ids = this.referenced.get(step);
    if (!ids) {
      ids = referencedSteps(values.flatMap((v) => expressionSources(v)), this.stepIds);
      this.referenced.set(step, ids);
    }
    return {
      inputs: this.input.input,
      steps: frame.scope.flatten(ids),
      run: { id: this.input.runId, startedAt: this.input.startedAt },
      locals: frame.locals,
    };
  }

  /** Schedules a step's activity by the retry rule of workflows/retry.ts. */
  private call<K extends 'llmStep' | 'toolCall' | 'captureSkill'>(name: K, args: Parameters<SwarmActivities[K]>, step: StepIR, defaultTimeoutMs: number, taskQueue: string, summary: string) {
    const attemptTimeoutMs = step.timeoutMs ?? defaultTimeoutMs;
    return callActivity(
      name,
      args,
      { taskQueue, summary, attemptTimeoutMs, heartbeatTimeoutMs: this.heartbeatTimeoutMs, retry: step.retry, retryUntil: this.deadlineAt },
      { taskQueue, startToCloseTimeout: attemptTimeoutMs, heartbeatTimeout: this.heartbeatTimeoutMs, retry: retryPolicy(step.retry), summary },
    );
  }

  /**
   * Reserves `want` for one of the root's own calls at once and returns true;
   * when it does not fit, returns false for `reserveLater` (fair budget) or
   * throws BudgetExhausted (before the patch). Synchronous on purpose: the
   * path of older histories gains no await.
   */
  private reserveNow(want: Usage): boolean {
    if (this.budget.reserve(want)) {
      this.inflight++;
      return true;
    }
    if (wf.patched(FAIR_BUDGET_PATCH)) return false;
    throw new BudgetExhausted(want.steps > this.budget.available.steps ? 'steps' : 'tokens');
  }

  private async reserveLater(want: Usage): Promise<void> {
    await this.budgetFreed(want);
    if (!this.budget.reserve(want)) throw new BudgetExhausted(want.steps > this.budget.available.steps ? 'steps' : 'tokens');
    this.inflight++;
  }

  /** True while a holder that is not itself waiting may still give budget back (finish under its lease or reservation). */
  private othersActive(): boolean {
    return this.leases.size + this.inflight - this.parked > 0;
  }

  /** Waits until `need` fits, or until nothing held can come back: only then is the budget really used up. */
  private async budgetFreed(need: Usage): Promise<void> {
    if (this.budget.fits(need) || !this.othersActive()) return;
    await wf.condition(() => this.budget.fits(need) || !this.othersActive() || this.status !== 'running');
  }

  /** Sub-agents that will share what is left: those queued for a slot or waiting for budget, and this one. */
  private sharers(): number {
    return 1 + this.agentCounts.queued + this.leaseWaiters + this.parked;
  }

  /** A fair-protocol top-up: takes back the agent's rest, then grants at least `need` when it fits (waiting while others may give back). */
  private async topUp(req: LeaseRequest, need: Usage): Promise<Usage> {
    const held = this.leases.get(req.from);
    if (req.returned && held) {
      const back = { steps: Math.min(req.returned.steps, held.steps), tokens: Math.min(req.returned.tokens, held.tokens) };
      this.budget.release(back);
      this.leases.set(req.from, { steps: held.steps - back.steps, tokens: held.tokens - back.tokens });
    }
    if (this.status !== 'running') return { steps: 0, tokens: 0 };
    if (held) this.parked++;
    try {
      await this.budgetFreed(need);
    } finally {
      if (held) this.parked--;
    }
    return this.status === 'running' ? this.budget.fairLease(need, req.want, this.sharers()) : { steps: 0, tokens: 0 };
  }

  /** A sub-agent's first lease, sized to what is left (fair budget). */
  private async firstLease(need: Usage, want: Usage): Promise<Usage> {
    if (!this.budget.fits(need) && this.othersActive()) {
      this.leaseWaiters++;
      try {
        await this.budgetFreed(need);
      } finally {
        this.leaseWaiters--;
      }
    }
    return this.budget.fairLease(need, want, this.sharers());
  }

  private async runLlm(step: Extract<StepIR, { kind: 'llm' }>, frame: Frame): Promise<StepState> {
    const model = this.ir.models[step.model];
    if (!model) throw new StepFailed(step.id, `model "${step.model}" is not defined`);
    const reservation = { steps: 1, tokens: tokenEstimate(model.maxTokens, 0) };
    if (!this.reserveNow(reservation)) await this.reserveLater(reservation);
    let spent = { steps: 1, tokens: 0 };
    try {
      const r = await this.call(
        'llmStep',
        [{ ctx: this.ctx(step, frame), model, prompt: step.prompt, system: step.system, outputSchema: step.outputSchema, scope: this.exprScope(frame, step, [step.prompt, step.system]) }],
        step,
        600_000,
        inferenceTaskQueue(model.pool),
        `llm ${step.id}${frame.path} (${model.model})`,
      );
      spent = { steps: 1, tokens: r.usage.promptTokens + r.usage.completionTokens };
      return { output: r.output, status: 'succeeded', transcripts: r.transcript ? [r.transcript] : [] };
    } finally {
      this.inflight--;
      this.budget.settle(reservation, spent);
      this.usageChanged();
    }
  }

  private async runTool(step: Extract<StepIR, { kind: 'tool' }>, frame: Frame): Promise<StepState> {
    const tool = this.ir.tools[step.tool];
    if (!tool) throw new StepFailed(step.id, `tool "${step.tool}" is not defined`);
    const reservation = { steps: 1, tokens: 0 };
    if (!this.reserveNow(reservation)) await this.reserveLater(reservation);
    try {
      const r = await this.call(
        'toolCall',
        [{ ctx: this.ctx(step, frame), tool: step.tool, uses: tool.uses, config: tool.with, argsTemplate: step.with, scope: this.exprScope(frame, step, [step.with]), storeResult: false }],
        step,
        300_000,
        SWARM_TASK_QUEUE,
        `tool ${step.id}${frame.path} (${tool.uses})`,
      );
      if (!r.ok) throw new StepFailed(step.id, `tool "${step.tool}" (${tool.uses}) failed: ${r.error ?? 'unknown error'}`);
      return { output: r.output, status: 'succeeded' };
    } finally {
      this.inflight--;
      this.budget.settle(reservation, reservation);
      this.usageChanged();
    }
  }

  private async runCaptureSkill(step: Extract<StepIR, { kind: 'captureSkill' }>, frame: Frame): Promise<StepState> {
    const from = frame.scope.get(step.from);
    if (!from || from.status !== 'succeeded') throw new StepFailed(step.id, `captureSkill "${step.id}" needs step "${step.from}" to have succeeded, but it is ${from?.status ?? 'skipped'}`);
    const modelName = this.modelOfStep(step.from) ?? Object.keys(this.ir.models)[0];
    const model = modelName ? this.ir.models[modelName] : undefined;
    if (!model) throw new StepFailed(step.id, `captureSkill "${step.id}" needs a model, and the swarm defines none`);
    const reservation = { steps: 1, tokens: tokenEstimate(model.maxTokens, 0) };
    if (!this.reserveNow(reservation)) await this.reserveLater(reservation);
    let spent = { steps: 1, tokens: 0 };
    try {
      const r = await this.call(
        'captureSkill',
        [{ ctx: this.ctx(step, frame), skill: step.skill, description: step.description, from: { stepId: step.from, output: from.output, transcripts: from.transcripts ?? [] }, model }],
        step,
        600_000,
        inferenceTaskQueue(model.pool),
        `captureSkill ${step.skill} from ${step.from}`,
      );
      spent = { steps: 1, tokens: 0 };
      return { output: { name: r.name, version: r.version, hash: r.hash, created: r.created }, status: 'succeeded' };
    } finally {
      this.inflight--;
      this.budget.settle(reservation, spent);
    }
  }

  /** The model behind a step (its own, its agent's, or the first one inside a group). */
  private modelOfStep(id: string): string | null {
    const found = [...walkSteps(this.ir.steps)].find((s) => s.id === id);
    if (!found) return null;
    for (const s of walkSteps([found])) {
      if (s.kind === 'llm') return s.model;
      if (s.kind === 'agent') return this.ir.agents[s.agent]?.model ?? null;
    }
    return null;
  }

  // ------------------------------------------------------------ children

  /** At most `childStartBatch` child starts per workflow task, so one task completion stays small. */
  private async startGate(): Promise<void> {
    const batch = this.input.options?.childStartBatch ?? 50;
    for (;;) {
      const h = wf.workflowInfo().historyLength;
      if (h !== this.gate.history) this.gate = { history: h, count: 0, timer: null };
      if (this.gate.count < batch) {
        this.gate.count++;
        return;
      }
      this.gate.timer ??= wf.sleep(1);
      await this.gate.timer;
    }
  }

  private async runAgent(step: Extract<StepIR, { kind: 'agent' }>, frame: Frame): Promise<StepState> {
    const agent = this.ir.agents[step.agent];
    if (!agent) throw new StepFailed(step.id, `agent "${step.agent}" is not defined`);
    const model = this.ir.models[agent.model];
    const info = this.trackSubAgent(step, frame);
    this.agentCounts.queued++;
    info.status = 'queued';
    await this.agents.acquire();
    this.agentCounts.queued--;
    this.agentCounts.running++;
    info.status = 'running';
    const workflowId = `${wf.workflowInfo().workflowId}/${step.id}${frame.path}`;
    info.workflowId = workflowId;
    const want = agentLeaseWant(agent.maxTurns, model?.maxTokens ?? null, wf.patched(AGENT_LEASE_PATCH));
    // Fair budget: sized to what is left among the agents still to run, waiting while others may give some back.
    const lease = wf.patched(FAIR_BUDGET_PATCH) ? await this.firstLease({ steps: 1, tokens: tokenEstimate(model?.maxTokens ?? null, 0) }, want) : this.budget.lease(want);
    this.leases.set(workflowId, lease);
    let result: AgentResult | null = null;
    let started = false;
    try {
      if (lease.steps === 0) throw new BudgetExhausted('steps');
      await this.startGate();
      const skills = (this.input.resolved?.skills ?? []).filter((s) => agent.skills.includes(s.name));
      const childInput: AgentWorkflowInput = {
        runId: this.input.runId,
        rootWorkflowId: wf.workflowInfo().workflowId,
        stepId: step.id,
        idempotencyKey: `${this.input.runId}/${step.id}${frame.path}`,
        agentName: step.agent,
        ir: { agents: { [step.agent]: agent }, models: model ? { [agent.model]: model } : {}, tools: pick(this.ir.tools, agent.tools) },
        prompt: step.prompt,
        scope: this.exprScope(frame, step, [step.prompt]),
        outputSchema: step.outputSchema,
        skills,
        lease,
        timeoutMs: step.timeoutMs,
        retry: step.retry,
        heartbeatTimeoutMs: this.heartbeatTimeoutMs,
        deadlineAt: this.deadlineAt,
      };
      started = true;
      const r: AgentResult = await wf.executeChild('agentWorkflow', {
        workflowId,
        args: [childInput],
        taskQueue: SWARM_TASK_QUEUE,
        staticSummary: `agent ${step.agent}: step ${step.id}${frame.path}`,
        workflowExecutionTimeout: step.timeoutMs ?? undefined,
        cancellationType: wf.ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED,
      });
      result = r;
      info.turns = r.turns;
      info.tokens = r.usage.tokens;
      if (r.status === 'budget_exhausted') throw new BudgetExhausted('tokens');
      if (r.status === 'failed') throw new StepFailed(step.id, `agent "${step.agent}" in step "${step.id}" failed: ${r.error ?? 'no answer'}`);
      info.status = 'succeeded';
      return { output: r.output, status: 'succeeded', transcripts: r.transcript ? [r.transcript] : [] };
    } catch (err) {
      info.status = wf.isCancellation(err) ? 'cancelled' : 'failed';
      throw err;
    } finally {
      const granted = this.leases.get(workflowId) ?? lease;
      this.leases.delete(workflowId);
      this.budget.settle(granted, result ? result.usage : started && wf.patched(CHARGE_UNREPORTED_PATCH) ? granted : { steps: 0, tokens: 0 });
      this.agents.release();
      this.agentCounts.running--;
      this.agentCounts.done++;
      this.usageChanged();
      this.emit({ type: 'agents', step: step.id, data: { ...this.agentCounts } });
    }
  }

  private trackSubAgent(step: StepIR, frame: Frame): SubAgentInfo {
    const index = typeof frame.locals.index === 'number' ? frame.locals.index : 0;
    const list = (this.subAgents[step.id] ??= []);
    const info: SubAgentInfo = { index, workflowId: '', status: 'queued', turns: 0, tokens: 0 };
    list.push(info);
    return info;
  }

  private async runChildSwarm(step: Extract<StepIR, { kind: 'swarm' }>, frame: Frame): Promise<StepState> {
    const key = `${step.swarm}@${step.version ?? 'latest'}`;
    const ir = this.input.resolved?.swarms[key];
    if (!ir) throw new StepFailed(step.id, `swarm "${key}" was not resolved when the run started`);
    const runInput = this.evaluate(step.with, frame, `${step.id}.with`);
    const want = { steps: Math.min(ir.limits.maxSteps, this.budget.available.steps), tokens: Math.min(ir.limits.tokens, this.budget.available.tokens) };
    const lease = this.budget.lease(want);
    this.inflight++;
    let spent: Usage = { steps: 0, tokens: 0 };
    let started = false;
    try {
      await this.startGate();
      started = true;
      const r = await wf.executeChild(swarmWorkflow, {
        workflowId: `${wf.workflowInfo().workflowId}/${step.id}${frame.path}`,
        args: [
          {
            ir,
            input: runInput,
            runId: `${this.input.runId}/${step.id}${frame.path}`,
            startedAt: this.input.startedAt,
            deadlineAt: this.deadlineAt,
            resolved: { skills: this.input.resolved?.skills ?? [], swarms: this.input.resolved?.swarms ?? {} },
            parent: { workflowId: wf.workflowInfo().workflowId, lease },
            options: this.input.options,
          },
        ],
        taskQueue: SWARM_TASK_QUEUE,
        staticSummary: `swarm ${key}: step ${step.id}${frame.path}`,
      });
      spent = r.usage;
      if (r.status === 'budget_exhausted') throw new BudgetExhausted('steps');
      return { output: r.output, status: 'succeeded' };
    } catch (err) {
      if (started && wf.patched(CHARGE_UNREPORTED_PATCH)) spent = usageOfFailedChild(err) ?? lease;
      throw err;
    } finally {
      this.inflight--;
      this.budget.settle(lease, spent);
      this.usageChanged();
    }
  }

  // ------------------------------------------------------- continue-as-new

  private maybeContinueAsNew(): void {
    if (this.input.options?.noContinueAsNew) return;
    if (this.leases.size > 0 || this.agents.running > 0) return;
    const info = wf.workflowInfo();
    const events = this.input.options?.historyEventThreshold ?? DEFAULT_EVENT_THRESHOLD;
    const bytes = this.input.options?.historyBytesThreshold ?? DEFAULT_BYTES_THRESHOLD;
    if (info.continueAsNewSuggested || info.historyLength >= events || info.historySize >= bytes) throw new ContinueAsNewNow([...this.pos]);
  }

  private async continueAsNew(cursor: Cursor): Promise<never> {
    const carried: CarriedState = {
      steps: { ...this.root.vars },
      usage: this.budget.usage,
      cursor,
      continuedAsNew: this.continuedAsNew + 1,
      eventSeq: this.eventSeq,
      signals: this.signals,
    };
    await wf.condition(wf.allHandlersFinished);
    return wf.continueAsNew<typeof swarmWorkflow>({ ...this.input, deadlineAt: this.deadlineAt, carried });
  }

  // ------------------------------------------------------------- progress

  private start(step: StepIR, frame: Frame): void {
    if (frame.scope === this.root || this.stepStatus[step.id] === 'pending') this.stepStatus[step.id] = 'running';
    this.current.add(step.id);
    if (isLeaf(step)) this.emit({ type: 'step.started', step: step.id, data: { path: frame.path } });
    else this.emit({ type: 'step.started', step: step.id });
  }

  private finish(step: StepIR, frame: Frame, state: StepState): void {
    frame.scope.set(step.id, state);
    this.stepStatus[step.id] = state.status;
    this.current.delete(step.id);
    this.emit({ type: 'step.finished', step: step.id, status: state.status, data: state.error ? { error: state.error, path: frame.path } : { path: frame.path } });
  }

  private emit(e: Omit<ProgressEvent, 'seq'>): void {
    this.events.push({ seq: ++this.eventSeq, ...e });
    if (this.events.length > EVENT_LOG_SIZE) this.events.splice(0, this.events.length - EVENT_LOG_SIZE);
  }

  private usageChanged(): void {
    const u = this.budget.usage;
    this.emit({ type: 'usage', data: { steps: u.steps, tokens: u.tokens } });
    if (u.steps - this.lastSearchSteps >= 100) this.upsertSearch(false);
  }

  private upsertSearch(withStatus: boolean): void {
    const u = this.budget.usage;
    this.lastSearchSteps = u.steps;
    if (this.input.parent) return;
    const attrs: Record<string, string[] | number[]> = { SwarmSteps: [u.steps], SwarmTokens: [u.tokens] };
    if (withStatus) attrs.SwarmStatus = [this.status];
    wf.upsertSearchAttributes(attrs);
  }

  private progress(after: number): Progress {
    const events = this.events.filter((e) => e.seq > after).slice(0, 500);
    return {
      runId: this.input.runId,
      swarm: this.ir.name,
      version: this.ir.version,
      status: this.status,
      steps: { ...this.stepStatus },
      usage: this.budget.usage,
      budget: this.budget.limits,
      agents: { ...this.agentCounts },
      subAgents: this.subAgents,
      currentSteps: [...this.current],
      continuedAsNew: this.continuedAsNew,
      historyLength: wf.workflowInfo().historyLength,
      events,
      lastSeq: this.eventSeq,
    };
  }

  private stepsSummary(): SwarmResult['steps'] {
    const out: SwarmResult['steps'] = {};
    for (const [id, s] of Object.entries(this.root.vars)) out[id] = s.error ? { status: s.status, output: s.output, error: s.error } : { status: s.status, output: s.output };
    return out;
  }

  private evaluate(v: ValueIR, frame: Frame, where: string): Json {
    const scope: Record<string, Json> = {
      inputs: this.input.input,
      steps: frame.scope.flatten() as unknown as Json,
      run: { id: this.input.runId, startedAt: this.input.startedAt },
      ...frame.locals,
    };
    try {
      return evaluateValue(v, scope);
    } catch (err) {
      throw new StepFailed(where.split('.')[0] ?? where, `${where}: ${errorMessage(err)}`);
    }
  }
}

// ------------------------------------------------------------------ helpers


function isLeaf(s: StepIR): boolean {
  return childLists(s).length === 0;
}

/** The usage a failed child swarm reported with its failure (its SwarmFailed details carry its result), or null. */
function usageOfFailedChild(err: unknown): Usage | null {
  const cause = err instanceof wf.ChildWorkflowFailure ? err.cause : null;
  if (!(cause instanceof wf.ApplicationFailure) || cause.type !== 'SwarmFailed') return null;
  const result: unknown = cause.details?.[0];
  const usage: unknown = typeof result === 'object' && result !== null ? Reflect.get(result, 'usage') : null;
  if (typeof usage !== 'object' || usage === null) return null;
  const steps: unknown = Reflect.get(usage, 'steps');
  const tokens: unknown = Reflect.get(usage, 'tokens');
  return typeof steps === 'number' && typeof tokens === 'number' && steps >= 0 && tokens >= 0 ? { steps, tokens } : null;
}

function pick<T>(obj: Record<string, T>, keys: string[]): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of keys) if (Object.prototype.hasOwnProperty.call(obj, k)) out[k] = obj[k] as T;
  return out;
}

/**
 * Runs tasks with at most `limit` at once. When one fails, no new task
 * starts, the running ones finish, and the first error is thrown.
 */
export async function allSettledOrThrow<T>(tasks: (() => Promise<T>)[], limit = Infinity): Promise<T[]> {
  const results: T[] = new Array<T>(tasks.length);
  let next = 0;
  let firstError: unknown = null;
  const worker = async (): Promise<void> => {
    while (next < tasks.length && firstError === null) {
      const i = next++;
      try {
        results[i] = await (tasks[i] as () => Promise<T>)();
      } catch (err) {
        if (firstError === null) firstError = err;
      }
    }
  };
  const n = Math.max(1, Math.min(limit, tasks.length));
  await Promise.all(Array.from({ length: n }, worker));
  if (firstError !== null) throw firstError;
  return results;
}

export function errorMessage(err: unknown): string {
  if (err instanceof wf.ActivityFailure || err instanceof wf.ChildWorkflowFailure) {
    const cause = err.cause;
    return cause ? errorMessage(cause) : err.message;
  }
  if (err instanceof Error) return err.message;
  return String(err);
}

function toJson(v: unknown): Json {
  if (v === null || typeof v === 'boolean' || typeof v === 'number' || typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map(toJson);
  if (typeof v === 'object') {
    const out: Record<string, Json> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (x !== undefined) out[k] = toJson(x);
    return out;
  }
  return null;
}

function describeJson(v: Json): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'a map' : `a ${typeof v}`;
}

export function formatMs(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
