/**
 * What the compiler's passes share while they walk one definition: the data,
 * the names it defines, the limits, and the problems found so far.
 */
import type { Code } from './codes';
import type { Problem } from './diagnostic';
import type { ExprFacts } from './expr-check';
import type { LimitsIR } from './ir';
import type { JsonMap } from './json';

export interface CompileContext {
  root: JsonMap;
  problems: Problem[];
  facts: ExprFacts;
  limits: LimitsIR;
  swarmName: string;
  models: ReadonlySet<string>;
  tools: ReadonlySet<string>;
  agents: ReadonlySet<string>;
  /** Skill names from the swarm's `skills` list. */
  skills: ReadonlySet<string>;
  /** The line of the node at a pointer, for messages that name another place. */
  lineOf: (ptr: string) => number | null;
}

export function report(ctx: CompileContext, code: Code, ptr: string, message: string, extra?: { offset?: number; at?: 'key' | 'value' }): void {
  const p: Problem = { code, ptr, message };
  if (extra?.offset !== undefined) p.offset = extra.offset;
  if (extra?.at !== undefined) p.at = extra.at;
  ctx.problems.push(p);
}
