/**
 * What a worker process needs besides Temporal: the inference pool, the tool
 * registry, the Skill store and the run resolver, built once from settings.
 */
import * as fs from 'node:fs';
import { InferenceConfigError, loadInferenceConfig, parseInferenceConfig, type InferenceConfig } from '../activities/inference/config';
import { createPool, type InferencePool } from '../activities/inference/pool';
import { toTemporalFailure } from '../activities/inference/errors';
import { createToolRegistry, FileEffectLedger, loadToolModules, type ToolKind, type ToolRegistry } from '../activities/tools';
import { FsBlobStore } from '../activities/blobs';
import type { ChatFn, RunResolver, SkillService, ToolRunner } from '../activities/registry';
import { createSkillService, type SkillServiceImpl } from '../activities/skills/service';
import { dataPaths, type Settings } from './config';
import type { SwarmIR } from '../dsl/ir';

export interface WorkerServices {
  pool: InferencePool;
  /** Slots per pool: the inference workers' activity concurrency. */
  poolSlots: Record<string, number>;
  chat: ChatFn;
  /** The tool registry (kinds, schemas) and the runner the activities use (with the effect ledger). */
  toolRegistry: ToolRegistry;
  tools: ToolRunner;
  skills: SkillService;
  skillService: SkillServiceImpl;
  resolver: RunResolver;
  blobs: FsBlobStore;
  /** Stored swarm definitions, when the API's store is attached. */
  setSwarmLookup(fn: (name: string, version: number | null) => Promise<SwarmIR | null>): void;
  close(): Promise<void>;
}

export interface ServiceOptions {
  /** Tool kinds registered in code (benchmarks, embedding), besides the built-ins and SWARMFLOW_TOOL_MODULES. */
  toolKinds?: ToolKind[];
}

/**
 * Whether a configuration value (SWARMFLOW_INFERENCE) is the YAML/JSON text
 * itself rather than a file path: it has a newline, or starts like JSON
 * (`{`), a YAML document (`---`) or a YAML mapping (`pools:`, `key: value`).
 * A path has none of these (a Windows drive `C:\...` has no space after its colon).
 */
export function isConfigText(value: string): boolean {
  const t = value.trim();
  return t.includes('\n') || t.startsWith('{') || t.startsWith('---') || /^[A-Za-z_][\w-]*\s*:(\s|$)/.test(t);
}

/**
 * The inference configuration of these settings: `inferenceConfig` is a
 * file path or the text itself (SWARMFLOW_INFERENCE may hold either; it was
 * once always read as a path, so text failed as `error: /cwd/pools:`);
 * without it, ./inference.yaml or the simulated server. Errors say which
 * reading was tried.
 */
export function inferenceConfigFrom(value: string | null, simUrl: string | null): InferenceConfig {
  const sim = simUrl ?? undefined;
  if (value === null || value.trim() === '') return loadInferenceConfig({ simUrl: sim });
  if (isConfigText(value)) {
    try {
      return parseInferenceConfig(value, '$SWARMFLOW_INFERENCE', { simUrl: sim, cwd: process.cwd() });
    } catch (err) {
      if (!(err instanceof InferenceConfigError)) throw err;
      throw new InferenceConfigError(err.diagnostics.map((d) => ({ ...d, message: `${d.message} (SWARMFLOW_INFERENCE was read as configuration text, since it has a newline or starts like YAML or JSON)` })));
    }
  }
  try {
    return loadInferenceConfig({ file: value.trim(), simUrl: sim });
  } catch (err) {
    if (!(err instanceof InferenceConfigError)) throw err;
    throw new InferenceConfigError(
      err.diagnostics.map((d) => (d.message.startsWith('cannot read') ? { ...d, message: `${d.message} (SWARMFLOW_INFERENCE was read as a file path; to give the configuration itself, put its YAML or JSON text in the variable)` } : d)),
    );
  }
}

export async function buildWorkerServices(settings: Settings, opts: ServiceOptions = {}): Promise<WorkerServices> {
  const paths = dataPaths(settings.home);
  fs.mkdirSync(paths.blobs, { recursive: true });
  const config = inferenceConfigFrom(settings.inferenceConfig, settings.simUrl);
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
  const toolRegistry = createToolRegistry({ kinds: [...(opts.toolKinds ?? []), ...(settings.toolModules.length > 0 ? await loadToolModules(settings.toolModules) : [])] });
  const ledger = new FileEffectLedger(paths.ledger);
  const tools: ToolRunner = {
    toolSpec: (name, uses, config) => toolRegistry.toolSpec(name, uses, config),
    validateConfig: (uses, config) => toolRegistry.validateConfig(uses, config),
    run: (uses, config, args, ctx) => toolRegistry.run(uses, config, args, { ...ctx, ledger }),
  };
  const blobs = new FsBlobStore(paths.blobs);
  const skillService = createSkillService({ dir: paths.skills, blobs });
  const skills: SkillService = {
    capture: (input, chat) => skillService.capture(input, chat),
    // A skill listed without a range may be absent: the run may be the one that captures it.
    resolve: async (refs) => {
      const present: typeof refs = [];
      for (const r of refs) if (r.range !== '*' || (await skillService.store.versions(r.name)).length > 0) present.push(r);
      return skillService.resolve(present);
    },
  };
  let swarmLookup: ((name: string, version: number | null) => Promise<SwarmIR | null>) | null = null;
  const resolver: RunResolver = {
    pools: () => Object.keys(config.pools),
    toolKinds: () => toolRegistry.kinds().map((k) => k.uses),
    swarm: (name, version) => (swarmLookup ? swarmLookup(name, version) : Promise.resolve(null)),
  };
  return {
    pool,
    poolSlots,
    chat,
    toolRegistry,
    tools,
    skills,
    skillService,
    resolver,
    blobs,
    setSwarmLookup(fn) {
      swarmLookup = fn;
    },
    close: () => pool.close(),
  };
}
