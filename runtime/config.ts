/**
 * Settings every process shares, from the environment (production) or from
 * `swarmflow dev` (embedded). One place, so the worker, the API and the CLI
 * agree on where Temporal and the data directory are.
 */
import * as path from 'node:path';
import { temporalSecurityFromEnv, type TemporalSecurity } from './temporal-connection';

export interface Settings {
  /** Temporal frontend, `host:port`. */
  temporalAddress: string;
  namespace: string;
  /** Data directory: blobs, skills, workspaces, the effect ledger, the API database. */
  home: string;
  /** Temporal Web UI base URL, when known (dev server). */
  uiUrl: string | null;
  /** Inference pool configuration file (`inference.yaml`), if any. */
  inferenceConfig: string | null;
  /** The simulated model server, used by the default pool. */
  simUrl: string | null;
  /** Modules that export user tool kinds (`SWARMFLOW_TOOL_MODULES`, comma-separated paths). */
  toolModules: string[];
  /** TLS and API key for a cluster that needs them (`TEMPORAL_TLS_*`, `TEMPORAL_API_KEY`); absent means plaintext. */
  temporalSecurity?: TemporalSecurity;
}

export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Settings> = {}): Settings {
  const home = path.resolve(overrides.home ?? env.SWARMFLOW_HOME ?? '.swarmflow');
  return {
    temporalAddress: overrides.temporalAddress ?? env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
    namespace: overrides.namespace ?? env.TEMPORAL_NAMESPACE ?? 'default',
    home,
    uiUrl: overrides.uiUrl ?? env.SWARMFLOW_TEMPORAL_UI ?? null,
    inferenceConfig: overrides.inferenceConfig ?? env.SWARMFLOW_INFERENCE ?? null,
    simUrl: overrides.simUrl ?? env.SWARMFLOW_SIM_URL ?? null,
    toolModules: overrides.toolModules ?? (env.SWARMFLOW_TOOL_MODULES ?? '').split(',').map((p) => p.trim()).filter(Boolean).map((p) => path.resolve(p)),
    temporalSecurity: overrides.temporalSecurity ?? temporalSecurityFromEnv(env),
  };
}

export const dataPaths = (home: string) => ({
  blobs: path.join(home, 'blobs'),
  skills: path.join(home, 'skills'),
  workspaces: path.join(home, 'workspaces'),
  ledger: path.join(home, 'ledger'),
  recordings: path.join(home, 'recordings'),
  db: path.join(home, 'swarmflow.db'),
  temporalDb: path.join(home, 'temporal.db'),
  logs: path.join(home, 'logs'),
});

/** A run's workspace directory name: its id with anything but [A-Za-z0-9._-] replaced. */
export function workspaceDirName(runId: string): string {
  return runId.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 200);
}
