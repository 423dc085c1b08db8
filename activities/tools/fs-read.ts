/** `fs.read`: reads one file of the run's workspace, whole or a byte range. */
import { ToolError, ToolRefusedError } from './errors';
import { configBytes } from './limits';
import type { Json, ToolKind } from './types';
import { openForRead, relativeSegments, workspaceRoot } from './workspace';

const DEFAULT_MAX = 1024 * 1024;
const CEILING = 16 * 1024 * 1024;

interface ReadArgs {
  path: string;
  offset: number;
  length: number | null;
  encoding: 'utf8' | 'base64';
}

function readArgs(args: Json): ReadArgs {
  // The registry validated the shape; this only narrows the types.
  if (typeof args !== 'object' || args === null || Array.isArray(args) || typeof args['path'] !== 'string') throw new ToolError('fs.read needs { path }');
  const offset = args['offset'];
  const length = args['length'];
  return {
    path: args['path'],
    offset: typeof offset === 'number' ? offset : 0,
    length: typeof length === 'number' ? length : null,
    encoding: args['encoding'] === 'base64' ? 'base64' : 'utf8',
  };
}

export const fsRead: ToolKind = {
  uses: 'fs.read',
  description: 'Read a file of the workspace. Paths are relative to the workspace root; large files are read in parts with offset and length (bytes).',
  effect: 'read',
  configSchema: {
    type: 'object',
    additionalProperties: false,
    properties: { maxBytes: { type: 'integer', minimum: 1, maximum: CEILING, description: 'largest read, in bytes (default 1 MiB)' } },
  },
  argsSchema: () => ({
    type: 'object',
    additionalProperties: false,
    required: ['path'],
    properties: {
      path: { type: 'string', minLength: 1, description: 'file path relative to the workspace, e.g. "src/index.ts"' },
      offset: { type: 'integer', minimum: 0, description: 'first byte to read (default 0)' },
      length: { type: 'integer', minimum: 1, description: 'bytes to read (default: the whole file)' },
      encoding: { enum: ['utf8', 'base64'], description: 'utf8 (default) for text, base64 for binary files' },
    },
  }),
  resultSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['path', 'size', 'offset', 'content', 'encoding'],
    properties: {
      path: { type: 'string' },
      size: { type: 'integer' },
      offset: { type: 'integer' },
      content: { type: 'string' },
      encoding: { enum: ['utf8', 'base64'] },
    },
  },
  async run(args, ctx) {
    const a = readArgs(args);
    const max = configBytes(ctx.config['maxBytes'], DEFAULT_MAX, CEILING);
    const root = await workspaceRoot(ctx.workspace);
    const handle = await openForRead(root, a.path);
    try {
      const st = await handle.stat();
      const available = Math.max(0, st.size - a.offset);
      const want = a.length === null ? available : Math.min(a.length, available);
      if (a.length !== null && a.length > max) throw new ToolRefusedError(`length ${a.length} is over the fs.read limit of ${max} bytes`);
      if (want > max) {
        throw new ToolRefusedError(`${JSON.stringify(a.path)} is ${st.size} bytes, over the fs.read limit of ${max} bytes; read it in parts with offset and length`);
      }
      const buf = Buffer.alloc(want);
      let got = 0;
      while (got < want) {
        const { bytesRead } = await handle.read(buf, got, want - got, a.offset + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      const data = buf.subarray(0, got);
      let content: string;
      if (a.encoding === 'base64') content = data.toString('base64');
      else {
        try {
          content = new TextDecoder('utf-8', { fatal: true }).decode(data);
        } catch {
          throw new ToolError(`${JSON.stringify(a.path)} is not UTF-8 text (or the range cuts a character); read it with encoding "base64"`);
        }
      }
      return { path: relativeSegments(a.path).join('/'), size: st.size, offset: a.offset, content, encoding: a.encoding };
    } finally {
      await handle.close();
    }
  },
};
