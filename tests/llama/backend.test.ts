/**
 * The llama-cpp backend on a real quantized model: the tiny random Q4_0
 * llama written by gguf-writer.ts, loaded by llama.cpp through
 * node-llama-cpp. Its text is nonsense by construction; what is checked is
 * everything around it: tokens and usage, the max-tokens limit, progress,
 * cancellation, JSON-schema-constrained output, tool calls, the context
 * limit, parallel sequences, sharing of a loaded model, and the pool.
 */
import { createPool } from '../../activities/inference/pool';
import type { InferenceConfig } from '../../activities/inference/config';
import { ContextOverflowError, InferenceCancelledError } from '../../activities/inference/errors';
import { schemaErrorsOf } from '../../activities/inference/structured';
import { LlamaCppBackend, llamaCppBackendFactory, liveHostCount } from '../../activities/inference/llama-cpp';
import { ctx, llamaEndpoint, tinyModel } from './fixtures';
import { call, describeLlama, user, waitForState } from './live';

describeLlama('llama-cpp backend on a tiny Q4_0 model', () => {
  let model: string;
  let b: LlamaCppBackend;

  beforeAll(async () => {
    model = tinyModel('tiny-q4_0.gguf');
    b = new LlamaCppBackend(llamaEndpoint('local', { model }), ctx);
    await waitForState(b, 'up');
  });

  afterAll(async () => {
    await b?.close();
  });

  test('the probe reports the model, its quantization read from the file, and the chat template from its metadata', async () => {
    const h = await b.probe();
    expect(h).toMatchObject({ state: 'up', running: 0, waiting: 0 });
    expect(h.detail).toBe('swarmflow-tiny-random-q4_0, Q4_0 (int4), context 2048 x 2 sequences, 1 thread, cpu, chat template ChatML');
    expect(b.quantization).toMatchObject({ quantization: 'int4', label: 'Q4_0', source: 'general.file_type' });
  });

  test('generates exactly maxTokens tokens, reports them as they come, and counts the prompt', async () => {
    const progress: number[] = [];
    const res = await call(b, { messages: user('hello'), maxTokens: 24 }, { onTokens: (n) => progress.push(n) });
    expect(res).toMatchObject({ finishReason: 'length', endpoint: 'local', model: 'swarmflow-tiny-random-q4_0', simulated: false, toolCalls: [] });
    expect(res.usage.completionTokens).toBe(24);
    // Nonsense by construction, but text: the random model's tokens decoded.
    expect(typeof res.content).toBe('string');
    expect(progress.length).toBeGreaterThan(0);
    expect(progress).toEqual([...progress].sort((x, y) => x - y));
    expect(progress[progress.length - 1]).toBeLessThanOrEqual(24);
    // The vocabulary is bytes: three more ASCII letters in the prompt are exactly three more prompt tokens.
    const longer = await call(b, { messages: user('helloxyz'), maxTokens: 1 });
    expect(longer.usage.promptTokens - res.usage.promptTokens).toBe(3);
    expect(res.usage.promptTokens).toBeGreaterThan('hello'.length);
  });

  test('greedy decoding (no temperature) is reproducible', async () => {
    const a = await call(b, { messages: user('same prompt'), maxTokens: 16 });
    const c = await call(b, { messages: user('same prompt'), maxTokens: 16 });
    expect(c.content).toBe(a.content);
    expect(c.usage).toEqual(a.usage);
  });

  test('earlier reasoning is not glued into the answer of a template without thought segments; thinking off is accepted', async () => {
    const turn = (reasoning: string | null): Parameters<typeof call>[1]['messages'] => [
      { role: 'user', content: 'first' },
      { role: 'assistant', content: 'reply', reasoning },
      { role: 'user', content: 'second' },
    ];
    const plain = await call(b, { messages: turn(null), maxTokens: 4 });
    const withReasoning = await call(b, { messages: turn('a long chain of thought from another engine'), maxTokens: 4, thinking: false });
    expect(withReasoning.usage.promptTokens).toBe(plain.usage.promptTokens);
    expect(withReasoning.content).toBe(plain.content);
    expect(withReasoning.reasoning).toBeNull();
  });

  test('an output schema constrains generation to JSON that satisfies it (llama.cpp grammar)', async () => {
    const schema = {
      type: 'object',
      properties: { verdict: { enum: ['approve', 'reject', 'revise'] }, confident: { type: 'boolean' }, tags: { type: 'array', items: { enum: ['a', 'b'] }, maxItems: 3 } },
      required: ['verdict', 'confident', 'tags'],
      additionalProperties: false,
    };
    for (const prompt of ['review this', 'second opinion']) {
      const res = await call(b, { messages: user(prompt), maxTokens: 200, outputSchema: schema });
      expect(res.finishReason).toBe('stop');
      expect(schemaErrorsOf(res.content, schema)).toEqual([]);
      expect(res.usage.completionTokens).toBeGreaterThan(5);
    }
  });

  test('a maxTokens below one is refused as a bad request', async () => {
    await expect(call(b, { messages: user('x'), maxTokens: 0 })).rejects.toThrow(/maxTokens must be a positive integer, got 0/);
  });

  test('a prompt longer than the context is a ContextOverflowError, not a silently shortened history', async () => {
    const err = await call(b, { messages: user('x'.repeat(2100)) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContextOverflowError);
    expect(err).toMatchObject({ retryable: false, failover: false, endpoint: 'local' });
    expect(String(err)).toMatch(/the prompt is \d+ tokens and the context holds 2048 per sequence/);
  });

  test('without maxTokens the answer is bounded by what is left of the context window (finish length)', async () => {
    // A prompt that leaves about a hundred tokens of room, so the bound is reached quickly.
    const res = await call(b, { messages: user('y'.repeat(1900)) });
    expect(res.finishReason).toBe('length');
    expect(res.usage.promptTokens).toBeGreaterThan(1900);
    expect(res.usage.promptTokens + res.usage.completionTokens).toBeLessThanOrEqual(2048);
    expect(res.usage.completionTokens).toBeGreaterThan(50);
  });

  test('cancellation stops a generation in flight, and the sequence serves the next call', async () => {
    const ctl = new AbortController();
    const started = Date.now();
    let seen = 0;
    const p = call(b, { messages: user('a long answer please') }, { signal: ctl.signal, onTokens: (n) => {
      seen = n;
      if (n >= 8) ctl.abort();
    } });
    await expect(p).rejects.toBeInstanceOf(InferenceCancelledError);
    expect(seen).toBeGreaterThanOrEqual(8);
    expect(Date.now() - started).toBeLessThan(5000);
    expect((await b.probe()).running).toBe(0);
    const after = await call(b, { messages: user('hello'), maxTokens: 4 });
    expect(after.usage.completionTokens).toBe(4);
    const pre = new AbortController();
    pre.abort();
    await expect(call(b, { messages: user('never runs') }, { signal: pre.signal })).rejects.toBeInstanceOf(InferenceCancelledError);
  });

  test('calls up to maxConcurrency run side by side on separate sequences and answer as they would alone', async () => {
    const alone = await call(b, { messages: user('parallel one'), maxTokens: 12 });
    const [one, two] = await Promise.all([call(b, { messages: user('parallel one'), maxTokens: 12 }), call(b, { messages: user('parallel two'), maxTokens: 12 })]);
    expect(one.content).toBe(alone.content);
    expect(two.usage.completionTokens).toBe(12);
  });

  test('endpoints naming the same file and settings share one loaded model', async () => {
    const before = liveHostCount();
    const twin = new LlamaCppBackend(llamaEndpoint('local-twin', { model }), ctx);
    expect(liveHostCount()).toBe(before);
    expect((await waitForState(twin, 'up')).detail).toContain('Q4_0');
    const a = await call(twin, { messages: user('same prompt'), maxTokens: 16 });
    const c = await call(b, { messages: user('same prompt'), maxTokens: 16 });
    expect(a.content).toBe(c.content);
    await twin.close();
    expect(liveHostCount()).toBe(before);
    // Closing one sharer leaves the model loaded for the other.
    expect((await call(b, { messages: user('still here'), maxTokens: 2 })).usage.completionTokens).toBe(2);
  });

  test('through the pool: a pool whose only endpoint is the local model answers, with schema checking', async () => {
    const ep = llamaEndpoint('local', { model });
    const config: InferenceConfig = {
      source: 'test',
      pools: {
        default: {
          name: 'default',
          strategy: 'least-outstanding',
          affinity: { enabled: true, absolute: 64, relative: 1.5 },
          maxAttempts: 2,
          health: { intervalMs: 200, timeoutMs: 5000 },
          circuit: { failures: 3, cooldownMs: 1000 },
          endpoints: [ep],
        },
      },
    };
    const pool = createPool(config, { backends: { 'llama-cpp': llamaCppBackendFactory } });
    try {
      const progress: number[] = [];
      const schema = { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] };
      const res = await pool.chat({ model: 'tiny', messages: user('through the pool'), maxTokens: 60, outputSchema: schema }, { onProgress: (p) => progress.push(p.completionTokens) });
      expect(res).toMatchObject({ endpoint: 'local', schemaErrors: [], finishReason: 'stop' });
      expect(progress.length).toBeGreaterThan(0);
      const status = await pool.probeNow();
      expect(status.pools[0]?.endpoints[0]).toMatchObject({ name: 'local', kind: 'llama-cpp', health: 'up' });
    } finally {
      await pool.close();
    }
  });
});

describeLlama('llama-cpp tool calls on a scripted tiny model', () => {
  // This model's weights are random except one scripted step: after a newline it says "||call:",
  // node-llama-cpp's function-call syntax, so a real tool call is parsed from real generation.
  let b: LlamaCppBackend;
  const tools = [{ name: 'lookup', description: 'Looks a word up', parameters: { type: 'object', properties: { word: { enum: ['alpha', 'beta'] } }, required: ['word'] } }];

  beforeAll(async () => {
    b = new LlamaCppBackend(llamaEndpoint('caller', { model: tinyModel('tiny-q4_0-calls.gguf', { newlineThen: '||call:' }), contextSize: 4096 }, { maxConcurrency: 1 }), ctx);
    await waitForState(b, 'up');
  });

  afterAll(async () => {
    await b?.close();
  });

  test('an offered tool is called with arguments that satisfy its schema; the result goes back in the next turn', async () => {
    const progress: number[] = [];
    const first = await call(b, { messages: user('look something up'), tools, maxTokens: 64 }, { onTokens: (n) => progress.push(n) });
    // Tool-call tokens count and heartbeat like text: llama.cpp's token meter, not the text stream.
    expect(progress.length).toBeGreaterThan(0);
    expect(progress[progress.length - 1]).toBeLessThanOrEqual(first.usage.completionTokens);
    expect(first.usage.completionTokens).toBeGreaterThan(5);
    expect(first.finishReason).toBe('tool_calls');
    expect(first.content).toBeNull();
    expect(first.toolCalls).toHaveLength(1);
    const tc = first.toolCalls[0];
    expect(tc).toMatchObject({ id: 'functions.lookup:0', name: 'lookup' });
    expect(schemaErrorsOf(tc?.arguments ?? null, tools[0]?.parameters ?? {})).toEqual([]);
    const result = '{"definition":"the first letter"}';
    const second = await call(b, {
      messages: [...user('look something up'), { role: 'assistant', content: null, toolCalls: first.toolCalls }, { role: 'tool', toolCallId: tc?.id ?? '', name: 'lookup', content: result }],
      tools,
      maxTokens: 64,
    });
    // The result is rendered into the prompt (byte tokens: at least one per character)...
    expect(second.usage.promptTokens - first.usage.promptTokens).toBeGreaterThan(result.length);
    // ...and this scripted model answers a result with another call, numbered after the first.
    expect(second.toolCalls[0]).toMatchObject({ id: 'functions.lookup:1', name: 'lookup' });
  });

  test('without tools the same model just says the text', async () => {
    const res = await call(b, { messages: user('no tools here'), maxTokens: 3 });
    expect(res.toolCalls).toEqual([]);
    expect(res.content?.startsWith('||call:')).toBe(true);
  });
});
