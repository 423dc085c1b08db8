/**
 * The simulated model server over real HTTP: JSON and SSE answers, schema-
 * valid structured output, tool calls then an answer, usage, determinism,
 * and every fault it can inject.
 */
import { Validator, type Schema } from '@cfworker/json-schema';
import { startSimServer, type SimServer } from '../../sim/server';

interface Json {
  [k: string]: unknown;
}

function isJson(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function field(v: unknown, ...path: (string | number)[]): unknown {
  let cur = v;
  for (const p of path) {
    if (Array.isArray(cur) && typeof p === 'number') cur = cur[p];
    else if (isJson(cur) && typeof p === 'string') cur = cur[p];
    else return undefined;
  }
  return cur;
}

async function post(sim: SimServer, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${sim.url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

/** Reads an SSE body into its parsed `data:` events (without `[DONE]`) and whether `[DONE]` arrived. */
async function readSse(res: Response): Promise<{ events: unknown[]; done: boolean }> {
  const text = await res.text();
  const events: unknown[] = [];
  let done = false;
  for (const line of text.split('\n')) {
    if (!line.startsWith('data: ')) continue;
    const data = line.slice(6);
    if (data === '[DONE]') done = true;
    else events.push(JSON.parse(data));
  }
  return { events, done };
}

const hello = { model: 'kimi-k2.6', messages: [{ role: 'user', content: 'Say hello to the swarm' }] };

describe('simulated model server', () => {
  let sim: SimServer;
  beforeEach(async () => {
    sim = await startSimServer({ seed: 7 });
  });
  afterEach(async () => {
    await sim.close();
  });

  test('binds 127.0.0.1 on a free port and serves /health, /v1/models, /metrics', async () => {
    expect(sim.url).toBe(`http://127.0.0.1:${sim.port}/v1`);
    const health = await fetch(`http://127.0.0.1:${sim.port}/health`);
    expect(health.status).toBe(200);
    const models = await (await fetch(`${sim.url}/models`)).json();
    expect(field(models, 'data', 0, 'id')).toBe('kimi-k2.6');
    const metrics = await (await fetch(`http://127.0.0.1:${sim.port}/metrics`)).text();
    expect(metrics).toMatch(/^sim:num_requests_running\{model_name="sim"\} 0$/m);
    expect(metrics).toMatch(/^sim:num_requests_waiting\{model_name="sim"\} 0$/m);
  });

  test('JSON answer is labelled simulated, echoes the model id and reports usage', async () => {
    const res = await post(sim, hello);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-swarmflow-simulated')).toBe('1');
    const body = await res.json();
    expect(field(body, 'model')).toBe('kimi-k2.6');
    expect(field(body, 'system_fingerprint')).toBe('swarmflow-sim');
    const content = field(body, 'choices', 0, 'message', 'content');
    expect(typeof content).toBe('string');
    expect(String(content).startsWith('[simulated] ')).toBe(true);
    expect(field(body, 'choices', 0, 'finish_reason')).toBe('stop');
    expect(field(body, 'usage', 'prompt_tokens')).toBe(Math.ceil('Say hello to the swarm'.length / 4));
    expect(field(body, 'usage', 'completion_tokens')).toBe(Math.ceil(String(content).length / 4));
  });

  test('deterministic from seed and request; stream and JSON give the same text', async () => {
    const a = field(await (await post(sim, hello)).json(), 'choices', 0, 'message', 'content');
    const b = field(await (await post(sim, hello)).json(), 'choices', 0, 'message', 'content');
    expect(a).toBe(b);
    const other = await startSimServer({ seed: 8 });
    try {
      const c = field(await (await post(other, hello)).json(), 'choices', 0, 'message', 'content');
      expect(c).not.toBe(a);
    } finally {
      await other.close();
    }
    const streamed = await readSse(await post(sim, { ...hello, stream: true }));
    const text = streamed.events.map((e) => field(e, 'choices', 0, 'delta', 'content') ?? '').join('');
    expect(text).toBe(a);
  });

  test('SSE stream ends with finish chunk, usage chunk (include_usage) and [DONE]', async () => {
    const res = await post(sim, { ...hello, stream: true, stream_options: { include_usage: true } });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const { events, done } = await readSse(res);
    expect(done).toBe(true);
    const last = events[events.length - 1];
    expect(field(last, 'choices')).toEqual([]);
    expect(field(last, 'usage', 'completion_tokens')).toBeGreaterThan(0);
    const finish = events[events.length - 2];
    expect(field(finish, 'choices', 0, 'finish_reason')).toBe('stop');
    expect(sim.stats().streamed).toBe(1);
  });

  test('json_schema response is valid against the schema', async () => {
    const schema: Schema = {
      type: 'object',
      required: ['title', 'tags', 'score', 'kind', 'items'],
      properties: {
        title: { type: 'string', minLength: 3, maxLength: 20 },
        tags: { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 2 },
        score: { type: 'integer', minimum: 1, maximum: 5 },
        ratio: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
        kind: { enum: ['a', 'b'] },
        when: { type: 'string', format: 'date-time' },
        items: { type: 'array', items: { $ref: '#/$defs/item' } },
        maybe: { anyOf: [{ type: 'null' }, { type: 'boolean' }] },
      },
      additionalProperties: false,
      $defs: { item: { type: 'object', required: ['id'], properties: { id: { type: 'string', format: 'uuid' } } } },
    };
    const res = await post(sim, { ...hello, response_format: { type: 'json_schema', json_schema: { name: 'out', schema } } });
    const content = field(await res.json(), 'choices', 0, 'message', 'content');
    const value: unknown = JSON.parse(String(content));
    const result = new Validator(schema, '2020-12').validate(value);
    expect(result.errors).toEqual([]);
    expect(field(value, 'items')).toHaveLength(3);
    expect(field(value, 'tags')).toHaveLength(2);
  });

  test('arrayItems option sets generated array length', async () => {
    const small = await startSimServer({ arrayItems: 1 });
    try {
      const schema = { type: 'array', items: { type: 'integer' } };
      const res = await post(small, { ...hello, response_format: { type: 'json_schema', json_schema: { schema } } });
      expect(JSON.parse(String(field(await res.json(), 'choices', 0, 'message', 'content')))).toHaveLength(1);
    } finally {
      await small.close();
    }
  });

  test('emits Kimi-style tool calls for toolTurns turns, then answers', async () => {
    const parameters: Schema = { type: 'object', required: ['q'], properties: { q: { type: 'string' }, n: { type: 'integer', minimum: 1, maximum: 9 } } };
    const tools = [{ type: 'function', function: { name: 'search', description: 'search the web', parameters } }];
    const messages: unknown[] = [{ role: 'user', content: 'find things' }];
    for (let turn = 0; turn < 2; turn++) {
      const body = await (await post(sim, { model: 'm', messages, tools })).json();
      expect(field(body, 'choices', 0, 'finish_reason')).toBe('tool_calls');
      const call = field(body, 'choices', 0, 'message', 'tool_calls', 0);
      expect(field(call, 'id')).toBe(`functions.search:${turn}`);
      const args: unknown = JSON.parse(String(field(call, 'function', 'arguments')));
      expect(new Validator(parameters).validate(args).valid).toBe(true);
      messages.push(field(body, 'choices', 0, 'message'));
      messages.push({ role: 'tool', tool_call_id: field(call, 'id'), content: 'result' });
    }
    const final = await (await post(sim, { model: 'm', messages, tools })).json();
    expect(field(final, 'choices', 0, 'finish_reason')).toBe('stop');
    expect(String(field(final, 'choices', 0, 'message', 'content'))).toMatch(/^\[simulated\] /);
  });

  test('streams tool calls as fragments stitched by index', async () => {
    const tools = [{ type: 'function', function: { name: 'calc', parameters: { type: 'object', required: ['x'], properties: { x: { type: 'number' } } } } }];
    const { events } = await readSse(await post(sim, { model: 'm', messages: [{ role: 'user', content: 'go' }], tools, stream: true }));
    let args = '';
    let id = '';
    for (const e of events) {
      const tc = field(e, 'choices', 0, 'delta', 'tool_calls', 0);
      if (tc === undefined) continue;
      if (typeof field(tc, 'id') === 'string') id = String(field(tc, 'id'));
      args += String(field(tc, 'function', 'arguments') ?? '');
    }
    expect(id).toBe('functions.calc:0');
    expect(typeof field(JSON.parse(args), 'x')).toBe('number');
  });

  test('reasoning when the request enables thinking', async () => {
    const body = await (await post(sim, { ...hello, thinking: { type: 'enabled' } })).json();
    expect(String(field(body, 'choices', 0, 'message', 'reasoning_content'))).toMatch(/^\[simulated\] thinking/);
    const off = await (await post(sim, hello)).json();
    expect(field(off, 'choices', 0, 'message', 'reasoning_content')).toBeUndefined();
  });

  test('max_tokens truncates with finish_reason length', async () => {
    const body = await (await post(sim, { ...hello, max_tokens: 2 })).json();
    expect(field(body, 'choices', 0, 'finish_reason')).toBe('length');
    expect(String(field(body, 'choices', 0, 'message', 'content')).length).toBeLessThanOrEqual(8);
  });

  test('bad bodies get 400 invalid_request_error', async () => {
    const res = await post(sim, { model: 'm' });
    expect(res.status).toBe(400);
    expect(field(await res.json(), 'error', 'type')).toBe('invalid_request_error');
  });

  test('context overflow is a 400 that names the window', async () => {
    const tiny = await startSimServer({ contextTokens: 4 });
    try {
      const res = await post(tiny, hello);
      expect(res.status).toBe(400);
      expect(String(field(await res.json(), 'error', 'message'))).toContain('maximum context length is 4 tokens');
    } finally {
      await tiny.close();
    }
  });

  test('apiKey: 401 that echoes the sent key; correct key passes', async () => {
    const keyed = await startSimServer({ apiKey: 'sk-right' });
    try {
      const bad = await post(keyed, hello, { authorization: 'Bearer sk-wrong' });
      expect(bad.status).toBe(401);
      expect(String(field(await bad.json(), 'error', 'message'))).toContain('sk-wrong');
      expect((await post(keyed, hello, { authorization: 'Bearer sk-right' })).status).toBe(200);
    } finally {
      await keyed.close();
    }
  });

  describe('faults', () => {
    async function setFaults(body: unknown): Promise<Response> {
      return fetch(`http://127.0.0.1:${sim.port}/sim/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    }

    test('rejects unknown faults with 400', async () => {
      const res = await setFaults({ rateLimt: true });
      expect(res.status).toBe(400);
      expect(String(field(await res.json(), 'error', 'message'))).toContain('unknown fault "rateLimt"');
    });

    test('429 with Retry-After, counted, then clears', async () => {
      expect((await setFaults({ rateLimit: { times: 1, retryAfterS: 3 } })).status).toBe(200);
      const res = await post(sim, hello);
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('3');
      expect(field(await res.json(), 'error', 'type')).toBe('rate_limit_reached_error');
      expect((await post(sim, hello)).status).toBe(200);
    });

    test('quota 429 exceeded_current_quota_error without Retry-After', async () => {
      await setFaults({ quota: true });
      const res = await post(sim, hello);
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBeNull();
      expect(field(await res.json(), 'error', 'type')).toBe('exceeded_current_quota_error');
      expect((await post(sim, hello)).status).toBe(429);
      await fetch(`http://127.0.0.1:${sim.port}/sim/faults`, { method: 'DELETE' });
      expect((await post(sim, hello)).status).toBe(200);
    });

    test('503 while loading, /health too', async () => {
      await setFaults({ loading: true });
      expect((await post(sim, hello)).status).toBe(503);
      expect((await fetch(`http://127.0.0.1:${sim.port}/health`)).status).toBe(503);
    });

    test('500 and failNext N', async () => {
      await setFaults({ serverError: { times: 1 } });
      expect((await post(sim, hello)).status).toBe(500);
      await setFaults({ failNext: { count: 2, status: 502 } });
      expect((await post(sim, hello)).status).toBe(502);
      expect((await post(sim, hello)).status).toBe(502);
      expect((await post(sim, hello)).status).toBe(200);
      expect(sim.stats().faulted).toBe(3);
    });

    test('dropped stream closes the socket mid-stream', async () => {
      await setFaults({ dropStream: { times: 1, afterChunks: 2 } });
      const res = await post(sim, { ...hello, stream: true });
      expect(res.status).toBe(200);
      await expect(res.text()).rejects.toThrow();
      const ok = await readSse(await post(sim, { ...hello, stream: true }));
      expect(ok.done).toBe(true);
    });

    test('malformed tool-call JSON', async () => {
      await setFaults({ malformedToolCalls: { times: 1 } });
      const tools = [{ type: 'function', function: { name: 't', parameters: { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] } } }];
      const body = await (await post(sim, { model: 'm', messages: [{ role: 'user', content: 'x' }], tools })).json();
      const args = String(field(body, 'choices', 0, 'message', 'tool_calls', 0, 'function', 'arguments'));
      expect(() => JSON.parse(args)).toThrow();
    });

    test('latency and slow first token', async () => {
      sim.setFaults({ latencyMs: 120 });
      let t = Date.now();
      await (await post(sim, hello)).json();
      expect(Date.now() - t).toBeGreaterThanOrEqual(110);
      sim.setFaults({ firstTokenMs: 400 });
      t = Date.now();
      const res = await post(sim, { ...hello, stream: true });
      const headersAt = Date.now() - t;
      await res.text();
      expect(headersAt).toBeLessThan(300);
      expect(Date.now() - t).toBeGreaterThanOrEqual(390);
    });

    test('faults from options', async () => {
      const faulty = await startSimServer({ faults: { serverError: { times: 1 } }, latencyMs: 10 });
      try {
        expect((await post(faulty, hello)).status).toBe(500);
        expect((await post(faulty, hello)).status).toBe(200);
        expect(faulty.stats().byStatus).toEqual({ '500': 1, '200': 1 });
      } finally {
        await faulty.close();
      }
    });
  });

  test('slots: excess requests wait and show in the waiting gauge', async () => {
    const narrow = await startSimServer({ slots: 2, latencyMs: 150 });
    try {
      const calls = Array.from({ length: 5 }, () => post(narrow, hello).then((r) => r.json()));
      await new Promise((r) => setTimeout(r, 60));
      const metrics = await (await fetch(`http://127.0.0.1:${narrow.port}/metrics`)).text();
      expect(metrics).toMatch(/^sim:num_requests_running\{model_name="sim"\} 2$/m);
      expect(metrics).toMatch(/^sim:num_requests_waiting\{model_name="sim"\} 3$/m);
      await Promise.all(calls);
      expect(narrow.stats().peakInFlight).toBe(5);
      expect(narrow.stats().completed).toBe(5);
    } finally {
      await narrow.close();
    }
  });

  test('close() drops in-flight requests', async () => {
    const slow = await startSimServer({ latencyMs: 5000 });
    const pending = post(slow, hello).then(
      (r) => r.status,
      () => 'error',
    );
    await new Promise((r) => setTimeout(r, 50));
    await slow.close();
    expect(await pending).toBe('error');
  });
});
