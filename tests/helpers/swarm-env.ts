/**
 * One in-process swarm environment for workflow tests: a simulated model
 * server, real workers (swarm + inference) on the shared dev server, and a
 * client; `run(yaml, input)` compiles and runs a definition to its end.
 */
import type { Client } from '@temporalio/client';
import { compile, formatDiagnostic } from '../../dsl';
import type { Json, SwarmIR } from '../../dsl/ir';
import { startSimServer, type SimOptions, type SimServer } from '../../sim/server';
import { buildWorkerServices, type WorkerServices } from '../../runtime/services';
import { startWorkers, type WorkerSet } from '../../runtime/worker';
import { startRun, waitForRun, type RunOutcome, type StartedRun } from '../../runtime/runs';
import type { Settings } from '../../runtime/config';
import type { SwarmOptions } from '../../workflows/types';
import { testBundle, testClient, testSettings } from './temporal';

export interface SwarmEnv {
  sim: SimServer;
  settings: Settings;
  services: WorkerServices;
  workers: WorkerSet;
  client: Client;
  compile(yaml: string, file?: string): SwarmIR;
  start(yaml: string | SwarmIR, input?: Json, options?: SwarmOptions): Promise<StartedRun>;
  run(yaml: string | SwarmIR, input?: Json, options?: SwarmOptions): Promise<RunOutcome>;
  close(): Promise<void>;
}

export function compileOrThrow(yaml: string, file = 'test.swarm.yaml'): SwarmIR {
  const { ir, diagnostics } = compile(yaml, file);
  if (!ir || diagnostics.length > 0) throw new Error(`the test definition does not compile:\n${diagnostics.map(formatDiagnostic).join('\n')}`);
  return ir;
}

export async function startSwarmEnv(simOptions: SimOptions = {}, overrides: Partial<Settings> = {}): Promise<SwarmEnv> {
  const sim = await startSimServer({ seed: 11, ...simOptions });
  const settings = testSettings({ simUrl: sim.url, ...overrides });
  const services = await buildWorkerServices(settings);
  const workers = await startWorkers({
    settings,
    bundlePath: testBundle(),
    inference: { pools: services.poolSlots, chat: services.chat },
    tools: services.tools,
    skills: services.skills,
    resolver: services.resolver,
  });
  const client = await testClient(settings);
  const toIr = (y: string | SwarmIR): SwarmIR => (typeof y === 'string' ? compileOrThrow(y) : y);
  const env: SwarmEnv = {
    sim,
    settings,
    services,
    workers,
    client,
    compile: compileOrThrow,
    start: (yaml, input = {}, options) => startRun(client, { ir: toIr(yaml), input, options }),
    run: async (yaml, input = {}, options) => waitForRun((await startRun(client, { ir: toIr(yaml), input, options })).handle),
    async close() {
      await workers.shutdown();
      await services.close();
      await client.connection.close();
      await sim.close();
    },
  };
  return env;
}
