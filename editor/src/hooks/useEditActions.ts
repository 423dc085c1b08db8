/**
 * What the canvas, the palette and the forms can do to the definition, as
 * document operations (model/ops, model/patch). An operation that cannot
 * apply says why in a toast and changes nothing.
 */
import { useCallback, useMemo } from 'react';
import type { Document } from 'yaml';
import type { Json } from '../../../dsl/ir';
import { join } from '../../../dsl/pointer';
import type { GraphNode, SwarmGraph } from '../model/graph';
import type { Box, Point } from '../model/layout';
import { absoluteBoxes, addStep, connectSteps, deleteStep, dropSlot, duplicateStep, listLength, moveStep, pointerAfterMove, renameStep, slotAfter } from '../model/ops';
import type { Slot } from '../model/ops';
import type { PatchOp } from '../model/patch';
import { isStepKind } from '../model/steps';
import type { StepKind } from '../model/steps';
import { nodeAt } from '../model/yaml-source';
import type { EditorDocument } from './useEditorDocument';
import type { LayoutSidecar } from './useLayoutSidecar';

export interface EditActions {
  add(kind: StepKind, slot?: Slot): void;
  remove(node: GraphNode): void;
  duplicate(node: GraphNode): void;
  move(node: GraphNode, delta: -1 | 1): void;
  connect(source: string, target: string): void;
  dragStop(id: string, center: Point, position: Point): void;
  dropKind(kind: string, at: Point): void;
  setStepField(node: GraphNode, path: string[], value: Json | undefined): void;
  setAt(ptr: string, value: Json | undefined): void;
  addEntry(section: 'agents' | 'models' | 'tools', name: string): void;
}

interface Deps {
  document: EditorDocument;
  doc: Document;
  graph: SwarmGraph;
  boxes: Map<string, Box>;
  sidecar: LayoutSidecar;
  selected: string | null;
  select(id: string | null): void;
  say(text: string, kind?: 'info' | 'error'): void;
}

export function useEditActions(d: Deps): EditActions {
  const { document, doc, graph, boxes, sidecar, selected, select, say } = d;

  const run = useCallback(
    (ops: PatchOp | PatchOp[]): boolean => {
      try {
        document.apply(ops);
        return true;
      } catch (err) {
        say(err instanceof Error ? err.message : String(err), 'error');
        return false;
      }
    },
    [document, say],
  );

  const add = useCallback(
    (kind: StepKind, slot?: Slot) => {
      const target = slot ?? slotAfter(graph, selected, doc);
      const { op, ptr } = addStep(graph, kind, target);
      if (run(op)) select(ptr);
    },
    [graph, selected, doc, run, select],
  );

  const remove = useCallback(
    (node: GraphNode) => {
      try {
        if (run(deleteStep(node))) select(null);
      } catch (err) {
        say(err instanceof Error ? err.message : String(err), 'error');
      }
    },
    [run, select, say],
  );

  const duplicate = useCallback(
    (node: GraphNode) => {
      try {
        const { op, ptr } = duplicateStep(doc, graph, node);
        if (run(op)) select(ptr);
      } catch (err) {
        say(err instanceof Error ? err.message : String(err), 'error');
      }
    },
    [doc, graph, run, select, say],
  );

  const moveTo = useCallback(
    (node: GraphNode, slot: Slot): boolean => {
      try {
        const op = moveStep(node, slot);
        const landed = pointerAfterMove(node, slot);
        if (!run(op)) return false;
        sidecar.forget(node.id);
        select(landed);
        return true;
      } catch (err) {
        say(err instanceof Error ? err.message : String(err), 'error');
        return false;
      }
    },
    [run, sidecar, select, say],
  );

  const move = useCallback(
    (node: GraphNode, delta: -1 | 1) => {
      if (node.type === 'lane') return;
      const len = listLength(doc, node.listPtr);
      const index = delta < 0 ? node.index - 1 : node.index + 2;
      if (index < 0 || index > len) return;
      moveTo(node, { list: node.listPtr, index });
    },
    [doc, moveTo],
  );

  const connect = useCallback(
    (source: string, target: string) => {
      try {
        const op = connectSteps(graph, source, target);
        const node = graph.byId.get(target);
        if (!op || !node || op.op !== 'move') return;
        moveTo(node, { list: op.list, index: op.index });
      } catch (err) {
        say(err instanceof Error ? err.message : String(err), 'error');
      }
    },
    [graph, moveTo, say],
  );

  const dragStop = useCallback(
    (id: string, center: Point, position: Point) => {
      const node = graph.byId.get(id);
      if (!node || node.type === 'lane') return;
      const slot = dropSlot(graph, absoluteBoxes(graph, boxes), center, id);
      const sameList = slot.list === node.listPtr;
      if (!sameList || (slot.index !== node.index && slot.index !== node.index + 1)) {
        moveTo(node, slot);
        return;
      }
      // Same place in the order: the user only moved it, so keep where they put it.
      sidecar.move(id, position);
    },
    [graph, boxes, moveTo, sidecar],
  );

  const dropKind = useCallback(
    (kind: string, at: Point) => {
      if (!isStepKind(kind)) return;
      add(kind, dropSlot(graph, absoluteBoxes(graph, boxes), at, null));
    },
    [graph, boxes, add],
  );

  const setAt = useCallback(
    (ptr: string, value: Json | undefined) => {
      if (value === undefined) {
        if (nodeAt(doc, ptr) !== undefined) run({ op: 'delete', ptr });
      } else run({ op: 'set', ptr, value });
    },
    [doc, run],
  );

  const setStepField = useCallback(
    (node: GraphNode, path: string[], value: Json | undefined) => {
      if (path.length === 1 && path[0] === 'id') {
        if (typeof value !== 'string' || value === '') return;
        try {
          run(renameStep(doc, node, value));
        } catch (err) {
          say(err instanceof Error ? err.message : String(err), 'error');
        }
        return;
      }
      setAt(path.reduce((p, k) => join(p, k), node.id), value);
    },
    [doc, run, say, setAt],
  );

  const addEntry = useCallback(
    (section: 'agents' | 'models' | 'tools', name: string) => {
      const firstModel = graph.names.models[0] ?? 'default';
      const value: Json =
        section === 'models' ? { pool: 'default', model: 'kimi-k2.6' } : section === 'tools' ? { uses: 'fs.read' } : { model: firstModel, instructions: 'Describe what this agent does.' };
      run({ op: 'set', ptr: join(`/${section}`, name), value });
    },
    [graph, run],
  );

  return useMemo(
    () => ({ add, remove, duplicate, move, connect, dragStop, dropKind, setStepField, setAt, addEntry }),
    [add, remove, duplicate, move, connect, dragStop, dropKind, setStepField, setAt, addEntry],
  );
}
