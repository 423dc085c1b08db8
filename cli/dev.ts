/**
 * Process commands: `dev` (the embedded stack), `demo` (one run on it, then
 * stop), `worker` (production workers against any Temporal; they wait for
 * it when it is not up yet).
 */
import * as path from 'node:path';
import { startStack, type Stack } from '../runtime/stack';
import { projectRoot } from '../runtime/root';
import { dataPaths, settingsFromEnv } from '../runtime/config';
import { buildWorkerServices } from '../runtime/services';
import { startWorkers, TemporalWaitAbortedError, type WorkerSet } from '../runtime/worker';
import { connectClient, startRun } from '../runtime/runs';
import { compileFile, followRun, printOutcome, readInput, resolveSettings, uiLink, type GlobalOpts } from './runs';
import { dslCompiler, startApiServer } from '../server/start';
import { metricsFromEnv, startMetricsServerFromEnv } from '../runtime/metrics';
import { openSqliteStore } from '../server/store/sqlite';
import { storedSwarmLookup } from '../server/lookup';
import type { Io } from './io';

/** Resolves on the first SIGINT or SIGTERM. */
function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (sig: string) => () => resolve(sig);
    process.once('SIGINT', on('SIGINT'));
    process.once('SIGTERM', on('SIGTERM'));
  });
}

export async function devCommand(o: { port?: string; uiPort?: string; apiPort?: string; simPort?: string; ui?: boolean }, g: GlobalOpts, io: Io): Promise<number> {
  const home = settingsFromEnv(process.env, g.home ? { home: g.home } : {}).home;
  io.out(`swarmflow dev: data in ${home}`);
  const stack = await startStack({
    home,
    temporalPort: o.port ? Number(o.port) : 7233,
    uiPort: o.uiPort ? Number(o.uiPort) : 8233,
    apiPort: o.apiPort ? Number(o.apiPort) : 8787,
    simPort: o.simPort ? Number(o.simPort) : 8788,
    ui: o.ui !== false,
    log: (l) => io.out(`  ${l}`),
  });
  io.out('ready: runs in flight from an earlier start resume now. Ctrl-C stops everything.');
  io.out(`try:  TEMPORAL_ADDRESS=${stack.settings.temporalAddress} swarmflow run examples/hello.swarm.yaml --input '{"name":"Ada"}' --wait`);
  const sig = await untilSignal();
  io.out(`${sig}: stopping...`);
  await stack.stop();
  io.out('stopped');
  return 0;
}

export async function demoCommand(o: { file?: string; input?: string }, g: GlobalOpts, io: Io): Promise<number> {
  const file = o.file ?? path.join(projectRoot(), 'examples', 'research.swarm.yaml');
  const input = readInput(o.input ?? '{"topic":"durable execution for LLM agent swarms","breadth":5}');
  const ir = compileFile(file, io);
  if (!ir) return 1;
  const home = path.join(settingsFromEnv(process.env, g.home ? { home: g.home } : {}).home, 'demo');
  io.out(`starting the embedded stack (data in ${home})...`);
  let stack: Stack | null = null;
  try {
    stack = await startStack({ home, log: (l) => io.out(`  ${l}`), api: false });
    const client = await connectClient(stack.settings);
    try {
      const { id } = await startRun(client, { ir, input });
      io.out(`run ${id} of ${path.relative(process.cwd(), file)}`);
      const outcome = await followRun(client, id, io, false);
      const code = printOutcome(io, g, id, outcome, stack.settings);
      const link = uiLink(stack.settings, id);
      if (link) io.out(`(the Temporal UI above lives while the stack runs: \`swarmflow dev\` keeps it up)`);
      return code;
    } finally {
      await client.connection.close();
    }
  } finally {
    io.out('stopping the embedded stack...');
    await stack?.stop();
  }
}

export async function apiCommand(o: { port: string; host: string }, g: GlobalOpts, io: Io): Promise<number> {
  const settings = resolveSettings(g);
  const services = await buildWorkerServices(settings);
  const metrics = metricsFromEnv();
  metrics.watchPool(services.pool);
  const metricsServer = await startMetricsServerFromEnv(metrics);
  const api = await startApiServer({ settings, services, port: Number(o.port), host: o.host, log: (l) => io.err(l) });
  io.out(`swarmflow API at ${api.url} (Temporal ${settings.temporalAddress})${metricsServer ? `, metrics at ${metricsServer.url}/metrics` : ''}; Ctrl-C stops it`);
  await untilSignal();
  await api.close();
  await metricsServer?.close();
  await services.close();
  return 0;
}

export async function workerCommand(o: { inference?: boolean; swarm?: boolean }, g: GlobalOpts, io: Io): Promise<number> {
  const settings = settingsFromEnv(process.env, g.home ? { home: g.home } : {});
  const services = await buildWorkerServices(settings);
  // `swarm:` steps resolve against the definitions the API stores in the same data directory.
  const store = openSqliteStore(dataPaths(settings.home).db);
  services.setSwarmLookup(storedSwarmLookup(store, dslCompiler));
  const inferenceOnly = Boolean(o.inference) && o.swarm !== true;
  const metrics = metricsFromEnv();
  metrics.watchPool(services.pool);
  const metricsServer = await startMetricsServerFromEnv(metrics);
  // Listen for Ctrl-C / SIGTERM from the start: they also end the wait for Temporal.
  const stop = new AbortController();
  const signalled = untilSignal().then((sig) => {
    stop.abort();
    return sig;
  });
  const close = async (): Promise<void> => {
    await metricsServer?.close();
    await services.close();
    store.close();
  };
  let workers: WorkerSet;
  try {
    // Temporal may not be up yet (compose, a restart): wait for it, one line per attempt, instead of exiting 1.
    workers = await startWorkers({
      settings,
      metrics,
      swarm: !inferenceOnly,
      inference: o.inference ? { pools: services.poolSlots, chat: services.chat } : null,
      tools: services.tools,
      skills: services.skills,
      resolver: services.resolver,
      waitForTemporal: { log: (l) => io.err(l), signal: stop.signal },
    });
  } catch (err) {
    await close();
    if (err instanceof TemporalWaitAbortedError) {
      io.out(`${err.message}: stopped`);
      return 0;
    }
    throw err;
  }
  io.out(`worker connected to ${settings.temporalAddress} (namespace ${settings.namespace}): ${inferenceOnly ? '' : 'swarm'}${o.inference ? `${inferenceOnly ? '' : ' + '}inference pools ${Object.entries(services.poolSlots).map(([p, n]) => `${p} (${n} slots)`).join(', ')}` : ''}`);
  await Promise.race([signalled, workers.done]);
  await workers.shutdown();
  await close();
  return 0;
}
