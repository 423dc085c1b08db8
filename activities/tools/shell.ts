/**
 * `shell`: runs one command from the tool's allow list, as argv without a
 * shell, in the run's workspace, with a minimal environment, a timeout and
 * capped output. At-least-once: a retried call runs the command again, so
 * allowed commands should be safe to repeat (tests, builds, linters).
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { asObject, optStringList } from './args';
import { ToolError } from './errors';
import { checkDuration, configBytes, configDuration, DURATION_SCHEMA } from './limits';
import { argvOf, checkAllowed, checkAllowEntries } from './shell-allow';
import type { Json, JSONSchema, ToolConfig, ToolKind } from './types';
import { workspaceRoot } from './workspace';

const DEFAULT_TIMEOUT_MS = 5 * 60_000;
const MAX_TIMEOUT_MS = 60 * 60_000;
const DEFAULT_OUTPUT = 64 * 1024;
const MAX_OUTPUT = 1024 * 1024;
/** How long to wait for pipes to close after killing the process group. */
const KILL_GRACE_MS = 5000;

function allowOf(config: ToolConfig): string[] {
  return optStringList(config, 'allow') ?? [];
}

/** Only absolute PATH entries: a relative or empty one would let the workspace shadow a program. */
function safePath(): string {
  const entries = (process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin').split(path.delimiter).filter((p) => p !== '' && path.isAbsolute(p));
  return entries.join(path.delimiter);
}

/** Collects a stream up to a byte cap; counts what it drops. */
class CappedBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  dropped = 0;
  constructor(private readonly cap: number) {}
  push(chunk: Buffer): void {
    const room = this.cap - this.size;
    if (room <= 0) {
      this.dropped += chunk.length;
      return;
    }
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.chunks.push(kept);
    this.size += kept.length;
    this.dropped += chunk.length - kept.length;
  }
  text(): string {
    const s = Buffer.concat(this.chunks).toString('utf8');
    return this.dropped > 0 ? `${s}\n[... ${this.dropped} more bytes cut: output is capped at ${this.cap} bytes]` : s;
  }
}

export const shell: ToolKind = {
  uses: 'shell',
  description: 'Run an allowed command in the workspace (no shell: no pipes, redirections or chaining). Returns exit code, stdout and stderr.',
  effect: 'external',
  configSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['allow'],
    properties: {
      allow: { type: 'array', minItems: 1, maxItems: 100, items: { type: 'string', minLength: 1, maxLength: 1000 }, description: 'allowed commands, as argv prefixes: "npm test"' },
      timeout: { ...DURATION_SCHEMA, description: 'per call, e.g. 10m (default 5m, at most 1h)' },
      maxOutput: { type: 'integer', minimum: 1, maximum: MAX_OUTPUT, description: 'bytes kept of stdout and of stderr (default 65536)' },
      exactArgs: { type: 'boolean', description: 'true: a call must equal an allow entry, no extra arguments (default false)' },
    },
  },
  checkConfig(config) {
    return [...checkAllowEntries(allowOf(config)), ...checkDuration('timeout', config['timeout'], MAX_TIMEOUT_MS)];
  },
  describeConfig(config) {
    const allow = allowOf(config);
    return `Allowed commands${config['exactArgs'] === true ? '' : ' (more arguments may follow)'}: ${allow.map((a) => JSON.stringify(a)).join(', ')}.`;
  },
  argsSchema(config) {
    const allow = allowOf(config);
    const command: JSONSchema = {
      anyOf: [
        { type: 'string', minLength: 1, maxLength: 8000 },
        { type: 'array', minItems: 1, maxItems: 64, items: { type: 'string', minLength: 1, maxLength: 1024 } },
      ],
      description: `the command, as a string split on spaces or as an argv list; it must start with one of: ${allow.join(' | ')}`,
    };
    const schema: JSONSchema = { type: 'object', additionalProperties: false, properties: { command } };
    // With a single allowed command the call may omit it (tool steps often do).
    if (allow.length !== 1) schema['required'] = ['command'];
    return schema;
  },
  resultSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['exitCode', 'signal', 'stdout', 'stderr', 'timedOut'],
    properties: {
      exitCode: { type: ['integer', 'null'] },
      signal: { type: ['string', 'null'] },
      stdout: { type: 'string' },
      stderr: { type: 'string' },
      timedOut: { type: 'boolean' },
    },
  },
  async run(args, ctx) {
    const a = asObject(args, 'shell arguments');
    const allow = allowOf(ctx.config);
    const raw = a['command'];
    const command = typeof raw === 'string' ? raw : Array.isArray(raw) ? raw.filter((x): x is string => typeof x === 'string') : undefined;
    const argv = argvOf(command, allow);
    checkAllowed(argv, allow, ctx.config['exactArgs'] === true);
    const timeoutMs = configDuration(ctx.config['timeout'], DEFAULT_TIMEOUT_MS, MAX_TIMEOUT_MS);
    const cap = configBytes(ctx.config['maxOutput'], DEFAULT_OUTPUT, MAX_OUTPUT);
    const root = await workspaceRoot(ctx.workspace);
    const [program, ...rest] = argv;
    if (program === undefined) throw new ToolError('the command is empty');
    return new Promise<Json>((resolve, reject) => {
      const child = spawn(program, rest, {
        cwd: root,
        shell: false,
        // Own process group, so a timeout kills the command's children too.
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { PATH: safePath(), HOME: root, LANG: 'C.UTF-8', CI: 'true', NO_COLOR: '1' },
        windowsHide: true,
      });
      const stdout = new CappedBuffer(cap);
      const stderr = new CappedBuffer(cap);
      child.stdout.on('data', (c: Buffer) => stdout.push(c));
      child.stderr.on('data', (c: Buffer) => stderr.push(c));
      let timedOut = false;
      let settled = false;
      let graceTimer: NodeJS.Timeout | undefined;
      const killGroup = (): void => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        } catch {
          child.kill('SIGKILL');
        }
        // A descendant that left the group could hold the pipes open forever.
        graceTimer ??= setTimeout(() => finish(null, 'SIGKILL'), KILL_GRACE_MS);
      };
      const timer = setTimeout(() => {
        timedOut = true;
        killGroup();
      }, timeoutMs);
      const onAbort = (): void => killGroup();
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      const cleanup = (): void => {
        clearTimeout(timer);
        if (graceTimer) clearTimeout(graceTimer);
        ctx.signal.removeEventListener('abort', onAbort);
      };
      const finish = (code: number | null, signal: string | null): void => {
        if (settled) return;
        settled = true;
        cleanup();
        child.stdout.destroy();
        child.stderr.destroy();
        if (ctx.signal.aborted && !timedOut) {
          reject(new ToolError('the shell command was cancelled'));
          return;
        }
        resolve({ exitCode: code, signal, stdout: stdout.text(), stderr: stderr.text(), timedOut });
      };
      child.on('error', (err: NodeJS.ErrnoException) => {
        if (settled) return;
        settled = true;
        cleanup();
        if (err.code === 'ENOENT') reject(new ToolError(`command ${JSON.stringify(program)} was not found on the worker (PATH or workspace)`));
        else if (err.code === 'EACCES') reject(new ToolError(`command ${JSON.stringify(program)} is not executable`));
        else reject(new ToolError(`command ${JSON.stringify(program)} could not start: ${err.message}`));
      });
      child.on('close', (code, signal) => finish(code, signal));
    });
  },
};
