/** A container step (forEach, parallel, sequence, loop, if): a box its children sit in. */
import { memo } from 'react';
import { Handle, Position } from '@xyflow/react';
import type { NodeProps } from '@xyflow/react';
import type { GroupFlowNode } from './types';
import { ErrorMark, KindBadge, StatusPill, nodeAriaLabel } from './NodeParts';

function formatTokens(n: number): string {
  return n >= 1_000_000 ? `${(n / 1_000_000).toFixed(1)}M` : n >= 1000 ? `${(n / 1000).toFixed(1)}k` : String(n);
}

function GroupNodeView({ data, selected }: NodeProps<GroupFlowNode>) {
  const n = data.node;
  const cls = ['node', 'group-node', `kind-${n.kind}`, data.status ? `run-${data.status}` : '', data.errors.length ? 'has-error' : '', selected ? 'selected' : ''].join(' ');
  const sub = data.subAgents;
  return (
    <div className={cls} aria-label={nodeAriaLabel(data)} data-ptr={n.id} data-step={n.stepId ?? ''}>
      <Handle type="target" position={Position.Top} aria-label={`runs after (into ${n.label})`} />
      <div className="node-head group-head">
        <KindBadge kind={n.kind} />
        <span className="node-title">{n.label}</span>
        {n.conditional ? <span className="when-mark" title="runs only when its `when` condition holds">when</span> : null}
        <ErrorMark errors={data.errors} />
        <StatusPill status={data.status} />
      </div>
      {sub ? (
        <button
          className="subagents-bar nodrag"
          aria-label={`Show the ${sub.total} sub-agents of ${n.label}`}
          title="Show every sub-agent: status, turns, tokens"
          onClick={(e) => {
            e.stopPropagation();
            data.actions.openSubAgents(n.id);
          }}
        >
          <span className="sub-count" data-testid="subagent-counts">
            {sub.total} sub-agents · {sub.counts.running} running · {sub.counts.succeeded} done
            {sub.counts.failed ? ` · ${sub.counts.failed} failed` : ''}
            {sub.counts.queued ? ` · ${sub.counts.queued} queued` : ''} · {formatTokens(sub.tokens)} tokens
          </span>
        </button>
      ) : (
        <div className="node-detail">{n.detail}</div>
      )}
      <Handle type="source" position={Position.Bottom} aria-label={`runs before (from ${n.label})`} />
    </div>
  );
}

export const GroupNode = memo(GroupNodeView);
