/**
 * Validate, compile and the stored definitions. Storing compiles first: only
 * a definition without diagnostics is stored, and its name in the YAML must
 * be the name in the path.
 *
 * Versions are the definitions' own `version:` numbers (what `swarm:
 * NAME@VERSION` steps name). PUT of a version not stored yet creates it
 * (201); the same YAML again changes nothing but the layout (200); new YAML
 * for a version no run has used replaces it (200); new YAML for a version a
 * run has used is refused (409: bump `version:`).
 */
import type { Request, Response } from 'express';
import { formatDiagnostic } from '../../dsl/diagnostic';
import { compileOrThrow, readDefinition } from '../definitions';
import { ApiError } from '../errors';
import { DefinitionImmutableError, type StoredDefinition } from '../store/types';
import { positiveIntParam, swarmNameParam, type Ctx } from '../context';

export async function validate(ctx: Ctx, req: Request, res: Response): Promise<void> {
  const d = readDefinition(req, { withLayout: false });
  const diagnostics = ctx.compiler.validate(d.yaml, d.file);
  res.json({ valid: diagnostics.length === 0, diagnostics, errors: diagnostics.map(formatDiagnostic) });
}

export async function compile(ctx: Ctx, req: Request, res: Response): Promise<void> {
  const d = readDefinition(req, { withLayout: false });
  res.json({ ir: compileOrThrow(ctx.compiler, d.yaml, d.file) });
}

export async function listSwarms(ctx: Ctx, _req: Request, res: Response): Promise<void> {
  res.json({ swarms: await ctx.store.listDefinitions() });
}

function notStored(name: string, version: number | null): ApiError {
  return new ApiError('not_found', version === null ? `swarm "${name}" is not stored (store it with PUT /v1/swarms/${name})` : `version ${version} of swarm "${name}" is not stored (GET /v1/swarms/${name}/versions lists the stored ones)`);
}

export async function getSwarm(ctx: Ctx, req: Request, res: Response): Promise<void> {
  const name = swarmNameParam(req);
  const d = await ctx.store.getDefinition(name, null);
  if (!d) throw notStored(name, null);
  res.json(d);
}

export async function getSwarmVersion(ctx: Ctx, req: Request, res: Response): Promise<void> {
  const name = swarmNameParam(req);
  const version = positiveIntParam(req.params.version, 'the version');
  const d = await ctx.store.getDefinition(name, version);
  if (!d) throw notStored(name, version);
  res.json(d);
}

export async function listSwarmVersions(ctx: Ctx, req: Request, res: Response): Promise<void> {
  const name = swarmNameParam(req);
  const versions = await ctx.store.listVersions(name);
  if (versions.length === 0) throw notStored(name, null);
  res.json({ name, versions });
}

export async function putSwarm(ctx: Ctx, req: Request, res: Response): Promise<void> {
  const name = swarmNameParam(req);
  const d = readDefinition(req, { withLayout: true, defaultFile: `${name}.swarm.yaml` });
  const ir = compileOrThrow(ctx.compiler, d.yaml, d.file);
  if (ir.name !== name) throw new ApiError('conflict', `the definition is swarm "${ir.name}" but the path stores swarm "${name}": PUT it to /v1/swarms/${ir.name}, or change \`swarm:\``);
  let stored: { outcome: 'created' | 'unchanged' | 'replaced'; definition: StoredDefinition };
  try {
    stored = await ctx.store.putDefinition({ name, version: ir.version, yaml: d.yaml, irSha256: ir.sha256, description: ir.description, ...(d.layout !== undefined ? { layout: d.layout } : {}) });
  } catch (err) {
    if (err instanceof DefinitionImmutableError) throw new ApiError('conflict', err.message);
    throw err;
  }
  res.status(stored.outcome === 'created' ? 201 : 200);
  if (stored.outcome === 'created') res.setHeader('Location', `/v1/swarms/${name}/versions/${ir.version}`);
  res.json(stored);
}
