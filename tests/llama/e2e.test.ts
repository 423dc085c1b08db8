/**
 * A swarm end to end on a pool whose only endpoint is a local Q4_0 model:
 * YAML -> compiler -> IR -> Temporal workflow -> LLM activity -> pool ->
 * llama-cpp backend -> llama.cpp, on the shared dev server. The tiny model's
 * text is nonsense by construction; its structured step is still valid JSON
 * of the step's schema because llama.cpp's grammar constrains it.
 *
 * The pool comes from an `inference.yaml` the way a user writes it, through
 * the same worker services `swarmflow worker --inference` builds.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startRun, waitForRun } from '../../runtime/runs';
import { describeTemporal } from '../helpers/temporal';
import { compileOrThrow, startSwarmEnv, type SwarmEnv } from '../helpers/swarm-env';
import { ensureNodeLlamaCpp, tinyModel } from './fixtures';

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
  let env: SwarmEnv;

  beforeAll(async () => {
    // The model path is relative to the configuration file; no quantization is declared: it is read from the GGUF.
    const model = tinyModel('tiny-q4_0.gguf');
    const config = path.join(path.dirname(model), 'inference.e2e.yaml');
    fs.writeFileSync(config, `pools:\n  default:\n    endpoints:\n      - name: local\n        kind: llama-cpp\n        options: { model: ./${path.basename(model)}, contextSize: 1024 }\n`);
    // A simulated server is up but configured nowhere: it must never be called.
    env = await startSwarmEnv({ seed: 1 }, { inferenceConfig: config });
    // Wait for the model to load before the first activity asks for it.
    for (let i = 0; i < 300 && (await env.services.pool.probeNow()).pools[0]?.endpoints[0]?.health !== 'up'; i++) await new Promise((r) => setTimeout(r, 200));
  });

  afterAll(async () => env?.close());

  test('both steps run on llama.cpp; the structured step satisfies its schema', async () => {
    const ir = compileOrThrow(SWARM, 'local-model.swarm.yaml');
    const before = env.sim.stats().requests;
    const { handle } = await startRun(env.client, { ir, input: { topic: 'the tiny model' } });
    const outcome = await waitForRun(handle);
    expect(outcome.status).toBe('succeeded');
    expect(outcome.output).toEqual({ verdict: expect.stringMatching(/^(approve|reject)$/), confident: expect.any(Boolean) });
    expect(outcome.result?.usage.steps).toBe(2);
    expect(outcome.result?.usage.tokens).toBeGreaterThan(0);
    expect(env.sim.stats().requests).toBe(before);
    const local = env.services.pool.status().pools[0]?.endpoints[0];
    expect(local).toMatchObject({ name: 'local', kind: 'llama-cpp', quantization: 'int4', calls: 2, failures: 0 });
  });
});
