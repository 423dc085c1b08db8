/**
 * Translation between the canonical chat form and the OpenAI wire format:
 * request bodies (per dialect), streamed chunks stitched back into one
 * answer, and engine error bodies mapped to pool errors.
 */
import type { EndpointConfig } from './config';
import type { Dialect } from './dialects';
import {
  AuthError,
  BadRequestError,
  ContextOverflowError,
  EngineError,
  type InferenceError,
  QuotaExceededError,
  RateLimitedError,
} from './errors';
import type { ChatMessage, ChatRequest, FinishReason, ToolCall, Usage } from './types';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The model id as this endpoint serves it. */
export function servedModel(ep: EndpointConfig, model: string): string {
  return ep.servedModels[model] ?? model;
}

function wireMessage(m: ChatMessage, dialect: Dialect): Obj {
  const out: Obj = { role: m.role, content: m.content };
  if (m.role === 'assistant') {
    // Kimi's multi-turn tool use needs earlier reasoning back, in this engine's field.
    if (m.reasoning && dialect.reasoningField !== null) out[dialect.reasoningField] = m.reasoning;
    if (m.toolCalls && m.toolCalls.length > 0) {
      out.tool_calls = m.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } }));
    }
  }
  if (m.role === 'tool') {
    if (m.toolCallId !== undefined) out.tool_call_id = m.toolCallId;
    if (m.name !== undefined) out.name = m.name;
  }
  return out;
}

/** The streaming request body for one endpoint. */
export function toWireBody(req: ChatRequest, ep: EndpointConfig, dialect: Dialect): Obj {
  const body: Obj = {
    model: servedModel(ep, req.model),
    messages: req.messages.map((m) => wireMessage(m, dialect)),
    stream: true,
    stream_options: { include_usage: true },
  };
  if (req.tools && req.tools.length > 0) {
    body.tools = req.tools.map((t) => ({ type: 'function', function: { name: t.name, description: t.description, parameters: t.parameters } }));
  }
  if (req.temperature !== undefined && req.temperature !== null) body.temperature = req.temperature;
  if (req.maxTokens !== undefined && req.maxTokens !== null) body[dialect.maxTokensField] = req.maxTokens;
  if (req.outputSchema) {
    body.response_format = { type: 'json_schema', json_schema: { name: 'output', schema: req.outputSchema } };
  }
  if (req.thinking !== undefined) dialect.thinking(body, req.thinking);
  return body;
}

function finishOf(v: unknown): FinishReason | null {
  switch (v) {
    case 'stop':
    case 'eos':
    case 'end_turn':
      return 'stop';
    case 'length':
      return 'length';
    case 'tool_calls':
    case 'function_call':
      return 'tool_calls';
    case 'content_filter':
      return 'content_filter';
    case null:
    case undefined:
      return null;
    default:
      return 'stop';
  }
}

/** Stitches `chat.completion.chunk`s (or one non-streamed `chat.completion`) into one answer. */
export class StreamAccumulator {
  content = '';
  reasoning = '';
  private sawContent = false;
  private readonly calls = new Map<number, { id: string; name: string; arguments: string }>();
  finish: FinishReason | null = null;
  usage: Usage | null = null;
  model: string | null = null;
  simulated = false;
  /** Characters generated so far: a token estimate until the engine reports usage. */
  chars = 0;

  /** Adds one parsed chunk; returns an error message when the chunk is an in-stream error event. */
  add(chunk: unknown): string | null {
    if (!isObj(chunk)) return null;
    if (isObj(chunk.error)) return typeof chunk.error.message === 'string' ? chunk.error.message : JSON.stringify(chunk.error);
    if (typeof chunk.model === 'string') this.model = chunk.model;
    if (chunk.system_fingerprint === 'swarmflow-sim') this.simulated = true;
    if (isObj(chunk.usage)) {
      const p = chunk.usage.prompt_tokens;
      const c = chunk.usage.completion_tokens;
      if (typeof p === 'number' && typeof c === 'number') this.usage = { promptTokens: p, completionTokens: c };
    }
    if (!Array.isArray(chunk.choices)) return null;
    for (const choice of chunk.choices) {
      if (!isObj(choice)) continue;
      const delta = isObj(choice.delta) ? choice.delta : isObj(choice.message) ? choice.message : null;
      if (delta) this.addDelta(delta);
      const f = finishOf(choice.finish_reason);
      if (f !== null) this.finish = f;
    }
    return null;
  }

  private addDelta(d: Obj): void {
    if (typeof d.content === 'string') {
      this.content += d.content;
      this.sawContent = true;
      this.chars += d.content.length;
    }
    for (const k of ['reasoning_content', 'reasoning'] as const) {
      const r = d[k];
      if (typeof r === 'string') {
        this.reasoning += r;
        this.chars += r.length;
      }
    }
    if (!Array.isArray(d.tool_calls)) return;
    d.tool_calls.forEach((tc, pos) => {
      if (!isObj(tc)) return;
      const index = typeof tc.index === 'number' ? tc.index : pos;
      const cur = this.calls.get(index) ?? { id: '', name: '', arguments: '' };
      if (typeof tc.id === 'string' && tc.id !== '') cur.id = tc.id;
      const fn = isObj(tc.function) ? tc.function : {};
      if (typeof fn.name === 'string') cur.name += fn.name;
      if (typeof fn.arguments === 'string') {
        cur.arguments += fn.arguments;
        this.chars += fn.arguments.length;
      } else if (isObj(fn.arguments)) cur.arguments += JSON.stringify(fn.arguments);
      this.calls.set(index, cur);
    });
  }

  /** Tool calls in index order; Kimi-style ids (`functions.NAME:IDX`) where the engine gave none. */
  toolCalls(priorCalls: number): ToolCall[] {
    return [...this.calls.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([, c], i) => ({ id: c.id !== '' ? c.id : `functions.${c.name}:${priorCalls + i}`, name: c.name, arguments: c.arguments }));
  }

  estimatedTokens(): number {
    return this.usage?.completionTokens ?? Math.ceil(this.chars / 4);
  }

  contentOrNull(): string | null {
    return this.sawContent && this.content !== '' ? this.content : null;
  }
}

export function priorToolCalls(req: ChatRequest): number {
  return req.messages.reduce((n, m) => n + (m.toolCalls?.length ?? 0), 0);
}

/** Rough prompt size when the engine reports no usage: about four characters a token. */
export function estimatePromptTokens(req: ChatRequest): number {
  let chars = 0;
  for (const m of req.messages) {
    chars += (m.content ?? '').length + (m.reasoning ?? '').length;
    for (const c of m.toolCalls ?? []) chars += c.name.length + c.arguments.length;
  }
  return Math.ceil(chars / 4);
}

/** `{error: {type, message}}` (OpenAI, Moonshot, vLLM) or `{message}` / `{detail}` / text. */
export function errorDetail(text: string): { type: string; message: string } {
  try {
    const parsed: unknown = JSON.parse(text);
    if (isObj(parsed)) {
      const e = isObj(parsed.error) ? parsed.error : parsed;
      const type = typeof e.type === 'string' ? e.type : typeof e.code === 'string' ? e.code : '';
      const message =
        typeof e.message === 'string' ? e.message : typeof parsed.detail === 'string' ? parsed.detail : typeof parsed.error === 'string' ? parsed.error : text;
      return { type, message: message.slice(0, 500) };
    }
  } catch {
    // Not JSON: the raw text is the detail.
  }
  return { type: '', message: text.slice(0, 500) };
}

const CONTEXT_RE = /context length|context window|maximum context|too many tokens|prompt is too long|exceeds the (model'?s? )?(max|context)|context_length_exceeded|input is too long/i;

/** `Retry-After` (seconds or HTTP date) or `X-RateLimit-Reset`; default 1 s. */
export function retryAfterMs(headers: Record<string, string | string[] | undefined>, now = Date.now()): number {
  const one = (k: string): string | undefined => {
    const v = headers[k];
    return Array.isArray(v) ? v[0] : v;
  };
  const ra = one('retry-after');
  if (ra !== undefined) {
    const s = Number(ra);
    if (Number.isFinite(s) && s >= 0) return Math.round(s * 1000);
    const at = Date.parse(ra);
    if (Number.isFinite(at)) return Math.max(0, at - now);
  }
  const reset = Number(one('x-ratelimit-reset'));
  if (Number.isFinite(reset) && reset > 0) {
    // Either seconds from now or an epoch time in seconds.
    return reset > 1e9 ? Math.max(0, reset * 1000 - now) : Math.round(reset * 1000);
  }
  return 1000;
}

/** Maps a non-2xx response to the pool's error classes. */
export function errorForStatus(
  ep: EndpointConfig,
  status: number,
  headers: Record<string, string | string[] | undefined>,
  bodyText: string,
): InferenceError {
  const { type, message } = errorDetail(bodyText);
  const detail = type !== '' ? `${type}: ${message}` : message;
  if (status === 429) {
    if (/quota|insufficient_quota|billing/i.test(type) || /exceeded_current_quota/i.test(message)) return new QuotaExceededError(ep.name, detail);
    return new RateLimitedError(ep.name, detail, retryAfterMs(headers), status);
  }
  if (status === 401 || status === 403) return new AuthError(ep.name, detail, status, ep.apiKeyEnv);
  if (status === 400 || status === 413 || status === 422) {
    if (status === 413 || CONTEXT_RE.test(message) || CONTEXT_RE.test(type)) return new ContextOverflowError(ep.name, detail);
    return new BadRequestError(ep.name, detail, status);
  }
  if (status === 404) return new BadRequestError(ep.name, `${detail} (is the model served under this name? see servedModels)`, status);
  if (status === 503 && headers['retry-after'] !== undefined) {
    return new RateLimitedError(ep.name, detail, retryAfterMs(headers), status);
  }
  if (status >= 500) return new EngineError(ep.name, detail, 'engine_error', status);
  return new BadRequestError(ep.name, detail, status);
}
