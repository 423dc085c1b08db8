/** A step that is not a container: one card with its kind's look. */
import { memo } from 'react';
import { Handle, Position } from '@xyflow/react';
import type { NodeProps } from '@xyflow/react';
import type { StepFlowNode } from './types';
import { ApproveButton, ErrorMark, KindBadge, StatusPill, nodeAriaLabel } from './NodeParts';

function StepNodeView({ data, selected }: NodeProps<StepFlowNode>) {
  const n = data.node;
  const cls = ['node', 'step-node', `kind-${n.kind}`, data.status ? `run-${data.status}` : '', data.errors.length ? 'has-error' : '', selected ? 'selected' : ''].join(' ');
  return (
    <div className={cls} aria-label={nodeAriaLabel(data)} data-ptr={n.id} data-step={n.stepId ?? ''}>
      <Handle type="target" position={Position.Top} aria-label={`runs after (into ${n.label})`} />
      <div className="node-head">
        <KindBadge kind={n.kind} />
        <span className="node-title">{n.label}</span>
        {n.conditional ? <span className="when-mark" title="runs only when its `when` condition holds">when</span> : null}
        <ErrorMark errors={data.errors} />
      </div>
      <div className="node-detail">{n.detail}</div>
      <div className="node-foot">
        <StatusPill status={data.status} />
        <ApproveButton data={data} />
      </div>
      <Handle type="source" position={Position.Bottom} aria-label={`runs before (from ${n.label})`} />
    </div>
  );
}

export const StepNode = memo(StepNodeView);
