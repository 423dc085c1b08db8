/**
 * The API client: the `/v1` routes the editor uses, on the origin that served
 * it. Every answer is checked before use; failures become ApiFailure with the
 * server's message (and its located diagnostics, for definitions).
 */
import { CODES } from '../../../dsl/codes';
import type { Code } from '../../../dsl/codes';
import type { Diagnostic } from '../../../dsl/diagnostic';
import { record } from '../model/wire';
import type { Json } from '../../../dsl/ir';
import { parseLayout } from '../model/sidecar';
import type { Layout } from '../model/sidecar';
import { createSseParser } from '../model/sse';
import type { SseMessage } from '../model/sse';

/** Thrown when the API answers with an error (or not at all): `message` is the server's own sentence. */
export class ApiFailure extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly diagnostics: Diagnostic[] = [],
  ) {
    super(message);
    this.name = 'ApiFailure';
  }
}

export interface SwarmSummary {
  name: string;
  latest: number | null;
  description: string | null;
}

export interface StoredSwarm {
  name: string;
  version: number;
  yaml: string;
  layout: Layout;
}

export interface StartedRun {
  id: string;
  temporalUi: string | null;
}

const KEY_STORAGE = 'swarmflow.apiKey';

const rec = record;

function isCode(c: unknown): c is Code {
  return typeof c === 'string' && Object.hasOwn(CODES, c);
}

function diagnosticsOf(v: unknown): Diagnostic[] {
  if (!Array.isArray(v)) return [];
  const out: Diagnostic[] = [];
  for (const d of v) {
    const r = rec(d);
    if (!r) continue;
    const { file, line, col, message, code, ptr } = r;
    if (typeof file === 'string' && typeof line === 'number' && typeof col === 'number' && typeof message === 'string' && isCode(code) && typeof ptr === 'string') {
      out.push({ file, line, col, message, code, ptr });
    }
  }
  return out;
}

export class ApiClient {
  constructor(private readonly base = '') {}

  get key(): string | null {
    try {
      return localStorage.getItem(KEY_STORAGE);
    } catch {
      return null;
    }
  }

  set key(k: string | null) {
    try {
      if (k) localStorage.setItem(KEY_STORAGE, k);
      else localStorage.removeItem(KEY_STORAGE);
    } catch {
      // Storage may be off (private mode): the key then lasts for this page only.
    }
  }

  private headers(json: boolean): Record<string, string> {
    const h: Record<string, string> = { Accept: 'application/json' };
    if (json) h['Content-Type'] = 'application/json';
    const key = this.key;
    if (key) h.Authorization = `Bearer ${key}`;
    return h;
  }

  private async request(method: string, path: string, body?: unknown): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(this.base + path, { method, headers: this.headers(body !== undefined), body: body === undefined ? undefined : JSON.stringify(body) });
    } catch {
      throw new ApiFailure(`the API at ${this.base || location.origin} did not answer; is \`swarmflow dev\` running?`, 0, 'unreachable');
    }
    const text = await res.text();
    let data: unknown = null;
    try {
      data = text === '' ? null : JSON.parse(text);
    } catch {
      data = null;
    }
    if (!res.ok) {
      const err = rec(rec(data)?.error);
      const message = typeof err?.message === 'string' ? err.message : `${method} ${path} failed with HTTP ${res.status}`;
      throw new ApiFailure(message, res.status, typeof err?.code === 'string' ? err.code : 'http', diagnosticsOf(err?.diagnostics));
    }
    return data;
  }

  async listSwarms(): Promise<SwarmSummary[]> {
    const data = rec(await this.request('GET', '/v1/swarms'));
    const list = Array.isArray(data?.swarms) ? data.swarms : [];
    const out: SwarmSummary[] = [];
    for (const s of list) {
      const r = rec(s);
      if (!r || typeof r.name !== 'string') continue;
      out.push({ name: r.name, latest: typeof r.latest === 'number' ? r.latest : null, description: typeof r.description === 'string' ? r.description : null });
    }
    return out;
  }

  async getSwarm(name: string): Promise<StoredSwarm> {
    const r = rec(await this.request('GET', `/v1/swarms/${encodeURIComponent(name)}`));
    const def = rec(r?.definition) ?? r;
    if (!def || typeof def.yaml !== 'string') throw new ApiFailure(`the API's answer for swarm "${name}" holds no YAML`, 200, 'bad_answer');
    return { name, version: typeof def.version === 'number' ? def.version : 0, yaml: def.yaml, layout: parseLayout(def.layout) };
  }

  /** Stores a definition with its layout; the server validates it first (400 with diagnostics when invalid). */
  async putSwarm(name: string, yaml: string, layout: Layout): Promise<{ outcome: string; version: number | null }> {
    const r = rec(await this.request('PUT', `/v1/swarms/${encodeURIComponent(name)}`, { yaml, layout }));
    const def = rec(r?.definition);
    return { outcome: typeof r?.outcome === 'string' ? r.outcome : 'stored', version: typeof def?.version === 'number' ? def.version : null };
  }

  async startRun(yaml: string, input: Json): Promise<StartedRun> {
    const r = rec(await this.request('POST', '/v1/runs', { yaml, input }));
    if (!r || typeof r.id !== 'string') throw new ApiFailure('the API started a run but did not say its id', 200, 'bad_answer');
    const ui = rec(r.links)?.ui;
    return { id: r.id, temporalUi: typeof ui === 'string' ? ui : null };
  }

  /** `GET /v1/runs/:id`: status, progress (with sub-agents), links. */
  async getRun(id: string): Promise<unknown> {
    return this.request('GET', `/v1/runs/${encodeURIComponent(id)}`);
  }

  async signal(id: string, name: string, payload: Json): Promise<void> {
    await this.request('POST', `/v1/runs/${encodeURIComponent(id)}/signals/${encodeURIComponent(name)}`, { payload });
  }

  async cancel(id: string): Promise<void> {
    await this.request('POST', `/v1/runs/${encodeURIComponent(id)}/cancel`, {});
  }

  /**
   * Follows the run's event stream until it ends or `signal` aborts,
   * reconnecting after drops from the last event seen. Uses fetch, not
   * EventSource, so the API key can go in a header.
   */
  async followEvents(id: string, onMessage: (m: SseMessage) => void, signal: AbortSignal): Promise<void> {
    let lastId: string | null = null;
    let ended = false;
    const handle = (m: SseMessage): void => {
      if (m.event === 'end') ended = true;
      onMessage(m);
    };
    for (let attempt = 0; !signal.aborted && !ended; attempt++) {
      const parser = createSseParser(handle);
      try {
        const headers: Record<string, string> = { ...this.headers(false), Accept: 'text/event-stream' };
        if (lastId) headers['Last-Event-ID'] = lastId;
        const res = await fetch(`${this.base}/v1/runs/${encodeURIComponent(id)}/events`, { headers, signal });
        if (!res.ok || !res.body) throw new ApiFailure(`the event stream of ${id} answered HTTP ${res.status}`, res.status, 'http');
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          parser.push(value);
          lastId = parser.lastId() ?? lastId;
        }
      } catch (err) {
        if (signal.aborted) return;
        if (err instanceof ApiFailure && err.status >= 400 && err.status < 500 && err.status !== 429) throw err;
      }
      if (!ended && !signal.aborted) await new Promise((r) => setTimeout(r, Math.min(5000, 500 * (attempt + 1))));
    }
  }
}
