/**
 * The layout sidecar in React state: positions the user set, carried across
 * edits by step id (model/sidecar), replaced when a definition is loaded.
 */
import { useCallback, useState } from 'react';
import type { SwarmGraph } from '../model/graph';
import type { Point } from '../model/layout';
import { carryLayout, clearPosition, setPosition } from '../model/sidecar';
import type { Layout } from '../model/sidecar';

export interface LayoutSidecar {
  layout: Layout;
  move(id: string, p: Point): void;
  forget(id: string): void;
  /** Back to automatic layout for every node. */
  reset(): void;
  replace(layout: Layout): void;
}

export function useLayoutSidecar(graph: SwarmGraph, initial: Layout): LayoutSidecar {
  // `graph: null`: the layout was just loaded for whatever graph comes next, so it is not carried.
  const [state, setState] = useState<{ layout: Layout; graph: SwarmGraph | null }>({ layout: initial, graph });
  let current = state;
  if (state.graph !== graph) {
    // Derived state: carry positions to the new graph during render, before anyone draws with stale pointers.
    current = { layout: state.graph ? carryLayout(state.layout, state.graph, graph) : state.layout, graph };
    setState(current);
  }
  const move = useCallback((id: string, p: Point) => setState((s) => ({ ...s, layout: setPosition(s.layout, id, p) })), []);
  const forget = useCallback((id: string) => setState((s) => ({ ...s, layout: clearPosition(s.layout, id) })), []);
  const reset = useCallback(() => setState((s) => ({ ...s, layout: {} })), []);
  const replace = useCallback((layout: Layout) => setState({ layout, graph: null }), []);
  return { layout: current.layout, move, forget, reset, replace };
}
