/** How each step kind looks and reads in the UI. */
import { STEP_KINDS } from '../../dsl/ir';
import type { StepKind } from '../../dsl/ir';

export const KIND_LABELS: Record<string, string> = {
  agent: 'AGENT',
  llm: 'LLM',
  tool: 'TOOL',
  forEach: 'FOR EACH',
  parallel: 'PARALLEL',
  sequence: 'SEQUENCE',
  if: 'IF',
  loop: 'LOOP',
  waitFor: 'WAIT',
  sleep: 'SLEEP',
  set: 'SET',
  captureSkill: 'SKILL',
  swarm: 'SWARM',
  unknown: '?',
  lane: 'BRANCH',
};

export const KIND_HELP: Record<StepKind, string> = {
  agent: 'Run an agent (a sub-agent with tools) on a prompt',
  llm: 'One model call, no tools',
  tool: 'One tool call',
  forEach: 'Run steps once per item, as parallel sub-agents',
  parallel: 'Run branches at once',
  sequence: 'A group of steps in order',
  if: 'Branch on a condition',
  loop: 'Repeat steps until a condition',
  waitFor: 'Wait for a signal (human approval)',
  sleep: 'A durable timer',
  set: 'Compute values',
  captureSkill: 'Keep a finished step as a reusable skill',
  swarm: 'Run another stored swarm',
};

export const KIND_COLORS: Record<string, string> = {
  agent: '#7c3aed',
  llm: '#2563eb',
  tool: '#0d9488',
  forEach: '#c2410c',
  parallel: '#b45309',
  sequence: '#4b5563',
  if: '#be185d',
  loop: '#9333ea',
  waitFor: '#dc2626',
  sleep: '#64748b',
  set: '#0891b2',
  captureSkill: '#15803d',
  swarm: '#1d4ed8',
  unknown: '#ef4444',
  lane: '#94a3b8',
};

export { STEP_KINDS };
export type { StepKind };
