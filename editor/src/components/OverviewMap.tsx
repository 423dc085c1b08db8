/**
 * The minimap of a large graph: every step drawn on one <canvas> from the
 * layout (one draw, not one component per node), the viewport as a frame;
 * click or drag to move there. Small graphs use React Flow's MiniMap.
 */
import { useEffect, useMemo, useRef } from 'react';
import type { PointerEvent } from 'react';
import type { SwarmGraph } from '../model/graph';
import type { Box } from '../model/layout';
import type { StepStatus } from '../model/run';
import type { Viewport } from '../model/window';
import { KIND_COLORS } from '../kinds';

const W = 180;
const H = 150;
const STATUS_COLORS: Partial<Record<StepStatus, string>> = { running: '#d97706', succeeded: '#16a34a', failed: '#dc2626' };

interface Props {
  graph: SwarmGraph;
  abs: Map<string, Box>;
  viewport: Viewport;
  size: { width: number; height: number };
  statuses: Map<string, StepStatus> | null;
  onCenter(x: number, y: number): void;
}

export function OverviewMap({ graph, abs, viewport, size, statuses, onCenter }: Props) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const frame = useMemo(() => {
    let x0 = Infinity;
    let y0 = Infinity;
    let x1 = -Infinity;
    let y1 = -Infinity;
    for (const b of abs.values()) {
      x0 = Math.min(x0, b.x);
      y0 = Math.min(y0, b.y);
      x1 = Math.max(x1, b.x + b.width);
      y1 = Math.max(y1, b.y + b.height);
    }
    if (!Number.isFinite(x0)) return { x0: 0, y0: 0, scale: 1 };
    const scale = Math.min(W / (x1 - x0), H / (y1 - y0));
    return { x0: x0 - (W / scale - (x1 - x0)) / 2, y0: y0 - (H / scale - (y1 - y0)) / 2, scale };
  }, [abs]);

  useEffect(() => {
    const ctx = canvas.current?.getContext('2d');
    if (!ctx) return;
    ctx.clearRect(0, 0, W, H);
    const { x0, y0, scale } = frame;
    for (const n of graph.nodes) {
      if (n.type !== 'step') continue;
      const b = abs.get(n.id);
      if (!b) continue;
      const status = statuses?.get(n.id);
      ctx.fillStyle = (status && STATUS_COLORS[status]) ?? KIND_COLORS[n.kind] ?? '#94a3b8';
      ctx.fillRect((b.x - x0) * scale, (b.y - y0) * scale, Math.max(1, b.width * scale), Math.max(1, b.height * scale));
    }
    ctx.strokeStyle = '#2563eb';
    ctx.lineWidth = 1.5;
    ctx.strokeRect((-viewport.x / viewport.zoom - x0) * scale, (-viewport.y / viewport.zoom - y0) * scale, (size.width / viewport.zoom) * scale, (size.height / viewport.zoom) * scale);
  }, [graph, abs, frame, viewport, size, statuses]);

  const move = (e: PointerEvent<HTMLCanvasElement>): void => {
    const r = e.currentTarget.getBoundingClientRect();
    onCenter((e.clientX - r.left) / frame.scale + frame.x0, (e.clientY - r.top) / frame.scale + frame.y0);
  };

  return (
    <canvas
      ref={canvas}
      className="overview-map"
      width={W}
      height={H}
      role="img"
      aria-label={`Overview of the whole swarm (${graph.nodes.length} steps); click to move there`}
      onPointerDown={(e) => {
        e.currentTarget.setPointerCapture(e.pointerId);
        move(e);
      }}
      onPointerMove={(e) => {
        if (e.buttons === 1) move(e);
      }}
    />
  );
}
