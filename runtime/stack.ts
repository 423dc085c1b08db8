/**
 * The embedded stack of `swarmflow dev` and `npm run demo`: a Temporal dev
 * server persisted under `.swarmflow/`, the simulated model server, the
 * workers and (when built) the API server, all on 127.0.0.1. A second start
 * on the same data directory resumes the runs that were in flight.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startDevServer, type DevServer } from './dev-server';
import { startSimServer, type SimServer } from '../sim/server';
import { startWorkers, type WorkerSet } from './worker';
import { dataPaths, settingsFromEnv, type Settings } from './config';
import { preferredOrFreePort } from './ports';
import { buildWorkerServices, type WorkerServices } from './services';
import { startApiServer } from '../server/start';

export interface StackOptions {
  home: string;
  /** Preferred ports; a busy one is replaced by a free one. */
  temporalPort?: number;
  uiPort?: number;
  simPort?: number;
  apiPort?: number;
  ui?: boolean;
  /** Start the API server (and the editor it serves). Default true. */
  api?: boolean;
  simLatencyMs?: number;
  log?: (line: string) => void;
}

export interface Stack {
  settings: Settings;
  temporal: DevServer;
  sim: SimServer;
  workers: WorkerSet;
  services: WorkerServices;
  apiUrl: string | null;
  stop(): Promise<void>;
}

export async function startStack(o: StackOptions): Promise<Stack> {
  const log = o.log ?? (() => undefined);
  const paths = dataPaths(o.home);
  fs.mkdirSync(paths.logs, { recursive: true });
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async (): Promise<void> => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
  };
  try {
    const temporal = await startDevServer({
      dbFile: paths.temporalDb,
      port: await preferredOrFreePort(o.temporalPort),
      uiPort: o.ui === false ? undefined : await preferredOrFreePort(o.uiPort),
      ui: o.ui !== false,
      logFile: path.join(paths.logs, 'temporal.log'),
    });
    stops.push(() => temporal.stop());
    log(`temporal  ${temporal.address}${temporal.uiUrl ? `   (Web UI ${temporal.uiUrl})` : ''}`);
    const sim = await startSimServer({ port: await preferredOrFreePort(o.simPort), latencyMs: o.simLatencyMs });
    stops.push(() => sim.close());
    log(`sim model ${sim.url}   (simulated answers, labelled as such)`);
    const settings: Settings = {
      temporalAddress: temporal.address,
      namespace: temporal.namespace,
      home: o.home,
      uiUrl: temporal.uiUrl,
      inferenceConfig: process.env.SWARMFLOW_INFERENCE ?? null,
      simUrl: sim.url,
      toolModules: settingsFromEnv().toolModules,
    };
    const services = await buildWorkerServices(settings);
    stops.push(() => services.close());
    const workers = await startWorkers({ settings, inference: { pools: services.poolSlots, chat: services.chat }, tools: services.tools, skills: services.skills, resolver: services.resolver });
    stops.push(() => workers.shutdown());
    log(`workers   swarm + inference (${Object.keys(services.poolSlots).join(', ')})`);
    let apiUrl: string | null = null;
    if (o.api !== false) {
      const api = await startApiServer({ settings, services, port: await preferredOrFreePort(o.apiPort), host: '127.0.0.1', log: (l) => log(`          ${l}`) });
      stops.push(() => api.close());
      apiUrl = api.url;
      log(`api       ${apiUrl}   (editor at ${apiUrl}/)`);
    }
    fs.writeFileSync(path.join(o.home, 'dev.json'), JSON.stringify({ temporalAddress: temporal.address, namespace: temporal.namespace, uiUrl: temporal.uiUrl, simUrl: sim.url, apiUrl, pid: process.pid }, null, 2));
    stops.push(async () => fs.rmSync(path.join(o.home, 'dev.json'), { force: true }));
    return { settings, temporal, sim, workers, services, apiUrl, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** Addresses written by a running `swarmflow dev`, so other commands find its Temporal. */
export function readDevInfo(home: string): { temporalAddress: string; namespace: string; uiUrl: string | null; apiUrl: string | null; simUrl: string | null } | null {
  try {
    const raw: unknown = JSON.parse(fs.readFileSync(path.join(home, 'dev.json'), 'utf8'));
    if (typeof raw !== 'object' || raw === null) return null;
    const r = raw as Record<string, unknown>;
    if (typeof r.temporalAddress !== 'string') return null;
    return {
      temporalAddress: r.temporalAddress,
      namespace: typeof r.namespace === 'string' ? r.namespace : 'default',
      uiUrl: typeof r.uiUrl === 'string' ? r.uiUrl : null,
      apiUrl: typeof r.apiUrl === 'string' ? r.apiUrl : null,
      simUrl: typeof r.simUrl === 'string' ? r.simUrl : null,
    };
  } catch {
    return null;
  }
}
