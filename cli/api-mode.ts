/**
 * The commands over the REST API (`--api URL`, key from SWARMFLOW_API_KEY):
 * the same output and exit codes as the Temporal-direct commands, for people
 * who reach swarmflow only through its API server.
 */
import * as fs from 'node:fs';
import type { Json } from '../dsl/ir';
import { exitCodeFor, type RunOutcome } from '../runtime/runs';
import type { ProgressEvent } from '../workflows/types';
import { apiClient, ApiClientError, type ApiClient } from './api-client';
import { FollowDisplay } from './follow';
import { oneLine, parseJsonArg, UsageError, type Io } from './io';
import { readInput, type GlobalOpts } from './runs';

function client(g: GlobalOpts): ApiClient {
  if (!g.api) throw new UsageError('--api needs a URL');
  return apiClient(g.api, process.env.SWARMFLOW_API_KEY);
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${oneLine(err)}`);
  }
}

/** Maps an API error to the CLI's exit codes: located definition errors print as file:line:col. */
export function apiErrorExit(err: unknown, io: Io): number {
  if (!(err instanceof ApiClientError)) throw err;
  if (err.code === 'invalid_definition') {
    for (const d of err.details) io.err(d);
    return 1;
  }
  io.err(`error: ${err.message}`);
  return err.code === 'invalid_input' || err.code === 'malformed_json' ? 2 : 1;
}

export async function apiValidate(files: string[], g: GlobalOpts, io: Io): Promise<number> {
  const api = client(g);
  let invalid = 0;
  for (const file of files) {
    const r = await api.validate(readText(file), file);
    for (const e of r.errors) io.err(e);
    if (!r.valid) invalid++;
    else if (!g.json) io.out(`${file}: valid`);
  }
  return invalid > 0 ? 1 : 0;
}

export async function apiCompile(file: string, o: { out?: string }, g: GlobalOpts, io: Io): Promise<number> {
  const ir = await client(g).compile(readText(file), file);
  const text = JSON.stringify(ir, null, 2);
  if (o.out) fs.writeFileSync(o.out, `${text}\n`);
  else io.out(text);
  return 0;
}

export async function apiRun(file: string, o: { input?: string; follow?: boolean; wait?: boolean; id?: string }, g: GlobalOpts, io: Io): Promise<number> {
  const api = client(g);
  const started = await api.run({ yaml: readText(file), file, input: readInput(o.input), id: o.id });
  if (!o.follow && !o.wait) {
    io.out(g.json ? JSON.stringify({ id: started.id, status: 'running', ui: started.links.ui }) : `started ${started.id}${started.links.ui ? `\nTemporal UI: ${started.links.ui}` : ''}`);
    return 0;
  }
  if (!g.json && o.follow) io.out(`started ${started.id}`);
  const display = o.follow && !g.json ? new FollowDisplay(io) : null;
  let pending: ProgressEvent[] = [];
  for await (const e of api.events(started.id)) {
    if (e.event === 'end') break;
    if (e.event === 'error') throw new Error(e.data.message);
    if (e.event === 'progress') {
      display?.update({ ...e.data, events: pending });
      pending = [];
    } else pending.push(e.data);
  }
  const view = await api.status(started.id);
  const outcome: RunOutcome = { status: view.status, output: view.output, error: view.error, result: null };
  if (g.json) io.out(JSON.stringify({ id: view.id, status: view.status, output: view.output, error: view.error, usage: view.usage, ui: view.links.ui }));
  else {
    display?.finish();
    io.out(`${view.status}  ${view.id}`);
    if (view.error) io.out(`error: ${view.error}`);
    if (view.usage) io.out(`steps ${view.usage.steps}, tokens ${view.usage.tokens}`);
    io.out(typeof view.output === 'string' ? view.output : JSON.stringify(view.output, null, 2));
    if (view.links.ui) io.out(`Temporal UI: ${view.links.ui}`);
  }
  return exitCodeFor(outcome.status);
}

export async function apiStatus(id: string, g: GlobalOpts, io: Io): Promise<number> {
  const v = await client(g).status(id);
  if (g.json) io.out(JSON.stringify(v));
  else {
    io.out(`${v.id}  ${v.status}  (Temporal: ${v.temporalStatus})`);
    if (v.usage) io.out(`steps ${v.usage.steps}, tokens ${v.usage.tokens}`);
    for (const [step, s] of Object.entries(v.progress?.steps ?? {})) io.out(`  ${s.padEnd(10)} ${step}`);
    if (v.links.ui) io.out(`Temporal UI: ${v.links.ui}`);
  }
  return 0;
}

export async function apiLs(o: { limit?: string; swarm?: string }, g: GlobalOpts, io: Io): Promise<number> {
  const rows = await client(g).list({ limit: o.limit ? Number(o.limit) : 20, swarm: o.swarm });
  if (g.json) io.out(JSON.stringify(rows));
  else if (rows.length === 0) io.out('no runs yet');
  else for (const r of rows) io.out(`${r.startedAt}  ${r.status.padEnd(17)} ${String(r.steps ?? '-').padStart(5)} steps  ${r.id}`);
  return 0;
}

export async function apiSignal(id: string, name: string, o: { payload?: string }, g: GlobalOpts, io: Io): Promise<number> {
  const payload = (o.payload === undefined ? {} : parseJsonArg(o.payload, '--payload')) as Json;
  await client(g).signal(id, name, payload);
  io.out(g.json ? JSON.stringify({ id, signal: name, sent: true }) : `sent ${name} to ${id}`);
  return 0;
}

export async function apiCancel(id: string, g: GlobalOpts, io: Io): Promise<number> {
  await client(g).cancel(id);
  io.out(g.json ? JSON.stringify({ id, cancelRequested: true }) : `cancellation requested for ${id}`);
  return 0;
}

export async function apiHistory(id: string, o: { output?: string }, g: GlobalOpts, io: Io): Promise<number> {
  const exported = await client(g).history(id);
  const text = JSON.stringify(exported);
  if (o.output) {
    fs.writeFileSync(o.output, text);
    io.out(`wrote ${o.output}: ${exported.executions.length} executions`);
  } else io.out(text);
  return 0;
}
