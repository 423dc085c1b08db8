/**
 * What a worker process needs besides Temporal: the inference pool, the tool
 * registry, the Skill store and the run resolver, built once from settings.
 */
import * as fs from 'node:fs';
import { loadInferenceConfig } from '../activities/inference/config';
import { createPool, type InferencePool } from '../activities/inference/pool';
import { toTemporalFailure } from '../activities/inference/errors';
import { createToolRegistry, type ToolRegistry } from '../activities/tools/registry';
import { FsBlobStore } from '../activities/blobs';
import type { ChatFn, RunResolver, SkillService } from '../activities/registry';
import { createSkillService } from '../activities/skills/service';
import { dataPaths, type Settings } from './config';
import type { SwarmIR } from '../dsl/ir';

export interface WorkerServices {
  pool: InferencePool;
  /** Slots per pool: the inference workers' activity concurrency. */
  poolSlots: Record<string, number>;
  chat: ChatFn;
  tools: ToolRegistry;
  skills: SkillService;
  resolver: RunResolver;
  blobs: FsBlobStore;
  /** Stored swarm definitions, when the API's store is attached. */
  setSwarmLookup(fn: (name: string, version: number | null) => Promise<SwarmIR | null>): void;
  close(): Promise<void>;
}

export async function buildWorkerServices(settings: Settings): Promise<WorkerServices> {
  const paths = dataPaths(settings.home);
  fs.mkdirSync(paths.blobs, { recursive: true });
  const config = loadInferenceConfig({ file: settings.inferenceConfig ?? undefined, simUrl: settings.simUrl ?? undefined });
  const pool = createPool(config);
  const poolSlots: Record<string, number> = {};
  for (const name of Object.keys(config.pools)) poolSlots[name] = pool.slots(name);
  const chat: ChatFn = async (req, opts) => {
    try {
      return await pool.chat(req, opts);
    } catch (err) {
      throw toTemporalFailure(err);
    }
  };
  const tools = createToolRegistry();
  const blobs = new FsBlobStore(paths.blobs);
  const skills = createSkillService({ dir: paths.skills, blobs });
  let swarmLookup: ((name: string, version: number | null) => Promise<SwarmIR | null>) | null = null;
  const resolver: RunResolver = {
    pools: () => Object.keys(config.pools),
    toolKinds: () => tools.kinds().map((k) => k.uses),
    swarm: (name, version) => (swarmLookup ? swarmLookup(name, version) : Promise.resolve(null)),
  };
  return {
    pool,
    poolSlots,
    chat,
    tools,
    skills,
    resolver,
    blobs,
    setSwarmLookup(fn) {
      swarmLookup = fn;
    },
    close: () => pool.close(),
  };
}
