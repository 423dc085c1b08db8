/**
 * A local model that cannot serve takes its endpoint out of the pool with a
 * clear reason and never takes the worker down: a missing or non-GGUF file,
 * a quantization the file contradicts, a file llama.cpp refuses, a missing
 * package, a model host killed mid-call. Where the cause can go away (the
 * file appears, the package is installed, the host is restarted) the
 * endpoint comes back by itself.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { InferenceConfig } from '../../activities/inference/config';
import { EngineError } from '../../activities/inference/errors';
import { LlamaCppBackend, llamaCppBackendFactory, LlamaCppUnavailableError } from '../../activities/inference/llama-cpp';
import { createPool } from '../../activities/inference/pool';
import { ctx, llamaEndpoint, tinyModel } from './fixtures';
import { call, describeLlama, user, waitForState } from './live';

const dir = mkdtempSync(path.join(os.tmpdir(), 'swarmflow-llama-fail-'));

describeLlama('llama-cpp endpoints that cannot serve', () => {
  const open: LlamaCppBackend[] = [];
  const backend = (name: string, options: Record<string, unknown>, quantization: string | null = null): LlamaCppBackend => {
    const b = new LlamaCppBackend(llamaEndpoint(name, options, { quantization, maxConcurrency: 1 }), ctx);
    open.push(b);
    return b;
  };

  afterAll(async () => {
    await Promise.all(open.map((b) => b.close()));
  });

  test('a missing file: down with the path, unavailable calls; the endpoint comes up once the file appears', async () => {
    const file = path.join(dir, 'later.gguf');
    const b = backend('later', { model: file });
    const h = await b.probe();
    expect(h.state).toBe('down');
    expect(h.detail).toBe(`${file}: no such file`);
    const err = await call(b, { messages: user('hi') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LlamaCppUnavailableError);
    expect(err).toMatchObject({ retryable: false, failover: true });
    expect(String(err)).toContain(`endpoint later (local GGUF model) is unavailable: ${file}: no such file`);
    writeFileSync(file, readFileSync(tinyModel('tiny-q4_0.gguf')));
    await waitForState(b, 'up');
    expect((await call(b, { messages: user('hi'), maxTokens: 3 })).usage.completionTokens).toBe(3);
  });

  test('a file that is not GGUF is refused before llama.cpp sees it', async () => {
    const file = path.join(dir, 'model.safetensors');
    writeFileSync(file, Buffer.from('{"__metadata__":{}}'));
    const h = await backend('wrong-format', { model: file }).probe();
    expect(h).toMatchObject({ state: 'down' });
    expect(h.detail).toMatch(/not a GGUF file/);
  });

  test('a declared quantization the file contradicts takes the endpoint down; a matching one is accepted', async () => {
    const model = tinyModel('tiny-q4_0.gguf');
    const h = await backend('liar', { model }, 'int8').probe();
    expect(h.state).toBe('down');
    expect(h.detail).toMatch(/quantization is declared as int8 but .*tiny-q4_0\.gguf holds Q4_0 \(int4, from general\.file_type\); remove `quantization`/);
    expect((await backend('honest', { model }, 'Q4_0').probe()).state).not.toBe('down');
  });

  test('a file llama.cpp refuses (weights cut off): down with llama.cpp\'s reason, and the worker carries on', async () => {
    const whole = readFileSync(tinyModel('tiny-q4_0.gguf'));
    const file = path.join(dir, 'cut.gguf');
    writeFileSync(file, whole.subarray(0, whole.length - 20_000));
    const b = backend('cut', { model: file });
    const h = await waitForState(b, 'down');
    expect(h.detail).toMatch(/^llama\.cpp could not load .*cut\.gguf: /);
    const err = await call(b, { messages: user('hi') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LlamaCppUnavailableError);
    // Not retried in a loop: the same file stays down without a new load.
    expect(b.hostPid()).not.toBeNull();
    expect((await b.probe()).state).toBe('down');
  });

  test('node-llama-cpp not installed: down with how to install it; found again once it is there', async () => {
    const saved = process.env.SWARMFLOW_OPTIONAL_DIR;
    process.env.SWARMFLOW_OPTIONAL_DIR = mkdtempSync(path.join(os.tmpdir(), 'swarmflow-no-optional-'));
    let b: LlamaCppBackend;
    try {
      b = backend('no-package', { model: tinyModel('tiny-q4_0.gguf') });
      const h = await b.probe();
      expect(h.state).toBe('down');
      expect(h.detail).toMatch(/node-llama-cpp is needed for endpoints of kind llama-cpp: not found .*node scripts\/optional-deps\.js llama/);
    } finally {
      if (saved === undefined) delete process.env.SWARMFLOW_OPTIONAL_DIR;
      else process.env.SWARMFLOW_OPTIONAL_DIR = saved;
    }
    await waitForState(b, 'up');
  });

  test('a model host killed mid-call: the call fails over-ably, the endpoint restarts and serves again', async () => {
    const b = backend('fragile', { model: tinyModel('tiny-q4_0.gguf'), contextSize: 1536 });
    await waitForState(b, 'up');
    const pid = b.hostPid();
    expect(pid).not.toBeNull();
    const p = call(b, { messages: user('long') }, { onTokens: (n) => {
      if (n >= 4 && pid !== null) process.kill(pid, 'SIGKILL');
    } });
    const err = await p.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect(err).toMatchObject({ reason: 'engine_unreachable', retryable: true, failover: true });
    expect(String(err)).toMatch(/the model host process exited \(signal SIGKILL\)/);
    await waitForState(b, 'up');
    expect(b.hostPid()).not.toBe(pid);
    expect((await call(b, { messages: user('again'), maxTokens: 2 })).usage.completionTokens).toBe(2);
  });

  test('in a pool, a broken local endpoint is taken out and a healthy one answers', async () => {
    const broken = llamaEndpoint('broken', { model: path.join(dir, 'absent.gguf') });
    const good = llamaEndpoint('good', { model: tinyModel('tiny-q4_0.gguf') }, { maxConcurrency: 1 });
    const config: InferenceConfig = {
      source: 'test',
      pools: {
        default: {
          name: 'default',
          strategy: 'ordered',
          affinity: { enabled: false, absolute: 64, relative: 1.5 },
          maxAttempts: 2,
          health: { intervalMs: 60_000, timeoutMs: 5000 },
          circuit: { failures: 3, cooldownMs: 1000 },
          endpoints: [broken, good],
        },
      },
    };
    const pool = createPool(config, { backends: { 'llama-cpp': llamaCppBackendFactory }, probes: false });
    try {
      let status = await pool.probeNow();
      for (let i = 0; i < 100 && status.pools[0]?.endpoints[1]?.health !== 'up'; i++) {
        await new Promise((r) => setTimeout(r, 100));
        status = await pool.probeNow();
      }
      const [b0, g0] = status.pools[0]?.endpoints ?? [];
      expect(b0).toMatchObject({ name: 'broken', health: 'down' });
      expect(b0?.healthDetail).toMatch(/absent\.gguf: no such file/);
      expect(g0).toMatchObject({ name: 'good', health: 'up' });
      const res = await pool.chat({ model: 'tiny', messages: user('who answers?'), maxTokens: 2 }, {});
      expect(res.endpoint).toBe('good');
    } finally {
      await pool.close();
    }
  });
});
