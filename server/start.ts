/**
 * Starting the API server: the SQLite store under the data directory, the
 * Skill store, API keys from SWARMFLOW_API_KEYS, the editor when built, and
 * the hook that lets workers in this process resolve `swarm:` steps against
 * the stored definitions. Without keys the server only listens on loopback,
 * and says so.
 */
import { listenHttp } from '../runtime/listen';
import type { Client } from '@temporalio/client';
import * as http from 'node:http';
import { FsSkillStore } from '../activities/skills/fs-store';
import { compile, validate } from '../dsl';
import { dataPaths, type Settings } from '../runtime/config';
import { connectClient } from '../runtime/runs';
import type { WorkerServices } from '../runtime/services';
import { createApp } from './app';
import { codecRouterFromEnv } from '../runtime/codec/server';
import { authFromEnv, type AuthConfig } from './auth';
import type { ApiLimits } from './context';
import type { Compiler } from './definitions';
import { storedSwarmLookup } from './lookup';
import { findEditorDir } from './static';
import { openSqliteStore } from './store/sqlite';

/** The DSL as the API uses it. */
export const dslCompiler: Compiler = { compile, validate };

/** Thrown when the server would listen beyond loopback with no API keys. */
export class UnsafeBindError extends Error {
  constructor(host: string) {
    super(`refusing to listen on ${host} without API keys: set SWARMFLOW_API_KEYS (name:scope1+scope2:key entries, or @file), or listen on 127.0.0.1`);
    this.name = 'UnsafeBindError';
  }
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

export interface ApiServerOptions {
  settings: Settings;
  services: WorkerServices;
  port: number;
  host: string;
  /** Default: from SWARMFLOW_API_KEYS. */
  auth?: AuthConfig;
  limits?: Partial<ApiLimits>;
  /** Start-up notes and internal errors (default: stderr). */
  log?: (line: string) => void;
}

export interface ApiServer {
  url: string;
  close(): Promise<void>;
}

export async function startApiServer(o: ApiServerOptions): Promise<ApiServer> {
  const log = o.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const auth = o.auth ?? authFromEnv();
  if (auth.keys.length === 0 && !isLoopback(o.host)) throw new UnsafeBindError(o.host);
  const paths = dataPaths(o.settings.home);
  const store = openSqliteStore(paths.db);
  o.services.setSwarmLookup(storedSwarmLookup(store, dslCompiler, log));

  let client: Promise<Client> | null = null;
  const temporal = (): Promise<Client> => {
    client ??= connectClient(o.settings).catch((err: unknown) => {
      client = null; // try again on the next request
      throw err;
    });
    return client;
  };
  const editorDir = findEditorDir();
  const codec = codecRouterFromEnv(process.env, log);
  const app = createApp({
    temporal,
    store,
    auth,
    compiler: dslCompiler,
    services: { pool: o.services.pool },
    skills: new FsSkillStore(paths.skills),
    ui: o.settings.uiUrl ? { url: o.settings.uiUrl, namespace: o.settings.namespace } : null,
    editorDir,
    codec,
    log,
    ...(o.limits ? { limits: o.limits } : {}),
  });
  const server = http.createServer(app);
  // Slow-loris guards: a client must send its headers and body in time.
  server.headersTimeout = 20_000;
  server.requestTimeout = 60_000;
  const bound = await listenHttp(server, o.port, o.host);
  const url = bound.url;
  const host = new URL(url).hostname;
  if (auth.keys.length === 0) log(`api: no API keys configured (SWARMFLOW_API_KEYS): listening on ${host} only, and every local client has every scope`);
  else log(`api: ${auth.keys.length} API key${auth.keys.length === 1 ? '' : 's'} configured (${auth.keys.map((k) => `${k.name}: ${k.scopes.join('+')}`).join(', ')})`);
  if (!editorDir) log('api: editor/dist is not built: the editor is not served (npm run build in editor/)');
  return {
    url,
    close: async () => {
      await bound.close();
      store.close();
      if (client) await client.then((c) => c.connection.close()).catch(() => undefined);
    },
  };
}
