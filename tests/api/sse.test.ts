/**
 * The event stream's loop against a scripted progress source: ids are the
 * events' sequence numbers, nothing is sent twice, resumption starts after
 * the given id, long silences get keep-alive comments, and the stream ends
 * once the run has ended and every event was sent.
 */
import { formatEvent, streamProgress, type ProgressSource } from '../../server/sse';
import type { Progress, ProgressEvent, RunStatus } from '../../workflows/types';

function progress(events: ProgressEvent[], status: RunStatus = 'running', lastSeq = events.at(-1)?.seq ?? 0): Progress {
  return {
    runId: 'hello/1',
    swarm: 'hello',
    version: 1,
    status,
    steps: { greet: status === 'running' ? 'running' : 'succeeded' },
    usage: { steps: 1, tokens: 10 },
    budget: { steps: 100, tokens: 1000 },
    agents: { running: 0, queued: 0, done: 0 },
    subAgents: {},
    currentSteps: [],
    continuedAsNew: 0,
    historyLength: 10,
    events,
    lastSeq,
  };
}

const ev = (seq: number, type: ProgressEvent['type'] = 'step.started'): ProgressEvent => ({ seq, type, step: 'greet' });

/** A run whose events appear over time: `visibleAt(i)` events exist at poll i; it ends after poll `endAfterPoll`. */
function scripted(all: ProgressEvent[], visibleAt: (poll: number) => number, endAfterPoll: number | null, finalStatus: RunStatus = 'succeeded') {
  let polls = 0;
  const asked: number[] = [];
  const src: ProgressSource = {
    async poll(after) {
      asked.push(after);
      const n = visibleAt(polls++);
      const ended = endAfterPoll !== null && polls > endAfterPoll;
      const visible = all.slice(0, n);
      return progress(visible.filter((e) => e.seq > after).slice(0, 500), ended ? finalStatus : 'running', visible.at(-1)?.seq ?? 0);
    },
    async ended() {
      return endAfterPoll !== null && polls > endAfterPoll ? finalStatus : null;
    },
  };
  return { src, asked };
}

async function collect(src: ProgressSource, o: { after?: number; heartbeatMs?: number; pollMs?: number } = {}): Promise<string> {
  let out = '';
  await streamProgress(src, { write: (s) => void (out += s) }, { after: o.after ?? 0, pollMs: o.pollMs ?? 1, heartbeatMs: o.heartbeatMs ?? 60_000, signal: new AbortController().signal });
  return out;
}

const ids = (out: string): number[] => [...out.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));

describe('streamProgress', () => {
  test('each event once, with its seq as id, then end', async () => {
    const all = [ev(1, 'run.started'), ev(2), ev(3, 'step.finished'), ev(4, 'run.finished')];
    const { src } = scripted(all, (p) => Math.min(all.length, p + 1), 3);
    const out = await collect(src);
    expect(ids(out)).toEqual([1, 2, 3, 4]);
    expect(out.startsWith('retry: 2000\n\n')).toBe(true);
    expect(out).toContain(formatEvent(ev(2)));
    expect(out).toMatch(/event: end\ndata: \{"status":"succeeded"\}\n\n$/);
    expect(out).toContain('event: progress\ndata: {"runId":"hello/1"');
  });

  test('resumes after the given id: earlier events are not sent again', async () => {
    const all = [ev(1, 'run.started'), ev(2), ev(3), ev(4, 'run.finished')];
    const { src, asked } = scripted(all, () => all.length, 0);
    const out = await collect(src, { after: 2 });
    expect(ids(out)).toEqual([3, 4]);
    expect(asked[0]).toBe(2);
  });

  test('more than one page of events: polls again at once until caught up', async () => {
    const all = Array.from({ length: 1200 }, (_, i) => ev(i + 1, i === 1199 ? 'run.finished' : 'usage'));
    const { src } = scripted(all, () => all.length, 0);
    const out = await collect(src);
    const got = ids(out);
    expect(got).toHaveLength(1200);
    expect(got).toEqual([...got].sort((a, b) => a - b));
  });

  test('while no worker answers (null), it checks whether the run ended and ends with its status', async () => {
    let polls = 0;
    const src: ProgressSource = {
      poll: async () => {
        polls++;
        return null;
      },
      ended: async () => (polls >= 3 ? 'cancelled' : null),
    };
    const out = await collect(src);
    expect(ids(out)).toEqual([]);
    expect(out).toMatch(/event: end\ndata: \{"status":"cancelled"\}/);
  });

  test('keep-alive comments during silence', async () => {
    let polls = 0;
    const src: ProgressSource = {
      poll: async () => progress([], 'running'),
      ended: async () => (++polls >= 6 ? 'succeeded' : null),
    };
    const out = await collect(src, { heartbeatMs: 0, pollMs: 2 });
    expect(out).toMatch(/^: keep-alive /m);
  });

  test('a client that goes away stops the loop', async () => {
    const ctl = new AbortController();
    let polls = 0;
    const src: ProgressSource = {
      poll: async () => {
        if (++polls === 3) ctl.abort();
        return progress([], 'running');
      },
      ended: async () => null,
    };
    await streamProgress(src, { write: () => undefined }, { after: 0, pollMs: 1, heartbeatMs: 60_000, signal: ctl.signal });
    expect(polls).toBe(3);
  });

  test('a run that does not exist: the error reaches the caller', async () => {
    const src: ProgressSource = { poll: () => Promise.reject(new Error('run x does not exist')), ended: async () => null };
    await expect(collect(src)).rejects.toThrow(/does not exist/);
  });
});
