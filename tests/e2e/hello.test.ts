/**
 * The thinnest real path through every layer: YAML -> schema -> compiler ->
 * IR -> Temporal workflow -> LLM activity -> pool -> simulated model over
 * HTTP -> result, on the real dev server.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SwarmIR } from '../../dsl/ir';
import { startRun, waitForRun } from '../../runtime/runs';
import { historyText } from '../helpers/history-text';
import { describeTemporal } from '../helpers/temporal';
import { compileOrThrow, startSwarmEnv, type SwarmEnv } from '../helpers/swarm-env';

const EXAMPLES = path.resolve(__dirname, '..', '..', 'examples');

function compileExample(name: string): SwarmIR {
  return compileOrThrow(fs.readFileSync(path.join(EXAMPLES, name), 'utf8'), name);
}

describeTemporal('hello, end to end', () => {
  let env: SwarmEnv;

  beforeAll(async () => {
    env = await startSwarmEnv({ seed: 7 });
  });

  afterAll(async () => env?.close());

  test('hello.swarm.yaml greets Ada through the simulated model', async () => {
    const ir = compileExample('hello.swarm.yaml');
    const before = env.sim.stats().requests;
    const { handle, id } = await startRun(env.client, { ir, input: { name: 'Ada' } });
    expect(id).toMatch(/^hello\/[0-9a-f]{12}$/);
    const outcome = await waitForRun(handle);
    expect(outcome.status).toBe('succeeded');
    expect(typeof outcome.output).toBe('string');
    expect(outcome.output as string).toMatch(/^\[simulated\] /);
    // One model call reached the simulated server over HTTP.
    expect(env.sim.stats().requests - before).toBe(1);
    expect(outcome.result?.usage.steps).toBe(1);
    expect(outcome.result?.usage.tokens).toBeGreaterThan(0);
    // History holds the IR's template and references, never the rendered prompt.
    const text = historyText(await handle.fetchHistory());
    expect(text).toContain('Write a one-line greeting for ');
    expect(text).not.toContain('Write a one-line greeting for Ada');
  });

  test('a run input that breaks the inputs schema is refused before start', async () => {
    const ir = compileExample('hello.swarm.yaml');
    await expect(startRun(env.client, { ir, input: { nom: 'Ada' } })).rejects.toThrow(/input.*name/);
  });
});
