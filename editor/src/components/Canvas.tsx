/**
 * The canvas: React Flow over the step graph. It draws what the model
 * computed (graph, layout, overlays) and reports what the user did (select,
 * drag, connect, drop a new step); the App turns those into document edits.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { DragEvent } from 'react';
import { Background, Controls, MarkerType, MiniMap, ReactFlow, applyNodeChanges, useReactFlow } from '@xyflow/react';
import type { Edge, NodeChange, NodeMouseHandler, OnConnect, OnMove, OnNodeDrag } from '@xyflow/react';
import type { Diagnostic } from '../../../dsl/diagnostic';
import type { SwarmGraph } from '../model/graph';
import type { Box, Point } from '../model/layout';
import type { StepStatus, SubAgentInfo } from '../model/run';
import { subAgentCounts } from '../model/run';
import { KIND_COLORS } from '../kinds';
import { absoluteBoxes } from '../model/ops';
import { fitViewport, nodesInRect, viewRect } from '../model/window';
import type { Viewport } from '../model/window';
import { OverviewMap } from './OverviewMap';
import { StepNode } from './nodes/StepNode';
import { GroupNode } from './nodes/GroupNode';
import { LaneNode } from './nodes/LaneNode';
import type { CanvasNode, CanvasNodeData, NodeActions } from './nodes/types';

const nodeTypes = { step: StepNode, group: GroupNode, lane: LaneNode };
const START_VIEWPORT: Viewport = { x: 40, y: 20, zoom: 0.85 };
const FALLBACK_BOX: Box = { x: 0, y: 0, width: 240, height: 68 };
const NO_ERRORS: Diagnostic[] = [];
const miniMapColor = (n: CanvasNode): string => KIND_COLORS[n.data.node.kind] ?? '#888';

/**
 * Beyond this many nodes the canvas starts at the top at a readable zoom
 * (instead of fitting everything), React Flow is given only the window of
 * nodes around the view, and the minimap is drawn on a canvas.
 */
const LARGE = 150;

export const PALETTE_MIME = 'application/x-swarmflow-kind';

export interface CanvasProps {
  graph: SwarmGraph;
  boxes: Map<string, Box>;
  stale: boolean;
  selected: string | null;
  errorsByNode: Map<string, Diagnostic[]>;
  statuses: Map<string, StepStatus> | null;
  /** forEach node -> its sub-agents, during a run. */
  subAgents: Map<string, SubAgentInfo[]> | null;
  signals: Map<string, string>;
  /** Bumped to ask for zoom to fit. */
  fitSeq: number;
  actions: NodeActions;
  onSelect(id: string | null): void;
  /** A node was dragged: its centre (canvas coordinates) and its new position relative to its parent. */
  onDragStop(id: string, center: Point, position: Point): void;
  onConnect(source: string, target: string): void;
  onDropKind(kind: string, at: Point): void;
  onRendered(): void;
}

export function Canvas(p: CanvasProps) {
  const flow = useReactFlow<CanvasNode, Edge>();
  const { graph, boxes, selected, errorsByNode, statuses, subAgents, signals, actions } = p;

  const large = graph.nodes.length > LARGE;
  const abs = useMemo(() => absoluteBoxes(graph, boxes), [graph, boxes]);
  const host = useRef<HTMLDivElement>(null);
  const [size, setSize] = useState({ width: 800, height: 700 });
  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setSize({ width: el.clientWidth, height: el.clientHeight }));
    ro.observe(el);
    setSize({ width: el.clientWidth, height: el.clientHeight });
    return () => ro.disconnect();
  }, []);
  const [viewport, setViewport] = useState<Viewport>(START_VIEWPORT);
  const frameRequest = useRef(0);
  const onMove: OnMove = useCallback((_, v) => {
    cancelAnimationFrame(frameRequest.current);
    frameRequest.current = requestAnimationFrame(() => setViewport(v));
  }, []);
  // The window of nodes given to React Flow on a large graph: what is on
  // screen and a screen around it, kept until the view leaves it.
  const [windowRect, setWindowRect] = useState(() => viewRect(START_VIEWPORT, size, 1));
  useEffect(() => {
    if (!large) return;
    const seen = viewRect(viewport, size, 0);
    const inside = seen.x >= windowRect.x && seen.y >= windowRect.y && seen.x + seen.width <= windowRect.x + windowRect.width && seen.y + seen.height <= windowRect.y + windowRect.height;
    if (!inside) setWindowRect(viewRect(viewport, size, 1));
  }, [large, viewport, size, windowRect]);
  const shown = useMemo(() => (large ? nodesInRect(graph, abs, windowRect, [selected]) : null), [large, graph, abs, windowRect, selected]);

  // Node objects are kept from one render to the next when nothing about them
  // changed, so React Flow (and the minimap) only redo the nodes that did:
  // selecting a step or typing in a 1,000-step definition touches a handful.
  const cache = useRef(new Map<string, { node: CanvasNode; key: unknown[] }>());
  const computed = useMemo<CanvasNode[]>(() => {
    const next = new Map<string, { node: CanvasNode; key: unknown[] }>();
    const out: CanvasNode[] = [];
    for (const n of graph.nodes) {
      if (shown && !shown.has(n.id)) continue;
      const b = boxes.get(n.id) ?? FALLBACK_BOX;
      const subs = subAgents?.get(n.id);
      const errors = errorsByNode.get(n.id) ?? NO_ERRORS;
      const status = statuses?.get(n.id) ?? null;
      const signal = signals.get(n.id) ?? null;
      const isSelected = n.id === selected;
      const key: unknown[] = [n, b.x, b.y, b.width, b.height, subs, errors, status, signal, isSelected, actions];
      const prev = cache.current.get(n.id);
      if (prev && prev.key.length === key.length && prev.key.every((k, i) => k === key[i])) {
        next.set(n.id, prev);
        out.push(prev.node);
        continue;
      }
      const data: CanvasNodeData = {
        node: n,
        errors,
        status,
        subAgents: subs ? { counts: subAgentCounts(subs), total: subs.length, tokens: subs.reduce((t, s) => t + s.tokens, 0) } : null,
        signal,
        actions,
      };
      const base = {
        id: n.id,
        position: { x: b.x, y: b.y },
        data,
        width: b.width,
        height: b.height,
        selected: isSelected,
        draggable: n.type !== 'lane',
        connectable: true,
        ariaLabel: `${n.kind} ${n.label}`,
        ...(n.parent ? { parentId: n.parent } : {}),
      };
      const node: CanvasNode =
        n.type === 'group'
          ? { ...base, type: 'group' as const, style: { width: b.width, height: b.height } }
          : n.type === 'lane'
            ? { ...base, type: 'lane' as const, style: { width: b.width, height: b.height }, selectable: false }
            : { ...base, type: 'step' as const };
      next.set(n.id, { node, key });
      out.push(node);
    }
    cache.current = next;
    return out;
  }, [graph, boxes, shown, selected, errorsByNode, statuses, subAgents, signals, actions]);

  const [nodes, setNodes] = useState<CanvasNode[]>(computed);
  useEffect(() => setNodes(computed), [computed]);
  const onNodesChange = useCallback(
    (changes: NodeChange<CanvasNode>[]) => {
      // Sizes come from the layout (every node has width and height), so React
      // Flow's measurements need not round-trip through this state: on a large
      // graph each batch of them would re-render the whole canvas.
      const relevant = changes.filter((c) => c.type !== 'dimensions');
      if (relevant.length > 0) setNodes((ns) => applyNodeChanges(relevant, ns));
      // Keyboard selection (Tab to a node, Enter) arrives as a change; selections set through props never do.
      for (const c of changes) if (c.type === 'select' && c.selected) p.onSelect(c.id);
    },
    [p.onSelect],
  );

  const edges = useMemo<Edge[]>(
    () =>
      graph.edges.filter((e) => !shown || (shown.has(e.source) && shown.has(e.target))).map((e) => {
        const running = statuses?.get(e.target) === 'running';
        return { id: e.id, source: e.source, target: e.target, type: 'smoothstep', animated: running, markerEnd: { type: MarkerType.ArrowClosed, width: 16, height: 16 }, focusable: false, selectable: false };
      }),
    [graph, statuses, shown],
  );

  const onNodeClick: NodeMouseHandler<CanvasNode> = useCallback((_, n) => p.onSelect(n.id), [p.onSelect]);
  const onNodeDragStop: OnNodeDrag<CanvasNode> = useCallback(
    (_, n) => {
      const internal = flow.getInternalNode(n.id);
      const abs = internal?.internals.positionAbsolute ?? n.position;
      const w = n.width ?? n.measured?.width ?? 0;
      const h = n.height ?? n.measured?.height ?? 0;
      p.onDragStop(n.id, { x: abs.x + w / 2, y: abs.y + h / 2 }, n.position);
    },
    [flow, p.onDragStop],
  );
  const onConnect: OnConnect = useCallback((c) => p.onConnect(c.source, c.target), [p.onConnect]);

  const onDragOver = useCallback((e: DragEvent) => {
    if (e.dataTransfer.types.includes(PALETTE_MIME)) {
      e.preventDefault();
      e.dataTransfer.dropEffect = 'copy';
    }
  }, []);
  const onDrop = useCallback(
    (e: DragEvent) => {
      const kind = e.dataTransfer.getData(PALETTE_MIME);
      if (!kind) return;
      e.preventDefault();
      p.onDropKind(kind, flow.screenToFlowPosition({ x: e.clientX, y: e.clientY }));
    },
    [flow, p.onDropKind],
  );

  const firstFit = useRef(true);
  const fitRef = useRef({ large, abs, size });
  fitRef.current = { large, abs, size };
  useEffect(() => {
    if (p.fitSeq === 0) return;
    const f = fitRef.current;
    // React Flow only holds the window of a large graph, so its fit is computed from the whole layout here.
    if (f.large) void flow.setViewport(fitViewport(f.abs, f.size), { duration: 150 });
    else void flow.fitView({ padding: 0.12, maxZoom: 1, minZoom: 0.05, duration: 150 });
  }, [p.fitSeq, flow]);

  const onInit = useCallback(() => {
    if (firstFit.current) {
      firstFit.current = false;
      requestAnimationFrame(() => p.onRendered());
    }
  }, [p.onRendered]);

  return (
    <div className={`canvas ${p.stale ? 'stale' : ''}`} onDragOver={onDragOver} onDrop={onDrop} data-testid="canvas" ref={host}>
      <ReactFlow<CanvasNode, Edge>
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onNodeClick={onNodeClick}
        onPaneClick={() => p.onSelect(null)}
        onNodeDragStop={onNodeDragStop}
        onConnect={onConnect}
        onInit={onInit}
        deleteKeyCode={null}
        selectionKeyCode={null}
        multiSelectionKeyCode={null}
        fitView={!large}
        fitViewOptions={{ padding: 0.12, maxZoom: 1 }}
        defaultViewport={START_VIEWPORT}
        onMove={onMove}
        minZoom={0.05}
        maxZoom={2}
        onlyRenderVisibleElements={large}
        nodeDragThreshold={4}
        elevateNodesOnSelect={false}
        proOptions={{ hideAttribution: true }}
        ariaLabelConfig={{ 'node.a11yDescription.default': 'Press Enter to select this step. Delete removes it, Ctrl+D duplicates it, Alt+Up and Alt+Down move it.' }}
      >
        <Background gap={20} size={1} />
        {large ? null : <MiniMap<CanvasNode> pannable zoomable ariaLabel="Overview of the whole swarm" nodeColor={miniMapColor} nodeStrokeWidth={2} />}
        <Controls showInteractive={false} aria-label="Zoom controls" />
      </ReactFlow>
      {large ? <OverviewMap graph={graph} abs={abs} viewport={viewport} size={size} statuses={statuses} onCenter={(x, y) => void flow.setCenter(x, y, { zoom: viewport.zoom })} /> : null}
      {p.stale ? <div className="stale-note" role="status">The YAML has a syntax error: the canvas shows the last version that parsed.</div> : null}
    </div>
  );
}
