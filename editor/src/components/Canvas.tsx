/**
 * The canvas: React Flow over the step graph. It draws what the model
 * computed (graph, layout, overlays) and reports what the user did (select,
 * drag, connect, drop a new step); the App turns those into document edits.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { DragEvent } from 'react';
import { Background, Controls, MarkerType, MiniMap, ReactFlow, applyNodeChanges, useReactFlow } from '@xyflow/react';
import type { Edge, NodeChange, NodeMouseHandler, OnConnect, OnNodeDrag } from '@xyflow/react';
import type { Diagnostic } from '../../../dsl/diagnostic';
import type { SwarmGraph } from '../model/graph';
import type { Box, Point } from '../model/layout';
import type { StepStatus, SubAgentInfo } from '../model/run';
import { subAgentCounts } from '../model/run';
import { KIND_COLORS } from '../kinds';
import { StepNode } from './nodes/StepNode';
import { GroupNode } from './nodes/GroupNode';
import { LaneNode } from './nodes/LaneNode';
import type { CanvasNode, CanvasNodeData, NodeActions } from './nodes/types';

const nodeTypes = { step: StepNode, group: GroupNode, lane: LaneNode };

/** Beyond this many nodes, start at the top at a readable zoom instead of fitting everything (and draw only what is visible). */
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

  const computed = useMemo<CanvasNode[]>(() => {
    return graph.nodes.map((n) => {
      const b = boxes.get(n.id) ?? { x: 0, y: 0, width: 240, height: 68 };
      const subs = subAgents?.get(n.id);
      const data: CanvasNodeData = {
        node: n,
        errors: errorsByNode.get(n.id) ?? [],
        status: statuses?.get(n.id) ?? null,
        subAgents: subs ? { counts: subAgentCounts(subs), total: subs.length, tokens: subs.reduce((t, s) => t + s.tokens, 0) } : null,
        signal: signals.get(n.id) ?? null,
        actions,
      };
      const base = {
        id: n.id,
        position: { x: b.x, y: b.y },
        data,
        width: b.width,
        height: b.height,
        selected: n.id === selected,
        draggable: n.type !== 'lane',
        connectable: true,
        ariaLabel: `${n.kind} ${n.label}`,
        ...(n.parent ? { parentId: n.parent } : {}),
      };
      if (n.type === 'group') return { ...base, type: 'group' as const, style: { width: b.width, height: b.height } };
      if (n.type === 'lane') return { ...base, type: 'lane' as const, style: { width: b.width, height: b.height }, selectable: false };
      return { ...base, type: 'step' as const };
    });
  }, [graph, boxes, selected, errorsByNode, statuses, subAgents, signals, actions]);

  const [nodes, setNodes] = useState<CanvasNode[]>(computed);
  useEffect(() => setNodes(computed), [computed]);
  const onNodesChange = useCallback(
    (changes: NodeChange<CanvasNode>[]) => {
      setNodes((ns) => applyNodeChanges(changes, ns));
      // Keyboard selection (Tab to a node, Enter) arrives as a change; selections set through props never do.
      for (const c of changes) if (c.type === 'select' && c.selected) p.onSelect(c.id);
    },
    [p.onSelect],
  );

  const edges = useMemo<Edge[]>(
    () =>
      graph.edges.map((e) => {
        const running = statuses?.get(e.target) === 'running';
        return { id: e.id, source: e.source, target: e.target, type: 'smoothstep', animated: running, markerEnd: { type: MarkerType.ArrowClosed, width: 16, height: 16 }, focusable: false, selectable: false };
      }),
    [graph, statuses],
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

  const large = graph.nodes.length > LARGE;
  const firstFit = useRef(true);
  useEffect(() => {
    if (p.fitSeq === 0) return;
    void flow.fitView({ padding: 0.12, maxZoom: 1, minZoom: 0.05, duration: 150 });
  }, [p.fitSeq, flow]);

  const onInit = useCallback(() => {
    if (firstFit.current) {
      firstFit.current = false;
      requestAnimationFrame(() => p.onRendered());
    }
  }, [p.onRendered]);

  return (
    <div className={`canvas ${p.stale ? 'stale' : ''}`} onDragOver={onDragOver} onDrop={onDrop} data-testid="canvas">
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
        defaultViewport={{ x: 40, y: 20, zoom: 0.85 }}
        minZoom={0.05}
        maxZoom={2}
        onlyRenderVisibleElements={large}
        nodeDragThreshold={4}
        elevateNodesOnSelect={false}
        proOptions={{ hideAttribution: true }}
        ariaLabelConfig={{ 'node.a11yDescription.default': 'Press Enter to select this step. Delete removes it, Ctrl+D duplicates it, Alt+Up and Alt+Down move it.' }}
      >
        <Background gap={20} size={1} />
        <MiniMap<CanvasNode> pannable zoomable ariaLabel="Overview of the whole swarm" nodeColor={(n) => KIND_COLORS[n.data.node.kind] ?? '#888'} nodeStrokeWidth={2} />
        <Controls showInteractive={false} aria-label="Zoom controls" />
      </ReactFlow>
      {p.stale ? <div className="stale-note" role="status">The YAML has a syntax error: the canvas shows the last version that parsed.</div> : null}
    </div>
  );
}
