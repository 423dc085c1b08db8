/**
 * A forEach step's sub-agents: up to 300 readable at once, as a dense grid
 * (index, status, turns, tokens), no scrolling needed at 1280x800.
 */
import { useMemo, useState } from 'react';
import type { SubAgentInfo } from '../model/run';
import { subAgentCounts } from '../model/run';
import { Dialog } from './Dialog';

interface Props {
  stepLabel: string;
  agents: SubAgentInfo[];
  onClose(): void;
}

function tokens(n: number): string {
  return n >= 10_000 ? `${Math.round(n / 1000)}k` : n >= 1000 ? `${(n / 1000).toFixed(1)}k` : String(n);
}

const FILTERS = ['all', 'running', 'queued', 'succeeded', 'failed'] as const;

/** Short enough for 10 columns at 1280 wide; the full word is in the cell's title and accessible name. */
const SHORT: Record<SubAgentInfo['status'], string> = { queued: 'queued', pending: 'pending', running: 'running', succeeded: 'done', failed: 'FAILED', skipped: 'skipped', cancelled: 'cancel' };

export function SubAgentsDialog({ stepLabel, agents, onClose }: Props) {
  const [filter, setFilter] = useState<(typeof FILTERS)[number]>('all');
  const counts = useMemo(() => subAgentCounts(agents), [agents]);
  const shown = useMemo(() => [...agents].sort((a, b) => a.index - b.index).filter((a) => filter === 'all' || a.status === filter), [agents, filter]);
  const totalTokens = agents.reduce((t, a) => t + a.tokens, 0);
  return (
    <Dialog title={`${stepLabel}: ${agents.length} sub-agents`} onClose={onClose} wide>
      <div className="subagents-head">
        <span>
          {counts.running} running · {counts.queued} queued · {counts.succeeded} succeeded · {counts.failed} failed · {tokens(totalTokens)} tokens
        </span>
        <span role="radiogroup" aria-label="Show" className="filters">
          {FILTERS.map((f) => (
            <button key={f} role="radio" aria-checked={filter === f} className={filter === f ? 'on' : ''} onClick={() => setFilter(f)}>
              {f}
            </button>
          ))}
        </span>
      </div>
      <ol className="subagent-grid" aria-label="Sub-agents" data-testid="subagent-grid">
        {shown.map((a) => (
          <li key={a.workflowId || a.index} className={`sa sa-${a.status}`} title={`${a.workflowId}\n${a.status}, ${a.turns} turns, ${a.tokens} tokens`} aria-label={`sub-agent ${a.index}: ${a.status}, ${a.turns} turns, ${a.tokens} tokens`}>
            <span className="sa-index">#{a.index}</span>
            <span className="sa-status">{SHORT[a.status]}</span>
            <span className="sa-figures">
              {a.turns}t {tokens(a.tokens)}tok
            </span>
          </li>
        ))}
      </ol>
    </Dialog>
  );
}
