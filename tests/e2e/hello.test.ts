/**
 * The thinnest real path through every layer: YAML -> schema -> compiler ->
 * IR -> Temporal workflow -> LLM activity -> pool -> simulated model over
 * HTTP -> result, on the real dev server.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Client } from '@temporalio/client';
import { compile } from '../../dsl';
import type { SwarmIR } from '../../dsl/ir';
import { startSimServer, type SimServer } from '../../sim/server';
import { buildWorkerServices, type WorkerServices } from '../../runtime/services';
import { startWorkers, type WorkerSet } from '../../runtime/worker';
import { startRun, waitForRun } from '../../runtime/runs';
import { historyText } from '../helpers/history-text';
import { describeTemporal, testBundle, testClient, testSettings } from '../helpers/temporal';

const EXAMPLES = path.resolve(__dirname, '..', '..', 'examples');

function compileExample(name: string): SwarmIR {
  const { ir, diagnostics } = compile(fs.readFileSync(path.join(EXAMPLES, name), 'utf8'), name);
  expect(diagnostics).toEqual([]);
  if (!ir) throw new Error(`${name} did not compile`);
  return ir;
}

describeTemporal('hello, end to end', () => {
  let sim: SimServer;
  let services: WorkerServices;
  let workers: WorkerSet;
  let client: Client;

  beforeAll(async () => {
    sim = await startSimServer({ seed: 7 });
    const settings = testSettings({ simUrl: sim.url });
    services = await buildWorkerServices(settings);
    workers = await startWorkers({ settings, bundlePath: testBundle(), inference: { pools: services.poolSlots, chat: services.chat }, tools: services.tools, skills: services.skills, resolver: services.resolver });
    client = await testClient(settings);
  });

  afterAll(async () => {
    await workers?.shutdown();
    await services?.close();
    await client?.connection.close();
    await sim?.close();
  });

  test('hello.swarm.yaml greets Ada through the simulated model', async () => {
    const ir = compileExample('hello.swarm.yaml');
    const before = sim.stats().requests;
    const { handle, id } = await startRun(client, { ir, input: { name: 'Ada' } });
    expect(id).toMatch(/^hello\/[0-9a-f]{12}$/);
    const outcome = await waitForRun(handle);
    expect(outcome.status).toBe('succeeded');
    expect(typeof outcome.output).toBe('string');
    expect(outcome.output as string).toMatch(/^\[simulated\] /);
    // One model call reached the simulated server over HTTP.
    expect(sim.stats().requests - before).toBe(1);
    expect(outcome.result?.usage.steps).toBe(1);
    expect(outcome.result?.usage.tokens).toBeGreaterThan(0);
    // History holds the IR's template and references, never the rendered prompt.
    const text = historyText(await handle.fetchHistory());
    expect(text).toContain('Write a one-line greeting for ');
    expect(text).not.toContain('Write a one-line greeting for Ada');
  });

  test('a run input that breaks the inputs schema is refused before start', async () => {
    const ir = compileExample('hello.swarm.yaml');
    await expect(startRun(client, { ir, input: { nom: 'Ada' } })).rejects.toThrow(/input.*name/);
  });
});
