/**
 * Failover (before and after the first streamed byte), error mapping for
 * Temporal, circuit breaking, cancellation, progress callbacks and key
 * redaction, against real simulated endpoints.
 */
import { ApplicationFailure } from '@temporalio/common';
import {
  AllEndpointsFailedError,
  AuthError,
  ContextOverflowError,
  EngineError,
  InferenceCancelledError,
  NoHealthyEndpointError,
  QuotaExceededError,
  RateLimitedError,
  toTemporalFailure,
} from '../../activities/inference/errors';
import { createPool, type CreatePoolOptions, type InferencePool } from '../../activities/inference/pool';
import { startSimServer, type SimServer } from '../../sim/server';
import { ask, closeAll, configFrom, poolYaml, sleep, startSims, until } from './helpers';

async function caught(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected the call to fail');
}

describe('pool errors and failover', () => {
  let sims: SimServer[] = [];
  let pool: InferencePool | null = null;
  afterEach(async () => {
    await pool?.close();
    pool = null;
    await closeAll(sims);
    sims = [];
  });

  function make(yaml: string, opts: CreatePoolOptions = {}): InferencePool {
    pool = createPool(configFrom(yaml), { probes: false, ...opts });
    return pool;
  }
  const ordered = (extra = ''): string => `strategy: ordered${extra ? `\n${extra}` : ''}`;

  test('mid-stream drop: fails over after the first byte, progress shows both endpoints', async () => {
    sims = await startSims(2);
    sims[0]!.setFaults({ dropStream: { afterChunks: 3 } });
    const p = make(poolYaml(sims, { pool: ordered() }));
    const progress: { completionTokens: number; endpoint: string }[] = [];
    const r = await p.chat(ask('tell me a long story about the swarm'), { onProgress: (x) => progress.push(x) });
    expect(r.endpoint).toBe('ep1');
    expect(r.failedOver).toEqual(['ep0']);
    expect(r.content).toMatch(/^\[simulated\] /);
    // Tokens arrived from ep0 before it dropped: the failover happened after the first byte.
    expect(progress.some((x) => x.endpoint === 'ep0' && x.completionTokens > 0)).toBe(true);
    expect(progress[progress.length - 1]).toEqual({ completionTokens: r.usage.completionTokens, endpoint: 'ep1' });
    expect(sims[0]!.stats().faulted).toBe(1);
  });

  test('progress callbacks grow to the final usage', async () => {
    sims = await startSims(1, { faults: { chunkDelayMs: 2 } });
    const p = make(poolYaml(sims));
    const seen: number[] = [];
    const r = await p.chat(ask('progress please'), { onProgress: (x) => seen.push(x.completionTokens) });
    expect(seen.length).toBeGreaterThan(3);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThanOrEqual(seen[i - 1]!);
    expect(seen[seen.length - 1]).toBe(r.usage.completionTokens);
    expect(r.usage.promptTokens).toBe(Math.ceil('progress please'.length / 4));
  });

  test('5xx fails over; when every endpoint fails the error is retryable and lists them', async () => {
    sims = await startSims(2);
    sims[0]!.setFaults({ serverError: { times: 1 } });
    const p = make(poolYaml(sims, { pool: ordered() }));
    expect((await p.chat(ask('a'), {})).failedOver).toEqual(['ep0']);
    sims[0]!.setFaults({ serverError: {} });
    sims[1]!.setFaults({ failNext: { count: 1, status: 502 } });
    const err = await caught(p.chat(ask('b'), {}));
    expect(err).toBeInstanceOf(AllEndpointsFailedError);
    if (!(err instanceof AllEndpointsFailedError)) return;
    expect(err.retryable).toBe(true);
    expect(err.message).toMatch(/pool default: all 2 endpoints tried failed: endpoint ep0 failed \(HTTP 500\).*endpoint ep1 failed \(HTTP 502\)/);
    const f = toTemporalFailure(err);
    expect(f.nonRetryable).toBe(false);
    expect(f.type).toBe('AllEndpointsFailedError');
  });

  test('dead engine: connection refused is an engine_unreachable EngineError, retryable', async () => {
    sims = await startSims(1);
    const p = make(poolYaml(sims));
    await sims[0]!.close();
    const err = await caught(p.chat(ask('x'), {}));
    expect(err).toBeInstanceOf(EngineError);
    if (!(err instanceof EngineError)) return;
    expect(err.reason).toBe('engine_unreachable');
    expect(err.retryable).toBe(true);
    expect(err.message).toMatch(/^endpoint ep0 failed: unreachable: /);
    // The circuit opened at once: the next call does not wait on a dead socket.
    const next = await caught(p.chat(ask('y'), {}));
    expect(next).toBeInstanceOf(NoHealthyEndpointError);
  });

  test('429: retryable after Retry-After, endpoint cools down, others take over', async () => {
    sims = await startSims(2);
    sims[0]!.setFaults({ rateLimit: { times: 1, retryAfterS: 7 } });
    const solo = make(poolYaml([sims[0]!]));
    const err = await caught(solo.chat(ask('x'), {}));
    expect(err).toBeInstanceOf(RateLimitedError);
    if (!(err instanceof RateLimitedError)) return;
    expect(err.retryAfterMs).toBe(7000);
    expect(err.endpoint).toBe('ep0');
    const f = toTemporalFailure(err);
    expect(f).toBeInstanceOf(ApplicationFailure);
    expect(f.nonRetryable).toBe(false);
    expect(f.nextRetryDelay).toBe(7000);
    expect(f.type).toBe('RateLimitedError');
    const st = solo.status().pools[0]!.endpoints[0]!;
    expect(st.circuit).toBe('open');
    expect(st.openReason).toBe('rate_limited');
    const cooling = await caught(solo.chat(ask('y'), {}));
    expect(cooling).toBeInstanceOf(NoHealthyEndpointError);
    if (cooling instanceof NoHealthyEndpointError) expect(cooling.retryAfterMs).toBeGreaterThan(6000);
    await solo.close();
    sims[0]!.setFaults({ rateLimit: { retryAfterS: 7 } });
    const both = make(poolYaml(sims, { pool: ordered() }));
    expect((await both.chat(ask('z'), {})).endpoint).toBe('ep1');
    expect((await both.chat(ask('w'), {})).failedOver).toBeUndefined();
  });

  test('quota exhausted: non-retryable, names the endpoint and why', async () => {
    sims = await startSims(1, { faults: { quota: {} } });
    const p = make(poolYaml(sims, { name: () => 'moonshot' }));
    const err = await caught(p.chat(ask('x'), {}));
    expect(err).toBeInstanceOf(QuotaExceededError);
    if (!(err instanceof QuotaExceededError)) return;
    expect(err.message).toMatch(/^endpoint moonshot has exhausted its quota \(HTTP 429\): exceeded_current_quota_error/);
    const f = toTemporalFailure(err);
    expect(f.nonRetryable).toBe(true);
    expect(f.nextRetryDelay).toBeUndefined();
  });

  test('auth: non-retryable, names the key variable, never shows the key', async () => {
    const secret = 'sk-live-9f8e7d6c5b4a39281716';
    sims = [await startSimServer({ apiKey: 'sk-the-right-one' })];
    const p = make(poolYaml(sims, { endpoint: () => 'apiKeyEnv: TEST_MOONSHOT_KEY' }), { env: { TEST_MOONSHOT_KEY: secret } });
    const err = await caught(p.chat(ask('x'), {}));
    expect(err).toBeInstanceOf(AuthError);
    if (!(err instanceof AuthError)) return;
    // The server echoed the wrong key back; it must not survive in the message, stack, status or failure.
    expect(err.message).toContain('HTTP 401');
    expect(err.message).toContain('$TEST_MOONSHOT_KEY');
    expect(err.message).toContain('[redacted]');
    const f = toTemporalFailure(err);
    expect(f.nonRetryable).toBe(true);
    for (const text of [err.message, err.stack ?? '', JSON.stringify(p.status()), f.message, JSON.stringify(f.details)]) {
      expect(text).not.toContain(secret);
    }
  });

  test('the right key from apiKeyEnv is sent at call time', async () => {
    sims = [await startSimServer({ apiKey: 'sk-the-right-one' })];
    const env: NodeJS.ProcessEnv = { K: 'sk-wrong-wrong' };
    const p = make(poolYaml(sims, { endpoint: () => 'apiKeyEnv: K' }), { env });
    await expect(p.chat(ask('x'), {})).rejects.toThrow(AuthError);
    await p.close();
    env.K = 'sk-the-right-one';
    const q = make(poolYaml(sims, { endpoint: () => 'apiKeyEnv: K' }), { env });
    expect((await q.chat(ask('x'), {})).content).toMatch(/^\[simulated\]/);
  });

  test('context overflow: non-retryable and not failed over', async () => {
    sims = await startSims(2, { contextTokens: 8 });
    const p = make(poolYaml(sims, { pool: ordered() }));
    const err = await caught(p.chat(ask('this prompt is clearly longer than eight tokens of context'), {}));
    expect(err).toBeInstanceOf(ContextOverflowError);
    if (!(err instanceof ContextOverflowError)) return;
    expect(err.message).toMatch(/^endpoint ep0: the conversation does not fit the model's context window: .*maximum context length is 8 tokens/);
    expect(toTemporalFailure(err).nonRetryable).toBe(true);
    expect(sims[1]!.stats().requests).toBe(0);
  });

  test('circuit: opens after N failures, then a trial call closes it after the cooldown', async () => {
    sims = await startSims(2);
    sims[0]!.setFaults({ serverError: {} });
    const p = make(poolYaml(sims, { pool: ordered('circuit: { failures: 2, cooldownMs: 300 }') }));
    for (let i = 0; i < 2; i++) expect((await p.chat(ask(`f${i}`), {})).failedOver).toEqual(['ep0']);
    expect(p.status().pools[0]!.endpoints[0]!.circuit).toBe('open');
    for (let i = 0; i < 3; i++) expect((await p.chat(ask(`o${i}`), {})).failedOver).toBeUndefined();
    expect(sims[0]!.stats().requests).toBe(2);
    sims[0]!.setFaults({});
    await sleep(350);
    expect(p.status().pools[0]!.endpoints[0]!.circuit).toBe('half-open');
    expect((await p.chat(ask('trial'), {})).endpoint).toBe('ep0');
    expect(p.status().pools[0]!.endpoints[0]!.circuit).toBe('closed');
  });

  test('probes: an endpoint that reports loading gets no calls until it is up', async () => {
    sims = await startSims(2);
    sims[0]!.setFaults({ loading: {} });
    const p = make(poolYaml(sims, { pool: ordered() }));
    const st = await p.probeNow();
    expect(st.pools[0]!.endpoints[0]!.health).toBe('loading');
    expect(st.pools[0]!.endpoints[1]!.health).toBe('up');
    expect((await p.chat(ask('x'), {})).endpoint).toBe('ep1');
    expect(sims[0]!.stats().requests).toBe(0);
    sims[0]!.setFaults({});
    await p.probeNow();
    expect((await p.chat(ask('y'), {})).endpoint).toBe('ep0');
  });

  test('cancellation reaches the HTTP request in flight', async () => {
    sims = await startSims(1, { latencyMs: 3000 });
    const p = make(poolYaml(sims));
    const ac = new AbortController();
    const call = caught(p.chat(ask('slow'), { signal: ac.signal }));
    await until(() => sims[0]!.stats().running === 1);
    const started = Date.now();
    ac.abort();
    const err = await call;
    expect(err).toBeInstanceOf(InferenceCancelledError);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(toTemporalFailure(err).nonRetryable).toBe(true);
    expect(p.status().pools[0]!.endpoints[0]!.inFlight).toBe(0);
    // Cancellation is not the endpoint's fault: no failure recorded, circuit closed.
    expect(p.status().pools[0]!.endpoints[0]!.failures).toBe(0);
  });

  test('cancellation while queued for a slot', async () => {
    sims = await startSims(1, { latencyMs: 300 });
    const p = make(poolYaml(sims, { endpoint: () => 'maxConcurrency: 1' }));
    const first = p.chat(ask('first'), {});
    const ac = new AbortController();
    const second = caught(p.chat(ask('second'), { signal: ac.signal }));
    expect(p.status().pools[0]!.queued).toBe(1);
    ac.abort();
    const err = await second;
    expect(err).toBeInstanceOf(InferenceCancelledError);
    if (err instanceof InferenceCancelledError) expect(err.message).toBe('model call cancelled while waiting for a slot');
    expect(p.status().pools[0]!.queued).toBe(0);
    await first;
    expect(sims[0]!.stats().requests).toBe(1);
  });

  test('close() cancels queued calls', async () => {
    sims = await startSims(1, { latencyMs: 300 });
    const p = make(poolYaml(sims, { endpoint: () => 'maxConcurrency: 1' }));
    const first = caught(p.chat(ask('first'), {}));
    const second = caught(p.chat(ask('second'), {}));
    await sleep(20);
    await p.close();
    expect(await second).toBeInstanceOf(InferenceCancelledError);
    expect(await first).toBeInstanceOf(InferenceCancelledError);
  });

  test('structured output: schemaErrors [] when the answer satisfies the schema', async () => {
    sims = await startSims(1);
    const p = make(poolYaml(sims));
    const schema = { type: 'object', required: ['items'], properties: { items: { type: 'array', minItems: 2, items: { type: 'string' } } } };
    const r = await p.chat(ask('list', { outputSchema: schema }), {});
    expect(r.schemaErrors).toEqual([]);
    const parsed: unknown = JSON.parse(r.content ?? '');
    expect(parsed).toEqual({ items: expect.any(Array) });
  });

  test('malformed tool-call JSON is passed through raw for the activity to report', async () => {
    sims = await startSims(1, { faults: { malformedToolCalls: { times: 1 } } });
    const p = make(poolYaml(sims));
    const tools = [{ name: 'search', description: 's', parameters: { type: 'object', required: ['q'], properties: { q: { type: 'string' } } } }];
    const r = await p.chat(ask('go', { tools }), {});
    expect(r.finishReason).toBe('tool_calls');
    expect(r.toolCalls[0]?.id).toBe('functions.search:0');
    expect(() => JSON.parse(r.toolCalls[0]?.arguments ?? '')).toThrow();
  });
});

describe('half-open circuit', () => {
  test('calls queue behind the trial call instead of failing', async () => {
    const sims = await startSims(1, { latencyMs: 100 });
    const pool = createPool(configFrom(poolYaml(sims, { pool: 'circuit: { failures: 1, cooldownMs: 100 }' })), { probes: false });
    try {
      // setFaults replaces all faults: keep the latency so the trial call is still running when the others arrive.
      sims[0]!.setFaults({ serverError: { times: 1 }, latencyMs: 100 });
      await expect(pool.chat(ask('fails'), {})).rejects.toThrow(EngineError);
      await sleep(120);
      expect(pool.status().pools[0]!.endpoints[0]!.circuit).toBe('half-open');
      const results = await Promise.all(Array.from({ length: 4 }, (_, i) => pool.chat(ask(`c${i}`), {})));
      expect(results.map((r) => r.endpoint)).toEqual(['ep0', 'ep0', 'ep0', 'ep0']);
      // The first call was the trial; the other three waited for it, then ran together.
      expect(sims[0]!.stats().peakInFlight).toBe(3);
      expect(pool.status().pools[0]!.endpoints[0]!.circuit).toBe('closed');
    } finally {
      await pool.close();
      await closeAll(sims);
    }
  });
});
