/**
 * Record and replay of model calls, keyed by content: sha256 of the
 * canonical JSON of the request. `RecordingPool` stores each call's request
 * and answer in a directory; `ReplayPool` answers from that directory with
 * no model server, so a run re-executed from a recording (`--replay-llm DIR`)
 * gets the same answers. A request the recording lacks is a clear,
 * non-retryable error.
 */
import { createHash, randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InferenceError } from './errors';
import type { InferencePool, PoolStatus } from './pool';
import { schemaErrorsOf } from './structured';
import type { CallOptions, ChatRequest, ChatResponse } from './types';
import { checkChatResponse } from './user-backends';

/** JSON with sorted keys and no undefined members: equal requests give equal text. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : canonicalJson(x))).join(',')}]`;
  if (typeof v === 'object' && v !== null) {
    const entries = Object.entries(v)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** The recording key of a request: hex sha256 of its canonical JSON. */
export function requestKey(req: ChatRequest): string {
  return createHash('sha256').update(canonicalJson(req)).digest('hex');
}

/** Thrown by `ReplayPool` when the recording holds no answer for a request. */
export class ReplayMissError extends InferenceError {
  constructor(dir: string, key: string, req: ChatRequest) {
    // Names the request by hash, model and size only: no prompt text in errors or history.
    super(
      `replay: no recorded answer for this model call (request sha256:${key}, model ${req.model}, ${req.messages.length} messages) in ${dir}; ` +
        'the run diverged from the recording (changed definition, inputs or code) or it was recorded elsewhere. Record again with a live pool',
      { endpoint: null, reason: 'replay_miss', retryable: false, failover: false },
    );
    this.name = 'ReplayMissError';
  }
}

interface RecordFile {
  version: 1;
  key: string;
  request: ChatRequest;
  response: ChatResponse;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fileOf(dir: string, key: string): string {
  return path.join(dir, `${key}.json`);
}

/** Wraps a live pool and records every successful call. */
export class RecordingPool implements InferencePool {
  constructor(
    private readonly inner: InferencePool,
    readonly dir: string,
  ) {}

  async chat(req: ChatRequest, opts: CallOptions): Promise<ChatResponse> {
    const res = await this.inner.chat(req, opts);
    const key = requestKey(req);
    const record: RecordFile = { version: 1, key, request: req, response: res };
    await fs.mkdir(this.dir, { recursive: true });
    // Write then rename: a concurrent reader never sees half a record.
    const tmp = path.join(this.dir, `.${key}.${randomUUID()}.tmp`);
    await fs.writeFile(tmp, `${JSON.stringify(record, null, 1)}\n`);
    await fs.rename(tmp, fileOf(this.dir, key));
    return res;
  }

  status(): PoolStatus {
    return this.inner.status();
  }

  slots(pool: string): number {
    return this.inner.slots(pool);
  }

  probeNow(): Promise<PoolStatus> {
    return this.inner.probeNow();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/** Answers from a recording directory; needs no model server. */
export class ReplayPool implements InferencePool {
  constructor(
    readonly dir: string,
    private readonly concurrency = 64,
  ) {}

  async chat(req: ChatRequest, opts: CallOptions): Promise<ChatResponse> {
    const key = requestKey(req);
    let text: string;
    try {
      text = await fs.readFile(fileOf(this.dir, key), 'utf8');
    } catch {
      throw new ReplayMissError(this.dir, key, req);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      throw new InferenceError(`replay: ${fileOf(this.dir, key)} is not valid JSON (${e instanceof Error ? e.message : String(e)})`, {
        endpoint: null,
        reason: 'replay_miss',
        retryable: false,
        failover: false,
      });
    }
    const response = isRecord(parsed) ? parsed.response : undefined;
    const endpoint = isRecord(response) && typeof response.endpoint === 'string' ? response.endpoint : 'replay';
    const res = checkChatResponse(response, endpoint);
    opts.onProgress?.({ completionTokens: res.usage.completionTokens, endpoint: res.endpoint });
    if (req.outputSchema) res.schemaErrors = schemaErrorsOf(res.content, req.outputSchema);
    return res;
  }

  status(): PoolStatus {
    return { source: `replay ${this.dir}`, pools: [] };
  }

  slots(): number {
    return this.concurrency;
  }

  probeNow(): Promise<PoolStatus> {
    return Promise.resolve(this.status());
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
