/** The left column's tabs: the selected step, the swarm itself, and its agents, models, tools and skills. */
import type { ReactNode } from 'react';

export type Tab = 'step' | 'swarm' | 'agents' | 'models' | 'tools' | 'skills';

const TABS: { id: Tab; label: string }[] = [
  { id: 'step', label: 'Step' },
  { id: 'swarm', label: 'Swarm' },
  { id: 'agents', label: 'Agents' },
  { id: 'models', label: 'Models' },
  { id: 'tools', label: 'Tools' },
  { id: 'skills', label: 'Skills' },
];

export function SidePanel({ tab, onTab, children }: { tab: Tab; onTab(t: Tab): void; children: ReactNode }) {
  return (
    <div className="side-panel">
      <div role="tablist" aria-label="Panels" className="tabs">
        {TABS.map((t) => (
          <button key={t.id} role="tab" id={`tab-${t.id}`} aria-selected={tab === t.id} aria-controls="side-tabpanel" className={tab === t.id ? 'on' : ''} onClick={() => onTab(t.id)}>
            {t.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id="side-tabpanel" aria-labelledby={`tab-${tab}`} className="tab-body">
        {children}
      </div>
    </div>
  );
}
