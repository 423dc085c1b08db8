/** Health, the OpenAPI document, the Skill store and the inference pool. */
import type { Request, Response } from 'express';
import type { PoolStatus } from '../../activities/inference/pool';
import { SkillRefError } from '../../activities/skills/errors';
import { ApiError } from '../errors';
import { openApiDocument } from '../openapi';
import { SKILL_NAME } from '../schemas';
import type { Ctx } from '../context';

export async function health(_ctx: Ctx, _req: Request, res: Response): Promise<void> {
  res.json({ status: 'ok' });
}

export async function openapi(_ctx: Ctx, _req: Request, res: Response): Promise<void> {
  res.json(openApiDocument());
}

export async function listSkills(ctx: Ctx, _req: Request, res: Response): Promise<void> {
  res.json({ skills: ctx.skills ? await ctx.skills.list() : [] });
}

export async function getSkill(ctx: Ctx, req: Request, res: Response): Promise<void> {
  const name = req.params.name;
  if (typeof name !== 'string' || !new RegExp(SKILL_NAME).test(name)) throw new ApiError('bad_request', 'a skill name is lowercase letters, digits, "-" and "_", at most 64 characters');
  const range = req.query.range;
  if (range !== undefined && (typeof range !== 'string' || range.length > 100)) throw new ApiError('bad_request', 'range must be one semver range, e.g. ^1.2', ['query/range: does not have the expected form']);
  let found;
  try {
    found = ctx.skills ? await ctx.skills.get(name, typeof range === 'string' ? range : undefined) : null;
  } catch (err) {
    if (err instanceof SkillRefError) throw new ApiError('bad_request', err.message);
    throw err;
  }
  if (!found) throw new ApiError('not_found', `skill "${name}"${typeof range === 'string' ? ` matching ${range}` : ''} is not stored (GET /v1/skills lists them)`);
  const s = found.skill;
  res.json({ name: s.name, version: s.version, hash: found.hash, description: s.description, outputSchema: s.outputSchema, provenance: s.provenance, extra: s.extra, body: s.body });
}

/** Endpoint URLs lose credentials and query strings: a key pasted into a URL must not leave the server (security rule 9). */
function safeUrl(u: string): string {
  try {
    const url = new URL(u);
    url.username = '';
    url.password = '';
    url.search = '';
    url.hash = '';
    return url.toString();
  } catch {
    return '(unparseable URL)';
  }
}

export function redactPoolStatus(s: PoolStatus): PoolStatus {
  return { ...s, pools: s.pools.map((p) => ({ ...p, endpoints: p.endpoints.map((e) => ({ ...e, url: safeUrl(e.url) })) })) };
}

export async function poolStatus(ctx: Ctx, _req: Request, res: Response): Promise<void> {
  if (!ctx.pool) throw new ApiError('unavailable', 'this API server has no inference pool attached (it runs without worker services)');
  res.json(redactPoolStatus(ctx.pool.status()));
}
