/**
 * What handlers share: the stores, the compiler, the Temporal gateway and
 * the optional services, plus small helpers for parameters.
 */
import type { Request } from 'express';
import type { PoolStatus } from '../activities/inference/pool';
import type { SkillSummary, StoredSkill } from '../activities/skills/types';
import type { Compiler } from './definitions';
import { ApiError } from './errors';
import { RUN_ID, SWARM_NAME } from './schemas';
import type { DefinitionStore, RunStore } from './store/types';
import type { RunGateway } from './temporal';

export interface SkillReader {
  list(): Promise<SkillSummary[]>;
  get(name: string, range?: string): Promise<StoredSkill | null>;
}

export interface ApiLimits {
  /** Largest request body, bytes (default 2 MiB: a 1 MiB definition, JSON-escaped). */
  bodyBytes: number;
  /** Per key: requests at once and per second. */
  rate: { burst: number; perSecond: number };
  /** Failed authentications per client address. */
  authFailures: { burst: number; perSecond: number };
  /** Event streams open at once, per key and in all. */
  streamsPerKey: number;
  streamsTotal: number;
  /** Event stream polling and keep-alive. */
  pollMs: number;
  heartbeatMs: number;
}

export const DEFAULT_LIMITS: ApiLimits = {
  bodyBytes: 2 * 1024 * 1024,
  rate: { burst: 120, perSecond: 20 },
  authFailures: { burst: 20, perSecond: 1 },
  streamsPerKey: 32,
  streamsTotal: 256,
  pollMs: 500,
  heartbeatMs: 15_000,
};

export interface Ctx {
  store: DefinitionStore & RunStore;
  compiler: Compiler;
  runs: RunGateway;
  skills: SkillReader | null;
  pool: { status(): PoolStatus } | null;
  limits: ApiLimits;
  /** Temporal Web UI base URL and namespace, for links to runs. */
  ui: { url: string; namespace: string } | null;
  streams: { total: number; byKey: Map<string, number> };
}

export function runIdParam(req: Request): string {
  const id = req.params.id;
  if (typeof id !== 'string' || !new RegExp(RUN_ID).test(id)) {
    throw new ApiError('bad_request', `"${String(id).slice(0, 80)}" is not a run id: run ids look like <swarm>/<run>, e.g. hello/4f2a9c1b7e01 (send the slash as %2F or as a path separator)`);
  }
  return id;
}

export function swarmNameParam(req: Request): string {
  const name = req.params.name;
  if (typeof name !== 'string' || !new RegExp(SWARM_NAME).test(name)) throw new ApiError('bad_request', `"${String(name).slice(0, 80)}" is not a swarm name: lowercase letters, digits and "-", starting with a letter, at most 63 characters`);
  return name;
}

export function positiveIntParam(v: unknown, what: string): number {
  if (typeof v !== 'string' || !/^[1-9][0-9]{0,8}$/.test(v)) throw new ApiError('bad_request', `${what} must be a positive whole number`);
  return Number(v);
}

export function principalName(req: Request): string {
  return req.principal?.name ?? 'local';
}

export function runLinks(ctx: Ctx, id: string): { self: string; events: string; history: string; ui: string | null } {
  const self = `/v1/runs/${encodeURIComponent(id)}`;
  return {
    self,
    events: `${self}/events`,
    history: `${self}/history`,
    ui: ctx.ui ? `${ctx.ui.url}/namespaces/${encodeURIComponent(ctx.ui.namespace)}/workflows/${encodeURIComponent(id)}` : null,
  };
}
