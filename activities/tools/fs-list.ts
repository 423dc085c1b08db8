/** `fs.list`: lists a directory of the run's workspace; links are reported, never followed. */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { asObject, optString } from './args';
import { ToolError } from './errors';
import type { Json, ToolKind } from './types';
import { displayPath, resolveExisting, workspaceRoot } from './workspace';

const DEFAULT_MAX = 1000;
const CEILING = 10_000;
const MAX_DEPTH = 32;

type EntryType = 'file' | 'dir' | 'symlink' | 'other';

function typeOf(st: { isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean }): EntryType {
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isDirectory()) return 'dir';
  if (st.isFile()) return 'file';
  return 'other';
}

export const fsList: ToolKind = {
  uses: 'fs.list',
  description: 'List the files of a workspace directory (relative paths, types and sizes). Symbolic links are listed but not followed.',
  effect: 'read',
  configSchema: {
    type: 'object',
    additionalProperties: false,
    properties: { maxEntries: { type: 'integer', minimum: 1, maximum: CEILING, description: 'most entries returned (default 1000)' } },
  },
  argsSchema: () => ({
    type: 'object',
    additionalProperties: false,
    properties: {
      path: { type: 'string', description: 'directory relative to the workspace (default: the workspace root ".")' },
      recursive: { type: 'boolean', description: 'list subdirectories too (default false)' },
    },
  }),
  resultSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['path', 'entries', 'truncated'],
    properties: {
      path: { type: 'string' },
      entries: {
        type: 'array',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['path', 'type', 'size'],
          properties: { path: { type: 'string' }, type: { enum: ['file', 'dir', 'symlink', 'other'] }, size: { type: 'integer' } },
        },
      },
      truncated: { type: 'boolean' },
    },
  },
  async run(args, ctx) {
    const a = asObject(args, 'fs.list arguments');
    const p = optString(a, 'path') ?? '.';
    const recursive = a['recursive'] === true;
    const max = typeof ctx.config['maxEntries'] === 'number' ? Math.min(ctx.config['maxEntries'], CEILING) : DEFAULT_MAX;
    const root = await workspaceRoot(ctx.workspace);
    const start = await resolveExisting(root, p);
    if (!(await fs.lstat(start)).isDirectory()) throw new ToolError(`${JSON.stringify(p)} is not a directory; read files with fs.read`);
    const entries: { path: string; type: EntryType; size: number }[] = [];
    let truncated = false;
    const walk = async (dir: string, depth: number): Promise<void> => {
      const names = (await fs.readdir(dir)).sort();
      for (const name of names) {
        if (entries.length >= max) {
          truncated = true;
          return;
        }
        if (ctx.signal.aborted) throw new ToolError('fs.list was cancelled');
        const full = path.join(dir, name);
        let st;
        try {
          st = await fs.lstat(full);
        } catch {
          continue; // removed while listing
        }
        const type = typeOf(st);
        entries.push({ path: displayPath(root, full), type, size: type === 'file' ? st.size : 0 });
        if (recursive && type === 'dir' && depth < MAX_DEPTH) await walk(full, depth + 1);
      }
    };
    await walk(start, 0);
    const out: Json = { path: displayPath(root, start), entries, truncated };
    return out;
  },
};
