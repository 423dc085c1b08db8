/**
 * Steps -> StepIR: defaults filled, references resolved, every expression
 * checked in the scope where it will run (the forEach item inside `do`,
 * `iteration` inside a loop).
 */
import { DEFAULTS, STEP_KINDS } from './ir';
import type { Json, RetryIR, StepIR, StepKind, ValueIR } from './ir';
import type { CompileContext } from './compile-context';
import { report } from './compile-context';
import { compileCondition, compileItems, compileValue, requireLiteral } from './compile-value';
import type { ExprScope, LocalType } from './expr-check';
import { localNameRefusal } from './expr-check';
import { CEL_RESERVED } from './cel';
import { MAX_DURATION_MS, formatDuration, parseDuration } from './duration';
import { has, int, isMap, list, map, num, own, str, toJson } from './json';
import type { JsonMap } from './json';
import { join } from './pointer';
import { nameList, subjectOf, suggest } from './describe';

export const RETRY_DEFAULTS = { initialIntervalMs: 1000, backoffCoefficient: 2, maxIntervalFactor: 100 } as const;

export const TOP_SCOPE: ExprScope = { locals: [], inLoop: false, inForEach: false };

/** The kind key of a step, when it has exactly one. */
export function kindOf(step: JsonMap): StepKind | null {
  let found: StepKind | null = null;
  for (const k of STEP_KINDS) {
    if (!has(step, k)) continue;
    if (found !== null) return null;
    found = k;
  }
  return found;
}

/** Every step of the tree, with its pointer, in file order. */
export function allSteps(steps: unknown, ptr: string, out: { step: JsonMap; ptr: string }[] = []): { step: JsonMap; ptr: string }[] {
  if (!Array.isArray(steps)) return out;
  steps.forEach((s, i) => {
    if (!isMap(s)) return;
    const p = join(ptr, i);
    out.push({ step: s, ptr: p });
    for (const key of ['do', 'then', 'else', 'parallel', 'sequence']) allSteps(own(s, key), join(p, key), out);
    const loop = map(s, 'loop');
    if (loop) allSteps(own(loop, 'do'), join(join(p, 'loop'), 'do'), out);
  });
  return out;
}

/** A duration field: milliseconds, or null (reported) when zero or too long; undefined when absent or malformed. */
export function durationAt(ctx: CompileContext, m: JsonMap, key: string, ptr: string): number | null | undefined {
  const text = str(m, key);
  if (text === undefined) return undefined;
  const ms = parseDuration(text);
  if (ms === null) return undefined; // the schema reports the form
  const at = join(ptr, key);
  if (ms === 0) {
    report(ctx, 'SF401', at, `${subjectOf(ctx.root, at)} is zero; use a positive duration such as 30s`);
    return null;
  }
  if (ms > MAX_DURATION_MS) {
    report(ctx, 'SF402', at, `${subjectOf(ctx.root, at)} is longer than 365 days; use a shorter duration`);
    return null;
  }
  return ms;
}

function retryOf(ctx: CompileContext, step: JsonMap, ptr: string): RetryIR | null {
  const raw = own(step, 'retry');
  if (typeof raw === 'number' && Number.isInteger(raw)) {
    return {
      maxAttempts: raw,
      initialIntervalMs: RETRY_DEFAULTS.initialIntervalMs,
      backoffCoefficient: RETRY_DEFAULTS.backoffCoefficient,
      maxIntervalMs: RETRY_DEFAULTS.initialIntervalMs * RETRY_DEFAULTS.maxIntervalFactor,
    };
  }
  if (!isMap(raw)) return null;
  const at = join(ptr, 'retry');
  const initial = durationAt(ctx, raw, 'initialInterval', at) ?? RETRY_DEFAULTS.initialIntervalMs;
  const maxInterval = durationAt(ctx, raw, 'maxInterval', at) ?? initial * RETRY_DEFAULTS.maxIntervalFactor;
  if (maxInterval < initial) {
    report(
      ctx,
      'SF404',
      join(at, 'maxInterval'),
      `${subjectOf(ctx.root, at)} has maxInterval ${formatDuration(maxInterval)}, shorter than initialInterval ${formatDuration(initial)}; raise maxInterval`,
    );
  }
  return {
    maxAttempts: int(raw, 'maxAttempts') ?? 1,
    initialIntervalMs: initial,
    backoffCoefficient: num(raw, 'backoffCoefficient') ?? RETRY_DEFAULTS.backoffCoefficient,
    maxIntervalMs: maxInterval,
  };
}

function checkRef(ctx: CompileContext, kind: 'agent' | 'model' | 'tool', name: string | undefined, defined: ReadonlySet<string>, ptr: string, owner: () => string, verb: string): void {
  if (name === undefined || defined.has(name)) return;
  const guess = suggest(name, defined);
  const plural = `${kind}s`;
  const hint = guess ? `; did you mean "${guess}"? (${plural}: ${nameList([...defined])})` : ` (${plural}: ${nameList([...defined])})`;
  const code = kind === 'agent' ? 'SF203' : kind === 'model' ? 'SF204' : 'SF205';
  report(ctx, code, ptr, `${owner()} ${verb} ${kind} "${name}", which is not defined${hint}`);
}

export function compileSteps(ctx: CompileContext, steps: unknown, ptr: string, scope: ExprScope): StepIR[] {
  const out: StepIR[] = [];
  if (!Array.isArray(steps)) return out;
  steps.forEach((s, i) => {
    if (!isMap(s)) return;
    const step = compileStep(ctx, s, join(ptr, i), scope);
    if (step) out.push(step);
  });
  return out;
}

function withLocals(scope: ExprScope, locals: [string, LocalType][], flags: Partial<ExprScope>): ExprScope {
  return { ...scope, ...flags, locals: [...scope.locals.filter(([n]) => !locals.some(([m]) => m === n)), ...locals] };
}

function compileStep(ctx: CompileContext, s: JsonMap, ptr: string, scope: ExprScope): StepIR | null {
  const kind = kindOf(s);
  const id = str(s, 'id') ?? '';
  // Only messages need the step's description: compute it when one is written.
  const owner = (): string => subjectOf(ctx.root, ptr);
  if (has(s, 'name')) requireLiteral(ctx, own(s, 'name'), join(ptr, 'name'));
  const timeout = durationAt(ctx, s, 'timeout', ptr);
  // The fields every step starts with, copied out by name below: objects
  // built with `{ ...base }` made the compile of a 4,000-step file twice as
  // slow (bench figure 6).
  const base = {
    id,
    ptr,
    name: str(s, 'name') ?? id,
    when: has(s, 'when') ? compileCondition(ctx, own(s, 'when'), join(ptr, 'when'), scope) : null,
    onError: str(s, 'onError') === 'continue' ? ('continue' as const) : ('fail' as const),
    timeoutMs: timeout ?? (kind === 'llm' ? DEFAULTS.llmTimeoutMs : kind === 'tool' ? DEFAULTS.toolTimeoutMs : null),
    retry: retryOf(ctx, s, ptr),
  };
  const outputSchema = (): Json | null => {
    const output = map(s, 'output');
    return output && has(output, 'schema') ? toJson(own(output, 'schema')) : null;
  };

  switch (kind) {
    case null:
      return null; // the schema reports zero or several kind keys
    case 'agent': {
      const agent = str(s, 'agent');
      checkRef(ctx, 'agent', agent, ctx.agents, join(ptr, 'agent'), owner, 'uses');
      return { id: base.id, ptr: base.ptr, name: base.name, when: base.when, onError: base.onError, timeoutMs: base.timeoutMs, retry: base.retry, kind, agent: agent ?? '', prompt: compileValue(ctx, own(s, 'prompt'), join(ptr, 'prompt'), scope), outputSchema: outputSchema() };
    }
    case 'llm': {
      const model = str(s, 'llm');
      checkRef(ctx, 'model', model, ctx.models, join(ptr, 'llm'), owner, 'uses');
      return {
        id: base.id, ptr: base.ptr, name: base.name, when: base.when, onError: base.onError, timeoutMs: base.timeoutMs, retry: base.retry,
        kind,
        model: model ?? '',
        prompt: compileValue(ctx, own(s, 'prompt'), join(ptr, 'prompt'), scope),
        system: has(s, 'system') ? compileValue(ctx, own(s, 'system'), join(ptr, 'system'), scope) : null,
        outputSchema: outputSchema(),
      };
    }
    case 'tool': {
      const tool = str(s, 'tool');
      checkRef(ctx, 'tool', tool, ctx.tools, join(ptr, 'tool'), owner, 'uses');
      return { id: base.id, ptr: base.ptr, name: base.name, when: base.when, onError: base.onError, timeoutMs: base.timeoutMs, retry: base.retry, kind, tool: tool ?? '', with: has(s, 'with') ? compileValue(ctx, own(s, 'with'), join(ptr, 'with'), scope) : {} };
    }
    case 'forEach': {
      const items = compileItems(ctx, own(s, 'forEach'), join(ptr, 'forEach'), scope);
      const as = str(s, 'as') ?? 'item';
      // A refused name is reported at the `as` and left out of the scope: the checker could not declare it.
      const usable = has(s, 'as') ? checkItemName(ctx, as, join(ptr, 'as')) : true;
      const concurrency = int(s, 'concurrency') ?? ctx.limits.maxSubAgents;
      if (concurrency > ctx.limits.maxSubAgents) {
        const at = join(ptr, 'concurrency');
        report(
          ctx,
          'SF403',
          at,
          `${subjectOf(ctx.root, at)} is ${concurrency}, above limits.maxSubAgents (${ctx.limits.maxSubAgents}); lower it or raise the limit`,
        );
      }
      const inner = withLocals(scope, usable ? [[as, 'dyn'], ['index', 'int']] : [['index', 'int']], { inForEach: true });
      return { id: base.id, ptr: base.ptr, name: base.name, when: base.when, onError: base.onError, timeoutMs: base.timeoutMs, retry: base.retry, kind, items, as, concurrency, do: compileSteps(ctx, own(s, 'do'), join(ptr, 'do'), inner) };
    }
    case 'parallel':
      return { id: base.id, ptr: base.ptr, name: base.name, when: base.when, onError: base.onError, timeoutMs: base.timeoutMs, retry: base.retry, kind, branches: compileSteps(ctx, own(s, 'parallel'), join(ptr, 'parallel'), scope) };
    case 'sequence':
      return { id: base.id, ptr: base.ptr, name: base.name, when: base.when, onError: base.onError, timeoutMs: base.timeoutMs, retry: base.retry, kind, steps: compileSteps(ctx, own(s, 'sequence'), join(ptr, 'sequence'), scope) };
    case 'if':
      return {
        id: base.id, ptr: base.ptr, name: base.name, when: base.when, onError: base.onError, timeoutMs: base.timeoutMs, retry: base.retry,
        kind,
        cond: compileCondition(ctx, own(s, 'if'), join(ptr, 'if'), scope),
        then: compileSteps(ctx, own(s, 'then'), join(ptr, 'then'), scope),
        else: compileSteps(ctx, own(s, 'else'), join(ptr, 'else'), scope),
      };
    case 'loop': {
      const loop = map(s, 'loop') ?? {};
      const at = join(ptr, 'loop');
      const inner = withLocals(scope, [['iteration', 'int']], { inLoop: true });
      return {
        id: base.id, ptr: base.ptr, name: base.name, when: base.when, onError: base.onError, timeoutMs: base.timeoutMs, retry: base.retry,
        kind,
        until: has(loop, 'until') ? compileCondition(ctx, own(loop, 'until'), join(at, 'until'), inner) : null,
        maxIterations: int(loop, 'maxIterations') ?? 1,
        do: compileSteps(ctx, own(loop, 'do'), join(at, 'do'), inner),
      };
    }
    case 'waitFor': {
      const wait = map(s, 'waitFor') ?? {};
      const at = join(ptr, 'waitFor');
      return { id: base.id, ptr: base.ptr, name: base.name, when: base.when, onError: base.onError, timeoutMs: base.timeoutMs, retry: base.retry, kind, signal: str(wait, 'signal') ?? '', signalTimeoutMs: durationAt(ctx, wait, 'timeout', at) ?? null };
    }
    case 'sleep': {
      const ms = durationAt(ctx, s, 'sleep', ptr) ?? 0;
      if (ms > ctx.limits.deadlineMs) {
        report(
          ctx,
          'SF405',
          join(ptr, 'sleep'),
          `${owner()} sleeps ${formatDuration(ms)}, longer than the run's deadline (${formatDuration(ctx.limits.deadlineMs)}); shorten it or raise limits.deadline`,
        );
      }
      return { id: base.id, ptr: base.ptr, name: base.name, when: base.when, onError: base.onError, timeoutMs: base.timeoutMs, retry: base.retry, kind, durationMs: ms };
    }
    case 'set': {
      const values = map(s, 'set') ?? {};
      const at = join(ptr, 'set');
      const entries: [string, ValueIR][] = Object.keys(values).map((k) => [k, compileValue(ctx, values[k], join(at, k), scope)]);
      return { id: base.id, ptr: base.ptr, name: base.name, when: base.when, onError: base.onError, timeoutMs: base.timeoutMs, retry: base.retry, kind, values: Object.fromEntries(entries) };
    }
    case 'captureSkill': {
      const cap = map(s, 'captureSkill') ?? {};
      const at = join(ptr, 'captureSkill');
      const from = str(cap, 'from') ?? '';
      if (has(cap, 'from')) {
        const fromPtr = join(at, 'from');
        if (from === id) report(ctx, 'SF212', fromPtr, `${owner()} captures a skill from itself; name the step whose work should become the skill`);
        else if (!ctx.facts.stepIds.has(from)) {
          const guess = suggest(from, ctx.facts.stepIds);
          const hint = guess ? `did you mean "${guess}"?` : `steps: ${nameList([...ctx.facts.stepIds])}`;
          report(ctx, 'SF206', fromPtr, `${owner()} captures a skill from step "${from}", which is not defined (${hint})`);
        }
      }
      if (has(cap, 'description')) requireLiteral(ctx, own(cap, 'description'), join(at, 'description'));
      return { id: base.id, ptr: base.ptr, name: base.name, when: base.when, onError: base.onError, timeoutMs: base.timeoutMs, retry: base.retry, kind, skill: str(cap, 'name') ?? '', from, description: str(cap, 'description') ?? '' };
    }
    case 'swarm': {
      const ref = str(s, 'swarm') ?? '';
      const atSign = ref.indexOf('@');
      const name = atSign < 0 ? ref : ref.slice(0, atSign);
      const version = atSign < 0 ? null : Number(ref.slice(atSign + 1));
      if (name === ctx.swarmName && name !== '') {
        report(ctx, 'SF210', join(ptr, 'swarm'), `${owner()} runs swarm "${name}", which is this swarm itself; a swarm cannot run itself as a child`);
      }
      return {
        id: base.id, ptr: base.ptr, name: base.name, when: base.when, onError: base.onError, timeoutMs: base.timeoutMs, retry: base.retry,
        kind,
        swarm: name,
        version: version !== null && Number.isSafeInteger(version) ? version : null,
        with: has(s, 'with') ? compileValue(ctx, own(s, 'with'), join(ptr, 'with'), scope) : {},
      };
    }
    default: {
      const never: never = kind;
      return never;
    }
  }
}

/** Names an `as` would hide although the checker could declare them. */
const HIDDEN_NAMES = new Set<string>(['index', 'iteration']);

/** Reports an `as` name that expressions could not use as written; true when it is usable. */
function checkItemName(ctx: CompileContext, as: string, ptr: string): boolean {
  const subject = subjectOf(ctx.root, ptr);
  if (HIDDEN_NAMES.has(as)) {
    report(ctx, 'SF211', ptr, `${subject} is "${as}", which would hide the expression name ${as}; choose another name`);
    return false;
  }
  const refusal = localNameRefusal(as);
  if (refusal === null) return true;
  if (refusal.kind === 'form') report(ctx, 'SF104', ptr, `${subject} is ${JSON.stringify(as)}, ${refusal.reason}`);
  else report(ctx, 'SF211', ptr, `${subject} is "${as}", ${refusal.reason}; choose another name`);
  return false;
}

/** Step ids: unique in the whole file and usable as field names in expressions. */
export function checkStepIds(ctx: CompileContext, steps: readonly { step: JsonMap; ptr: string }[]): void {
  const first = new Map<string, string>();
  for (const { step, ptr } of steps) {
    const id = str(step, 'id');
    if (id === undefined) continue;
    const at = join(ptr, 'id');
    if (CEL_RESERVED.has(id)) {
      report(ctx, 'SF202', at, `the step id "${id}" is a CEL reserved word, so steps.${id} could not be read in expressions; choose another id`);
    }
    const seen = first.get(id);
    if (seen !== undefined) {
      const line = ctx.lineOf(seen);
      const where = line !== null ? ` on line ${line}` : '';
      report(ctx, 'SF201', at, `the step id "${id}" is already used by the step${where}; step ids must be unique in the whole file`);
    } else first.set(id, ptr);
  }
}

/** Lists a step's references for the agents table, tool lists etc. (used by compile.ts). */
export function stringList(m: JsonMap, key: string): string[] {
  return (list(m, key) ?? []).filter((x): x is string => typeof x === 'string');
}
