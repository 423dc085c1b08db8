/** Stored definitions on the API server, to open one. */
import { useEffect, useState } from 'react';
import { ApiClient } from '../api/client';
import type { SwarmSummary } from '../api/client';
import { Dialog } from './Dialog';

interface Props {
  api: ApiClient;
  onOpen(name: string): void;
  onClose(): void;
}

export function OpenDialog({ api, onOpen, onClose }: Props) {
  const [list, setList] = useState<SwarmSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api.listSwarms().then(setList, (e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, [api]);
  return (
    <Dialog title="Open a stored swarm" onClose={onClose}>
      {error ? (
        <p className="field-error" role="alert">
          {error}
        </p>
      ) : null}
      {list === null && !error ? <p>Loading…</p> : null}
      {list && list.length === 0 ? <p>No swarms are stored yet: save one first.</p> : null}
      {list && list.length > 0 ? (
        <ul className="open-list">
          {list.map((s) => (
            <li key={s.name}>
              <button onClick={() => onOpen(s.name)}>
                <strong>{s.name}</strong> {s.latest !== null ? <span className="muted">v{s.latest}</span> : null}
                {s.description ? <span className="muted"> — {s.description}</span> : null}
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </Dialog>
  );
}
