/**
 * The activities the interpreter schedules, built over their dependencies
 * (blob store, inference pool, tool registry, Skill store). Workflows import
 * `SwarmActivities` as a type only.
 *
 * Errors: user-facing failures (bad prompt expression, tool refused, schema
 * mismatch after retries) become `ApplicationFailure`s whose message names the
 * step and the fix; the pool's errors arrive already mapped (retryable or not).
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { Validator } from '@cfworker/json-schema';
import type { Json, SwarmIR, ValueIR } from '../dsl/ir';
import { evaluateValue } from '../dsl/expr';
import { walkSteps } from '../dsl/walk';
import { BoundedCache } from '../dsl/bounded-cache';
import type {
  AgentTurnInput,
  AgentTurnResult,
  CaptureSkillInput,
  CaptureSkillResult,
  ExprScope,
  LlmStepInput,
  ResolvedSkill,
  StepResult,
  ToolCallInput,
  ToolCallResult,
} from './contracts';
import type { FsBlobStore } from './blobs';
import type { CallOptions, ChatMessage, ChatRequest, ChatResponse, ToolSpec } from './inference/types';
import type { Resolved } from '../workflows/types';

export type ChatFn = (req: ChatRequest, opts: CallOptions) => Promise<ChatResponse>;

/** The tool registry as the activities use it (activities/tools implements it). */
export interface ToolRunner {
  toolSpec(name: string, uses: string, config: Record<string, Json>): ToolSpec;
  /** Problems of a tool instance's configuration; empty when valid. */
  validateConfig(uses: string, config: Record<string, Json>): string[];
  run(uses: string, config: Record<string, Json>, args: Json, ctx: { workspace: string; idempotencyKey: string; signal: AbortSignal; claimStaleMs?: number }): Promise<{ ok: boolean; output: Json; error: string | null }>;
}

/** Skill capture and resolution as the activities use them (activities/skills implements them). */
export interface SkillService {
  capture(input: CaptureSkillInput, chat: (req: ChatRequest) => Promise<ChatResponse>): Promise<CaptureSkillResult>;
  resolve(refs: { name: string; range: string }[]): Promise<ResolvedSkill[]>;
}

/** Checks done when a run starts, before its first step. */
export interface RunResolver {
  /** Stored swarm definitions, compiled: `name@version` (or `name@latest`) -> IR. */
  swarm?(name: string, version: number | null): Promise<SwarmIR | null>;
  /** Names of the configured inference pools. */
  pools?(): string[];
  /** Tool kinds this worker can run. */
  toolKinds?(): string[];
}

export interface ActivityDeps {
  blobs: FsBlobStore;
  chat?: ChatFn;
  tools?: ToolRunner;
  skills?: SkillService;
  resolver?: RunResolver;
  /** The workspace directory of a run (fs and shell tools are confined to it). */
  workspaceFor(runId: string): string;
}

/** Keep-alive heartbeats; the SDK throttles them to 80% of the activity's heartbeat timeout. */
const HEARTBEAT_MS = 1000;

export function createActivities(deps: ActivityDeps) {
  const need = <K extends 'chat' | 'tools' | 'skills'>(k: K): NonNullable<ActivityDeps[K]> => {
    const v = deps[k];
    if (!v) throw ApplicationFailure.nonRetryable(`this worker has no ${k === 'chat' ? 'inference pool' : k === 'tools' ? 'tool registry' : 'Skill store'}: start it with the matching option`, 'WorkerMisconfigured');
    return v as NonNullable<ActivityDeps[K]>;
  };

  /** Calls the model with heartbeats (progress and a keep-alive) and the activity's cancellation. */
  async function callModel(req: ChatRequest, opts: Omit<CallOptions, 'signal' | 'onProgress'>): Promise<ChatResponse> {
    const chat = need('chat');
    let progress: unknown = { completionTokens: 0 };
    // A cancelled activity reports cancellation (not a model error) so the workflow sees it as such.
    return withHeartbeats(
      () => progress,
      (signal) => chat(req, { ...opts, signal, onProgress: (p) => (progress = p) }),
    );
  }

  // A run's workspace directory, made once per run and worker process: `workspaceFor` creates it
  // (a mkdir syscall), which was a tenth of a no-op tool call's cost when paid on every call.
  const workspaces = new BoundedCache<string>(1024);
  const workspaceOf = (runId: string): string => workspaces.get(runId) ?? workspaces.set(runId, deps.workspaceFor(runId));

  return {
    /** Checks pools, tools, skills and called swarms, and pins their versions in history. */
    async resolveRun(input: { ir: SwarmIR }): Promise<Resolved> {
      const problems: string[] = [];
      const pools = deps.resolver?.pools?.();
      if (pools) for (const [name, m] of Object.entries(input.ir.models)) if (!pools.includes(m.pool)) problems.push(`model "${name}" uses pool "${m.pool}", which is not configured (pools: ${pools.join(', ') || 'none'})`);
      const kinds = deps.resolver?.toolKinds?.();
      for (const [name, t] of Object.entries(input.ir.tools)) {
        if (kinds && !kinds.includes(t.uses)) problems.push(`tool "${name}" uses kind "${t.uses}", which this worker does not have (kinds: ${kinds.join(', ')})`);
        else if (deps.tools) for (const p of deps.tools.validateConfig(t.uses, t.with)) problems.push(`tool "${name}" (${t.uses}): ${p}`);
      }
      let skills: ResolvedSkill[] = [];
      if (input.ir.skills.length > 0) {
        try {
          skills = await need('skills').resolve(input.ir.skills);
        } catch (err) {
          problems.push(err instanceof Error ? err.message : String(err));
        }
      }
      const swarms: Record<string, SwarmIR> = {};
      for (const ref of swarmRefs(input.ir)) {
        const key = `${ref.name}@${ref.version ?? 'latest'}`;
        if (swarms[key]) continue;
        const ir = deps.resolver?.swarm ? await deps.resolver.swarm(ref.name, ref.version) : null;
        if (!ir) problems.push(`step "${ref.step}" calls swarm "${key}", which is not stored (store it with PUT /v1/swarms/${ref.name})`);
        else swarms[key] = ir;
      }
      if (problems.length > 0) throw ApplicationFailure.nonRetryable(`the run cannot start: ${problems.join('; ')}`, 'RunNotStartable');
      return { skills, swarms };
    },

    async llmStep(input: LlmStepInput): Promise<StepResult> {
      const prompt = renderText(input.prompt, input.scope, `step "${input.ctx.stepId}" prompt`);
      const system = input.system === null ? null : renderText(input.system, input.scope, `step "${input.ctx.stepId}" system`);
      const messages: ChatMessage[] = [];
      if (system) messages.push({ role: 'system', content: system });
      messages.push({ role: 'user', content: prompt });
      const req: ChatRequest = { model: input.model.model, messages, temperature: input.model.temperature, maxTokens: input.model.maxTokens, outputSchema: asSchema(input.outputSchema) };
      const res = await callModel(req, { pool: input.model.pool, quantization: input.model.quantization, affinityKey: input.ctx.idempotencyKey });
      const transcript = await deps.blobs.putJson({ request: req, response: res });
      let output: Json = res.content ?? '';
      if (input.outputSchema !== null) {
        const parsed = parseStructured(res.content, input.outputSchema);
        if (parsed.errors.length > 0) {
          throw ApplicationFailure.retryable(`step "${input.ctx.stepId}": the model's answer does not match output.schema: ${parsed.errors.join('; ')}`, 'SchemaMismatch');
        }
        output = parsed.value;
      }
      return { output, usage: res.usage, transcript };
    },

    async agentTurn(input: AgentTurnInput): Promise<AgentTurnResult> {
      let messages: ChatMessage[];
      if (input.start) {
        const parts = [input.start.instructions];
        for (const s of input.start.skills) parts.push((await deps.blobs.get(s.instructions)).toString('utf8'));
        if (input.outputSchema !== null) parts.push(`Your final answer must be JSON that satisfies this JSON Schema:\n${JSON.stringify(input.outputSchema)}`);
        messages = [
          { role: 'system', content: parts.join('\n\n') },
          { role: 'user', content: renderText(input.start.prompt, input.start.scope, `step "${input.ctx.stepId}" prompt`) },
        ];
      } else if (input.conversation) {
        messages = await deps.blobs.getJson<ChatMessage[]>(input.conversation);
      } else {
        throw ApplicationFailure.nonRetryable('an agent turn needs a start or a conversation', 'Bug');
      }
      for (const r of input.toolResults ?? []) {
        const content = r.result ? (await deps.blobs.get(r.result)).toString('utf8') : JSON.stringify({ error: r.error ?? 'the tool failed' });
        messages.push({ role: 'tool', toolCallId: r.callId, name: r.name, content });
      }
      if (input.repair) messages.push({ role: 'user', content: `Your answer does not satisfy the required JSON Schema: ${input.repair.join('; ')}. Answer again with JSON only.` });
      if (input.mustAnswer && input.turn > 0) messages.push({ role: 'user', content: 'You have no turns left: give your final answer now, without calling tools.' });
      const tools = input.tools.length > 0 ? input.tools.map((t) => need('tools').toolSpec(t.name, t.uses, t.config)) : undefined;
      const req: ChatRequest = { model: input.model.model, messages, tools, temperature: input.model.temperature, maxTokens: input.model.maxTokens, outputSchema: asSchema(input.outputSchema) };
      const res = await callModel(req, { pool: input.model.pool, quantization: input.model.quantization, affinityKey: input.agentWorkflowId });
      messages.push({ role: 'assistant', content: res.content, reasoning: res.reasoning, toolCalls: res.toolCalls.length > 0 ? res.toolCalls : undefined });
      const conversation = await deps.blobs.putJson(messages);
      if (res.toolCalls.length > 0) {
        return {
          conversation,
          toolCalls: res.toolCalls.map((c) => {
            try {
              return { id: c.id, name: c.name, arguments: JSON.parse(c.arguments || '{}') as Json };
            } catch (err) {
              return { id: c.id, name: c.name, arguments: null, argumentsError: err instanceof Error ? err.message : String(err) };
            }
          }),
          answer: null,
          schemaErrors: [],
          usage: res.usage,
        };
      }
      if (input.outputSchema === null) return { conversation, toolCalls: [], answer: res.content ?? '', schemaErrors: [], usage: res.usage };
      const parsed = parseStructured(res.content, input.outputSchema);
      return { conversation, toolCalls: [], answer: parsed.value, schemaErrors: parsed.errors, usage: res.usage };
    },

    async toolCall(input: ToolCallInput): Promise<ToolCallResult> {
      const tools = need('tools');
      let args: Json;
      try {
        args = input.argsTemplate !== undefined && input.scope ? evaluateValue(input.argsTemplate, flatScope(input.scope)) : (input.args ?? {});
      } catch (err) {
        throw ApplicationFailure.nonRetryable(`step "${input.ctx.stepId}": the tool's arguments could not be evaluated: ${err instanceof Error ? err.message : String(err)}`, 'ExpressionError');
      }
      const claimStaleMs = claimStaleMsFor(Context.current().info.heartbeatTimeoutMs);
      const r = await withHeartbeats(
        () => ({ tool: input.tool }),
        (signal) => tools.run(input.uses, input.config, args, { workspace: workspaceOf(input.ctx.runId), idempotencyKey: input.ctx.idempotencyKey, signal, claimStaleMs }),
      );
      const resultRef = input.storeResult ? await deps.blobs.put(JSON.stringify(r.ok ? r.output : { error: r.error, output: r.output })) : null;
      return { output: r.output, ok: r.ok, error: r.error, resultRef };
    },

    async captureSkill(input: CaptureSkillInput): Promise<CaptureSkillResult> {
      return need('skills').capture(input, (req) => callModel(req, { pool: input.model.pool, quantization: input.model.quantization }));
    },
  };
}

export type SwarmActivities = ReturnType<typeof createActivities>;

/**
 * How long another attempt's unrefreshed claim on a tool call's key is
 * trusted before this attempt takes it over (effect ledger). Several
 * heartbeat timeouts, never under 10 s: the claimant refreshes its claim on
 * the same event loop that sends its heartbeats, so the load that made
 * Temporal give up on it (a late heartbeat) can delay its refresh too, and a
 * takeover of a live claimant risks applying the effect twice. A claimant
 * killed on the same host is seen at once by its pid, without this wait.
 */
export function claimStaleMsFor(heartbeatTimeoutMs: number | undefined): number {
  return Math.max(10_000, 5 * (heartbeatTimeoutMs ?? 0));
}

/**
 * Runs `fn` while heartbeating every second (the SDK sends at most one per
 * 80% of the heartbeat timeout), so a killed worker's activity is retried
 * elsewhere after the heartbeat timeout, and cancellation reaches `fn`.
 */
async function withHeartbeats<T>(details: () => unknown, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ctx = Context.current();
  const timer = setInterval(() => ctx.heartbeat(details()), HEARTBEAT_MS);
  try {
    return await fn(ctx.cancellationSignal);
  } catch (err) {
    if (ctx.cancellationSignal.aborted) throw new CancelledFailure('the activity was cancelled');
    throw err;
  } finally {
    clearInterval(timer);
  }
}

function flatScope(scope: ExprScope): Record<string, Json> {
  return { ...scope.locals, inputs: scope.inputs, steps: scope.steps as unknown as Json, run: scope.run as unknown as Json };
}

function renderText(v: ValueIR, scope: ExprScope, where: string): string {
  let out: Json;
  try {
    out = evaluateValue(v, flatScope(scope));
  } catch (err) {
    throw ApplicationFailure.nonRetryable(`${where}: ${err instanceof Error ? err.message : String(err)}`, 'ExpressionError');
  }
  return typeof out === 'string' ? out : JSON.stringify(out);
}

function asSchema(s: Json | null): Record<string, unknown> | null {
  return s !== null && typeof s === 'object' && !Array.isArray(s) ? s : null;
}

/** Parses a model's JSON answer (tolerating a ```json fence) and checks it against the schema. */
export function parseStructured(content: string | null, schema: Json): { value: Json; errors: string[] } {
  const text = (content ?? '').trim().replace(/^```(?:json)?\s*([\s\S]*?)\s*```$/, '$1');
  let value: Json;
  try {
    value = JSON.parse(text) as Json;
  } catch {
    return { value: text, errors: ['the answer is not JSON'] };
  }
  const s = asSchema(schema);
  if (!s) return { value, errors: [] };
  const result = new Validator(s as ConstructorParameters<typeof Validator>[0], '2020-12', false).validate(value);
  return { value, errors: result.valid ? [] : result.errors.slice(0, 5).map((e) => `${e.instanceLocation}: ${e.error}`) };
}

function swarmRefs(ir: SwarmIR): { step: string; name: string; version: number | null }[] {
  return [...walkSteps(ir.steps)].flatMap((s) => (s.kind === 'swarm' ? [{ step: s.id, name: s.swarm, version: s.version }] : []));
}
