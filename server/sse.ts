/**
 * Server-sent progress events of one run. The stream polls the run's
 * progress query (events after the last sequence number sent) and writes
 * each event with `id: <seq>`, so a client that reconnects with
 * `Last-Event-ID` (browsers do it by themselves) or `?after=` gets exactly
 * the events it missed. Between events a comment line keeps proxies from
 * closing the connection. The stream ends with an `end` event once the run
 * has ended and every event was sent.
 *
 * Event types: the progress event types of workflows/types.ts
 * (`run.started`, `step.started`, `step.finished`, `agents`, `usage`,
 * `run.continued`, `run.finished`), `progress` (a snapshot without events,
 * no id, sent when it changes) and `end` (`{ "status": ... }`).
 */
import { pauseFor } from '../runtime/pause';
import type { Progress, ProgressEvent, RunStatus } from '../workflows/types';

export interface ProgressSource {
  /** Progress with the events after `after`; null while no worker answers. Throws when the run does not exist. */
  poll(after: number): Promise<Progress | null>;
  /** The final status once the run has ended, else null. */
  ended(): Promise<RunStatus | null>;
}

export interface SseSink {
  write(chunk: string): void;
}

export interface StreamOptions {
  after: number;
  pollMs: number;
  heartbeatMs: number;
  signal: AbortSignal;
  /** Check whether the run ended every this many polls without news (default 4). */
  endCheckEvery?: number;
  /** Client reconnect delay announced with `retry:` (ms). */
  retryMs?: number;
}

export function formatEvent(e: ProgressEvent): string {
  return `id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`;
}

function snapshot(p: Progress): string {
  const { events: _events, ...rest } = p;
  void _events;
  return JSON.stringify(rest);
}

/** Runs until the run ends (then writes `end`) or `signal` aborts (the client went away). */
export async function streamProgress(src: ProgressSource, sink: SseSink, o: StreamOptions): Promise<void> {
  let after = o.after;
  let lastWrite = Date.now();
  let lastSnapshot = '';
  let quiet = 0;
  const every = o.endCheckEvery ?? 4;
  const write = (s: string): void => {
    sink.write(s);
    lastWrite = Date.now();
  };
  write(`retry: ${o.retryMs ?? 2000}\n\n`);
  while (!o.signal.aborted) {
    const p = await src.poll(after);
    if (o.signal.aborted) return;
    let finished = false;
    let news = false;
    if (p) {
      const events = p.events.filter((e) => e.seq > after).sort((a, b) => a.seq - b.seq);
      for (const e of events) {
        write(formatEvent(e));
        after = e.seq;
        news = true;
        if (e.type === 'run.finished') finished = true;
      }
      const snap = snapshot(p);
      if (snap !== lastSnapshot) {
        write(`event: progress\ndata: ${snap}\n\n`);
        lastSnapshot = snap;
      }
      // The query answers at most 500 events at a time: ask again at once while more are waiting.
      if (p.lastSeq > after && events.length > 0) continue;
      if (p.status !== 'running' && p.lastSeq <= after) finished = true;
      if (finished) {
        write(`event: end\ndata: ${JSON.stringify({ status: p.status })}\n\n`);
        return;
      }
    }
    quiet = news ? 0 : quiet + 1;
    if (!p || quiet >= every) {
      quiet = 0;
      const status = await src.ended();
      if (o.signal.aborted) return;
      if (status !== null) {
        // One last look for events written just before the end, when a worker can still answer.
        const last = p ? await src.poll(after) : null;
        for (const e of (last?.events ?? []).filter((x) => x.seq > after).sort((a, b) => a.seq - b.seq)) {
          write(formatEvent(e));
          after = e.seq;
        }
        write(`event: end\ndata: ${JSON.stringify({ status })}\n\n`);
        return;
      }
    }
    if (Date.now() - lastWrite >= o.heartbeatMs) write(`: keep-alive ${new Date().toISOString()}\n\n`);
    await pauseFor(o.pollMs, o.signal);
  }
}
