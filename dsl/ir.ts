/**
 * The compiled form of a swarm definition (IR): what a run executes.
 *
 * This file is the contract between the compiler (`dsl/`), the interpreter
 * (`workflows/`), the editor and the API. It is imported by workflow code, so it
 * holds types and pure constants only. `schemas/ir.schema.json` describes the
 * same shape for other languages and tools; a test keeps the two in step.
 *
 * Every node carries `ptr`, a JSON pointer into the source document
 * (`/steps/1/do/0`), so that one diagnostic or one progress event names both a
 * YAML line and a canvas node.
 */

export const IR_VERSION = 1 as const;

/** Any JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A CEL expression as written between `${{` and `}}`, already parsed and type-checked by the compiler. */
export interface ExprIR {
  $expr: string;
}

/** A string with `${{ }}` holes, interpolated as text. */
export interface TemplateIR {
  $tmpl: Array<string | ExprIR>;
}

/** A literal value that must not be looked into (it has keys starting with `$`). */
export interface LiteralIR {
  $lit: Json;
}

/**
 * A value that may contain expressions at any depth.
 * - JSON primitives are literals;
 * - `{ $expr }` is a whole-value expression (takes the expression's type);
 * - `{ $tmpl }` is an interpolated string;
 * - `{ $lit }` escapes a literal map whose keys start with `$`;
 * - other arrays and maps are evaluated member by member.
 */
export type ValueIR =
  | null
  | boolean
  | number
  | string
  | ExprIR
  | TemplateIR
  | LiteralIR
  | ValueIR[]
  | { [key: string]: ValueIR };

export interface LimitsIR {
  /** Sub-agents running at once, whole swarm. */
  maxSubAgents: number;
  /** LLM calls + tool calls, whole run. */
  maxSteps: number;
  /** Wall clock for the whole run, in milliseconds. */
  deadlineMs: number;
  /** Prompt + completion tokens, whole run. */
  tokens: number;
}

export interface ModelIR {
  pool: string;
  model: string;
  temperature: number | null;
  maxTokens: number | null;
  /** Declared quantization: only endpoints that serve it are used (e.g. `int4`). */
  quantization: string | null;
}

export interface ToolIR {
  /** A registered tool kind: `fs.read`, `shell`, `http.get`, or a user-registered kind. */
  uses: string;
  /** The tool instance's configuration (allow lists, timeouts...). Literal: no expressions. */
  with: { [key: string]: Json };
}

export interface SkillRefIR {
  name: string;
  /** A semver range; `*` when the definition gave none (latest). */
  range: string;
}

export interface AgentIR {
  model: string;
  instructions: string;
  tools: string[];
  /** Names of skills (from the swarm's `skills` list) this agent applies. */
  skills: string[];
  maxTurns: number;
}

export interface RetryIR {
  maxAttempts: number;
  initialIntervalMs: number;
  backoffCoefficient: number;
  maxIntervalMs: number;
}

interface StepBaseIR {
  id: string;
  /** JSON pointer of the step in the source document. */
  ptr: string;
  /** Label for the editor and the Temporal UI; defaults to the id. */
  name: string;
  /** Skip unless true. `null`: always run. */
  when: ValueIR | null;
  onError: 'fail' | 'continue';
  /** Per-attempt timeout of the step's activity or child, ms; `null` for the kind's default. */
  timeoutMs: number | null;
  retry: RetryIR | null;
}

export interface AgentStepIR extends StepBaseIR {
  kind: 'agent';
  agent: string;
  prompt: ValueIR;
  outputSchema: Json | null;
}

export interface LlmStepIR extends StepBaseIR {
  kind: 'llm';
  model: string;
  prompt: ValueIR;
  system: ValueIR | null;
  outputSchema: Json | null;
}

export interface ToolStepIR extends StepBaseIR {
  kind: 'tool';
  tool: string;
  with: ValueIR;
}

export interface ForEachStepIR extends StepBaseIR {
  kind: 'forEach';
  items: ValueIR;
  as: string;
  concurrency: number;
  do: StepIR[];
}

export interface ParallelStepIR extends StepBaseIR {
  kind: 'parallel';
  branches: StepIR[];
}

export interface SequenceStepIR extends StepBaseIR {
  kind: 'sequence';
  steps: StepIR[];
}

export interface IfStepIR extends StepBaseIR {
  kind: 'if';
  cond: ValueIR;
  then: StepIR[];
  else: StepIR[];
}

export interface LoopStepIR extends StepBaseIR {
  kind: 'loop';
  /** Evaluated after each iteration; `null`: run maxIterations times. */
  until: ValueIR | null;
  maxIterations: number;
  do: StepIR[];
}

export interface WaitForStepIR extends StepBaseIR {
  kind: 'waitFor';
  signal: string;
  /** `null`: wait until the run's deadline. */
  signalTimeoutMs: number | null;
}

export interface SleepStepIR extends StepBaseIR {
  kind: 'sleep';
  durationMs: number;
}

export interface SetStepIR extends StepBaseIR {
  kind: 'set';
  values: { [key: string]: ValueIR };
}

export interface CaptureSkillStepIR extends StepBaseIR {
  kind: 'captureSkill';
  skill: string;
  from: string;
  description: string;
}

export interface SwarmStepIR extends StepBaseIR {
  kind: 'swarm';
  swarm: string;
  /** `null`: the latest stored version when the run starts. */
  version: number | null;
  with: ValueIR;
}

export type StepIR =
  | AgentStepIR
  | LlmStepIR
  | ToolStepIR
  | ForEachStepIR
  | ParallelStepIR
  | SequenceStepIR
  | IfStepIR
  | LoopStepIR
  | WaitForStepIR
  | SleepStepIR
  | SetStepIR
  | CaptureSkillStepIR
  | SwarmStepIR;

export type StepKind = StepIR['kind'];

export const STEP_KINDS: readonly StepKind[] = [
  'agent',
  'llm',
  'tool',
  'forEach',
  'parallel',
  'sequence',
  'if',
  'loop',
  'waitFor',
  'sleep',
  'set',
  'captureSkill',
  'swarm',
] as const;

export interface SwarmIR {
  irVersion: typeof IR_VERSION;
  name: string;
  version: number;
  description: string | null;
  /** JSON Schema of the run input, or null for any input. */
  inputs: Json | null;
  limits: LimitsIR;
  models: { [name: string]: ModelIR };
  tools: { [name: string]: ToolIR };
  skills: SkillRefIR[];
  agents: { [name: string]: AgentIR };
  steps: StepIR[];
  output: ValueIR | null;
  /** Hex sha256 of the canonical JSON of this IR without the `sha256` field. */
  sha256: string;
}

/** Defaults the compiler fills in; the interpreter never guesses. */
export const DEFAULTS = {
  maxSubAgents: 300,
  maxSteps: 4000,
  deadlineMs: 12 * 3600 * 1000,
  tokens: 50_000_000,
  maxTurns: 20,
  llmTimeoutMs: 10 * 60 * 1000,
  toolTimeoutMs: 5 * 60 * 1000,
} as const;
