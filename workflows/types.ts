/**
 * What goes into and comes out of swarmflow's workflows, and what their
 * queries answer. Shared by workflow code, the client, the API and the CLI
 * (types and pure constants only).
 */
import type { Json, SwarmIR } from '../dsl/ir';
import type { ResolvedSkill } from '../activities/contracts';

export const SWARM_TASK_QUEUE = 'swarmflow';
/** LLM activities run on one task queue per inference pool. */
export const inferenceTaskQueue = (pool: string): string => `swarmflow-inference-${pool}`;

export type StepStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'cancelled';

export type RunStatus = 'running' | 'succeeded' | 'failed' | 'budget_exhausted' | 'cancelled' | 'deadline_exceeded';

export interface StepState {
  output: Json;
  status: StepStatus;
  /** Loops: the current (or last) iteration. */
  iteration?: number;
  error?: string;
  /** Blob refs of transcripts of model-driven steps (for captureSkill). */
  transcripts?: string[];
}

export interface Usage {
  steps: number;
  tokens: number;
}

/** Where a continued-as-new run picks up: indexes into sequential step lists, loop iterations and if branches. */
export type Cursor = number[];

export interface CarriedState {
  steps: Record<string, StepState>;
  usage: Usage;
  cursor: Cursor;
  continuedAsNew: number;
  eventSeq: number;
  /** Signals received and not yet consumed by a `waitFor` step, by name. */
  signals: Record<string, Json[]>;
}

export interface SwarmWorkflowInput {
  ir: SwarmIR;
  input: Json;
  /** Stable run identity: the root workflow id `swarm-name/run-id`. */
  runId: string;
  /** ISO time the run started (set by the client; kept across continue-as-new). */
  startedAt: string;
  /** Epoch ms when the deadline passes (set at first start, kept across continue-as-new). */
  deadlineAt?: number;
  /** Skills and called swarms resolved when the run started (pinned in history). */
  resolved?: Resolved;
  /** Outputs recorded by an earlier run, reused by `rerun --from` for the steps before it. */
  reuse?: Record<string, StepState>;
  /** Set on continue-as-new. */
  carried?: CarriedState;
  /** For child swarms: the parent's budget lease and its id, so budgets stay whole-run. */
  parent?: { workflowId: string; lease: Usage };
  /** Tuning, mostly for tests and benchmarks. */
  options?: SwarmOptions;
}

export interface SwarmOptions {
  /** Continue-as-new when history passes this many events (default 2,000) or the server suggests it. */
  historyEventThreshold?: number;
  /** Continue-as-new when history passes this many bytes (default 2 MiB). */
  historyBytesThreshold?: number;
  /** Never continue-as-new (benchmarks measure its cost against this). */
  noContinueAsNew?: boolean;
  /** Child workflow starts per workflow task (default 50). */
  childStartBatch?: number;
  /**
   * Heartbeat timeout of model and tool activities (default 10 s): how long a
   * killed worker's activity waits before Temporal retries it elsewhere.
   */
  heartbeatTimeoutMs?: number;
}

export interface Resolved {
  skills: ResolvedSkill[];
  swarms: Record<string, SwarmIR>;
}

export interface SwarmResult {
  status: RunStatus;
  output: Json;
  error: string | null;
  steps: Record<string, { status: StepStatus; output: Json; error?: string }>;
  usage: Usage;
  continuedAsNew: number;
}

export interface ProgressEvent {
  seq: number;
  type: 'run.started' | 'step.started' | 'step.finished' | 'agents' | 'usage' | 'run.finished' | 'run.continued';
  step?: string;
  status?: string;
  data?: Json;
}

export interface Progress {
  runId: string;
  swarm: string;
  version: number;
  status: RunStatus;
  steps: Record<string, StepStatus>;
  usage: Usage;
  budget: Usage;
  agents: { running: number; queued: number; done: number };
  /** Per forEach step: its sub-agents (status, turns, tokens). */
  subAgents: Record<string, SubAgentInfo[]>;
  currentSteps: string[];
  continuedAsNew: number;
  historyLength: number;
  /** Events after the `after` sequence number asked for (at most 500). */
  events: ProgressEvent[];
  lastSeq: number;
}

export interface SubAgentInfo {
  index: number;
  workflowId: string;
  status: StepStatus | 'queued';
  turns: number;
  tokens: number;
}

export interface AgentWorkflowInput {
  runId: string;
  rootWorkflowId: string;
  stepId: string;
  idempotencyKey: string;
  agentName: string;
  ir: Pick<SwarmIR, 'agents' | 'models' | 'tools'>;
  prompt: import('../dsl/ir').ValueIR;
  scope: import('../activities/contracts').ExprScope;
  outputSchema: Json | null;
  skills: ResolvedSkill[];
  /** Budget leased from the root for this agent; more is asked for by signal. */
  lease: Usage;
  timeoutMs: number | null;
  retry: import('../dsl/ir').RetryIR | null;
  heartbeatTimeoutMs: number;
  /** Epoch ms of the run's deadline: infrastructure failures of the agent's calls are retried until then (absent from older roots). */
  deadlineAt?: number;
  /** Set on continue-as-new of a long agent. */
  carried?: {
    conversation: string | null;
    turn: number;
    usage: Usage;
    lease: Usage;
    repaired: boolean;
    transcripts: string[];
    pendingResults?: import('../activities/contracts').ToolResultRef[];
    repair?: string[];
  };
}

export interface AgentResult {
  status: 'succeeded' | 'failed' | 'budget_exhausted';
  output: Json;
  error: string | null;
  usage: Usage;
  /** What is left of the lease, returned to the root. */
  unused: Usage;
  turns: number;
  transcript: string | null;
}

/**
 * Internal signal names. A `waitFor` step waits for a Temporal signal with the
 * step's own signal name (`approve`), so the history reads like the swarm.
 */
export const SIGNALS = {
  /** A child asks its root for more budget. */
  leaseRequest: 'swarmflow.leaseRequest',
  /** The root answers a lease request. */
  leaseGrant: 'swarmflow.leaseGrant',
  /** Graceful cancel: stop starting steps, let running ones end, report what finished. */
  cancel: 'swarmflow.cancel',
} as const;

export const QUERIES = {
  progress: 'swarmflow.progress',
  result: 'swarmflow.steps',
} as const;
