import type { StepIR } from './ir';

/** The step lists directly inside a step (none for leaf kinds). */
export function childLists(s: StepIR): StepIR[][] {
  switch (s.kind) {
    case 'forEach':
    case 'loop':
      return [s.do];
    case 'parallel':
      return [s.branches];
    case 'sequence':
      return [s.steps];
    case 'if':
      return [s.then, s.else];
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
      const never: never = s;
      throw new Error(`unknown step kind ${JSON.stringify(never)}`);
    }
  }
}

/** Every step at any depth, in document order. */
export function* walkSteps(steps: StepIR[]): Generator<StepIR> {
  for (const s of steps) {
    yield s;
    for (const list of childLists(s)) yield* walkSteps(list);
  }
}
