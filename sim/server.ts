/**
 * The simulated model server: a real OpenAI-compatible HTTP server on
 * node:http that `swarmflow dev`, `swarmflow sim` and the tests start.
 *
 *   POST /v1/chat/completions   JSON or SSE (`stream_options.include_usage` adds a usage chunk)
 *   GET  /v1/models             the configured model ids
 *   GET  /health                200, or 503 while the `loading` fault is set
 *   GET  /metrics               Prometheus text: sim:num_requests_running/waiting gauges, token counters
 *   GET|POST|DELETE /sim/faults fault injection at run time (tests only)
 *
 * Answers are deterministic from the seed and the request body and are
 * labelled simulated: text starts with `[simulated] `, `system_fingerprint`
 * is `swarmflow-sim`, every response has the header `x-swarmflow-simulated: 1`.
 */
import { listenHttp } from '../runtime/listen';
import * as http from 'node:http';
import { pauseFor } from '../runtime/pause';
import { setMaxListeners } from 'node:events';
import { answer, promptTokensOf, type SimAnswer } from './answer';
import { FaultState, parseFaults, SimFaultsError } from './faults';
import type { SimOptions, SimStats } from './options';
import { parseChatBody, SimBadRequest, type SimChatBody } from './request';

export type { SimFaults, SimGauge, SimOptions, SimStats } from './options';

export interface SimServer {
  /** Base URL for OpenAI clients: `http://127.0.0.1:PORT/v1`. */
  url: string;
  port: number;
  /** Stops listening and drops every open connection (in-flight requests see a dead engine). */
  close(): Promise<void>;
  stats(): SimStats;
  /** Same as `POST /sim/faults`: replaces the fault settings. Throws `SimFaultsError` when malformed. */
  setFaults(faults: unknown): void;
}

export const SIM_FINGERPRINT = 'swarmflow-sim';
const MAX_BODY = 32 * 1024 * 1024;

/** Counts concurrent requests; the rest wait in arrival order. */
class Slots {
  running = 0;
  private readonly queue: (() => void)[] = [];
  constructor(private readonly size: number) {}
  get waiting(): number {
    return this.queue.length;
  }
  async acquire(): Promise<void> {
    if (this.running < this.size) {
      this.running += 1;
      return;
    }
    await new Promise<void>((resolve) => this.queue.push(resolve));
  }
  release(): void {
    const next = this.queue.shift();
    if (next) next();
    else this.running -= 1;
  }
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new SimBadRequest(`request body over ${MAX_BODY} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function splitPieces(text: string, json: boolean): string[] {
  if (text === '') return [];
  if (json) return text.match(/[\s\S]{1,16}/g) ?? [text];
  const words = text.split(/(?<=\s)/);
  const out: string[] = [];
  for (let i = 0; i < words.length; i += 3) out.push(words.slice(i, i + 3).join(''));
  return out;
}

export async function startSimServer(opts: SimOptions = {}): Promise<SimServer> {
  const seed = opts.seed ?? 0;
  const toolTurns = opts.toolTurns ?? 2;
  const arrayItems = opts.arrayItems ?? 3;
  const models = opts.models ?? ['kimi-k2.6', 'sim'];
  const contextTokens = opts.contextTokens ?? 262_144;
  const reasoningField = opts.reasoningField ?? 'reasoning_content';
  const initial = parseFaults(opts.faults ?? {});
  if (opts.latencyMs !== undefined && initial.latencyMs === undefined) initial.latencyMs = opts.latencyMs;
  const faults = new FaultState(initial);
  const slots = new Slots(Math.max(1, opts.slots ?? 256));
  const stopping = new AbortController();
  // Every request sleeping out its latency listens on this one signal: hundreds at once in a
  // fan-out are expected, not a leak (each listener goes when its sleep ends).
  setMaxListeners(0, stopping.signal);
  const created = Math.floor(Date.now() / 1000);
  let inFlight = 0;
  let seq = 0;
  const stats: Omit<SimStats, 'running' | 'waiting'> = {
    requests: 0,
    completed: 0,
    streamed: 0,
    faulted: 0,
    peakInFlight: 0,
    promptTokens: 0,
    completionTokens: 0,
    byStatus: {},
  };

  // Cut short when the server closes: the socket is being destroyed anyway.
  const sleep = async (ms: number): Promise<void> => {
    if (ms > 0) await pauseFor(ms, stopping.signal);
  };

  const send = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    if (res.headersSent || res.destroyed) return;
    res.writeHead(status, { 'content-type': 'application/json', 'x-swarmflow-simulated': '1', ...headers });
    res.end(JSON.stringify(body));
  };

  const sendError = (
    res: http.ServerResponse,
    status: number,
    type: string,
    message: string,
    headers: Record<string, string> = {},
  ): void => send(res, status, { error: { message, type, code: type } }, headers);

  /** The injected error for this request, if any; answered already when it returns true. */
  const injectFault = (res: http.ServerResponse, body: SimChatBody, authorization: string | undefined): boolean => {
    if (opts.apiKey !== undefined && authorization !== `Bearer ${opts.apiKey}`) {
      // Echoes what was sent, like some hosted APIs do: clients must redact keys from messages.
      const sent = (authorization ?? '').replace(/^Bearer\s+/i, '');
      sendError(res, 401, 'invalid_authentication_error', `Invalid Authentication: incorrect API key provided: ${sent}`);
      return true;
    }
    const failStatus = faults.takeFailNext();
    if (failStatus !== undefined) {
      stats.faulted += 1;
      sendError(res, failStatus, 'server_error', `simulated failure (failNext), status ${failStatus}`);
      return true;
    }
    if (faults.take('loading')) {
      stats.faulted += 1;
      sendError(res, 503, 'unavailable_error', 'Loading model');
      return true;
    }
    if (faults.take('quota')) {
      stats.faulted += 1;
      sendError(
        res,
        429,
        'exceeded_current_quota_error',
        'Your account has exceeded its current quota, please check your plan and billing details',
      );
      return true;
    }
    const rl = faults.take('rateLimit');
    if (rl) {
      stats.faulted += 1;
      const after = rl.retryAfterS ?? 1;
      sendError(res, 429, 'rate_limit_reached_error', `Rate limit reached, please retry after ${after} seconds`, {
        'retry-after': String(after),
      });
      return true;
    }
    if (faults.take('serverError')) {
      stats.faulted += 1;
      sendError(res, 500, 'server_error', 'simulated internal server error');
      return true;
    }
    const prompt = promptTokensOf(body);
    if (prompt > contextTokens) {
      sendError(
        res,
        400,
        'invalid_request_error',
        `This model's maximum context length is ${contextTokens} tokens. However, your messages resulted in ${prompt} tokens.`,
      );
      return true;
    }
    return false;
  };

  const messageOf = (a: SimAnswer): Record<string, unknown> => {
    const msg: Record<string, unknown> = { role: 'assistant', content: a.content };
    if (a.reasoning !== null) msg[reasoningField] = a.reasoning;
    if (a.toolCalls.length > 0) {
      msg.tool_calls = a.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } }));
    }
    return msg;
  };

  const usageOf = (a: SimAnswer): Record<string, number> => ({
    prompt_tokens: a.promptTokens,
    completion_tokens: a.completionTokens,
    total_tokens: a.promptTokens + a.completionTokens,
  });

  const stream = async (res: http.ServerResponse, body: SimChatBody, a: SimAnswer, id: string): Promise<void> => {
    const drop = faults.take('dropStream');
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      'x-swarmflow-simulated': '1',
    });
    // Headers now, not with the first chunk: a slow first token must look like one.
    res.flushHeaders();
    // Resolves when the chunk is flushed, or when the client went away (a destroyed stream may never call back).
    const gone = new Promise<void>((resolve) => res.once('close', () => resolve()));
    const write = (data: string): Promise<void> =>
      Promise.race([
        new Promise<void>((resolve) => {
          res.write(data, () => resolve());
        }),
        gone,
      ]);
    const base = { id, object: 'chat.completion.chunk', created, model: body.model, system_fingerprint: SIM_FINGERPRINT };
    const deltas: Record<string, unknown>[] = [{ role: 'assistant', content: '' }];
    for (const p of splitPieces(a.reasoning ?? '', false)) deltas.push({ [reasoningField]: p });
    for (const p of splitPieces(a.content ?? '', body.schema !== null || body.jsonObject)) deltas.push({ content: p });
    a.toolCalls.forEach((c, index) => {
      deltas.push({ tool_calls: [{ index, id: c.id, type: 'function', function: { name: c.name, arguments: '' } }] });
      for (const p of splitPieces(c.arguments, true)) deltas.push({ tool_calls: [{ index, function: { arguments: p } }] });
    });
    await sleep(faults.delay('firstTokenMs'));
    const chunkDelay = faults.delay('chunkDelayMs');
    let written = 0;
    for (const delta of deltas) {
      if (res.destroyed) return;
      if (drop && written >= (drop.afterChunks ?? 2)) {
        stats.faulted += 1;
        res.socket?.destroy();
        return;
      }
      // Awaited so that a drop fault cuts the stream after bytes really left.
      await write(`data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: null }] })}\n\n`);
      written += 1;
      if (chunkDelay > 0) await sleep(chunkDelay);
    }
    if (drop) {
      // Fewer chunks than `afterChunks`: drop before the finish chunk so the stream is still cut.
      stats.faulted += 1;
      res.socket?.destroy();
      return;
    }
    res.write(
      `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: a.finishReason }] })}\n\n`,
    );
    if (body.includeUsage) res.write(`data: ${JSON.stringify({ ...base, choices: [], usage: usageOf(a) })}\n\n`);
    res.end('data: [DONE]\n\n');
    stats.streamed += 1;
    stats.completed += 1;
  };

  const completions = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    stats.requests += 1;
    inFlight += 1;
    stats.peakInFlight = Math.max(stats.peakInFlight, inFlight);
    const gauge = opts.gauge;
    if (gauge) {
      gauge.inFlight += 1;
      gauge.peak = Math.max(gauge.peak, gauge.inFlight);
    }
    let slotHeld = false;
    try {
      let body: SimChatBody;
      try {
        const text = await readBody(req);
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          throw new SimBadRequest('request body is not valid JSON');
        }
        body = parseChatBody(json);
      } catch (e) {
        if (e instanceof SimBadRequest) return sendError(res, 400, 'invalid_request_error', e.message);
        throw e;
      }
      await slots.acquire();
      slotHeld = true;
      await sleep(faults.delay('latencyMs') + (body.stream ? 0 : faults.delay('firstTokenMs')));
      if (res.destroyed) return;
      if (injectFault(res, body, req.headers.authorization)) return;
      const a = answer(body, {
        seed,
        toolTurns,
        arrayItems,
        reasoning: opts.reasoning ?? false,
        malformedToolCalls: faults.take('malformedToolCalls') !== undefined,
        echo: opts.echo ?? false,
      });
      stats.promptTokens += a.promptTokens;
      stats.completionTokens += a.completionTokens;
      seq += 1;
      const id = `chatcmpl-sim-${seq}`;
      if (body.stream) return await stream(res, body, a, id);
      if (faults.take('dropStream')) {
        stats.faulted += 1;
        res.socket?.destroy();
        return;
      }
      send(res, 200, {
        id,
        object: 'chat.completion',
        created,
        model: body.model,
        system_fingerprint: SIM_FINGERPRINT,
        choices: [{ index: 0, message: messageOf(a), logprobs: null, finish_reason: a.finishReason }],
        usage: usageOf(a),
      });
      stats.completed += 1;
    } finally {
      if (slotHeld) slots.release();
      inFlight -= 1;
      if (gauge) gauge.inFlight -= 1;
    }
  };

  const metrics = (): string => {
    const lines: string[] = [];
    const metric = (name: string, type: string, help: string, value: number): void => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name}{model_name="sim"} ${value}`);
    };
    metric('sim:num_requests_running', 'gauge', 'Requests being served.', slots.running);
    metric('sim:num_requests_waiting', 'gauge', 'Requests waiting for a slot.', slots.waiting);
    metric('sim:prompt_tokens_total', 'counter', 'Prompt tokens processed.', stats.promptTokens);
    metric('sim:generation_tokens_total', 'counter', 'Completion tokens generated.', stats.completionTokens);
    metric('sim:request_success_total', 'counter', 'Requests answered.', stats.completed);
    return `${lines.join('\n')}\n`;
  };

  const admin = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    if (req.method === 'GET') return send(res, 200, faults.current());
    if (req.method === 'DELETE') {
      faults.set({});
      return send(res, 200, {});
    }
    if (req.method !== 'POST') return sendError(res, 405, 'invalid_request_error', 'use GET, POST or DELETE');
    try {
      const text = await readBody(req);
      let json: unknown;
      try {
        json = text.trim() === '' ? {} : JSON.parse(text);
      } catch {
        throw new SimFaultsError('body is not valid JSON');
      }
      faults.set(parseFaults(json));
      send(res, 200, faults.current());
    } catch (e) {
      if (e instanceof SimFaultsError || e instanceof SimBadRequest) return sendError(res, 400, 'invalid_request_error', e.message);
      throw e;
    }
  };

  const server = http.createServer((req, res) => {
    res.on('finish', () => {
      const k = String(res.statusCode);
      stats.byStatus[k] = (stats.byStatus[k] ?? 0) + 1;
    });
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const route = async (): Promise<void> => {
      if (path === '/v1/chat/completions' || path === '/chat/completions') {
        if (req.method !== 'POST') return sendError(res, 405, 'invalid_request_error', 'use POST');
        return completions(req, res);
      }
      if (req.method === 'GET' && (path === '/v1/models' || path === '/models')) {
        return send(res, 200, {
          object: 'list',
          data: models.map((id) => ({ id, object: 'model', created, owned_by: 'swarmflow-sim' })),
        });
      }
      if (req.method === 'GET' && path === '/health') {
        if (faults.loading()) return sendError(res, 503, 'unavailable_error', 'Loading model');
        return send(res, 200, { status: 'ok' });
      }
      if (req.method === 'GET' && path === '/metrics') {
        if (res.destroyed) return;
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4', 'x-swarmflow-simulated': '1' });
        res.end(metrics());
        return;
      }
      if (path === '/sim/faults') return admin(req, res);
      sendError(res, 404, 'not_found_error', `no route ${req.method ?? ''} ${path}`);
    };
    route().catch((e: unknown) => {
      sendError(res, 500, 'server_error', `sim: ${e instanceof Error ? e.message : String(e)}`);
    });
  });
  server.keepAliveTimeout = 30_000;

  const bound = await listenHttp(server, opts.port ?? 0, opts.host ?? '127.0.0.1');
  const port = bound.port;
  return {
    url: `${bound.url}/v1`,
    port,
    stats: () => ({ ...stats, byStatus: { ...stats.byStatus }, running: slots.running, waiting: slots.waiting }),
    setFaults: (f: unknown) => faults.set(parseFaults(f)),
    close: () => {
      stopping.abort();
      return bound.close();
    },
  };
}
