/** The run overlay's summary over the canvas: status, steps used, tokens, agents, the Temporal UI link. */
import type { RunView } from '../model/run';

interface Props {
  view: RunView;
  temporalUrl: string | null;
  error: string | null;
  onCancel(): void;
  onClose(): void;
}

function n(x: number): string {
  return x.toLocaleString('en-US');
}

export function RunBar({ view, temporalUrl, error, onCancel, onClose }: Props) {
  return (
    <div className={`run-bar run-${view.status}`} role="status" aria-live="polite" data-testid="run-bar">
      <span className="run-id" title={view.runId}>
        Run <code>{view.runId}</code>
      </span>
      <span className={`status status-${view.status}`} data-testid="run-status">
        {view.status.replace('_', ' ')}
      </span>
      <span>
        steps <strong>{n(view.usage.steps)}</strong>
        {view.budget ? ` / ${n(view.budget.steps)}` : ''}
      </span>
      <span>
        tokens <strong data-testid="run-tokens">{n(view.usage.tokens)}</strong>
      </span>
      <span>
        agents {view.agents.running} running · {view.agents.queued} queued · {view.agents.done} done
      </span>
      {temporalUrl ? (
        <a href={temporalUrl} target="_blank" rel="noreferrer noopener">
          Open in Temporal UI
        </a>
      ) : null}
      {error ? <span className="field-error">{error}</span> : null}
      <span className="spacer" />
      {!view.finished ? (
        <button onClick={onCancel} aria-label="Cancel the run">
          Cancel run
        </button>
      ) : null}
      <button onClick={onClose} aria-label="Hide the run overlay">
        Hide
      </button>
    </div>
  );
}
