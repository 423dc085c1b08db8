/**
 * `run --follow`: a live progress display (steps done / budget, sub-agents
 * running / queued / done, tokens, elapsed, current steps) redrawn in place on
 * a TTY, and one plain line per event when piped.
 */
import type { Progress, ProgressEvent } from '../workflows/types';
import { formatDuration, paint, type Io } from './io';

export interface ProgressSource {
  /** Progress with the events after `after`; null while the run has no worker yet. */
  poll(after: number): Promise<Progress | null>;
}

export class FollowDisplay {
  private lastSeq = 0;
  private drawnLines = 0;
  private readonly started = Date.now();
  private last: Progress | null = null;

  constructor(private readonly io: Io) {}

  update(p: Progress): void {
    this.last = p;
    const events = p.events.filter((e) => e.seq > this.lastSeq);
    if (p.lastSeq > this.lastSeq) this.lastSeq = p.lastSeq;
    if (this.io.isTty) this.redraw(p, events);
    else for (const e of events) this.plain(e);
  }

  get after(): number {
    return this.lastSeq;
  }

  /** Clears the live block before the final result is printed. */
  finish(): void {
    if (this.io.isTty && this.drawnLines > 0 && this.last) this.redraw(this.last, []);
  }

  private plain(e: ProgressEvent): void {
    const t = formatDuration(Date.now() - this.started).padStart(6);
    switch (e.type) {
      case 'step.started':
        this.io.out(`${t}  started   ${e.step}`);
        break;
      case 'step.finished':
        this.io.out(`${t}  ${(e.status ?? '').padEnd(9)} ${e.step}${errorOf(e)}`);
        break;
      case 'run.continued':
        this.io.out(`${t}  continued as new (history bounded)`);
        break;
      case 'run.finished':
        this.io.out(`${t}  run ${e.status}`);
        break;
      default:
        break;
    }
  }

  private redraw(p: Progress, events: ProgressEvent[]): void {
    const lines: string[] = [];
    for (const e of events) {
      if (e.type === 'step.finished' && e.status !== 'succeeded') lines.push(`  ${paint(this.io, e.status === 'failed' ? 'red' : 'yellow', e.status ?? '')} ${e.step}${errorOf(e)}`);
    }
    const done = Object.values(p.steps).filter((s) => s === 'succeeded' || s === 'failed' || s === 'skipped').length;
    const block = [
      `${paint(this.io, 'bold', p.swarm)} v${p.version}  ${statusColour(this.io, p.status)}  ${formatDuration(Date.now() - this.started)}`,
      `  steps   ${p.usage.steps} / ${p.budget.steps} budget   (${done}/${Object.keys(p.steps).length} step ids done)`,
      `  agents  ${p.agents.running} running  ${p.agents.queued} queued  ${p.agents.done} done`,
      `  tokens  ${p.usage.tokens.toLocaleString('en-US')} / ${p.budget.tokens.toLocaleString('en-US')}`,
      `  now     ${p.currentSteps.slice(0, 6).join(', ') || '-'}${p.currentSteps.length > 6 ? ` (+${p.currentSteps.length - 6})` : ''}`,
    ];
    let s = '';
    if (this.drawnLines > 0) s += `\u001b[${this.drawnLines}A\u001b[0J`;
    s += [...lines, ...block].join('\n') + '\n';
    process.stdout.write(s);
    this.drawnLines = block.length;
  }
}

function errorOf(e: ProgressEvent): string {
  const d = e.data;
  if (d && typeof d === 'object' && !Array.isArray(d) && typeof d.error === 'string') return `: ${d.error}`;
  return '';
}

function statusColour(io: Io, s: string): string {
  if (s === 'succeeded') return paint(io, 'green', s);
  if (s === 'running') return paint(io, 'cyan', s);
  return paint(io, 'red', s);
}
