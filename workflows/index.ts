/**
 * The workflow bundle's entry: every workflow type a worker registers.
 * Only deterministic code is reachable from here (see ARCHITECTURE.md).
 */
export { swarmWorkflow } from './swarm';
export { agentWorkflow } from './agent';
