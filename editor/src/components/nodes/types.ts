/** The data each canvas node carries: its graph node plus what the overlays add. */
import type { Node } from '@xyflow/react';
import type { Diagnostic } from '../../../../dsl/diagnostic';
import type { GraphNode } from '../../model/graph';
import type { StepStatus, SubAgentInfo } from '../../model/run';

export interface CanvasNodeData extends Record<string, unknown> {
  node: GraphNode;
  errors: Diagnostic[];
  status: StepStatus | null;
  /** forEach steps during a run: their sub-agents' tallies. */
  subAgents: { counts: Record<SubAgentInfo['status'], number>; total: number; tokens: number } | null;
  /** waitFor steps: the signal they wait for. */
  signal: string | null;
  actions: NodeActions;
}

export interface NodeActions {
  approve(stepPtr: string): void;
  openSubAgents(stepPtr: string): void;
}

export type StepFlowNode = Node<CanvasNodeData, 'step'>;
export type GroupFlowNode = Node<CanvasNodeData, 'group'>;
export type LaneFlowNode = Node<CanvasNodeData, 'lane'>;
export type CanvasNode = StepFlowNode | GroupFlowNode | LaneFlowNode;
