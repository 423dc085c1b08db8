/**
 * The editor: one document, two views (canvas and YAML), the forms and
 * panels around them, and a run's live overlay. State lives in hooks; the
 * model (editor/src/model) does the thinking; this file wires them.
 */
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { markOnce } from './marks';
import { ReactFlowProvider } from '@xyflow/react';
import type { Diagnostic } from '../../dsl/diagnostic';
import type { Json } from '../../dsl/ir';
import { fromSegments } from '../../dsl/pointer';
import swarmSchema from '../../schemas/swarm.schema.json';
import { ApiClient } from './api/client';
import { diagnosticsByNode } from './model/diagnostics';
import { nodeAtOffset } from './model/graph';
import type { GraphNode } from './model/graph';
import { asJson, isJsonObject } from './model/json';
import type { JsonObject } from './model/json';
import { layoutGraph } from './model/layout';
import { stepForPointer, stepValue } from './model/ops';
import { nodeStatuses, subAgentsByNode } from './model/run';
import { lineEnd, offsetOf } from './model/text';
import { useEditorDocument } from './hooks/useEditorDocument';
import { useParsedDocument } from './hooks/useParsedDocument';
import { useLayoutSidecar } from './hooks/useLayoutSidecar';
import { useValidation } from './hooks/useValidation';
import { useRun } from './hooks/useRun';
import { useShortcuts } from './hooks/useShortcuts';
import type { Shortcut } from './hooks/useShortcuts';
import { useToasts } from './hooks/useToasts';
import { readDraft, useDraft } from './hooks/useDraft';
import { useEditActions } from './hooks/useEditActions';
import { NEW_DEFINITION, useFileActions } from './hooks/useFileActions';
import { Canvas } from './components/Canvas';
import { YamlPane } from './components/YamlPane';
import type { Reveal } from './components/YamlPane';
import { Toolbar } from './components/Toolbar';
import { Palette } from './components/Palette';
import { SidePanel } from './components/SidePanel';
import type { Tab } from './components/SidePanel';
import { Inspector } from './components/Inspector';
import { EntriesPanel } from './components/EntriesPanel';
import { SkillsPanel } from './components/SkillsPanel';
import { SchemaForm } from './components/SchemaForm';
import type { Names } from './components/SchemaForm';
import { ProblemsList } from './components/ProblemsList';
import { RunDialog } from './components/RunDialog';
import { RunBar } from './components/RunBar';
import { SubAgentsDialog } from './components/SubAgentsDialog';
import { OpenDialog } from './components/OpenDialog';
import { ShortcutsDialog } from './components/ShortcutsDialog';
import { KeyDialog } from './components/KeyDialog';
import { swarmFields } from './model/schema-form';
import { nodeAt } from './model/yaml-source';
import { isScalar } from 'yaml';

declare global {
  interface Window {
    swarmflow?: {
      text(): string;
      nodes(): number;
      diagnostics(): { line: number; col: number; message: string; code: string; ptr: string }[];
    };
  }
}

function sectionOf(data: JsonObject, key: string): JsonObject {
  const v = data[key];
  return isJsonObject(v) ? v : {};
}

type DialogName = 'run' | 'open' | 'shortcuts' | 'key' | null;

const draft = readDraft();
const SWARM_FIELDS = swarmFields(swarmSchema);

export function App() {
  const api = useMemo(() => new ApiClient(), []);
  const { toasts, say, dismiss } = useToasts();
  const document = useEditorDocument(draft?.text ?? NEW_DEFINITION, draft ? 'draft' : 'new');
  const { doc, graph, stale } = useParsedDocument(document.text);
  const sidecar = useLayoutSidecar(graph, draft?.layout ?? {});
  const boxes = useMemo(() => {
    const b = layoutGraph(graph, sidecar.layout);
    markOnce('swarmflow:laid-out');
    return b;
  }, [graph, sidecar.layout]);
  useLayoutEffect(() => markOnce('swarmflow:committed'), []);
  const [stored, setStored] = useState<string | null>(draft?.stored ?? null);
  const [serverDiagnostics, setServerDiagnostics] = useState<Diagnostic[]>([]);
  useDraft({ text: document.text, layout: sidecar.layout, stored });

  const data = useMemo<JsonObject>(() => {
    if (stale) return {};
    try {
      const j = asJson(doc.toJS({ maxAliasCount: 100 }));
      return j !== undefined && isJsonObject(j) ? j : {};
    } catch {
      return {}; // aliases that expand too far: the validator reports it
    }
  }, [doc, stale]);
  const swarmName = typeof data.swarm === 'string' ? data.swarm : null;
  const file = `${swarmName ?? 'untitled'}.swarm.yaml`;
  const validation = useValidation(document.text, file);
  const diagnostics = validation.diagnostics.length > 0 ? validation.diagnostics : serverDiagnostics;
  const errorsByNode = useMemo(() => diagnosticsByNode(graph, diagnostics), [graph, diagnostics]);

  const [selected, setSelected] = useState<string | null>(null);
  const [reveal, setReveal] = useState<Reveal | null>(null);
  const [tab, setTab] = useState<Tab>('step');
  const [dialog, setDialog] = useState<DialogName>(null);
  const [subAgentsOf, setSubAgentsOf] = useState<string | null>(null);
  const [fitSeq, setFitSeq] = useState(0);
  const fit = useCallback(() => setFitSeq((n) => n + 1), []);
  const revealSeq = useRef(0);

  // A selection made on the canvas shows its step's first line in the YAML.
  // It is asked for here and done once the graph has the node (after an add
  // or a move the graph is a render behind the selection).
  const [revealAsk, setRevealAsk] = useState<{ id: string; seq: number } | null>(null);
  const revealedSeq = useRef(0);
  const revealNode = useCallback((id: string) => setRevealAsk({ id, seq: ++revealSeq.current }), []);
  useEffect(() => {
    if (!revealAsk || revealAsk.seq === revealedSeq.current) return;
    const n = graph.byId.get(revealAsk.id);
    if (!n?.range) return;
    revealedSeq.current = revealAsk.seq;
    setReveal({ from: n.range[0], to: lineEnd(document.text, n.range[0]), seq: revealAsk.seq, focus: false });
  }, [revealAsk, graph, document.text]);

  const selectedRef = useRef<string | null>(null);
  selectedRef.current = selected;
  const select = useCallback(
    (id: string | null) => {
      if (id === selectedRef.current) return; // React Flow echoes selections back
      selectedRef.current = id;
      setSelected(id);
      if (id) {
        setTab('step');
        revealNode(id);
      }
    },
    [revealNode],
  );

  // A selection whose step went away (deleted, undone) is dropped.
  useEffect(() => {
    if (selected && !stale && !graph.byId.has(selected)) setSelected(null);
  }, [graph, selected, stale]);

  const onCursor = useCallback(
    (offset: number) => {
      const n = nodeAtOffset(graph, offset);
      if (n && n.id !== selected) {
        setSelected(n.id);
        setTab('step');
      }
    },
    [graph, selected],
  );

  const pickDiagnostic = useCallback(
    (d: Diagnostic) => {
      const n = stepForPointer(graph, d.ptr);
      setSelected(n ? n.id : null);
      if (n) setTab('step');
      const from = offsetOf(document.text, d.line, d.col);
      setReveal({ from, to: from, seq: ++revealSeq.current, focus: true });
    },
    [graph, document.text],
  );

  const edit = useEditActions({ document, doc, graph, boxes, sidecar, selected, select, say });
  const files = useFileActions({ api, document, sidecar, swarmName, setStored, setServerDiagnostics, say });
  const run = useRun(api);

  const statuses = useMemo(() => (run.view ? nodeStatuses(graph, run.view) : null), [graph, run.view]);
  const subAgents = useMemo(() => (run.view ? subAgentsByNode(graph, run.view.subAgents) : null), [graph, run.view]);
  const signals = useMemo(() => {
    const m = new Map<string, string>();
    for (const n of graph.nodes) {
      if (n.kind !== 'waitFor') continue;
      const s = nodeAt(doc, `${n.id}/waitFor/signal`);
      if (isScalar(s) && typeof s.value === 'string') m.set(n.id, s.value);
    }
    return m;
  }, [graph, doc]);

  const sendSignal = run.signal;
  const nodeActions = useMemo(
    () => ({
      approve: (ptr: string) => {
        const signal = signals.get(ptr);
        if (signal) void sendSignal(signal, { approved: true }).then(() => say(`Sent ${signal}`));
      },
      openSubAgents: (ptr: string) => setSubAgentsOf(ptr),
    }),
    [signals, sendSignal, say],
  );

  const selectedNode: GraphNode | null = selected ? (graph.byId.get(selected) ?? null) : null;
  const names: Names = useMemo(
    () => ({
      agents: graph.names.agents,
      models: graph.names.models,
      tools: graph.names.tools,
      skills: Array.isArray(data.skills) ? data.skills.filter((s): s is string => typeof s === 'string').map((s) => s.split('@')[0] ?? s) : [],
      steps: graph.names.stepIds,
    }),
    [graph, data.skills],
  );

  const canRun = !stale && validation.diagnostics.length === 0 && !validation.pending;
  const [rendered, setRendered] = useState(false);
  const onRendered = useCallback(() => {
    markOnce('swarmflow:first-render');
    setRendered(true);
  }, []);

  const shortcuts: Shortcut[] = [
    { keys: 'mod+s', label: 'Save to the server', run: () => void files.save(), global: true },
    { keys: 'mod+o', label: 'Open a stored swarm', run: () => setDialog('open'), global: true },
    { keys: 'mod+enter', label: 'Run', run: () => canRun && setDialog('run'), global: true },
    { keys: 'mod+z', label: 'Undo', run: document.undo },
    { keys: 'mod+shift+z, mod+y', label: 'Redo', run: document.redo },
    { keys: 'delete, backspace', label: 'Delete the selected step', run: () => selectedNode && edit.remove(selectedNode) },
    { keys: 'mod+d', label: 'Duplicate the selected step', run: () => selectedNode && edit.duplicate(selectedNode) },
    { keys: 'alt+arrowup', label: 'Move the selected step up', run: () => selectedNode && edit.move(selectedNode, -1) },
    { keys: 'alt+arrowdown', label: 'Move the selected step down', run: () => selectedNode && edit.move(selectedNode, 1) },
    { keys: 'escape', label: 'Clear the selection', run: () => setSelected(null) },
    { keys: 'f', label: 'Zoom to fit', run: fit },
    { keys: 'l', label: 'Auto layout (forget moved positions)', run: sidecar.reset },
    { keys: '?', label: 'This list', run: () => setDialog('shortcuts') },
  ];
  useShortcuts(shortcuts);

  // Interactive: the canvas has drawn and the YAML editor exists, so both take input (validation answers in the background).
  const onEditorReady = useCallback(() => requestAnimationFrame(() => markOnce('swarmflow:interactive')), []);

  // A read-only window on the document for automation (the browser tests and the benchmark).
  useEffect(() => {
    window.swarmflow = {
      text: () => document.viewRef.current?.state.doc.toString() ?? document.text,
      nodes: () => graph.nodes.length,
      diagnostics: () => diagnostics.map((d) => ({ line: d.line, col: d.col, message: d.message, code: d.code, ptr: d.ptr })),
    };
  }, [document, graph, diagnostics]);

  const subAgentNode = subAgentsOf ? graph.byId.get(subAgentsOf) : undefined;
  const subAgentList = subAgentsOf ? (subAgents?.get(subAgentsOf) ?? []) : [];

  return (
    <div className="app">
      <Toolbar
        title={swarmName ?? 'untitled'}
        stored={stored}
        problems={diagnostics.length}
        canRun={canRun}
        onNew={files.newDefinition}
        onOpen={() => setDialog('open')}
        onSave={() => void files.save()}
        onImport={(f) => void files.importFile(f)}
        onExport={files.exportFile}
        onUndo={document.undo}
        onRedo={document.redo}
        onAutoLayout={sidecar.reset}
        onFit={fit}
        onRun={() => setDialog('run')}
        onShortcuts={() => setDialog('shortcuts')}
        onApiKey={() => setDialog('key')}
      />
      <aside className="left" aria-label="Palette and properties">
        <Palette onAdd={(k) => edit.add(k)} />
        <SidePanel tab={tab} onTab={setTab}>
          {tab === 'step' ? (
            <Inspector
              node={selectedNode}
              value={selectedNode && selectedNode.type !== 'lane' ? stepValue(doc, selectedNode.id) : null}
              schema={swarmSchema}
              names={names}
              errors={selectedNode ? (errorsByNode.get(selectedNode.id) ?? []) : []}
              onField={edit.setStepField}
              onDuplicate={edit.duplicate}
              onDelete={edit.remove}
              onMove={edit.move}
            />
          ) : tab === 'swarm' ? (
            <SchemaForm fields={SWARM_FIELDS} value={data} names={names} onChange={(path, v) => edit.setAt(fromSegments(path), v)} />
          ) : tab === 'skills' ? (
            <SkillsPanel skills={Array.isArray(data.skills) ? data.skills.filter((s): s is string => typeof s === 'string') : []} schema={swarmSchema} onChange={(s) => edit.setAt('/skills', s.length ? s : undefined)} />
          ) : (
            <EntriesPanel
              section={tab}
              entries={sectionOf(data, tab)}
              schema={swarmSchema}
              names={names}
              onField={(section, name, path, v) => edit.setAt(fromSegments([section, name, ...path]), v)}
              onAdd={edit.addEntry}
              onDelete={(section, name) => edit.setAt(fromSegments([section, name]), undefined)}
            />
          )}
        </SidePanel>
      </aside>
      <main className="center" aria-label="Canvas">
        {run.view ? <RunBar view={run.view} temporalUrl={run.temporalUrl} error={run.error} onCancel={() => void run.cancel()} onClose={run.close} /> : null}
        {/* A fresh canvas for each loaded definition: it starts fitted (or at the top of a very large one). */}
        <ReactFlowProvider key={document.loadSeq}>
          <Canvas
            graph={graph}
            boxes={boxes}
            stale={stale}
            selected={selected}
            errorsByNode={errorsByNode}
            statuses={statuses}
            subAgents={subAgents}
            signals={signals}
            fitSeq={fitSeq}
            actions={nodeActions}
            onSelect={select}
            onDragStop={edit.dragStop}
            onConnect={edit.connect}
            onDropKind={edit.dropKind}
            onRendered={onRendered}
          />
        </ReactFlowProvider>
      </main>
      <section className="right" aria-label="YAML and problems">
        <YamlPane document={document} start={rendered} onReady={onEditorReady} diagnostics={diagnostics} checkedText={validation.diagnostics.length > 0 ? validation.checkedText : null} reveal={reveal} onCursor={onCursor} />
        <ProblemsList diagnostics={diagnostics} pending={validation.pending} onPick={pickDiagnostic} />
      </section>
      <div className="toasts" aria-live="assertive">
        {toasts.map((t) => (
          <div key={t.id} className={`toast toast-${t.kind}`} role={t.kind === 'error' ? 'alert' : 'status'} onClick={() => dismiss(t.id)}>
            {t.text}
          </div>
        ))}
      </div>
      {dialog === 'run' ? (
        <RunDialog
          inputsSchema={data.inputs}
          swarmName={swarmName ?? 'untitled'}
          starting={run.starting}
          error={run.error}
          onStart={(input: Json) =>
            void run.start(document.text, input).then((ok) => {
              if (ok) setDialog(null);
            })
          }
          onClose={() => setDialog(null)}
        />
      ) : null}
      {dialog === 'open' ? (
        <OpenDialog
          api={api}
          onOpen={(name) => {
            setDialog(null);
            void files.open(name);
          }}
          onClose={() => setDialog(null)}
        />
      ) : null}
      {dialog === 'shortcuts' ? <ShortcutsDialog shortcuts={shortcuts} onClose={() => setDialog(null)} /> : null}
      {dialog === 'key' ? <KeyDialog current={api.key} onSet={(k) => (api.key = k)} onClose={() => setDialog(null)} /> : null}
      {subAgentNode ? <SubAgentsDialog stepLabel={subAgentNode.label} agents={subAgentList} onClose={() => setSubAgentsOf(null)} /> : null}
    </div>
  );
}
