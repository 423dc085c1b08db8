/**
 * What the editor knows about step kinds: which key marks each, where each
 * container keeps its child steps, and a minimal new step of each kind.
 */
import { STEP_KINDS } from '../../../dsl/ir';
import type { Json, StepKind } from '../../../dsl/ir';
import { join } from '../../../dsl/pointer';
import type { JsonObject } from './json';

export { STEP_KINDS };
export type { StepKind };

export const CONTAINER_KINDS: readonly StepKind[] = ['forEach', 'parallel', 'sequence', 'loop', 'if'];

/** Keys every step may have, whatever its kind. */
export const COMMON_KEYS = ['id', 'name', 'when', 'onError'] as const;

export function isContainerKind(kind: string): boolean {
  return (CONTAINER_KINDS as readonly string[]).includes(kind);
}

export function isStepKind(s: string): s is StepKind {
  return (STEP_KINDS as readonly string[]).includes(s);
}

/** The kind keys present in a step mapping (exactly one when the step is valid). */
export function kindKeys(keys: Iterable<string>): StepKind[] {
  const out: StepKind[] = [];
  for (const k of keys) if (isStepKind(k)) out.push(k);
  return out;
}

/** A list of child steps inside a container step. */
export interface ChildList {
  /** Pointer of the list, relative to the step: `/do`, `/loop/do`, `/then`. */
  rel: string;
  /** The lane's name when a container has several lists (`then`, `else`). */
  lane: 'then' | 'else' | null;
  /** Children run side by side (parallel branches) rather than in order. */
  sideBySide: boolean;
}

/** Where each container kind keeps its children. */
export function childLists(kind: StepKind): ChildList[] {
  switch (kind) {
    case 'forEach':
      return [{ rel: '/do', lane: null, sideBySide: false }];
    case 'loop':
      return [{ rel: '/loop/do', lane: null, sideBySide: false }];
    case 'sequence':
      return [{ rel: '/sequence', lane: null, sideBySide: false }];
    case 'parallel':
      return [{ rel: '/parallel', lane: null, sideBySide: true }];
    case 'if':
      return [
        { rel: '/then', lane: 'then', sideBySide: false },
        { rel: '/else', lane: 'else', sideBySide: false },
      ];
    case 'agent':
    case 'llm':
    case 'tool':
    case 'waitFor':
    case 'sleep':
    case 'set':
    case 'captureSkill':
    case 'swarm':
      return [];
    default: {
      const never: never = kind;
      return never;
    }
  }
}

export function childListPtr(stepPtr: string, list: ChildList): string {
  return stepPtr + list.rel;
}

/** Names the definition declares, for filling in new steps with something that validates. */
export interface Names {
  agents: string[];
  models: string[];
  tools: string[];
  stepIds: string[];
}

/** A minimal step of a kind, with an id not used yet. */
export function newStep(kind: StepKind, names: Names): JsonObject {
  const id = freshId(kind === 'if' ? 'branch' : kind.toLowerCase(), names.stepIds);
  const inner = (): Json[] => [{ id: freshId('step', [...names.stepIds, id]), sleep: '1s' }];
  const first = (list: string[], fallback: string): string => list[0] ?? fallback;
  switch (kind) {
    case 'agent':
      return { id, agent: first(names.agents, 'agent'), prompt: 'Describe the task.' };
    case 'llm':
      return { id, llm: first(names.models, 'model'), prompt: 'Write the prompt.' };
    case 'tool':
      return { id, tool: first(names.tools, 'tool') };
    case 'forEach':
      return { id, forEach: '${{ [1, 2, 3] }}', do: inner() };
    case 'parallel':
      return { id, parallel: inner() };
    case 'sequence':
      return { id, sequence: inner() };
    case 'if':
      return { id, if: '${{ true }}', then: inner() };
    case 'loop':
      return { id, loop: { maxIterations: 3, do: inner() } };
    case 'waitFor':
      return { id, waitFor: { signal: 'approve', timeout: '24h' } };
    case 'sleep':
      return { id, sleep: '10s' };
    case 'set':
      return { id, set: { value: '${{ 1 + 1 }}' } };
    case 'captureSkill':
      return { id, captureSkill: { name: 'new-skill', from: names.stepIds[0] ?? 'step', description: 'When to apply this skill.' } };
    case 'swarm':
      return { id, swarm: 'other-swarm' };
    default: {
      const never: never = kind;
      return never;
    }
  }
}

/** `base`, or `base_2`, `base_3`... : the first that is not taken (ids are unique in the whole file). */
export function freshId(base: string, taken: Iterable<string>): string {
  const used = new Set(taken);
  const clean = base.replace(/[^a-z0-9_]/g, '_').replace(/^[^a-z]+/, '') || 'step';
  const stem = clean.slice(0, 56);
  if (!used.has(stem) && !RESERVED.has(stem)) return stem;
  for (let n = 2; ; n++) {
    const candidate = `${stem}_${n}`;
    if (!used.has(candidate)) return candidate;
  }
}

/** CEL reserved words: step ids are field names in expressions. */
export const RESERVED = new Set(['in', 'as', 'break', 'const', 'continue', 'else', 'false', 'for', 'function', 'if', 'import', 'let', 'loop', 'package', 'namespace', 'null', 'return', 'true', 'var', 'void', 'while']);

/** The JSON pointer of a list item. */
export function itemPtr(listPtr: string, index: number): string {
  return join(listPtr, index);
}
