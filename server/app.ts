/**
 * The express application of the REST API. Order matters and is the point
 * of this file:
 *
 *   security headers -> guard (canonical path, exact route table, auth,
 *   scope, rate limit; no body read yet) -> the route's body reader (size
 *   and type limits) -> its handler -> 404 -> the error handler (one JSON
 *   shape, never a stack trace).
 *
 * Routing is case-sensitive and strict about trailing slashes so the router
 * matches exactly what the guard authorised.
 */
import express, { type Request, type Response } from 'express';
import type { Client } from '@temporalio/client';
import type { WorkerServices } from '../runtime/services';
import type { AuthConfig } from './auth';
import { bodyReader } from './body';
import { DEFAULT_LIMITS, type ApiLimits, type Ctx, type SkillReader } from './context';
import type { Compiler } from './definitions';
import { ApiError, errorHandler } from './errors';
import { guard } from './guard';
import * as defs from './handlers/definitions';
import { runEvents } from './handlers/events';
import * as misc from './handlers/misc';
import * as runs from './handlers/runs';
import { securityHeaders } from './headers';
import { TokenBuckets } from './rate-limit';
import { ROUTES, type RouteId, type RouteSpec } from './routes';
import { editorRouter } from './static';
import type { DefinitionStore, RunStore } from './store/types';
import { RunGateway } from './temporal';

export interface AppDeps {
  /** The Temporal client, created on first use; a failure answers 503. */
  temporal: () => Promise<Client> | Client;
  store: DefinitionStore & RunStore;
  auth: AuthConfig;
  /** The DSL's compile and validate (dsl/index.ts). */
  compiler: Compiler;
  /** The inference pool, for GET /v1/pool. */
  services?: Partial<Pick<WorkerServices, 'pool'>>;
  /** The Skill store, for GET /v1/skills. */
  skills?: SkillReader;
  limits?: Partial<ApiLimits>;
  /** Temporal Web UI, for links to runs. */
  ui?: { url: string; namespace: string } | null;
  /** `editor/dist`, served at `/` when set. */
  editorDir?: string | null;
  /** The codec server for the Temporal UI (runtime/codec), mounted before the guard: it has its own token auth and CORS. */
  codec?: express.Router | null;
  /** Where internal errors are written (never to the client). */
  log?: (line: string) => void;
}

type Handler = (ctx: Ctx, req: Request, res: Response) => Promise<void>;

const HANDLERS: Record<RouteId, Handler> = {
  health: misc.health,
  openapi: misc.openapi,
  validate: defs.validate,
  compile: defs.compile,
  listSwarms: defs.listSwarms,
  getSwarm: defs.getSwarm,
  putSwarm: defs.putSwarm,
  listSwarmVersions: defs.listSwarmVersions,
  getSwarmVersion: defs.getSwarmVersion,
  startRun: runs.startRunHandler,
  listRuns: runs.listRuns,
  getRun: runs.getRun,
  runEvents,
  signalRun: runs.signalRun,
  cancelRun: runs.cancelRun,
  runHistory: runs.runHistory,
  listSkills: misc.listSkills,
  getSkill: misc.getSkill,
  poolStatus: misc.poolStatus,
};

export function createApp(deps: AppDeps): express.Application {
  const limits: ApiLimits = { ...DEFAULT_LIMITS, ...deps.limits };
  const log = deps.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const ctx: Ctx = {
    store: deps.store,
    compiler: deps.compiler,
    runs: new RunGateway(deps.temporal),
    skills: deps.skills ?? null,
    pool: deps.services?.pool ?? null,
    limits,
    ui: deps.ui ?? null,
    streams: { total: 0, byKey: new Map() },
  };

  const app = express();
  // Before the router exists (it is created on first use): exact matching only.
  app.set('case sensitive routing', true);
  app.set('strict routing', true);
  app.set('x-powered-by', false);
  app.set('etag', false);
  app.set('query parser', 'simple');

  app.use(securityHeaders());
  if (deps.codec) app.use(deps.codec);
  app.use(guard({ auth: deps.auth, buckets: new TokenBuckets(limits.rate), failures: new TokenBuckets(limits.authFailures) }));
  const body = bodyReader(limits.bodyBytes);
  for (const route of ROUTES as readonly RouteSpec[]) {
    const handler = HANDLERS[route.id];
    const method = route.method === 'GET' ? 'get' : route.method === 'PUT' ? 'put' : 'post';
    app[method](route.path, body(route.body), (req: Request, res: Response) => handler(ctx, req, res));
  }
  if (deps.editorDir) app.use(editorRouter(deps.editorDir));
  app.use((req: Request) => {
    throw new ApiError('not_found', `there is no route ${req.method} ${req.path}`);
  });
  app.use(errorHandler(log));
  return app;
}
