/**
 * Starting, inspecting, signalling, cancelling and exporting runs. A run
 * starts from YAML sent with the request (`inline`) or from a stored
 * definition (`stored`, which freezes that version). Its metadata (who
 * started it, from which definition) is kept in the run store; its state
 * always comes from Temporal.
 */
import type { Request, Response } from 'express';
import type { Json, SwarmIR } from '../../dsl/ir';
import { newRunId, startRun } from '../../runtime/runs';
import { checkInput } from '../input-check';
import type { RunStatus } from '../../workflows/types';
import { compileOrThrow, DEFAULT_FILE } from '../definitions';
import { ApiError } from '../errors';
import { SIGNAL_NAME, SWARM_NAME } from '../schemas';
import { isRunStatus } from '../store/rows';
import type { RunRecord, StoredDefinition } from '../store/types';
import { memoOf, statusOf } from '../temporal';
import { checkBody } from '../validation';
import { principalName, runIdParam, runLinks, type Ctx } from '../context';

interface StartRunBody {
  yaml?: string;
  file?: string;
  swarm?: string;
  version?: number;
  input?: Json;
  id?: string;
}

function jsonBody(req: Request): unknown {
  const b = req.parsedBody;
  return b && b.kind === 'json' ? b.value : undefined;
}

export async function startRunHandler(ctx: Ctx, req: Request, res: Response): Promise<void> {
  const raw = jsonBody(req);
  if (raw === undefined) throw new ApiError('bad_request', 'send JSON {"yaml": "...", "input": {...}} or {"swarm": "name", "version": 3, "input": {...}}');
  const b = checkBody<StartRunBody>('StartRunBody', raw);
  let ir: SwarmIR;
  let stored: StoredDefinition | null = null;
  if (b.yaml !== undefined) {
    ir = compileOrThrow(ctx.compiler, b.yaml, b.file ?? DEFAULT_FILE);
    // Running YAML identical to a stored version uses (and freezes) that version too.
    const same = await ctx.store.getDefinition(ir.name, ir.version);
    if (same && same.irSha256 === ir.sha256) stored = same;
  } else {
    const name = b.swarm;
    if (name === undefined) throw new ApiError('invalid_body', 'give exactly one of "yaml" or "swarm"');
    stored = await ctx.store.getDefinition(name, b.version ?? null);
    if (!stored) throw new ApiError('not_found', b.version === undefined ? `swarm "${name}" is not stored (store it with PUT /v1/swarms/${name})` : `version ${b.version} of swarm "${name}" is not stored`);
    ir = compileOrThrow(ctx.compiler, stored.yaml, `${name}.swarm.yaml`);
  }
  const input: Json = b.input ?? {};
  // Bounded: patterns only see short strings, and a too-deep input is a 400 (server/input-check.ts).
  checkInput(ir, input);
  const id = `${ir.name}/${b.id ?? newRunId()}`;
  // Temporal would reuse the id of a closed run; a run id names one run forever.
  if (b.id !== undefined && ((await ctx.store.getRun(id)) || (await exists(ctx, id)))) throw new ApiError('conflict', `run ${id} already exists: choose another id, or leave "id" out for a random one`);
  if (stored) await ctx.store.markUsed(stored.name, stored.version, id);
  await ctx.runs.call(id, (c) => startRun(c, { ir, input, runId: id.slice(ir.name.length + 1) }));
  const record: RunRecord = { id, swarm: ir.name, version: ir.version, irSha256: ir.sha256, source: b.yaml !== undefined ? 'inline' : 'stored', startedAt: new Date().toISOString(), startedBy: principalName(req), status: 'running', closedAt: null };
  await ctx.store.recordRun(record);
  const links = runLinks(ctx, id);
  res.status(201).setHeader('Location', links.self);
  res.json({ id, swarm: ir.name, version: ir.version, irSha256: ir.sha256, status: 'running', startedAt: record.startedAt, startedBy: record.startedBy, links });
}

async function exists(ctx: Ctx, id: string): Promise<boolean> {
  try {
    await ctx.runs.describe(id);
    return true;
  } catch (err) {
    if (err instanceof ApiError && err.code === 'not_found') return false;
    throw err;
  }
}

export async function listRuns(ctx: Ctx, req: Request, res: Response): Promise<void> {
  const { limit: rawLimit, swarm } = req.query;
  let limit = 20;
  if (rawLimit !== undefined) {
    if (typeof rawLimit !== 'string' || !/^[0-9]{1,4}$/.test(rawLimit) || Number(rawLimit) < 1 || Number(rawLimit) > 500) throw new ApiError('bad_request', 'limit must be a whole number from 1 to 500', ['query/limit: out of range']);
    limit = Number(rawLimit);
  }
  if (swarm !== undefined && (typeof swarm !== 'string' || !new RegExp(SWARM_NAME).test(swarm))) throw new ApiError('bad_request', 'swarm must be a swarm name (lowercase letters, digits and "-")', ['query/swarm: does not have the expected form']);
  const rows = await ctx.runs.list({ limit, ...(typeof swarm === 'string' ? { swarm } : {}) });
  const runs = [];
  for (const r of rows) {
    const rec = await ctx.store.getRun(r.id);
    runs.push({ ...r, startedBy: rec?.startedBy ?? null });
  }
  res.json({ runs });
}

export async function getRun(ctx: Ctx, req: Request, res: Response): Promise<void> {
  const id = runIdParam(req);
  const desc = await ctx.runs.describe(id);
  const memo = memoOf(desc);
  const rec = await ctx.store.getRun(id);
  const running = desc.status.name === 'RUNNING';
  const progress = await ctx.runs.progress(id, Number.MAX_SAFE_INTEGER, running ? undefined : 2000);
  const sa = desc.searchAttributes as Record<string, unknown[] | undefined>;
  const reported = sa.SwarmStatus?.[0];
  let status: RunStatus = statusOf(desc.status.name, progress?.status ?? (isRunStatus(reported) ? reported : null));
  let output: Json = null;
  let error: string | null = null;
  let usage = progress?.usage ?? null;
  if (!running) {
    const outcome = await ctx.runs.outcome(id);
    status = outcome.status;
    output = outcome.output;
    error = outcome.error;
    usage = outcome.result?.usage ?? usage;
  }
  const closedAt = desc.closeTime ? desc.closeTime.toISOString() : null;
  if (rec && (rec.status !== status || rec.closedAt !== closedAt)) await ctx.store.setRunStatus(id, status, closedAt);
  res.json({
    id,
    swarm: memo.swarm ?? rec?.swarm ?? progress?.swarm ?? (id.split('/')[0] as string),
    version: memo.version ?? rec?.version ?? progress?.version ?? null,
    irSha256: memo.irSha256 ?? rec?.irSha256 ?? null,
    status,
    temporalStatus: desc.status.name,
    startedAt: desc.startTime.toISOString(),
    closedAt,
    startedBy: rec?.startedBy ?? null,
    progress,
    output,
    error,
    usage,
    links: runLinks(ctx, id),
  });
}

export async function signalRun(ctx: Ctx, req: Request, res: Response): Promise<void> {
  const id = runIdParam(req);
  const name = req.params.name;
  if (typeof name !== 'string' || !new RegExp(SIGNAL_NAME).test(name)) throw new ApiError('bad_request', `"${String(name).slice(0, 80)}" is not a signal a waitFor step can wait for (letters, digits, "_", "." and "-", not starting with "swarmflow.")`);
  const raw = jsonBody(req);
  const b = raw === undefined ? {} : checkBody<{ payload?: Json }>('SignalBody', raw);
  await ctx.runs.signal(id, name, b.payload ?? {});
  res.status(202).json({ id, signal: name, sent: true });
}

export async function cancelRun(ctx: Ctx, req: Request, res: Response): Promise<void> {
  const id = runIdParam(req);
  const raw = jsonBody(req);
  if (raw !== undefined) checkBody('CancelBody', raw);
  await ctx.runs.cancel(id);
  res.status(202).json({ id, cancelRequested: true });
}

export async function runHistory(ctx: Ctx, req: Request, res: Response): Promise<void> {
  const id = runIdParam(req);
  const exported = await ctx.runs.history(id);
  res.setHeader('Content-Disposition', `attachment; filename="${id.replace('/', '_')}.history.json"`);
  res.json(exported);
}
