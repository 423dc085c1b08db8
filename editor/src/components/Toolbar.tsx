/** The top bar: file actions, undo and redo, layout, the Run button and the document's state. */
import { useRef } from 'react';

interface Props {
  title: string;
  stored: string | null;
  problems: number;
  canRun: boolean;
  onNew(): void;
  onOpen(): void;
  onSave(): void;
  onImport(file: File): void;
  onExport(): void;
  onUndo(): void;
  onRedo(): void;
  onAutoLayout(): void;
  onFit(): void;
  onRun(): void;
  onShortcuts(): void;
  onApiKey(): void;
}

export function Toolbar(p: Props) {
  const file = useRef<HTMLInputElement>(null);
  return (
    <header className="toolbar" role="toolbar" aria-label="Editor">
      <span className="brand">swarmflow</span>
      <span className="doc-title" title={p.stored ? `stored as ${p.stored}` : 'not stored yet'} data-testid="doc-title">
        {p.title}
        {p.stored ? <span className="muted"> · stored</span> : null}
      </span>
      <span className="group">
        <button onClick={p.onNew} title="New definition">New</button>
        <button onClick={p.onOpen} title="Open a stored definition (Ctrl+O)">Open…</button>
        <button onClick={p.onSave} title="Save to the server (Ctrl+S)">Save</button>
        <button onClick={() => file.current?.click()} title="Import a .swarm.yaml file">Import…</button>
        <input
          ref={file}
          type="file"
          accept=".yaml,.yml,application/yaml,text/yaml"
          hidden
          aria-label="Import a definition file"
          data-testid="import-input"
          onChange={(e) => {
            const f = e.target.files?.[0];
            if (f) p.onImport(f);
            e.target.value = '';
          }}
        />
        <button onClick={p.onExport} title="Download the YAML">Export</button>
      </span>
      <span className="group">
        <button onClick={p.onUndo} aria-label="Undo" title="Undo (Ctrl+Z)">↶</button>
        <button onClick={p.onRedo} aria-label="Redo" title="Redo (Ctrl+Shift+Z)">↷</button>
        <button onClick={p.onAutoLayout} title="Forget moved positions and lay out again (L)">Auto layout</button>
        <button onClick={p.onFit} title="Zoom to fit (F)">Fit</button>
      </span>
      <span className={`problems-badge ${p.problems ? 'bad' : 'good'}`} aria-live="polite">
        {p.problems ? `${p.problems} problem${p.problems > 1 ? 's' : ''}` : 'valid'}
      </span>
      <span className="spacer" />
      <button onClick={p.onApiKey} title="API key for servers that require one">Key</button>
      <button onClick={p.onShortcuts} aria-label="Keyboard shortcuts" title="Keyboard shortcuts (?)">?</button>
      <button className="primary run-button" onClick={p.onRun} disabled={!p.canRun} title={p.canRun ? 'Run this swarm (Ctrl+Enter)' : 'Fix the problems to run'}>
        ▶ Run
      </button>
    </header>
  );
}
