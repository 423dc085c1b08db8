import { useState } from 'react';
import { Dialog } from './Dialog';

export function KeyDialog({ current, onSet, onClose }: { current: string | null; onSet(key: string | null): void; onClose(): void }) {
  const [key, setKey] = useState(current ?? '');
  return (
    <Dialog title="API key" onClose={onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          onSet(key.trim() === '' ? null : key.trim());
          onClose();
        }}
      >
        <p className="hint">Only needed when the server is configured with API keys. It is kept in this browser.</p>
        <div className="field">
          <label className="field-label" htmlFor="api-key">
            Key
          </label>
          <input id="api-key" type="password" autoComplete="off" value={key} onChange={(e) => setKey(e.target.value)} />
        </div>
        <div className="dialog-actions">
          <button type="submit" className="primary">
            Save key
          </button>
        </div>
      </form>
    </Dialog>
  );
}
