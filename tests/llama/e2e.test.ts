/**
 * A swarm end to end on a pool whose only endpoint is a local Q4_0 model:
 * YAML -> compiler -> IR -> Temporal workflow -> LLM activity -> pool ->
 * llama-cpp backend -> llama.cpp, on the shared dev server. The tiny model's
 * text is nonsense by construction; its structured step is still valid JSON
 * of the step's schema because llama.cpp's grammar constrains it.
 *
 * The pool is built here with the llama-cpp factory registered in code,
 * until the configuration loader and the worker services know the kind.
 */
import type { Client } from '@temporalio/client';
import { compile } from '../../dsl';
import type { InferenceConfig } from '../../activities/inference/config';
import { createPool, type InferencePool } from '../../activities/inference/pool';
import { toTemporalFailure } from '../../activities/inference/errors';
import type { ChatFn } from '../../activities/registry';
import { llamaCppBackendFactory, llamaCppEndpointQuantization } from '../../activities/inference/llama-cpp';
import { buildWorkerServices, type WorkerServices } from '../../runtime/services';
import { startWorkers, type WorkerSet } from '../../runtime/worker';
import { startRun, waitForRun } from '../../runtime/runs';
import { startSimServer, type SimServer } from '../../sim/server';
import { describeTemporal, testBundle, testClient, testSettings } from '../helpers/temporal';
import { ensureNodeLlamaCpp, llamaEndpoint, tinyModel } from './fixtures';

const SWARM = `
swarm: local-model
version: 1
inputs:
  type: object
  properties: { topic: { type: string } }
  required: [topic]
models:
  local: { pool: default, model: tiny-q4, quantization: int4, maxTokens: 48 }
steps:
  - id: verdict
    llm: local
    prompt: "Judge \${{ inputs.topic }} and answer as JSON."
    output:
      schema:
        type: object
        properties:
          verdict: { type: string, enum: [approve, reject] }
          confident: { type: boolean }
        required: [verdict, confident]
        additionalProperties: false
  - id: note
    llm: local
    prompt: "Write a note saying \${{ steps.verdict.output.verdict }}."
output: \${{ steps.verdict.output }}
`;

const describeLocal: jest.Describe = (ensureNodeLlamaCpp() ? describeTemporal : describe.skip) as jest.Describe;

describeLocal('a swarm on a pool whose only endpoint is a local Q4_0 model', () => {
  let sim: SimServer;
  let services: WorkerServices;
  let pool: InferencePool;
  let workers: WorkerSet;
  let client: Client;

  beforeAll(async () => {
    // The services' own pool points at the simulated server; it must never be called here.
    sim = await startSimServer({ seed: 1 });
    const settings = testSettings({ simUrl: sim.url });
    services = await buildWorkerServices(settings);
    const ep = llamaEndpoint('local', { model: tinyModel('tiny-q4_0.gguf'), contextSize: 1024 });
    // What the configuration loader should do for kind llama-cpp: the quantization comes from the file.
    ep.quantization = llamaCppEndpointQuantization(ep);
    const config: InferenceConfig = {
      source: 'llama e2e',
      pools: {
        default: {
          name: 'default',
          strategy: 'least-outstanding',
          affinity: { enabled: true, absolute: 64, relative: 1.5 },
          maxAttempts: 2,
          health: { intervalMs: 500, timeoutMs: 10_000 },
          circuit: { failures: 3, cooldownMs: 1000 },
          endpoints: [ep],
        },
      },
    };
    pool = createPool(config, { backends: { 'llama-cpp': llamaCppBackendFactory } });
    const chat: ChatFn = async (req, opts) => {
      try {
        return await pool.chat(req, opts);
      } catch (err) {
        throw toTemporalFailure(err);
      }
    };
    // Wait for the model to load before the first activity asks for it.
    for (let i = 0; i < 300 && (await pool.probeNow()).pools[0]?.endpoints[0]?.health !== 'up'; i++) await new Promise((r) => setTimeout(r, 200));
    workers = await startWorkers({ settings, bundlePath: testBundle(), inference: { pools: { default: pool.slots('default') }, chat }, tools: services.tools, skills: services.skills, resolver: services.resolver });
    client = await testClient(settings);
  });

  afterAll(async () => {
    await workers?.shutdown();
    await pool?.close();
    await services?.close();
    await client?.connection.close();
    await sim?.close();
  });

  test('both steps run on llama.cpp; the structured step satisfies its schema', async () => {
    const { ir, diagnostics } = compile(SWARM, 'local-model.swarm.yaml');
    expect(diagnostics).toEqual([]);
    if (!ir) throw new Error('local-model did not compile');
    const before = sim.stats().requests;
    const { handle } = await startRun(client, { ir, input: { topic: 'the tiny model' } });
    const outcome = await waitForRun(handle);
    expect(outcome.status).toBe('succeeded');
    expect(outcome.output).toEqual({ verdict: expect.stringMatching(/^(approve|reject)$/), confident: expect.any(Boolean) });
    expect(outcome.result?.usage.steps).toBe(2);
    expect(outcome.result?.usage.tokens).toBeGreaterThan(0);
    expect(sim.stats().requests).toBe(before);
    const local = pool.status().pools[0]?.endpoints[0];
    expect(local).toMatchObject({ name: 'local', kind: 'llama-cpp', quantization: 'int4', calls: 2, failures: 0 });
  });
});
