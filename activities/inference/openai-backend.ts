/**
 * The built-in backend: any OpenAI-compatible server (vLLM, SGLang,
 * llama-server, Ollama, Moonshot, OpenAI, the simulated server) over undici
 * with no client retries (Temporal and the pool own retries).
 *
 * It always streams from the engine and buffers here: the caller gets a whole
 * answer or an error, so the pool can fail over even after the first byte.
 */
import { Agent, request, errors as undiciErrors } from 'undici';
import type { Backend, BackendCallOptions, BackendContext, Health } from './backend';
import type { EndpointConfig } from './config';
import { DIALECTS, metricValue, type Dialect } from './dialects';
import { EngineError, InferenceCancelledError, InferenceError, StreamDroppedError } from './errors';
import type { ChatRequest, ChatResponse } from './types';
import { errorForStatus, estimatePromptTokens, priorToolCalls, StreamAccumulator, toWireBody } from './wire';

type Headers = Record<string, string | string[] | undefined>;

/** `http://host:8000/v1` -> `http://host:8000`: where `/health` and `/metrics` live. */
export function rootUrl(url: string): string {
  return url.replace(/\/v1\/?$/, '');
}

function codeOf(e: unknown): string {
  if (typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string') return e.code;
  return '';
}

function describe(e: unknown): string {
  if (e instanceof Error) {
    const code = codeOf(e) || codeOf(e.cause);
    const cause = e.cause instanceof Error && e.cause.message !== e.message ? ` (${e.cause.message})` : '';
    return `${code ? `${code}: ` : ''}${e.message}${cause}`;
  }
  return String(e);
}

export class OpenAICompatibleBackend implements Backend {
  private readonly dialect: Dialect;
  private readonly agent: Agent;

  constructor(
    private readonly ep: EndpointConfig,
    private readonly ctx: BackendContext,
    dialect?: Dialect,
  ) {
    this.dialect = dialect ?? DIALECTS.openai;
    // Admission caps calls at maxConcurrency; two more sockets for probes.
    this.agent = new Agent({ connections: ep.maxConcurrency + 2, keepAliveTimeout: 30_000, pipelining: 1 });
  }

  private headers(apiKey: string | undefined, json: boolean): Record<string, string> {
    const h: Record<string, string> = { accept: json ? 'text/event-stream, application/json' : '*/*' };
    if (json) h['content-type'] = 'application/json';
    if (apiKey !== undefined) h.authorization = `Bearer ${apiKey}`;
    return h;
  }

  /** Maps a transport failure to a pool error; cancellation wins over whatever undici reported. */
  private transportError(e: unknown, signal: AbortSignal, phase: 'connect' | 'stream'): InferenceError {
    if (e instanceof InferenceError) return e;
    if (signal.aborted) return new InferenceCancelledError(this.ep.name);
    const detail = this.ctx.redact(describe(e));
    if (e instanceof undiciErrors.HeadersTimeoutError) return new EngineError(this.ep.name, `no response headers within ${this.ep.timeoutMs} ms`, 'timeout');
    if (e instanceof undiciErrors.BodyTimeoutError) return new StreamDroppedError(this.ep.name, `no data for ${this.ep.idleTimeoutMs} ms`);
    if (phase === 'stream') return new StreamDroppedError(this.ep.name, detail);
    return new EngineError(this.ep.name, `unreachable: ${detail}`, 'engine_unreachable');
  }

  async chat(req: ChatRequest, opts: BackendCallOptions): Promise<ChatResponse> {
    const { signal } = opts;
    if (signal.aborted) throw new InferenceCancelledError(this.ep.name);
    const body = JSON.stringify(toWireBody(req, this.ep, this.dialect));
    let res: Awaited<ReturnType<typeof request>>;
    try {
      res = await request(`${this.ep.url}/chat/completions`, {
        method: 'POST',
        dispatcher: this.agent,
        headers: this.headers(opts.apiKey, true),
        body,
        signal,
        headersTimeout: this.ep.timeoutMs,
        bodyTimeout: this.ep.idleTimeoutMs,
      });
    } catch (e) {
      throw this.transportError(e, signal, 'connect');
    }
    const headers: Headers = res.headers;
    if (res.statusCode < 200 || res.statusCode >= 300) {
      let text = '';
      try {
        text = await res.body.text();
      } catch (e) {
        throw this.transportError(e, signal, 'stream');
      }
      throw errorForStatus(this.ep, res.statusCode, headers, this.ctx.redact(text));
    }
    const acc = new StreamAccumulator();
    if (headers['x-swarmflow-simulated'] === '1') acc.simulated = true;
    const contentType = String(headers['content-type'] ?? '');
    let done = false;
    try {
      if (!contentType.includes('text/event-stream')) {
        // The engine ignored `stream: true`: one chat.completion object.
        const parsed: unknown = JSON.parse(await res.body.text());
        const err = acc.add(parsed);
        if (err !== null) throw new EngineError(this.ep.name, this.ctx.redact(err));
        done = true;
      } else {
        done = await this.readSse(res.body, acc, opts);
      }
    } catch (e) {
      res.body.destroy();
      if (e instanceof SyntaxError) throw new EngineError(this.ep.name, `unparseable response: ${e.message}`);
      throw this.transportError(e, signal, 'stream');
    }
    if (!done && acc.finish === null) {
      throw new StreamDroppedError(this.ep.name, 'the stream ended before the answer finished');
    }
    const toolCalls = acc.toolCalls(priorToolCalls(req));
    let finishReason = acc.finish ?? 'stop';
    // Engines disagree on finish_reason for tool calls (Kimi tool_call_guidance.md).
    if (toolCalls.length > 0 && finishReason === 'stop') finishReason = 'tool_calls';
    return {
      content: acc.contentOrNull(),
      reasoning: acc.reasoning !== '' ? acc.reasoning : null,
      toolCalls,
      usage: acc.usage ?? { promptTokens: estimatePromptTokens(req), completionTokens: acc.estimatedTokens() },
      finishReason,
      endpoint: this.ep.name,
      model: acc.model ?? req.model,
      simulated: acc.simulated,
    };
  }

  /** Reads SSE events into the accumulator; true when `[DONE]` arrived. */
  private async readSse(body: AsyncIterable<unknown>, acc: StreamAccumulator, opts: BackendCallOptions): Promise<boolean> {
    const decoder = new TextDecoder();
    let buf = '';
    let lastReported = -1;
    const report = (): void => {
      const tokens = acc.estimatedTokens();
      if (opts.onTokens && tokens !== lastReported) {
        lastReported = tokens;
        opts.onTokens(tokens);
      }
    };
    for await (const chunk of body) {
      buf += typeof chunk === 'string' ? chunk : chunk instanceof Uint8Array ? decoder.decode(chunk, { stream: true }) : '';
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).replace(/\r$/, '');
        buf = buf.slice(nl + 1);
        if (!line.startsWith('data:')) continue;
        const data = line.slice(5).trim();
        if (data === '[DONE]') {
          report();
          return true;
        }
        if (data === '') continue;
        const err = acc.add(JSON.parse(data));
        if (err !== null) throw new EngineError(this.ep.name, `error inside the stream: ${this.ctx.redact(err)}`);
      }
      report();
    }
    return false;
  }

  async probe(opts: { signal: AbortSignal; apiKey: string | undefined }): Promise<Health> {
    const health: Health = { state: 'up', running: null, waiting: null, generatedTokensTotal: null, detail: null };
    const root = rootUrl(this.ep.url);
    const get = async (url: string, auth: boolean): Promise<{ status: number; text: string }> => {
      const res = await request(url, {
        method: 'GET',
        dispatcher: this.agent,
        headers: this.headers(auth ? opts.apiKey : undefined, false),
        signal: opts.signal,
      });
      return { status: res.statusCode, text: await res.body.text() };
    };
    try {
      switch (this.dialect.probe) {
        case 'models': {
          const r = await get(`${this.ep.url}/models`, true);
          if (r.status === 429) return { ...health, state: 'saturated', detail: 'rate limited' };
          if (r.status !== 200) return { ...health, state: 'down', detail: this.ctx.redact(`GET /models: HTTP ${r.status}`) };
          return health;
        }
        case 'root': {
          const r = await get(`${root}/`, false);
          if (r.status === 503) return { ...health, state: 'saturated', detail: 'queue full' };
          if (r.status !== 200) return { ...health, state: 'down', detail: `GET /: HTTP ${r.status}` };
          return health;
        }
        case 'health+metrics':
        case 'health+slots': {
          const h = await get(`${root}/health`, false);
          if (h.status === 503) {
            // llama-server: loading; vLLM: engine dead. Either way not routable now.
            return { ...health, state: this.dialect.kind === 'vllm' ? 'down' : 'loading', detail: 'GET /health: HTTP 503' };
          }
          if (h.status !== 200) return { ...health, state: 'down', detail: `GET /health: HTTP ${h.status}` };
          if (this.dialect.probe === 'health+slots') await this.probeSlots(get, root, health);
          await this.probeMetrics(get, root, health);
          return health;
        }
      }
    } catch (e) {
      return { ...health, state: 'down', detail: this.ctx.redact(describe(e)) };
    }
  }

  private async probeSlots(
    get: (url: string, auth: boolean) => Promise<{ status: number; text: string }>,
    root: string,
    health: Health,
  ): Promise<void> {
    const s = await get(`${root}/slots`, false);
    if (s.status !== 200) return; // --no-slots: no slot view, not an error
    try {
      const slots: unknown = JSON.parse(s.text);
      if (!Array.isArray(slots)) return;
      const busy = slots.filter((x) => typeof x === 'object' && x !== null && 'is_processing' in x && x.is_processing === true).length;
      health.running = busy;
      if (slots.length > 0 && busy === slots.length) health.state = 'saturated';
    } catch {
      // A slot view we cannot read says nothing about health.
    }
  }

  private async probeMetrics(
    get: (url: string, auth: boolean) => Promise<{ status: number; text: string }>,
    root: string,
    health: Health,
  ): Promise<void> {
    const names = this.dialect.metrics;
    if (names === null) return;
    const m = await get(`${root}/metrics`, false);
    if (m.status !== 200) return; // metrics off (llama-server without --metrics)
    health.running = metricValue(m.text, names.running) ?? health.running;
    health.waiting = metricValue(m.text, names.waiting);
    health.generatedTokensTotal = metricValue(m.text, names.generated);
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}
