/**
 * The one document both views edit. Its text lives in the CodeMirror view
 * (so CodeMirror's history is the undo history of both views): canvas and
 * form edits are planned as text changes (model/patch) and dispatched into
 * that view, and every change, typed or planned, comes back here as text.
 */
import { useCallback, useRef, useState } from 'react';
import type { MutableRefObject } from 'react';
import type { EditorView } from '@codemirror/view';
import { redo as cmRedo, undo as cmUndo } from '@codemirror/commands';
import { applyEdits } from '../model/text';
import type { TextEdit } from '../model/text';
import { planPatch, planPatches } from '../model/patch';
import type { PatchOp } from '../model/patch';
import { parseYaml } from '../model/yaml-source';

export type DocumentSource = 'new' | 'draft' | 'import' | 'stored';

export interface EditorDocument {
  text: string;
  /** Bumped by load(): the YAML pane starts a fresh editor state (and history) for it. */
  loadSeq: number;
  source: DocumentSource;
  viewRef: MutableRefObject<EditorView | null>;
  /** Called by the YAML pane on every change of its text. */
  onEditorText(text: string): void;
  /** Replaces the document (open, import, new): a new undo history. */
  load(text: string, source: DocumentSource): void;
  /** Plans operations against the current text and applies them as one undoable change; throws PatchError/EditError. */
  apply(ops: PatchOp | PatchOp[]): void;
  undo(): void;
  redo(): void;
}

export function useEditorDocument(initial: string, initialSource: DocumentSource): EditorDocument {
  const [text, setText] = useState(initial);
  const [loadSeq, setLoadSeq] = useState(0);
  const [source, setSource] = useState<DocumentSource>(initialSource);
  const viewRef = useRef<EditorView | null>(null);
  const textRef = useRef(initial);

  const onEditorText = useCallback((t: string) => {
    textRef.current = t;
    setText(t);
  }, []);

  const load = useCallback((t: string, src: DocumentSource) => {
    textRef.current = t;
    setText(t);
    setSource(src);
    setLoadSeq((n) => n + 1);
  }, []);

  const apply = useCallback((ops: PatchOp | PatchOp[]) => {
    const view = viewRef.current;
    const current = view ? view.state.doc.toString() : textRef.current;
    const doc = parseYaml(current);
    const edits: TextEdit[] = Array.isArray(ops) ? planPatches(current, doc, ops) : planPatch(current, doc, ops);
    if (edits.length === 0) return;
    if (view) {
      view.dispatch({ changes: edits.map((e) => ({ from: e.from, to: e.to, insert: e.insert })), userEvent: 'input.canvas', scrollIntoView: false });
    } else {
      onEditorText(applyEdits(current, edits));
    }
  }, [onEditorText]);

  const undo = useCallback(() => {
    if (viewRef.current) cmUndo(viewRef.current);
  }, []);
  const redo = useCallback(() => {
    if (viewRef.current) cmRedo(viewRef.current);
  }, []);

  return { text, loadSeq, source, viewRef, onEditorText, load, apply, undo, redo };
}
