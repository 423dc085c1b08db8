/**
 * The API under fuzz: three apps built with createApp (keys configured; no
 * keys, loopback only; keys but Temporal out of reach), each on its own
 * server bound to 127.0.0.1 on a free port, with the in-memory store, a fake
 * Temporal (fake-temporal.ts), a Skill store in a temporary directory and an
 * inference pool that is configured but never called. Requests go over raw
 * sockets, byte for byte as generated.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsSkillStore } from '../../activities/skills/fs-store';
import { defaultSimConfig } from '../../activities/inference/config';
import { createPool } from '../../activities/inference/pool';
import { createApp } from '../../server/app';
import { dslCompiler } from '../../server/start';
import { memoryStore } from '../../server/store/memory';
import { testAuth } from '../api/helpers';
import type { ApiRequest, AppVariant } from './api-gen';
import { fakeTemporal, type FakeTemporal } from './fake-temporal';

export interface ServedApp {
  variant: AppVariant;
  port: number;
  /** Lines the app logged: internal errors (a 500) are written here, never to the client. */
  logs: string[];
  temporal: FakeTemporal | null;
  server: http.Server;
}

export interface ApiUnderFuzz {
  apps: Record<AppVariant, ServedApp>;
  close(): Promise<void>;
}

/** Request limits: high enough that the fuzzer reaches the handlers instead of the rate limiter (tested in tests/api). */
const LIMITS = { rate: { burst: 1e9, perSecond: 1e9 }, authFailures: { burst: 1e9, perSecond: 1e9 }, pollMs: 5, heartbeatMs: 1000 };

async function serve(variant: AppVariant, skillsDir: string): Promise<ServedApp> {
  const logs: string[] = [];
  const temporal = variant === 'no-temporal' ? null : fakeTemporal();
  const app = createApp({
    temporal: temporal
      ? () => temporal.client
      : () => {
          throw new Error('connect ECONNREFUSED 127.0.0.1:1');
        },
    store: memoryStore(),
    auth: variant === 'open' ? { keys: [] } : testAuth(),
    compiler: dslCompiler,
    services: { pool: createPool(defaultSimConfig('http://127.0.0.1:9/v1'), { probes: false }) },
    skills: new FsSkillStore(skillsDir),
    limits: LIMITS,
    log: (line) => logs.push(line),
  });
  const server = http.createServer(app);
  // As in server/start.ts, shorter: a request that stops sending is dropped in seconds.
  server.headersTimeout = 3_000;
  server.requestTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('the fuzz server has no port');
  return { variant, port: addr.port, logs, temporal, server };
}

export async function startApiUnderFuzz(): Promise<ApiUnderFuzz> {
  const dir = mkdtempSync(join(tmpdir(), 'swarmflow-fuzz-skills-'));
  const skills = new FsSkillStore(dir);
  await skills.put({ name: 'notes', description: 'Take notes.', outputSchema: { type: 'object' }, provenance: null, extra: {}, body: '## Instructions\n\nWrite notes.' }, { version: '1.0.0' });
  const apps = { keyed: await serve('keyed', dir), open: await serve('open', dir), 'no-temporal': await serve('no-temporal', dir) };
  return {
    apps,
    async close() {
      for (const a of Object.values(apps)) {
        a.server.closeAllConnections();
        await new Promise<void>((resolve) => a.server.close(() => resolve()));
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ---- raw exchange -----------------------------------------------------------------------

export interface RawResponse {
  /** 0 when the server closed the connection without an answer. */
  status: number;
  headers: Map<string, string>;
  body: string;
  /** The connection ended by an error or reset rather than an answer. */
  reset: boolean;
  /** We gave up waiting (WAIT_MS). */
  timedOut: boolean;
  ms: number;
}

/** Wall-clock wait for one answer; only a hang gets near it. */
export const WAIT_MS = 15_000;

function chunk(b: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${b.length.toString(16)}\r\n`), b, Buffer.from('\r\n')]);
}

/** The request exactly as sent: request line, headers (latin1), framing, body. */
export function serialise(r: ApiRequest, port: number): Buffer {
  const lines = [`${r.method} ${r.target} HTTP/1.1`];
  const has = (name: string): boolean => r.headers.some(([k]) => k.toLowerCase() === name);
  if (!has('host')) lines.push(`Host: 127.0.0.1:${port}`);
  for (const [k, v] of r.headers) lines.push(`${k}: ${v}`);
  lines.push('Connection: close');
  const body = r.body;
  let payload: Buffer = Buffer.alloc(0);
  if (body) {
    switch (r.bodyMode) {
      case 'length':
        lines.push(`Content-Length: ${body.length}`);
        payload = body;
        break;
      case 'chunked':
        lines.push('Transfer-Encoding: chunked');
        payload = Buffer.concat([chunk(body.subarray(0, body.length >> 1)), chunk(body.subarray(body.length >> 1)), Buffer.from('0\r\n\r\n')]);
        break;
      case 'short-length':
        // The rest of the body reads as a second, garbage request.
        lines.push(`Content-Length: ${body.length >> 1}`);
        payload = body;
        break;
      case 'length-and-chunked':
        lines.push(`Content-Length: ${body.length}`, 'Transfer-Encoding: chunked');
        payload = Buffer.concat([chunk(body), Buffer.from('0\r\n\r\n')]);
        break;
      case 'bad-chunk':
        lines.push('Transfer-Encoding: chunked');
        payload = Buffer.concat([Buffer.from('zz\r\n'), body, Buffer.from('\r\n0\r\n\r\n')]);
        break;
      case 'bad-length':
        lines.push('Content-Length: -1');
        payload = body;
        break;
    }
  }
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), payload]);
}

function parseHead(head: string): { status: number; headers: Map<string, string> } {
  const lines = head.split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
  const headers = new Map<string, string>();
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    if (i > 0) headers.set(l.slice(0, i).trim().toLowerCase(), l.slice(i + 1).trim());
  }
  return { status: m ? Number(m[1]) : 0, headers };
}

/** Where a chunked body ends (after `0\r\n...\r\n\r\n`), and its content; null while incomplete. */
function dechunk(b: Buffer): { body: Buffer; end: number } | null {
  const parts: Buffer[] = [];
  let i = 0;
  for (;;) {
    const nl = b.indexOf('\r\n', i);
    if (nl < 0) return null;
    const size = parseInt(b.subarray(i, nl).toString('latin1'), 16);
    if (!Number.isFinite(size)) return { body: Buffer.concat(parts), end: b.length };
    if (size === 0) {
      const trailerEnd = b.indexOf('\r\n\r\n', nl);
      return trailerEnd < 0 ? null : { body: Buffer.concat(parts), end: trailerEnd + 4 };
    }
    if (nl + 2 + size + 2 > b.length) return null;
    parts.push(b.subarray(nl + 2, nl + 2 + size));
    i = nl + 2 + size + 2;
  }
}

/** The complete answers at the start of `b` (interim 1xx answers skipped); an event stream counts as complete after its head. */
function parseAnswers(b: Buffer, closed: boolean, methods: readonly string[]): { status: number; headers: Map<string, string>; body: string }[] {
  const out: { status: number; headers: Map<string, string>; body: string }[] = [];
  let at = 0;
  while (at < b.length) {
    const end = b.indexOf('\r\n\r\n', at);
    if (end < 0) break;
    const { status, headers } = parseHead(b.subarray(at, end).toString('latin1'));
    const rest = b.subarray(end + 4);
    if (status >= 100 && status < 200) {
      at = end + 4;
      continue;
    }
    // An answer to HEAD, a 204 and a 304 have a head only, whatever Content-Length says.
    if (methods[out.length] === 'HEAD' || status === 204 || status === 304) {
      out.push({ status, headers, body: '' });
      at = end + 4;
      continue;
    }
    if (headers.get('content-type')?.startsWith('text/event-stream')) {
      out.push({ status, headers, body: rest.toString('utf8') });
      break;
    }
    const length = headers.get('content-length');
    if (headers.get('transfer-encoding')?.includes('chunked')) {
      const d = dechunk(rest);
      if (!d) break;
      out.push({ status, headers, body: d.body.toString('utf8') });
      at = end + 4 + d.end;
    } else if (length !== undefined) {
      const n = Number(length);
      if (rest.length < n) break;
      out.push({ status, headers, body: rest.subarray(0, n).toString('utf8') });
      at = end + 4 + n;
    } else {
      // No framing: the body runs to the end of the connection.
      if (!closed) break;
      out.push({ status, headers, body: rest.toString('utf8') });
      at = b.length;
    }
  }
  return out;
}

/**
 * Sends the bytes on a fresh connection and reads `answers` answers (several
 * for pipelined requests), or fewer if the server closes first. The first
 * answer is the result; the others are in `more`.
 */
export function exchange(port: number, bytes: Buffer, o: { answers?: number; methods?: readonly string[] } = {}): Promise<RawResponse & { more: RawResponse[] }> {
  const answers = o.answers ?? 1;
  const methods = o.methods ?? [];
  return new Promise((resolve) => {
    const t0 = Date.now();
    const got: Buffer[] = [];
    let size = 0;
    let done = false;
    const socket = net.connect({ host: '127.0.0.1', port });
    const finish = (reset: boolean, timedOut: boolean, closed: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const ms = Date.now() - t0;
      const all = parseAnswers(Buffer.concat(got), closed, methods).map((a) => ({ ...a, reset: false, timedOut: false, ms }));
      const [first, ...more] = all;
      if (!first) return resolve({ status: 0, headers: new Map(), body: Buffer.concat(got).toString('utf8'), reset, timedOut, ms, more: [] });
      resolve({ ...first, timedOut: timedOut && all.length < answers, more });
    };
    const timer = setTimeout(() => finish(false, true, false), WAIT_MS);
    socket.on('data', (d: Buffer) => {
      got.push(d);
      size += d.length;
      if (size > 4 * 1024 * 1024 || parseAnswers(Buffer.concat(got), false, methods).length >= answers) finish(false, false, false);
    });
    socket.on('end', () => finish(false, false, true));
    socket.on('close', () => finish(false, false, true));
    socket.on('error', () => finish(true, false, true));
    // No half-close after writing: Node's server takes a client's FIN as "gone" and drops the request.
    socket.on('connect', () => socket.write(bytes));
  });
}
