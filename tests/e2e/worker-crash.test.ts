/**
 * A worker process killed with SIGKILL in the middle of a multi-step run; a
 * new worker process finishes that same run with the result of an
 * undisturbed run. Workers are real `swarmflow worker` processes (dist/).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Client } from '@temporalio/client';
import { compile } from '../../dsl';
import type { SwarmIR } from '../../dsl/ir';
import { startSimServer, type SimServer } from '../../sim/server';
import { queryProgress, startRun, waitForRun } from '../../runtime/runs';
import type { Settings } from '../../runtime/config';
import { describeTemporal, testClient, testSettings } from '../helpers/temporal';
import { waitUntil } from '../helpers/wait';

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli', 'index.js');

export function spawnWorker(settings: Settings, extraEnv: Record<string, string> = {}): ChildProcess {
  if (!fs.existsSync(CLI)) throw new Error('dist/ is not built: run `npm run bootstrap` (npm test does) before the crash tests');
  const child = spawn(process.execPath, [CLI, 'worker', '--inference', '--swarm'], {
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: settings.temporalAddress,
      TEMPORAL_NAMESPACE: settings.namespace,
      SWARMFLOW_HOME: settings.home,
      SWARMFLOW_SIM_URL: settings.simUrl ?? '',
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.resume();
  child.stderr?.resume();
  return child;
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

describeTemporal('a worker killed mid-run', () => {
  let sim: SimServer;
  let client: Client;
  let settings: Settings;
  let ir: SwarmIR;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    sim = await startSimServer({ seed: 3, latencyMs: 120 });
    settings = testSettings({ simUrl: sim.url });
    client = await testClient(settings);
    const text = fs.readFileSync(path.join(ROOT, 'examples', 'long-horizon.swarm.yaml'), 'utf8');
    const compiled = compile(text, 'long-horizon.swarm.yaml');
    if (!compiled.ir) throw new Error('long-horizon did not compile');
    ir = compiled.ir;
  });

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await client?.connection.close();
    await sim?.close();
  });

  test('SIGKILL at step 5 of 25; a new worker finishes with the undisturbed result', async () => {
    const options = { heartbeatTimeoutMs: 2000 };
    const w1 = spawnWorker(settings);
    children.push(w1);
    const run = await startRun(client, { ir, input: { iterations: 25 }, options });
    await waitUntil('5 steps are done', async () => (await queryProgress(client, run.id)).usage.steps >= 5);
    const before = await queryProgress(client, run.id);
    w1.kill('SIGKILL');
    await killed(w1);
    expect(before.usage.steps).toBeLessThan(25);

    const w2 = spawnWorker(settings);
    children.push(w2);
    const disturbed = await waitForRun(run.handle);
    expect(disturbed.status).toBe('succeeded');
    expect(disturbed.result?.usage.steps).toBe(25);

    // The same input, undisturbed, on the surviving worker: the same step outputs.
    const calm = await waitForRun((await startRun(client, { ir, input: { iterations: 25 }, options })).handle);
    expect(calm.status).toBe('succeeded');
    expect(disturbed.output).toEqual(calm.output);
    expect(disturbed.result?.steps).toEqual(calm.result?.steps);
    expect(disturbed.result?.usage).toEqual(calm.result?.usage);
    w2.kill('SIGTERM');
    await killed(w2);
  });
});
