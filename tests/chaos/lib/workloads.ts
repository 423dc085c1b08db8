/**
 * The swarms the crash and chaos tests run. Each is built so that its result
 * depends on every step having run exactly once in the interpreter, and so
 * that every tool call has an effect the ledger records.
 */
import type { Json, SwarmIR } from '../../../dsl/ir';
import { compileOrThrow } from '../../helpers/swarm-env';

export interface Workload {
  /** Short label for the fault log and the table. */
  label: string;
  ir: SwarmIR;
  input: Json;
  /** Steps (LLM + tool calls) an undisturbed run uses. */
  expectedSteps: number;
  /** Tool effects (ledger entries) an undisturbed run records. */
  expectedEffects: number;
}

/**
 * A long narrow loop: per iteration one `fs.write` of its own file, an
 * optional `llm` call, and a `set` that folds both into a running tally, so
 * an iteration skipped or repeated by the interpreter changes the output.
 */
export function toolLoop(iterations: number, withLlm: boolean, name = withLlm ? 'chaos-loop-llm' : 'chaos-loop'): Workload {
  const think = withLlm
    ? `
        - id: think
          llm: m
          prompt: "Iteration \${{ iteration }}: improve the note."`
    : '';
  const chars = withLlm ? `
            chars: "\${{ (steps.acc.status == 'succeeded' ? steps.acc.output.chars : 0) + size(steps.think.output) }}"` : '';
  const yaml = `swarm: ${name}
version: 1
inputs:
  type: object
  properties: { iterations: { type: integer, minimum: 1 } }
  required: [iterations]
limits: { maxSteps: ${Math.max(10, iterations * (withLlm ? 2 : 1))}, deadline: 2h }
models:
  m: { pool: default, model: kimi-k2.6, maxTokens: 48 }
tools:
  write: { uses: fs.write }
steps:
  - id: grind
    loop:
      maxIterations: ${iterations}
      until: "\${{ iteration >= inputs.iterations }}"
      do:
        - id: w
          tool: write
          with: { path: "notes/\${{ iteration }}.txt", content: "note \${{ iteration }} of \${{ inputs.iterations }}" }${think}
        - id: acc
          set:
            n: "\${{ steps.acc.status == 'succeeded' ? steps.acc.output.n + 1 : 1 }}"
            bytes: "\${{ (steps.acc.status == 'succeeded' ? steps.acc.output.bytes : 0) + steps.w.output.bytes }}"${chars}
output:
  status: "\${{ steps.grind.status }}"
  iteration: "\${{ steps.grind.iteration }}"
  tally: "\${{ steps.acc.output }}"
  lastWrite: "\${{ steps.w.output }}"
`;
  return {
    label: `${iterations}-iteration loop${withLlm ? ' (tool + llm)' : ' (tool)'}`,
    ir: compileOrThrow(yaml, `${name}.swarm.yaml`),
    input: { iterations },
    expectedSteps: iterations * (withLlm ? 2 : 1),
    expectedEffects: iterations,
  };
}

/**
 * A fan-out of `n` sub-agents (one child workflow each), `atOnce` at a time
 * (default: all); each
 * agent writes files with `fs.write` on the simulated model's two tool
 * turns, then answers. The run's output is every agent's answer, in order.
 */
export function fanOut(n: number, name = 'chaos-fanout', atOnce = Math.min(1000, n)): Workload {
  const yaml = `swarm: ${name}
version: 1
inputs:
  type: object
  properties: { items: { type: array, items: { type: integer } } }
  required: [items]
# Each agent spends 5 steps; leases are sized to what is left, so 5 per agent would do (before the
# fair-budget-leases patch each leased 8 at once and a budget under 8 per agent stopped the run early).
limits: { maxSubAgents: ${atOnce}, maxSteps: ${n * 10 + 10}, deadline: 2h }
models:
  m: { pool: default, model: kimi-k2.6, maxTokens: 48 }
tools:
  write: { uses: fs.write }
agents:
  scribe:
    model: m
    instructions: You keep notes in files with the write tool, then answer in one line.
    tools: [write]
    maxTurns: 4
steps:
  - id: fan
    forEach: "\${{ inputs.items }}"
    as: it
    do:
      - id: work
        agent: scribe
        prompt: "Keep notes on item \${{ it }}."
  - id: count
    set: { agents: "\${{ size(steps.fan.output) }}" }
output:
  answers: "\${{ steps.fan.output }}"
  count: "\${{ steps.count.output }}"
`;
  return {
    label: `${n}-sub-agent fan-out`,
    ir: compileOrThrow(yaml, `${name}.swarm.yaml`),
    input: { items: Array.from({ length: n }, (_, i) => i) },
    // Per agent: three model turns (two with a tool call, then the answer) and two tool calls (the sim's default toolTurns).
    expectedSteps: n * 5,
    expectedEffects: n * 2,
  };
}
