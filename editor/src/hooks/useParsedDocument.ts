/**
 * Text -> YAML document -> graph, recomputed when the text changes. While
 * the YAML does not parse (mid-typing), the last graph that did is kept, so
 * the canvas does not blank out; `stale` says so.
 */
import { useMemo, useRef } from 'react';
import type { Document } from 'yaml';
import { buildGraph, emptyGraph } from '../model/graph';
import type { SwarmGraph } from '../model/graph';
import { isReadable, parseYaml } from '../model/yaml-source';
import { markOnce } from '../marks';

export interface ParsedDocument {
  doc: Document;
  graph: SwarmGraph;
  /** The YAML has syntax errors: `graph` is from the last text that parsed. */
  stale: boolean;
}

export function useParsedDocument(text: string): ParsedDocument {
  const lastGood = useRef<SwarmGraph>(emptyGraph());
  return useMemo(() => {
    const doc = parseYaml(text);
    if (!isReadable(doc)) return { doc, graph: lastGood.current, stale: true };
    const graph = buildGraph(doc);
    lastGood.current = graph;
    markOnce('swarmflow:parsed');
    return { doc, graph, stale: false };
  }, [text]);
}
