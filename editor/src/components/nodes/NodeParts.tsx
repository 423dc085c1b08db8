/** Pieces every node kind shows: the kind badge, run status, error marker, node actions. */
import type { CanvasNodeData } from './types';
import { KIND_LABELS } from '../../kinds';

export function KindBadge({ kind }: { kind: string }) {
  return <span className={`badge badge-${kind}`}>{KIND_LABELS[kind] ?? kind}</span>;
}

export function StatusPill({ status }: { status: CanvasNodeData['status'] }) {
  if (!status) return null;
  return (
    <span className={`status status-${status}`} data-status={status} aria-label={`status ${status}`}>
      {status}
    </span>
  );
}

export function ErrorMark({ errors }: { errors: CanvasNodeData['errors'] }) {
  if (errors.length === 0) return null;
  const text = errors.map((e) => `${e.line}:${e.col} ${e.message}`).join('\n');
  return (
    <span className="error-mark" title={text} role="img" aria-label={`${errors.length} error${errors.length > 1 ? 's' : ''}: ${errors[0]?.message ?? ''}`}>
      ! {errors.length}
    </span>
  );
}

/** What screen readers hear for a node. */
export function nodeAriaLabel(d: CanvasNodeData): string {
  const n = d.node;
  const parts = [`${n.kind} step ${n.label}`, n.detail];
  if (d.status) parts.push(`status ${d.status}`);
  if (d.errors.length > 0) parts.push(`${d.errors.length} error${d.errors.length > 1 ? 's' : ''}`);
  return parts.join(', ');
}

export function ApproveButton({ data }: { data: CanvasNodeData }) {
  if (data.node.kind !== 'waitFor' || data.status !== 'running' || !data.signal) return null;
  return (
    <button
      className="node-action approve nodrag"
      aria-label={`Approve ${data.node.label} (send signal ${data.signal})`}
      onClick={(e) => {
        e.stopPropagation();
        data.actions.approve(data.node.id);
      }}
    >
      Approve
    </button>
  );
}
