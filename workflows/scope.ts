import type { Json, StepIR, ValueIR } from '../dsl/ir';
import type { ExprScope } from '../activities/contracts';
import { walkSteps } from '../dsl/walk';
import type { StepState } from './types';

/**
 * Step results visible to expressions. A forEach iteration gets its own
 * layer (its steps are its own); loops and sequences share their parent's,
 * so `steps.<id>` names the latest iteration's step.
 */
export class StepsScope {
  readonly vars: Record<string, StepState> = Object.create(null) as Record<string, StepState>;
  constructor(readonly parent: StepsScope | null) {}

  get(id: string): StepState | undefined {
    return Object.prototype.hasOwnProperty.call(this.vars, id) ? this.vars[id] : this.parent?.get(id);
  }

  set(id: string, state: StepState): void {
    this.vars[id] = state;
  }

  /** Flattened view for CEL: `{ id: { output, status, iteration? } }`. */
  flatten(only?: Set<string>): ExprScope['steps'] {
    // Nothing named: the same empty result without walking every step of every layer (once per activity).
    if (only && only.size === 0) return {};
    const out: ExprScope['steps'] = this.parent ? this.parent.flatten(only) : {};
    for (const [id, s] of Object.entries(this.vars)) {
      if (only && !only.has(id)) continue;
      out[id] = s.iteration === undefined ? { output: s.output, status: s.status } : { output: s.output, status: s.status, iteration: s.iteration };
    }
    return out;
  }
}

/** Every step id in a list of steps, at any depth. */
export function allStepIds(steps: StepIR[]): string[] {
  return [...walkSteps(steps)].map((s) => s.id);
}

/** Expression sources inside a value (to send activities only the step results they can name). */
export function expressionSources(v: ValueIR | null, into: string[] = []): string[] {
  if (v === null || typeof v !== 'object') return into;
  if (Array.isArray(v)) {
    for (const x of v) expressionSources(x, into);
    return into;
  }
  if ('$expr' in v && typeof v.$expr === 'string') into.push(v.$expr);
  else if ('$tmpl' in v && Array.isArray(v.$tmpl)) {
    for (const part of v.$tmpl as unknown[]) if (typeof part === 'object' && part !== null && '$expr' in part && typeof part.$expr === 'string') into.push(part.$expr);
  } else if ('$lit' in v) return into;
  else for (const x of Object.values(v as Record<string, ValueIR>)) expressionSources(x, into);
  return into;
}

/** Step ids that the given expression sources may name (a superset: any identifier equal to a step id). */
export function referencedSteps(sources: string[], ids: Iterable<string>): Set<string> {
  const words = new Set<string>();
  for (const src of sources) for (const m of src.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? []) words.add(m);
  const out = new Set<string>();
  for (const id of ids) if (words.has(id)) out.add(id);
  return out;
}

export function isTruthy(v: Json): boolean {
  return v === true;
}
