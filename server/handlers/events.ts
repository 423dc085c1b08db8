/**
 * `GET /v1/runs/:id/events`: the run's progress as server-sent events
 * (sse.ts). Resumes after `Last-Event-ID` (what browsers send when they
 * reconnect) or `?after=`; the number of open streams is capped per key and
 * in all, since each one polls Temporal.
 */
import type { Request, Response } from 'express';
import { ApiError } from '../errors';
import { isRunStatus } from '../store/rows';
import { streamProgress } from '../sse';
import { statusOf } from '../temporal';
import { principalName, runIdParam, type Ctx } from '../context';

function afterOf(req: Request): number {
  const header = req.headers['last-event-id'];
  const query = req.query.after;
  const raw = typeof header === 'string' && header !== '' ? header : query;
  if (raw === undefined) return 0;
  if (typeof raw !== 'string' || !/^[0-9]{1,15}$/.test(raw)) throw new ApiError('bad_request', 'Last-Event-ID and ?after= take the sequence number of the last event received (a whole number)');
  return Number(raw);
}

export async function runEvents(ctx: Ctx, req: Request, res: Response): Promise<void> {
  const id = runIdParam(req);
  const after = afterOf(req);
  await ctx.runs.describe(id); // 404 before the stream starts
  const who = principalName(req);
  const mine = ctx.streams.byKey.get(who) ?? 0;
  if (ctx.streams.total >= ctx.limits.streamsTotal || mine >= ctx.limits.streamsPerKey) {
    throw new ApiError('rate_limited', `too many open event streams (${mine} for "${who}", ${ctx.streams.total} in all): close one first`, [], { headers: { 'Retry-After': '5' } });
  }
  ctx.streams.total++;
  ctx.streams.byKey.set(who, mine + 1);
  const abort = new AbortController();
  const release = (): void => {
    if (abort.signal.aborted) return;
    abort.abort();
    ctx.streams.total--;
    const n = (ctx.streams.byKey.get(who) ?? 1) - 1;
    if (n <= 0) ctx.streams.byKey.delete(who);
    else ctx.streams.byKey.set(who, n);
  };
  res.on('close', release);
  res.status(200);
  res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Accel-Buffering', 'no');
  res.flushHeaders();
  try {
    await streamProgress(
      {
        poll: (a) => ctx.runs.progress(id, a),
        ended: async () => {
          const d = await ctx.runs.describe(id);
          if (d.status.name === 'RUNNING') return null;
          const reported = (d.searchAttributes as Record<string, unknown[] | undefined>).SwarmStatus?.[0];
          return statusOf(d.status.name, isRunStatus(reported) ? reported : null);
        },
      },
      { write: (s) => void res.write(s) },
      { after, pollMs: ctx.limits.pollMs, heartbeatMs: ctx.limits.heartbeatMs, signal: abort.signal },
    );
  } catch (err) {
    // The client went away (or the server is closing) first: a poll that
    // failed after that has no one to tell, and is not a server error.
    if (abort.signal.aborted) return;
    // Headers are gone: say what happened as an event, then end.
    const message = err instanceof ApiError ? err.message : 'the event stream failed: the server log has the details';
    if (!res.writableEnded) res.write(`event: error\ndata: ${JSON.stringify({ message })}\n\n`);
    if (!(err instanceof ApiError)) throw err;
  } finally {
    release();
    res.end();
  }
}
