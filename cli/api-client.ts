/**
 * A client of the swarmflow REST API, for `swarmflow --api URL ...` and for
 * programs. Its methods mirror the CLI commands. Every answer is checked
 * against the API's own JSON Schemas (server/schemas.ts) before it is
 * returned, and every failure is an `ApiClientError` whose message is one
 * line (the located problems of an invalid definition are in `details`,
 * one `file:line:col: message` each, for the CLI to print).
 *
 * `events()` follows a run's server-sent events as an async iterator and
 * reconnects by itself with `Last-Event-ID`, so a dropped connection loses
 * nothing.
 */
import type { PoolStatus } from '../activities/inference/pool';
import type { SkillSummary } from '../activities/skills/types';
import type { Diagnostic } from '../dsl/diagnostic';
import type { Json, SwarmIR } from '../dsl/ir';
import type { ExportedRun } from '../runtime/history';
import { isRunStatus } from '../server/store/rows';
import { locatedErrors, validatorFor } from '../server/validation';
import type { DefinitionSummary, Layout, StoredDefinition } from '../server/store/types';
import type { Progress, ProgressEvent, RunStatus, Usage } from '../workflows/types';

/** An API answer that is an error, or an API that cannot be reached. */
export class ApiClientError extends Error {
  constructor(
    message: string,
    /** HTTP status; 0 when the server could not be reached. */
    readonly status: number,
    /** The API's error code (`not_found`, `invalid_definition`...), or `unreachable` / `bad_response`. */
    readonly code: string,
    readonly details: string[] = [],
    readonly diagnostics: Diagnostic[] = [],
  ) {
    super(message);
    this.name = 'ApiClientError';
  }
}

export interface ValidateResult {
  valid: boolean;
  diagnostics: Diagnostic[];
  errors: string[];
}

export interface RunLinks {
  self: string;
  events: string;
  history: string;
  ui: string | null;
}

export interface StartedRunView {
  id: string;
  swarm: string;
  version: number;
  irSha256: string;
  status: 'running';
  startedAt: string;
  startedBy: string;
  links: RunLinks;
}

export interface RunView {
  id: string;
  swarm: string;
  version: number | null;
  irSha256: string | null;
  status: RunStatus;
  temporalStatus: string;
  startedAt: string;
  closedAt: string | null;
  startedBy: string | null;
  progress: Progress | null;
  output: Json;
  error: string | null;
  usage: Usage | null;
  links: RunLinks;
}

export interface RunListItem {
  id: string;
  swarm: string;
  version: number | null;
  status: RunStatus;
  startedAt: string;
  closedAt: string | null;
  steps: number | null;
  tokens: number | null;
  startedBy: string | null;
}

export interface PutSwarmResult {
  outcome: 'created' | 'unchanged' | 'replaced';
  definition: StoredDefinition;
}

export type StartRunRequest = ({ yaml: string; file?: string } | { swarm: string; version?: number }) & { input?: Json; id?: string };

/** One server-sent event: a progress event (with its `seq` as id), a `progress` snapshot, `end` or `error`. */
export type RunEvent =
  | { event: ProgressEvent['type']; id: number; data: ProgressEvent }
  | { event: 'progress'; id: null; data: Omit<Progress, 'events'> }
  | { event: 'end'; id: null; data: { status: RunStatus } }
  | { event: 'error'; id: null; data: { message: string } };

export interface EventsOptions {
  /** Start after this sequence number (default 0: every event). */
  after?: number;
  signal?: AbortSignal;
  /** Reconnections in a row without receiving anything before giving up (default 10). */
  maxReconnects?: number;
}

export interface ApiClient {
  readonly baseUrl: string;
  health(): Promise<{ status: 'ok' }>;
  validate(yaml: string, file?: string): Promise<ValidateResult>;
  compile(yaml: string, file?: string): Promise<SwarmIR>;
  putSwarm(name: string, yaml: string, o?: { file?: string; layout?: Layout | null }): Promise<PutSwarmResult>;
  getSwarm(name: string, version?: number): Promise<StoredDefinition>;
  listSwarms(): Promise<DefinitionSummary[]>;
  /** Starts a run (`swarmflow run`). */
  run(req: StartRunRequest): Promise<StartedRunView>;
  status(id: string): Promise<RunView>;
  /** Recent runs (`swarmflow ls`). */
  list(o?: { limit?: number; swarm?: string }): Promise<RunListItem[]>;
  signal(id: string, name: string, payload?: Json): Promise<{ id: string; signal: string; sent: true }>;
  cancel(id: string): Promise<{ id: string; cancelRequested: true }>;
  history(id: string): Promise<ExportedRun>;
  skills(): Promise<SkillSummary[]>;
  pool(): Promise<PoolStatus>;
  events(id: string, o?: EventsOptions): AsyncIterable<RunEvent>;
}

function oneLine(s: string): string {
  return (s.split('\n')[0] ?? '').slice(0, 500);
}

function reachError(baseUrl: string, err: unknown): ApiClientError {
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : err instanceof Error ? err.message : String(err);
  return new ApiClientError(`cannot reach the swarmflow API at ${baseUrl} (${oneLine(cause)}): start it with \`swarmflow dev\`, or check --api`, 0, 'unreachable');
}

/** Reads an error answer; tolerates a body that is not ours (a proxy's page). */
function errorFrom(status: number, text: string, what: string): ApiClientError {
  let body: unknown = null;
  try {
    body = JSON.parse(text) as unknown;
  } catch {
    // not JSON: fall through
  }
  if (validatorFor('Error')(body)) {
    const e = (body as { error: { code: string; message: string; details: string[]; diagnostics?: Diagnostic[] } }).error;
    return new ApiClientError(oneLine(e.message), status, e.code, e.details, e.diagnostics ?? []);
  }
  return new ApiClientError(`${what} answered HTTP ${status}${text ? `: ${oneLine(text).slice(0, 200)}` : ''}`, status, 'bad_response');
}

const enc = encodeURIComponent;

export function apiClient(baseUrl: string, key?: string): ApiClient {
  let base: URL;
  try {
    base = new URL(baseUrl);
  } catch {
    throw new ApiClientError(`--api ${baseUrl} is not a URL (expected e.g. http://127.0.0.1:8787)`, 0, 'usage');
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new ApiClientError(`--api ${baseUrl} must be an http:// or https:// URL`, 0, 'usage');
  const root = base.toString().replace(/\/+$/, '');
  const auth: Record<string, string> = key ? { Authorization: `Bearer ${key}` } : {};

  async function request<T>(method: string, path: string, schema: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(root + path, {
        method,
        headers: { ...auth, Accept: 'application/json', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (err) {
      throw reachError(root, err);
    }
    const text = await res.text();
    if (!res.ok) throw errorFrom(res.status, text, `${method} ${path}`);
    let json: unknown;
    try {
      json = JSON.parse(text) as unknown;
    } catch {
      throw new ApiClientError(`${method} ${path} answered with something that is not JSON`, res.status, 'bad_response');
    }
    const v = validatorFor(schema);
    if (!v(json)) throw new ApiClientError(`${method} ${path} answered with an unexpected shape (${locatedErrors(v.errors, 'answer').slice(0, 3).join('; ')}): is ${root} a swarmflow API of this version?`, res.status, 'bad_response');
    return json as T;
  }

  const runPath = (id: string): string => `/v1/runs/${enc(id)}`;

  return {
    baseUrl: root,
    health: () => request('GET', '/v1/health', 'Health'),
    validate: (yaml, file) => request('POST', '/v1/validate', 'ValidateResult', { yaml, ...(file ? { file } : {}) }),
    compile: async (yaml, file) => (await request<{ ir: SwarmIR }>('POST', '/v1/compile', 'CompileResult', { yaml, ...(file ? { file } : {}) })).ir,
    putSwarm: (name, yaml, o = {}) => request('PUT', `/v1/swarms/${enc(name)}`, 'PutSwarmResult', { yaml, ...(o.file ? { file: o.file } : {}), ...(o.layout !== undefined ? { layout: o.layout } : {}) }),
    getSwarm: (name, version) => request('GET', version === undefined ? `/v1/swarms/${enc(name)}` : `/v1/swarms/${enc(name)}/versions/${version}`, 'SwarmDefinition'),
    listSwarms: async () => (await request<{ swarms: DefinitionSummary[] }>('GET', '/v1/swarms', 'SwarmList')).swarms,
    run: (req) => request('POST', '/v1/runs', 'StartRunResult', req),
    status: (id) => request('GET', runPath(id), 'Run'),
    list: async (o = {}) => {
      const q = new URLSearchParams();
      if (o.limit !== undefined) q.set('limit', String(o.limit));
      if (o.swarm !== undefined) q.set('swarm', o.swarm);
      const qs = q.toString();
      return (await request<{ runs: RunListItem[] }>('GET', `/v1/runs${qs ? `?${qs}` : ''}`, 'RunList')).runs;
    },
    signal: (id, name, payload) => request('POST', `${runPath(id)}/signals/${enc(name)}`, 'SignalResult', payload === undefined ? {} : { payload }),
    cancel: (id) => request('POST', `${runPath(id)}/cancel`, 'CancelResult', {}),
    history: (id) => request('GET', `${runPath(id)}/history`, 'RunHistory'),
    skills: async () => (await request<{ skills: SkillSummary[] }>('GET', '/v1/skills', 'SkillList')).skills,
    pool: () => request('GET', '/v1/pool', 'PoolStatus'),
    events: (id, o = {}) => followEvents(`${root}${runPath(id)}/events`, auth, o),
  };
}

/** Parses one SSE block (`field: value` lines); null for comments and `retry:` only blocks. */
function parseBlock(block: string): { id: string | null; event: string; data: string; retry: number | null } | null {
  let id: string | null = null;
  let event = 'message';
  const data: string[] = [];
  let retry: number | null = null;
  for (const line of block.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const i = line.indexOf(':');
    const field = i < 0 ? line : line.slice(0, i);
    const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
    if (field === 'id') id = value;
    else if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
    else if (field === 'retry' && /^\d+$/.test(value)) retry = Number(value);
  }
  if (data.length === 0) return retry === null ? null : { id, event: '', data: '', retry };
  return { id, event, data: data.join('\n'), retry };
}

function toRunEvent(b: { id: string | null; event: string; data: string }): RunEvent | null {
  let data: unknown;
  try {
    data = JSON.parse(b.data) as unknown;
  } catch {
    return null;
  }
  if (typeof data !== 'object' || data === null) return null;
  const d = data as Record<string, unknown>;
  if (b.event === 'end') return isRunStatus(d.status) ? { event: 'end', id: null, data: { status: d.status } } : null;
  if (b.event === 'error') return { event: 'error', id: null, data: { message: typeof d.message === 'string' ? d.message : 'the event stream failed' } };
  if (b.event === 'progress') return validatorFor('Progress')({ ...d, events: [] }) ? { event: 'progress', id: null, data: d as unknown as Omit<Progress, 'events'> } : null;
  if (validatorFor('ProgressEvent')(d) && b.id !== null && /^\d+$/.test(b.id)) {
    const e = d as unknown as ProgressEvent;
    return { event: e.type, id: Number(b.id), data: e };
  }
  return null;
}

async function* followEvents(url: string, auth: Record<string, string>, o: EventsOptions): AsyncGenerator<RunEvent> {
  let after = o.after ?? 0;
  let retryMs = 2000;
  let failures = 0;
  const max = o.maxReconnects ?? 10;
  for (;;) {
    if (o.signal?.aborted) return;
    let res: Response | null = null;
    try {
      res = await fetch(url, { headers: { ...auth, Accept: 'text/event-stream', ...(after > 0 ? { 'Last-Event-ID': String(after) } : {}) }, ...(o.signal ? { signal: o.signal } : {}) });
    } catch (err) {
      if (o.signal?.aborted) return;
      if (++failures > max) throw reachError(url, err);
    }
    if (res && !res.ok) throw errorFrom(res.status, await res.text(), `GET ${url}`);
    let received = false;
    if (res?.body) {
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      let buf = '';
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += decoder.decode(value, { stream: true }).replace(/\r\n?/g, '\n');
          let cut: number;
          while ((cut = buf.indexOf('\n\n')) >= 0) {
            const block = parseBlock(buf.slice(0, cut));
            buf = buf.slice(cut + 2);
            if (!block) continue;
            received = true;
            failures = 0;
            if (block.retry !== null) retryMs = block.retry;
            if (block.data === '') continue;
            const ev = toRunEvent(block);
            if (!ev) continue;
            if (ev.id !== null) {
              if (ev.id <= after) continue;
              after = ev.id;
            }
            yield ev;
            if (ev.event === 'end') return;
          }
        }
      } catch (err) {
        if (o.signal?.aborted) return;
        if (++failures > max) throw reachError(url, err);
      } finally {
        await reader.cancel().catch(() => undefined);
      }
    }
    // The stream ended without `end`: the connection dropped. Resume after the last event.
    if (res && !received && ++failures > max) throw new ApiClientError(`the event stream of ${url} keeps closing without events`, 0, 'unreachable');
    await new Promise((r) => setTimeout(r, retryMs));
  }
}
