/**
 * Engine dialects against a scripted fake engine (real HTTP): what each
 * engine is sent, how its stream variations are read back, how it is
 * probed, and how HTTP errors map to pool errors.
 */
import * as http from 'node:http';
import { parseInferenceConfig } from '../../activities/inference/config';
import { ContextOverflowError, BadRequestError, EngineError, QuotaExceededError, RateLimitedError, StreamDroppedError } from '../../activities/inference/errors';
import { createPool, type InferencePool } from '../../activities/inference/pool';
import type { ChatRequest } from '../../activities/inference/types';
import { errorForStatus, retryAfterMs } from '../../activities/inference/wire';
import { metricValue } from '../../activities/inference/dialects';

interface Script {
  /** Raw SSE/JSON body of the next completion, or a status + body. */
  completion: { status?: number; headers?: Record<string, string>; body: string };
  routes?: Record<string, { status: number; body: string }>;
}

class FakeEngine {
  bodies: unknown[] = [];
  script: Script = { completion: { body: '' } };
  private server = http.createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      const path = req.url ?? '/';
      if (req.method === 'POST' && path === '/v1/chat/completions') {
        this.bodies.push(JSON.parse(text));
        const c = this.script.completion;
        res.writeHead(c.status ?? 200, { 'content-type': c.body.startsWith('data:') ? 'text/event-stream' : 'application/json', ...c.headers });
        res.end(c.body);
        return;
      }
      const r = this.script.routes?.[path];
      res.writeHead(r?.status ?? 404, { 'content-type': 'text/plain' });
      res.end(r?.body ?? 'not found');
    });
  });
  url = '';
  async start(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    const a = this.server.address();
    if (a === null || typeof a === 'string') throw new Error('no port');
    this.url = `http://127.0.0.1:${a.port}/v1`;
    return this;
  }
  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}

const sse = (...chunks: unknown[]): string => chunks.map((c) => `data: ${typeof c === 'string' ? c : JSON.stringify(c)}\n\n`).join('');
const delta = (d: Record<string, unknown>, finish: string | null = null, extra: Record<string, unknown> = {}): unknown => ({
  model: 'served-name',
  choices: [{ index: 0, delta: d, finish_reason: finish }],
  ...extra,
});

const conversation: ChatRequest = {
  model: 'kimi-k2.6',
  thinking: false,
  maxTokens: 100,
  messages: [
    { role: 'user', content: 'q' },
    { role: 'assistant', content: null, reasoning: 'earlier thought', toolCalls: [{ id: 'functions.f:0', name: 'f', arguments: '{}' }] },
    { role: 'tool', content: 'r', toolCallId: 'functions.f:0', name: 'f' },
  ],
};

describe('engine dialects', () => {
  let engine: FakeEngine;
  let pool: InferencePool | null = null;
  beforeEach(async () => {
    engine = await new FakeEngine().start();
  });
  afterEach(async () => {
    await pool?.close();
    pool = null;
    await engine.close();
  });

  function poolFor(kind: string, extra = ''): InferencePool {
    pool = createPool(
      parseInferenceConfig(
        `pools:\n  default:\n    maxAttempts: 1\n    endpoints:\n      - name: e\n        kind: ${kind}\n        url: ${engine.url}\n        servedModels: { kimi-k2.6: served-name }\n${extra}`,
        'f.yaml',
      ),
      { probes: false },
    );
    return pool;
  }

  test('vLLM: sends `reasoning` back, template thinking switch, served model name; reads `reasoning`, stitches tool calls without ids', async () => {
    engine.script.completion.body = sse(
      delta({ role: 'assistant', reasoning: 'thinking ' }),
      delta({ reasoning: 'more' }),
      delta({ tool_calls: [{ index: 0, function: { name: 'search', arguments: '{"q":' } }] }),
      delta({ tool_calls: [{ index: 0, function: { arguments: '"x"}' } }] }),
      // vLLM/Kimi may finish tool calls with "stop": the pool says tool_calls.
      delta({}, 'stop'),
      { model: 'served-name', choices: [], usage: { prompt_tokens: 11, completion_tokens: 7 } },
      '[DONE]',
    );
    const r = await poolFor('vllm').chat(conversation, {});
    const body = engine.bodies[0];
    expect(body).toMatchObject({
      model: 'served-name',
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: 100,
      chat_template_kwargs: { thinking: false },
      messages: [
        { role: 'user', content: 'q' },
        { role: 'assistant', reasoning: 'earlier thought', tool_calls: [{ id: 'functions.f:0', type: 'function', function: { name: 'f', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'functions.f:0', content: 'r' },
      ],
    });
    expect(r).toMatchObject({
      reasoning: 'thinking more',
      content: null,
      finishReason: 'tool_calls',
      usage: { promptTokens: 11, completionTokens: 7 },
      model: 'served-name',
      simulated: false,
      // Kimi-style id generated from the calls already in the conversation.
      toolCalls: [{ id: 'functions.search:1', name: 'search', arguments: '{"q":"x"}' }],
    });
  });

  test('Moonshot: `thinking: {type}` and `reasoning_content`', async () => {
    engine.script.completion.body = sse(delta({ reasoning_content: 'r', content: 'answer' }, 'stop'), '[DONE]');
    const r = await poolFor('moonshot').chat(conversation, {});
    const body = engine.bodies[0];
    expect(body).toMatchObject({ thinking: { type: 'disabled' }, messages: [{}, { reasoning_content: 'earlier thought' }, {}] });
    expect(r).toMatchObject({ content: 'answer', reasoning: 'r', finishReason: 'stop' });
    // No usage from the engine: estimated, never missing.
    expect(r.usage.completionTokens).toBeGreaterThan(0);
  });

  test('llama-server: usage in the finish chunk and no [DONE] still complete', async () => {
    engine.script.completion.body = sse(delta({ content: 'hi' }), delta({}, 'stop', { usage: { prompt_tokens: 3, completion_tokens: 1 } }));
    const r = await poolFor('llama-server').chat(conversation, {});
    expect(r).toMatchObject({ content: 'hi', usage: { promptTokens: 3, completionTokens: 1 } });
    expect(engine.bodies[0]).toMatchObject({ chat_template_kwargs: { enable_thinking: false } });
  });

  test('an engine that ignores stream:true and answers JSON is read too', async () => {
    engine.script.completion.body = JSON.stringify({
      model: 'm',
      choices: [{ index: 0, message: { role: 'assistant', content: 'whole' }, finish_reason: 'length' }],
      usage: { prompt_tokens: 2, completion_tokens: 2 },
    });
    expect(await poolFor('openai').chat(conversation, {})).toMatchObject({ content: 'whole', finishReason: 'length' });
    // OpenAI gets no reasoning field and no thinking switch.
    expect(JSON.stringify(engine.bodies[0])).not.toMatch(/reasoning|thinking/);
  });

  test('a stream cut before its finish is a dropped stream; an error event is an engine error', async () => {
    engine.script.completion.body = sse(delta({ content: 'partial' }));
    await expect(poolFor('vllm').chat(conversation, {})).rejects.toThrow(StreamDroppedError);
    await pool?.close();
    engine.script.completion.body = sse(delta({ content: 'x' }), { error: { message: 'CUDA out of memory', type: 'InternalServerError' } });
    await expect(poolFor('vllm').chat(conversation, {})).rejects.toThrow(/error inside the stream: CUDA out of memory/);
  });

  test('probes: vLLM gauges, llama-server slots and loading, Ollama root, hosted /models', async () => {
    engine.script.routes = {
      '/health': { status: 200, body: '' },
      '/metrics': {
        status: 200,
        body: '# TYPE vllm:num_requests_running gauge\nvllm:num_requests_running{model_name="k"} 5\nvllm:num_requests_waiting{model_name="k"} 2\nvllm:generation_tokens_total{model_name="k"} 1000\n',
      },
      '/slots': { status: 200, body: JSON.stringify([{ id: 0, is_processing: true }, { id: 1, is_processing: true }]) },
      '/': { status: 200, body: 'Ollama is running' },
      '/v1/models': { status: 200, body: '{"data":[]}' },
    };
    let ep = (await poolFor('vllm').probeNow()).pools[0]!.endpoints[0]!;
    expect(ep).toMatchObject({ health: 'up', engineRunning: 5, engineWaiting: 2 });
    await pool?.close();
    ep = (await poolFor('llama-server').probeNow()).pools[0]!.endpoints[0]!;
    expect(ep).toMatchObject({ health: 'saturated', engineRunning: 2 });
    await pool?.close();
    engine.script.routes['/health'] = { status: 503, body: '{"error":{"message":"Loading model"}}' };
    ep = (await poolFor('llama-server').probeNow()).pools[0]!.endpoints[0]!;
    expect(ep.health).toBe('loading');
    await pool?.close();
    ep = (await poolFor('vllm').probeNow()).pools[0]!.endpoints[0]!;
    expect(ep.health).toBe('down');
    await pool?.close();
    expect((await poolFor('ollama').probeNow()).pools[0]!.endpoints[0]!.health).toBe('up');
    await pool?.close();
    expect((await poolFor('moonshot').probeNow()).pools[0]!.endpoints[0]!.health).toBe('up');
    await pool?.close();
    engine.script.routes['/v1/models'] = { status: 401, body: '' };
    expect((await poolFor('moonshot').probeNow()).pools[0]!.endpoints[0]!).toMatchObject({ health: 'down', healthDetail: 'GET /models: HTTP 401' });
  });

  test('metricValue sums label sets and ignores other metrics', () => {
    const text = 'a_total{x="1"} 2\na_total{x="2"} 3\na_total_other 9\n# a_total 100\n';
    expect(metricValue(text, 'a_total')).toBe(5);
    expect(metricValue(text, 'b')).toBeNull();
  });
});

describe('HTTP error mapping', () => {
  const ep = parseInferenceConfig('pools:\n  p:\n    endpoints:\n      - { name: gpu-a, url: "http://x/v1", apiKeyEnv: K }\n', 'f.yaml').pools.p!.endpoints[0]!;

  test.each([
    [400, '{"error":{"type":"invalid_request_error","message":"This model\'s maximum context length is 262144 tokens"}}', ContextOverflowError],
    [400, '{"object":"error","message":"Input is too long for the model","type":"BadRequestError"}', ContextOverflowError],
    [413, 'too large', ContextOverflowError],
    [400, '{"error":{"message":"tools[0] is invalid"}}', BadRequestError],
    [404, '{"error":{"message":"The model `x` does not exist."}}', BadRequestError],
    [429, '{"error":{"type":"exceeded_current_quota_error","message":"quota"}}', QuotaExceededError],
    [429, '{"error":{"type":"insufficient_quota","message":"You exceeded your current quota"}}', QuotaExceededError],
    [429, '{"error":{"type":"engine_overloaded_error","message":"busy"}}', RateLimitedError],
    [500, 'Internal Server Error', EngineError],
    [503, 'Service Unavailable', EngineError],
  ])('HTTP %i %s', (status, body, cls) => {
    const err = errorForStatus(ep, status, {}, body);
    expect(err).toBeInstanceOf(cls);
    expect(err.message).toContain('gpu-a');
  });

  test('Retry-After in seconds, as a date, X-RateLimit-Reset, default', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs({ 'retry-after': '3' }, now)).toBe(3000);
    expect(retryAfterMs({ 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' }, now)).toBe(5000);
    expect(retryAfterMs({ 'x-ratelimit-reset': '2' }, now)).toBe(2000);
    expect(retryAfterMs({}, now)).toBe(1000);
    const err = errorForStatus(ep, 503, { 'retry-after': '4' }, 'overloaded');
    expect(err).toBeInstanceOf(RateLimitedError);
    expect(err.retryAfterMs).toBe(4000);
  });
});
