/**
 * Definitions in and out: new, open and save through the API (the layout
 * goes beside the YAML), import and export files.
 */
import { useCallback } from 'react';
import type { Diagnostic } from '../../../dsl/diagnostic';
import { ApiClient, ApiFailure } from '../api/client';
import type { Layout } from '../model/sidecar';
import type { EditorDocument } from './useEditorDocument';
import type { LayoutSidecar } from './useLayoutSidecar';

export const NEW_DEFINITION = `# A new swarm: one model call. Add steps from the palette.
swarm: my-swarm
version: 1
inputs:
  type: object
  properties:
    topic: { type: string }
  required: [topic]
models:
  default: { pool: default, model: kimi-k2.6 }
steps:
  - id: answer
    llm: default
    prompt: "Write three sentences about \${{ inputs.topic }}."
output: \${{ steps.answer.output }}
`;

export interface FileActions {
  newDefinition(): void;
  open(name: string): Promise<void>;
  save(): Promise<void>;
  importFile(file: File): Promise<void>;
  exportFile(): void;
}

interface Deps {
  api: ApiClient;
  document: EditorDocument;
  sidecar: LayoutSidecar;
  swarmName: string | null;
  setStored(name: string | null): void;
  setServerDiagnostics(d: Diagnostic[]): void;
  say(text: string, kind?: 'info' | 'error'): void;
}

export function useFileActions(d: Deps): FileActions {
  const { api, document, sidecar, swarmName, setStored, setServerDiagnostics, say } = d;

  const load = useCallback(
    (text: string, layout: Layout, source: 'new' | 'import' | 'stored', stored: string | null) => {
      document.load(text, source);
      sidecar.replace(layout);
      setStored(stored);
      setServerDiagnostics([]);
    },
    [document, sidecar, setStored, setServerDiagnostics],
  );

  const newDefinition = useCallback(() => load(NEW_DEFINITION, {}, 'new', null), [load]);

  const open = useCallback(
    async (name: string) => {
      try {
        const s = await api.getSwarm(name);
        load(s.yaml, s.layout, 'stored', name);
        say(`Opened ${name} v${s.version}`);
      } catch (err) {
        say(err instanceof Error ? err.message : String(err), 'error');
      }
    },
    [api, load, say],
  );

  const save = useCallback(async () => {
    if (!swarmName) {
      say('Give the swarm a name first: `swarm:` at the top of the YAML', 'error');
      return;
    }
    try {
      const r = await api.putSwarm(swarmName, document.text, sidecar.layout);
      setStored(swarmName);
      setServerDiagnostics([]);
      say(`Saved ${swarmName}${r.version !== null ? ` v${r.version}` : ''} (${r.outcome})`);
    } catch (err) {
      if (err instanceof ApiFailure && err.diagnostics.length > 0) setServerDiagnostics(err.diagnostics);
      say(err instanceof Error ? `Not saved: ${err.message}` : String(err), 'error');
    }
  }, [api, swarmName, document.text, sidecar.layout, setStored, setServerDiagnostics, say]);

  const importFile = useCallback(
    async (file: File) => {
      if (file.size > 1024 * 1024) {
        say(`${file.name} is larger than 1 MiB, the limit for a definition`, 'error');
        return;
      }
      const text = await file.text();
      load(text, {}, 'import', null);
      say(`Imported ${file.name}`);
    },
    [load, say],
  );

  const exportFile = useCallback(() => {
    const blob = new Blob([document.text], { type: 'application/yaml' });
    const url = URL.createObjectURL(blob);
    const a = window.document.createElement('a');
    a.href = url;
    a.download = `${swarmName ?? 'swarm'}.swarm.yaml`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }, [document.text, swarmName]);

  return { newDefinition, open, save, importFile, exportFile };
}
