/** The then / else branch of an if step: a lane steps can be dropped into. */
import { memo } from 'react';
import { Handle, Position } from '@xyflow/react';
import type { NodeProps } from '@xyflow/react';
import type { LaneFlowNode } from './types';

function LaneNodeView({ data, selected }: NodeProps<LaneFlowNode>) {
  const n = data.node;
  const empty = n.range === null;
  return (
    <div className={`node lane-node lane-${n.lane ?? ''} ${selected ? 'selected' : ''}`} aria-label={`${n.lane ?? ''} branch${empty ? ', empty' : ''}`} data-ptr={n.id}>
      <div className="lane-head">
        {n.lane} <span className="lane-detail">{n.detail}</span>
      </div>
      {empty ? <div className="lane-empty">drop a step here</div> : null}
      <Handle type="source" position={Position.Top} className="lane-handle" aria-label={`start of the ${n.lane ?? ''} branch`} />
    </div>
  );
}

export const LaneNode = memo(LaneNodeView);
