/**
 * A run as the canvas shows it: step statuses, usage, sub-agents, built from
 * the API's progress answers and its event stream. Everything from the wire
 * is checked here before it is used (the API is another process).
 */
import type { Progress, ProgressEvent, RunStatus, StepStatus, SubAgentInfo, Usage } from '../../../workflows/types';
import type { SwarmGraph } from './graph';
import { numberOr, record, stringOr } from './wire';

export type { Progress, ProgressEvent, RunStatus, StepStatus, SubAgentInfo, Usage };

export interface RunView {
  runId: string;
  status: RunStatus | 'starting';
  /** By step id. */
  steps: Record<string, StepStatus>;
  usage: Usage;
  budget: Usage | null;
  agents: { running: number; queued: number; done: number };
  /** By forEach step id. */
  subAgents: Record<string, SubAgentInfo[]>;
  currentSteps: string[];
  lastSeq: number;
  continuedAsNew: number;
  finished: boolean;
}

const STEP_STATUSES: readonly StepStatus[] = ['pending', 'running', 'succeeded', 'failed', 'skipped', 'cancelled'];
const RUN_STATUSES: readonly RunStatus[] = ['running', 'succeeded', 'failed', 'budget_exhausted', 'cancelled', 'deadline_exceeded'];
const EVENT_TYPES: readonly ProgressEvent['type'][] = ['run.started', 'step.started', 'step.finished', 'agents', 'usage', 'run.finished', 'run.continued'];

export function newRunView(runId: string): RunView {
  return {
    runId,
    status: 'starting',
    steps: {},
    usage: { steps: 0, tokens: 0 },
    budget: null,
    agents: { running: 0, queued: 0, done: 0 },
    subAgents: {},
    currentSteps: [],
    lastSeq: 0,
    continuedAsNew: 0,
    finished: false,
  };
}

const rec = record;
const num = numberOr;
const str = stringOr;

export function isStepStatus(v: unknown): v is StepStatus {
  return typeof v === 'string' && (STEP_STATUSES as readonly string[]).includes(v);
}

export function isRunStatus(v: unknown): v is RunStatus {
  return typeof v === 'string' && (RUN_STATUSES as readonly string[]).includes(v);
}

function parseUsage(v: unknown): Usage | null {
  const r = rec(v);
  const steps = num(r?.steps);
  const tokens = num(r?.tokens);
  return steps !== null && tokens !== null ? { steps, tokens } : null;
}

function parseAgents(v: unknown): RunView['agents'] | null {
  const r = rec(v);
  const running = num(r?.running);
  const queued = num(r?.queued);
  const done = num(r?.done);
  return running !== null && queued !== null && done !== null ? { running, queued, done } : null;
}

function parseSubAgent(v: unknown): SubAgentInfo | null {
  const r = rec(v);
  const index = num(r?.index);
  const workflowId = str(r?.workflowId);
  const status = r?.status;
  if (index === null || workflowId === null || !(isStepStatus(status) || status === 'queued')) return null;
  return { index, workflowId, status, turns: num(r?.turns) ?? 0, tokens: num(r?.tokens) ?? 0 };
}

/** One event of the stream, or null when it is not one. */
export function parseEvent(v: unknown): ProgressEvent | null {
  const r = rec(v);
  const seq = num(r?.seq);
  const type = r?.type;
  if (seq === null) return null;
  const kind = EVENT_TYPES.find((t) => t === type);
  if (kind === undefined) return null;
  const ev: ProgressEvent = { seq, type: kind };
  const step = str(r?.step);
  const status = str(r?.status);
  if (step !== null) ev.step = step;
  if (status !== null) ev.status = status;
  if (r && 'data' in r) {
    const data = r.data;
    if (data === null || ['string', 'number', 'boolean', 'object'].includes(typeof data)) ev.data = JSON.parse(JSON.stringify(data ?? null));
  }
  return ev;
}

/** A progress answer (`GET /v1/runs/:id`, bare or as `{ progress }`), or null when it is not one. */
export type ProgressAnswer = Omit<Partial<Progress>, 'runId'> & { runId: string | null };

export function parseProgress(v: unknown): ProgressAnswer {
  const outer = rec(v);
  const r = rec(outer?.progress) ?? outer;
  const out: ProgressAnswer = { runId: str(r?.runId) ?? str(outer?.id) ?? null };
  if (isRunStatus(r?.status)) out.status = r.status;
  const steps = rec(r?.steps);
  if (steps) {
    out.steps = {};
    for (const [k, s] of Object.entries(steps)) {
      const st: unknown = isStepStatus(s) ? s : rec(s)?.status;
      if (isStepStatus(st)) out.steps[k] = st;
    }
  }
  const usage = parseUsage(r?.usage);
  if (usage) out.usage = usage;
  const budget = parseUsage(r?.budget);
  if (budget) out.budget = budget;
  const agents = parseAgents(r?.agents);
  if (agents) out.agents = agents;
  const subs = rec(r?.subAgents);
  if (subs) {
    out.subAgents = {};
    for (const [k, list] of Object.entries(subs)) {
      if (!Array.isArray(list)) continue;
      out.subAgents[k] = list.map(parseSubAgent).filter((x): x is SubAgentInfo => x !== null);
    }
  }
  if (Array.isArray(r?.currentSteps)) out.currentSteps = r.currentSteps.filter((s): s is string => typeof s === 'string');
  const lastSeq = num(r?.lastSeq);
  if (lastSeq !== null) out.lastSeq = lastSeq;
  const can = num(r?.continuedAsNew);
  if (can !== null) out.continuedAsNew = can;
  if (Array.isArray(r?.events)) out.events = r.events.map(parseEvent).filter((e): e is ProgressEvent => e !== null);
  return out;
}

/** Folds one stream event into the view (events at or below the last seen sequence number are ignored). */
export function applyEvent(view: RunView, ev: ProgressEvent): RunView {
  if (ev.seq <= view.lastSeq) return view;
  const next: RunView = { ...view, lastSeq: ev.seq };
  switch (ev.type) {
    case 'run.started':
      if (next.status === 'starting') next.status = 'running';
      break;
    case 'step.started':
      if (ev.step) next.steps = { ...next.steps, [ev.step]: 'running' };
      if (next.status === 'starting') next.status = 'running';
      break;
    case 'step.finished':
      if (ev.step) next.steps = { ...next.steps, [ev.step]: isStepStatus(ev.status) ? ev.status : 'succeeded' };
      break;
    case 'agents': {
      const a = parseAgents(ev.data);
      if (a) next.agents = a;
      break;
    }
    case 'usage': {
      const u = parseUsage(ev.data);
      if (u) next.usage = u;
      break;
    }
    case 'run.finished':
      next.status = isRunStatus(ev.status) ? ev.status : 'succeeded';
      next.finished = true;
      break;
    case 'run.continued':
      next.continuedAsNew += 1;
      break;
    default: {
      const never: never = ev.type;
      return never;
    }
  }
  return next;
}

/** Folds a progress answer into the view; the answer is the truth for what it holds. */
export function applyProgress(view: RunView, p: Omit<Partial<Progress>, 'runId'>): RunView {
  let next: RunView = { ...view };
  if (p.status) {
    next.status = p.status;
    next.finished = p.status !== 'running';
  }
  if (p.steps) next.steps = { ...next.steps, ...p.steps };
  if (p.usage) next.usage = p.usage;
  if (p.budget) next.budget = p.budget;
  if (p.agents) next.agents = p.agents;
  if (p.subAgents) next.subAgents = p.subAgents;
  if (p.currentSteps) next.currentSteps = p.currentSteps;
  if (p.continuedAsNew !== undefined) next.continuedAsNew = p.continuedAsNew;
  for (const ev of p.events ?? []) next = applyEvent(next, ev);
  if (p.lastSeq !== undefined && p.lastSeq > next.lastSeq) next.lastSeq = p.lastSeq;
  return next;
}

export type NodeRunStatus = StepStatus;

/**
 * Each canvas node's status in a run: its own when the run reported one;
 * steps inside a forEach (which run in sub-agents) take the forEach's; steps
 * never reached are pending while the run goes on and skipped once it ended.
 */
export function nodeStatuses(g: SwarmGraph, view: RunView): Map<string, StepStatus> {
  const out = new Map<string, StepStatus>();
  for (const n of g.nodes) {
    if (n.type === 'lane') continue;
    let status: StepStatus | undefined = n.stepId ? view.steps[n.stepId] : undefined;
    if (!status) {
      for (let p = n.parent ? g.byId.get(n.parent) : undefined; p; p = p.parent ? g.byId.get(p.parent) : undefined) {
        if (p.kind === 'forEach') {
          status = out.get(p.id);
          break;
        }
      }
    }
    out.set(n.id, status ?? (view.finished ? 'skipped' : 'pending'));
  }
  return out;
}

/**
 * The sub-agents of each forEach node: the workflow lists sub-agents by the
 * id of the agent step that started them, so a forEach gathers those of the
 * agent steps inside it (in item order).
 */
export function subAgentsByNode(g: SwarmGraph, all: Record<string, SubAgentInfo[]>): Map<string, SubAgentInfo[]> {
  const out = new Map<string, SubAgentInfo[]>();
  for (const n of g.nodes) {
    if (n.kind !== 'forEach') continue;
    const list: SubAgentInfo[] = [...((n.stepId && all[n.stepId]) || [])];
    for (const m of g.nodes) {
      if (m.kind === 'agent' && m.stepId && m.id.startsWith(n.id + '/')) list.push(...(all[m.stepId] ?? []));
    }
    if (list.length > 0) out.set(n.id, list.sort((a, b) => a.index - b.index));
  }
  return out;
}

/** Sub-agent tallies of a forEach step, for its badge. */
export function subAgentCounts(list: readonly SubAgentInfo[]): Record<SubAgentInfo['status'], number> {
  const c: Record<SubAgentInfo['status'], number> = { queued: 0, pending: 0, running: 0, succeeded: 0, failed: 0, skipped: 0, cancelled: 0 };
  for (const s of list) c[s.status] += 1;
  return c;
}

/** The run's page in the Temporal Web UI. */
export function temporalRunUrl(uiUrl: string, namespace: string, runId: string): string {
  return `${uiUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(runId)}`;
}
