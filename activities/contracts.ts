/**
 * Inputs and results of every activity the interpreter schedules.
 *
 * Workflow code imports this file for types only. Everything here travels
 * through Temporal history, so it stays small: prompts, conversations, tool
 * results and model answers live in the blob store and history carries their
 * `BlobRef`s. Secrets never appear here: endpoints name `apiKeyEnv`.
 */
import type { Json, ModelIR, ValueIR } from '../dsl/ir';
import type { Usage } from './inference/types';

/** A content-addressed blob: `sha256:<hex>`. */
export type BlobRef = string;

/** Names in scope for expressions that an activity evaluates (prompts, tool arguments). */
export interface ExprScope {
  inputs: Json;
  steps: { [id: string]: { output: Json; status: string; iteration?: number } };
  run: { id: string; startedAt: string };
  /** forEach bindings (`item`/`index` or the `as` name) and `iteration`. */
  locals: { [name: string]: Json };
}

/** Identifies one execution of one step, for idempotency and for summaries. */
export interface StepContext {
  /** Root workflow id: `swarm-name/run-id`. Stable across continue-as-new. */
  runId: string;
  /** The step id in the IR. */
  stepId: string;
  /** Workflow id + step id + loop iterations and forEach indexes on its path. */
  idempotencyKey: string;
}

export interface LlmStepInput {
  ctx: StepContext;
  model: ModelIR;
  prompt: ValueIR;
  system: ValueIR | null;
  outputSchema: Json | null;
  scope: ExprScope;
}

export interface StepResult {
  output: Json;
  usage: Usage;
  /** The full transcript of the step (messages and answer), for captureSkill and audits. */
  transcript: BlobRef | null;
}

/** One turn of an agent: the conversation so far is a blob; the activity appends to it. */
export interface AgentTurnInput {
  ctx: StepContext;
  /** Agent workflow id: routing affinity and idempotency. */
  agentWorkflowId: string;
  agentName: string;
  model: ModelIR;
  /** First turn: build the conversation from these. */
  start?: {
    instructions: string;
    /** Skill instructions resolved when the run started. */
    skills: { name: string; version: string; instructions: BlobRef }[];
    prompt: ValueIR;
    scope: ExprScope;
  };
  /** Later turns: the conversation so far. */
  conversation?: BlobRef;
  /** Results of the tool calls of the previous turn, appended before the call. */
  toolResults?: ToolResultRef[];
  /** Repair turn: the previous answer did not satisfy the schema; these errors are shown to the model. */
  repair?: string[];
  /** Tools offered: the swarm's tool instances this agent may call. */
  tools: { name: string; uses: string; config: { [key: string]: Json } }[];
  outputSchema: Json | null;
  /** Last allowed turn: the model is told to answer now and tools are not offered. */
  mustAnswer: boolean;
  turn: number;
}

/** A tool call's result for the model: stored as a blob, or a short error text. */
export interface ToolResultRef {
  callId: string;
  name: string;
  result?: BlobRef;
  error?: string;
}

export interface AgentTurnResult {
  conversation: BlobRef;
  toolCalls: { id: string; name: string; arguments: Json; argumentsError?: string }[];
  /** The final answer when the model answered without calling tools. */
  answer: Json | null;
  /** Errors of the answer against the output schema, if any. */
  schemaErrors: string[];
  usage: Usage;
}

export interface ToolCallInput {
  ctx: StepContext;
  /** The tool instance's name in the swarm. */
  tool: string;
  uses: string;
  config: { [key: string]: Json };
  /** Either literal arguments (agent tool calls) or a template to evaluate (tool steps). */
  args?: Json;
  argsTemplate?: ValueIR;
  scope?: ExprScope;
  /** Store the result as a blob too (agent tool calls feed it back to the model). */
  storeResult: boolean;
}

export interface ToolCallResult {
  output: Json;
  resultRef: BlobRef | null;
  ok: boolean;
  error: string | null;
}

export interface CaptureSkillInput {
  ctx: StepContext;
  skill: string;
  description: string;
  from: { stepId: string; output: Json; transcripts: BlobRef[] };
  model: ModelIR;
}

export interface CaptureSkillResult {
  name: string;
  version: string;
  hash: string;
  created: boolean;
}


export interface ResolvedSkill {
  name: string;
  version: string;
  hash: string;
  instructions: BlobRef;
  outputSchema: Json | null;
}
