/**
 * `fs.write`: writes one file of the run's workspace (creating directories).
 * Deduplicated through the effect ledger: a retried or replayed call with the
 * same idempotency key returns the recorded result without writing again.
 * Repeatable: when the attempt writing died before recording, the next one
 * writes the same content again (the file ends the same).
 */
import { Buffer } from 'node:buffer';
import { asObject, optString, reqString } from './args';
import { ToolRefusedError } from './errors';
import { configBytes } from './limits';
import type { ToolKind } from './types';
import { openForWrite, relativeSegments, workspaceRoot } from './workspace';

const DEFAULT_MAX = 1024 * 1024;
const CEILING = 16 * 1024 * 1024;

export const fsWrite: ToolKind = {
  uses: 'fs.write',
  description: 'Write a file of the workspace, replacing its content (directories are created). Paths are relative to the workspace root.',
  effect: 'write',
  deduplicate: true,
  // Writing the same bytes again leaves the same file: an attempt that died mid-write is simply redone.
  repeatable: true,
  configSchema: {
    type: 'object',
    additionalProperties: false,
    properties: { maxBytes: { type: 'integer', minimum: 1, maximum: CEILING, description: 'largest file written, in bytes (default 1 MiB)' } },
  },
  argsSchema: () => ({
    type: 'object',
    additionalProperties: false,
    required: ['path', 'content'],
    properties: {
      path: { type: 'string', minLength: 1, description: 'file path relative to the workspace, e.g. "src/index.ts"' },
      content: { type: 'string', description: 'the whole new content of the file' },
      encoding: { enum: ['utf8', 'base64'], description: 'how content is encoded: utf8 (default) or base64' },
    },
  }),
  resultSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['path', 'bytes'],
    properties: { path: { type: 'string' }, bytes: { type: 'integer' } },
  },
  async run(args, ctx) {
    const a = asObject(args, 'fs.write arguments');
    const p = reqString(a, 'path', 'fs.write');
    const content = reqString(a, 'content', 'fs.write');
    const data = optString(a, 'encoding') === 'base64' ? Buffer.from(content, 'base64') : Buffer.from(content, 'utf8');
    const max = configBytes(ctx.config['maxBytes'], DEFAULT_MAX, CEILING);
    if (data.length > max) throw new ToolRefusedError(`content is ${data.length} bytes, over the fs.write limit of ${max} bytes`);
    const root = await workspaceRoot(ctx.workspace);
    const { handle } = await openForWrite(root, p);
    try {
      await handle.truncate(0);
      let written = 0;
      while (written < data.length) {
        const { bytesWritten } = await handle.write(data, written, data.length - written, written);
        written += bytesWritten;
      }
    } finally {
      await handle.close();
    }
    return { path: relativeSegments(p).join('/'), bytes: data.length };
  },
};
