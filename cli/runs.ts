/**
 * Commands that drive runs on Temporal directly: run, status, ls, signal,
 * cancel, rerun, history, replay. (With `--api URL` the CLI goes through the
 * REST API instead; see api-client.ts.)
 */
import type { Client } from '@temporalio/client';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compile, formatDiagnostic } from '../dsl';
import type { Json, StepIR, SwarmIR } from '../dsl/ir';
import { settingsFromEnv, type Settings } from '../runtime/config';
import { readDevInfo } from '../runtime/stack';
import { connectClient, exitCodeFor, queryProgress, startRun, waitForRun, type RunOutcome } from '../runtime/runs';
import { exportRunHistory, readExport, replayHistories } from '../runtime/history';
import { defaultBundlePath } from '../runtime/worker';
import type { Progress, StepState, SwarmWorkflowInput } from '../workflows/types';
import { FollowDisplay } from './follow';
import { oneLine, paint, parseJsonArg, UsageError, type Io } from './io';

export interface GlobalOpts {
  json?: boolean;
  api?: string;
  home?: string;
}

/** Where Temporal is: TEMPORAL_ADDRESS, else a running `swarmflow dev`, else 127.0.0.1:7233. */
export function resolveSettings(g: GlobalOpts): Settings {
  const base = settingsFromEnv(process.env, g.home ? { home: g.home } : {});
  if (process.env.TEMPORAL_ADDRESS) return base;
  const dev = readDevInfo(base.home);
  return dev ? { ...base, temporalAddress: dev.temporalAddress, namespace: dev.namespace, uiUrl: dev.uiUrl } : base;
}

export async function connect(g: GlobalOpts): Promise<{ client: Client; settings: Settings }> {
  const settings = resolveSettings(g);
  try {
    return { client: await connectClient(settings), settings };
  } catch (err) {
    throw new Error(`cannot reach Temporal at ${settings.temporalAddress} (${oneLine(err)}): start the embedded stack with \`swarmflow dev\`, or set TEMPORAL_ADDRESS`);
  }
}

/** Reads and compiles a definition; prints its diagnostics and returns null when invalid. */
export function compileFile(file: string, io: Io): SwarmIR | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${oneLine(err)}`);
  }
  const { ir, diagnostics } = compile(text, path.basename(file) === file ? file : file);
  for (const d of diagnostics) io.err(formatDiagnostic(d));
  return diagnostics.length === 0 ? ir : null;
}

export function readInput(arg: string | undefined): Json {
  if (arg === undefined) return {};
  if (arg.startsWith('@')) {
    const file = arg.slice(1);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read input file ${file}: ${oneLine(err)}`);
    }
    return parseJsonArg(text, `input file ${file}`) as Json;
  }
  return parseJsonArg(arg, '--input') as Json;
}

export function uiLink(settings: Settings, workflowId: string): string | null {
  return settings.uiUrl ? `${settings.uiUrl}/namespaces/${encodeURIComponent(settings.namespace)}/workflows/${encodeURIComponent(workflowId)}` : null;
}

export async function followRun(client: Client, id: string, io: Io, jsonOut: boolean): Promise<RunOutcome> {
  const handle = client.workflow.getHandle(id);
  const display = jsonOut ? null : new FollowDisplay(io);
  let finished = false;
  const outcome = waitForRun(handle).finally(() => {
    finished = true;
  });
  while (!finished && display) {
    try {
      display.update(await queryProgress(client, id, display.after));
    } catch {
      // No worker has picked the run up yet, or it is between executions: try again.
    }
    await Promise.race([outcome.catch(() => undefined), new Promise((r) => setTimeout(r, 400))]);
  }
  if (display) {
    try {
      display.update(await queryProgress(client, id, display.after));
    } catch {
      // A closed run's query needs a worker; the outcome below says enough.
    }
    display.finish();
  }
  return outcome;
}

export function printOutcome(io: Io, g: GlobalOpts, id: string, outcome: RunOutcome, settings: Settings): number {
  const link = uiLink(settings, id);
  if (g.json) {
    io.out(JSON.stringify({ id, status: outcome.status, output: outcome.output, error: outcome.error, usage: outcome.result?.usage ?? null, ui: link }));
  } else {
    const colour = outcome.status === 'succeeded' ? 'green' : outcome.status === 'cancelled' ? 'yellow' : 'red';
    io.out(`${paint(io, colour, outcome.status)}  ${id}`);
    if (outcome.error) io.out(`error: ${outcome.error}`);
    if (outcome.result) io.out(`steps ${outcome.result.usage.steps}, tokens ${outcome.result.usage.tokens}, continued-as-new ${outcome.result.continuedAsNew}`);
    io.out(typeof outcome.output === 'string' ? outcome.output : JSON.stringify(outcome.output, null, 2));
    if (link) io.out(`Temporal UI: ${link}`);
  }
  return exitCodeFor(outcome.status);
}

export async function runCommand(file: string, o: { input?: string; follow?: boolean; wait?: boolean; id?: string }, g: GlobalOpts, io: Io): Promise<number> {
  const input = readInput(o.input);
  const ir = compileFile(file, io);
  if (!ir) return 1;
  const { client, settings } = await connect(g);
  try {
    const { id } = await startRun(client, { ir, input, runId: o.id });
    return await afterStart(client, settings, id, o, g, io);
  } finally {
    await client.connection.close();
  }
}

async function afterStart(client: Client, settings: Settings, id: string, o: { follow?: boolean; wait?: boolean }, g: GlobalOpts, io: Io): Promise<number> {
  if (!o.follow && !o.wait) {
    const link = uiLink(settings, id);
    if (g.json) io.out(JSON.stringify({ id, status: 'running', ui: link }));
    else io.out(`started ${id}${link ? `\nTemporal UI: ${link}` : ''}`);
    return 0;
  }
  if (!g.json && o.follow) io.out(`started ${id}`);
  const outcome = o.follow ? await followRun(client, id, io, Boolean(g.json)) : await waitForRun(client.workflow.getHandle(id));
  return printOutcome(io, g, id, outcome, settings);
}

export async function statusCommand(id: string, g: GlobalOpts, io: Io): Promise<number> {
  const { client, settings } = await connect(g);
  try {
    const handle = client.workflow.getHandle(id);
    const desc = await handle.describe();
    let progress: Progress | null = null;
    try {
      progress = await queryProgress(client, id, Number.MAX_SAFE_INTEGER);
    } catch {
      progress = null;
    }
    const status = progress?.status ?? desc.status.name.toLowerCase();
    if (g.json) {
      io.out(JSON.stringify({ id, temporalStatus: desc.status.name, status, startTime: desc.startTime, closeTime: desc.closeTime ?? null, progress, ui: uiLink(settings, id) }));
      return 0;
    }
    io.out(`${id}  ${status}  (Temporal: ${desc.status.name})`);
    io.out(`started ${desc.startTime.toISOString()}${desc.closeTime ? `, closed ${desc.closeTime.toISOString()}` : ''}`);
    if (progress) {
      io.out(`steps ${progress.usage.steps}/${progress.budget.steps}, tokens ${progress.usage.tokens}/${progress.budget.tokens}, agents ${progress.agents.running} running / ${progress.agents.queued} queued / ${progress.agents.done} done, continued-as-new ${progress.continuedAsNew}`);
      for (const [step, s] of Object.entries(progress.steps)) io.out(`  ${s.padEnd(10)} ${step}`);
    }
    const link = uiLink(settings, id);
    if (link) io.out(`Temporal UI: ${link}`);
    return 0;
  } finally {
    await client.connection.close();
  }
}

export async function lsCommand(o: { limit?: string; swarm?: string }, g: GlobalOpts, io: Io): Promise<number> {
  const limit = o.limit ? Number(o.limit) : 20;
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit takes a positive whole number');
  const { client } = await connect(g);
  try {
    const query = o.swarm ? `WorkflowType = 'swarmWorkflow' AND SwarmName = '${o.swarm.replace(/'/g, '')}'` : `WorkflowType = 'swarmWorkflow'`;
    const rows: { id: string; status: string; swarm: string; started: string; steps: number | null }[] = [];
    for await (const w of client.workflow.list({ query, pageSize: limit })) {
      if (w.workflowId.split('/').length !== 2) continue; // child swarms
      const sa = w.searchAttributes as Record<string, unknown[] | undefined>;
      rows.push({ id: w.workflowId, status: String(sa.SwarmStatus?.[0] ?? w.status.name.toLowerCase()), swarm: String(sa.SwarmName?.[0] ?? ''), started: w.startTime.toISOString(), steps: typeof sa.SwarmSteps?.[0] === 'number' ? (sa.SwarmSteps[0] as number) : null });
      if (rows.length >= limit) break;
    }
    if (g.json) io.out(JSON.stringify(rows));
    else if (rows.length === 0) io.out('no runs yet');
    else for (const r of rows) io.out(`${r.started}  ${r.status.padEnd(17)} ${String(r.steps ?? '-').padStart(5)} steps  ${r.id}`);
    return 0;
  } finally {
    await client.connection.close();
  }
}

export async function signalCommand(id: string, name: string, o: { payload?: string }, g: GlobalOpts, io: Io): Promise<number> {
  const payload = o.payload === undefined ? {} : parseJsonArg(o.payload, '--payload');
  if (!/^[A-Za-z][A-Za-z0-9_.-]{0,127}$/.test(name) || name.startsWith('swarmflow.')) throw new UsageError(`"${name}" is not a signal name a waitFor step can wait for`);
  const { client } = await connect(g);
  try {
    await client.workflow.getHandle(id).signal(name, payload);
    io.out(g.json ? JSON.stringify({ id, signal: name, sent: true }) : `sent ${name} to ${id}`);
    return 0;
  } finally {
    await client.connection.close();
  }
}

export async function cancelCommand(id: string, g: GlobalOpts, io: Io): Promise<number> {
  const { client } = await connect(g);
  try {
    await client.workflow.getHandle(id).cancel();
    io.out(g.json ? JSON.stringify({ id, cancelRequested: true }) : `cancellation requested for ${id}: running steps are cancelled, finished ones are kept`);
    return 0;
  } finally {
    await client.connection.close();
  }
}

/** The first execution's input of a run (its IR and run input), for `rerun`. */
async function originalInput(client: Client, id: string): Promise<SwarmWorkflowInput> {
  const exported = await exportRunHistory(client, id);
  const first = exported.executions[0];
  const events = (first?.history as { events?: { workflowExecutionStartedEventAttributes?: { input?: { payloads?: { data?: string }[] } } }[] } | undefined)?.events;
  const data = events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0]?.data;
  if (!data) throw new Error(`run ${id} has no readable input in its history (is the payload codec on?)`);
  return JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as SwarmWorkflowInput;
}

export async function rerunCommand(id: string, o: { from: string; follow?: boolean; wait?: boolean }, g: GlobalOpts, io: Io): Promise<number> {
  const { client, settings } = await connect(g);
  try {
    const orig = await originalInput(client, id);
    const top = orig.ir.steps.map((s: StepIR) => s.id);
    const at = top.indexOf(o.from);
    if (at < 0) throw new UsageError(`step "${o.from}" is not a top-level step of swarm "${orig.ir.name}" (top-level steps: ${top.join(', ')})`);
    const outcome = await waitForRun(client.workflow.getHandle(id)).catch(() => null);
    const recorded = outcome?.result?.steps ?? (await queryProgressSteps(client, id));
    const reuse: Record<string, StepState> = {};
    for (const sid of top.slice(0, at)) {
      const s = recorded?.[sid];
      if (!s || s.status !== 'succeeded') throw new Error(`step "${sid}" of run ${id} did not succeed (${s?.status ?? 'not recorded'}), so it cannot be reused: rerun from it instead`);
      reuse[sid] = { output: s.output, status: 'succeeded' };
    }
    const started = await startRun(client, { ir: orig.ir, input: orig.input, reuse });
    if (!g.json) io.out(`rerun of ${id} from step "${o.from}" reuses ${Object.keys(reuse).join(', ') || 'nothing'}`);
    return await afterStart(client, settings, started.id, o, g, io);
  } finally {
    await client.connection.close();
  }
}

async function queryProgressSteps(client: Client, id: string): Promise<Record<string, { status: string; output: Json }> | null> {
  try {
    const p = await queryProgress(client, id, Number.MAX_SAFE_INTEGER);
    return Object.fromEntries(Object.entries(p.steps).map(([k, v]) => [k, { status: v, output: null }]));
  } catch {
    return null;
  }
}

export async function historyCommand(id: string, o: { output?: string }, g: GlobalOpts, io: Io): Promise<number> {
  const { client } = await connect(g);
  try {
    const exported = await exportRunHistory(client, id);
    const text = JSON.stringify(exported);
    if (o.output) {
      fs.writeFileSync(o.output, text);
      const events = exported.executions.reduce((n, e) => n + e.events, 0);
      io.out(g.json ? JSON.stringify({ id, file: o.output, executions: exported.executions.length, events }) : `wrote ${o.output}: ${exported.executions.length} executions, ${events} events`);
    } else io.out(text);
    return 0;
  } finally {
    await client.connection.close();
  }
}

export async function replayCommand(files: string[], g: GlobalOpts, io: Io): Promise<number> {
  if (files.length === 0) throw new UsageError('replay needs at least one exported history file');
  let diverged = 0;
  for (const file of files) {
    let json: unknown;
    try {
      json = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
    } catch (err) {
      throw new UsageError(`cannot read ${file}: ${oneLine(err)}`);
    }
    const reports = await replayHistories(readExport(json, file), defaultBundlePath());
    const bad = reports.filter((r) => !r.ok);
    diverged += bad.length;
    if (g.json) io.out(JSON.stringify({ file, executions: reports.length, diverged: bad }));
    else if (bad.length === 0) io.out(`${file}: ${reports.length} executions replay identically`);
    else for (const b of bad.slice(0, 1)) io.out(`${file}: ${b.workflowId} (${b.runId}) diverged: ${b.error}`);
  }
  return diverged > 0 ? 1 : 0;
}
