/**
 * The YAML pane: CodeMirror 6 on the document's text. It owns the text (and
 * so the undo history of both views); diagnostics are underlined in it and
 * a selection on the canvas moves its cursor to the step.
 */
import { useEffect, useRef, useState } from 'react';
import { basicSetup } from 'codemirror';
import { EditorState } from '@codemirror/state';
import type { Extension } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import { yaml } from '@codemirror/lang-yaml';
import { lintGutter, setDiagnostics } from '@codemirror/lint';
import type { Diagnostic as CmDiagnostic } from '@codemirror/lint';
import type { Diagnostic } from '../../../dsl/diagnostic';
import { diagnosticRange } from '../model/diagnostics';
import type { EditorDocument } from '../hooks/useEditorDocument';

export interface Reveal {
  from: number;
  to: number;
  /** Bumped for every request, so the same place can be revealed twice. */
  seq: number;
  focus: boolean;
}

interface Props {
  document: EditorDocument;
  diagnostics: Diagnostic[];
  /** The text the diagnostics were computed for. */
  checkedText: string | null;
  reveal: Reveal | null;
  /** The canvas has drawn: the editor is created then, so it does not hold up the first frame. */
  start: boolean;
  onCursor(offset: number): void;
  /** The editor exists: both views take input. */
  onReady(): void;
}

export function YamlPane({ document, diagnostics, checkedText, reveal, start, onCursor, onReady }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const onCursorRef = useRef(onCursor);
  onCursorRef.current = onCursor;
  const { viewRef, onEditorText } = document;
  const textRef = useRef(document.text);
  textRef.current = document.text;
  const [ready, setReady] = useState(0);
  const onReadyRef = useRef(onReady);
  onReadyRef.current = onReady;

  const extensions = useRef<Extension[]>([
    basicSetup,
    yaml(),
    lintGutter(),
    EditorView.contentAttributes.of({ 'aria-label': 'YAML definition', 'data-testid': 'yaml-editor' }),
    EditorView.updateListener.of((u) => {
      if (u.docChanged) onEditorText(u.state.doc.toString());
      const typed = u.transactions.some((t) => t.isUserEvent('select') || t.isUserEvent('input.type') || t.isUserEvent('delete'));
      if (u.selectionSet && typed) onCursorRef.current(u.state.selection.main.head);
    }),
  ]);

  useEffect(() => {
    if (!host.current || !start) return;
    // Created once the canvas has drawn: the editor's set-up and measuring do
    // not hold up the first frame of a large definition.
    const view = new EditorView({ parent: host.current, state: EditorState.create({ doc: textRef.current, extensions: extensions.current }) });
    viewRef.current = view;
    setReady((n) => n + 1);
    onReadyRef.current();
    return () => {
      view.destroy();
      viewRef.current = null;
    };
    // The view is created once; later texts arrive through its own transactions or load().
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [start]);

  useEffect(() => {
    const view = viewRef.current;
    if (!view || document.loadSeq === 0) return;
    view.setState(EditorState.create({ doc: document.text, extensions: extensions.current }));
    // Only a load replaces the state; ordinary edits are already in the view.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [document.loadSeq]);

  useEffect(() => {
    const view = viewRef.current;
    if (!view) return;
    const text = view.state.doc.toString();
    if (checkedText !== null && checkedText !== text) return; // stale: wait for the answer for this text
    const marks: CmDiagnostic[] = diagnostics.map((d) => {
      const r = diagnosticRange(text, d);
      return { from: Math.min(r.from, text.length), to: Math.min(r.to, text.length), severity: 'error', message: d.message, source: d.code };
    });
    view.dispatch(setDiagnostics(view.state, marks));
  }, [diagnostics, checkedText, viewRef, document.text, ready]);

  useEffect(() => {
    const view = viewRef.current;
    if (!view || !reveal) return;
    const len = view.state.doc.length;
    const from = Math.min(reveal.from, len);
    view.dispatch({ selection: { anchor: from, head: Math.min(Math.max(from, reveal.to), len) }, effects: EditorView.scrollIntoView(from, { y: 'center' }) });
    if (reveal.focus) view.focus();
  }, [reveal, viewRef, ready]);

  return <div className="yaml-pane" ref={host} />;
}
