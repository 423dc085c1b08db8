/**
 * The codec server: the Temporal UI's remote codec protocol, so people who
 * hold a token read decrypted histories in the UI (and `temporal` CLI users
 * with `--codec-endpoint`), while Temporal itself only ever stores
 * ciphertext.
 *
 *   POST /codec/decode, POST /codec/encode
 *     body and answer: { "payloads": [{ "metadata": { "k": base64 }, "data": base64 }] }
 *   OPTIONS on both: the CORS preflight of the UI's origin
 *   GET /codec/login, POST /codec/login: a form that turns a token into an
 *     HttpOnly cookie, for UIs that send credentials
 *     (TEMPORAL_CODEC_INCLUDE_CREDENTIALS=true) rather than a bearer token
 *
 * Authentication is default-deny and happens before the body is read
 * (security rule 7): `Authorization: Bearer <token>` or the login cookie,
 * compared in constant time against every configured token. Decoded answers
 * are never cached.
 */
import { listenHttp } from '../listen';
import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import * as http from 'node:http';
import { PayloadDecryptionError } from './aes-gcm';
import { codecFromEnv } from './data-converter';
import { codecTokensFromEnv } from './keys';

export const CODEC_COOKIE = 'swarmflow_codec';
const ALLOW_HEADERS = 'Content-Type, Authorization, X-Namespace';
const DEFAULT_MAX_BODY = 8 * 1024 * 1024;
const MAX_PAYLOADS = 10_000;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export interface CodecRouterOptions {
  codec: PayloadCodec;
  /** Bearer tokens (SWARMFLOW_CODEC_TOKENS); at least one. */
  tokens: string[];
  /** Browser origins allowed to call (the Temporal UI's, e.g. `http://localhost:8080`); exact matches. */
  allowOrigins: string[];
  /** Largest request body; default 8 MiB. */
  maxBodyBytes?: number;
  /** Mark the login cookie `Secure` (serve over HTTPS). Default false. */
  secureCookie?: boolean;
}

/** A codec server configuration that cannot be used; the message says what to set. */
export class CodecServerConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CodecServerConfigError';
  }
}

class CodecHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'CodecHttpError';
  }
}

/** `scheme://host[:port]`, lower-cased, no trailing slash; null when not an http(s) origin. */
export function normaliseOrigin(o: string): string | null {
  try {
    const u = new URL(o.trim());
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
    return u.origin.toLowerCase();
  } catch {
    return null;
  }
}

const sha256 = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** Compares against every token without stopping early, so timing shows neither content nor position. */
function tokenMatcher(tokens: readonly string[]): (presented: string | null) => boolean {
  const hashes = tokens.map(sha256);
  return (presented) => {
    if (presented === null) return false;
    const h = sha256(presented);
    let ok = false;
    for (const t of hashes) ok = timingSafeEqual(h, t) || ok;
    return ok;
  };
}

function bearer(header: string | undefined): string | null {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m?.[1] ?? null;
}

function cookie(header: string | undefined, name: string): string | null {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return null;
      }
    }
  }
  return null;
}

async function readBody(req: Request, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) throw new CodecHttpError(413, 'body_too_large', `the body is ${declared} bytes; the limit is ${limit}`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += b.length;
    if (size > limit) throw new CodecHttpError(413, 'body_too_large', `the body is larger than ${limit} bytes`);
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function base64Field(v: unknown, where: string): Uint8Array {
  if (typeof v !== 'string' || v.length % 4 !== 0 || !BASE64.test(v)) throw new CodecHttpError(400, 'invalid_body', `${where} must be a standard base64 string`);
  return Buffer.from(v, 'base64');
}

/** Validates the protocol's JSON and turns it into SDK payloads (no casts of request data). */
export function payloadsFromJson(body: unknown): Payload[] {
  if (!isRecord(body) || !Array.isArray(body.payloads)) throw new CodecHttpError(400, 'invalid_body', 'the body must be {"payloads": [{"metadata": {...}, "data": "..."}]}');
  if (body.payloads.length > MAX_PAYLOADS) throw new CodecHttpError(413, 'too_many_payloads', `at most ${MAX_PAYLOADS} payloads per request`);
  return body.payloads.map((p: unknown, i: number): Payload => {
    const at = `payloads[${i}]`;
    if (!isRecord(p)) throw new CodecHttpError(400, 'invalid_body', `${at} must be an object`);
    const meta = p.metadata ?? {};
    if (!isRecord(meta)) throw new CodecHttpError(400, 'invalid_body', `${at}.metadata must be an object of base64 strings`);
    // fromEntries defines own properties: a key such as "__proto__" stays a plain key.
    const metadata = Object.fromEntries(Object.entries(meta).map(([k, v]) => [k, base64Field(v, `${at}.metadata.${k.slice(0, 64)}`)]));
    return { metadata, data: p.data === undefined || p.data === null ? new Uint8Array() : base64Field(p.data, `${at}.data`) };
  });
}

export function payloadsToJson(payloads: Payload[]): { payloads: { metadata: Record<string, string>; data: string }[] } {
  return {
    payloads: payloads.map((p) => ({
      metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
      data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
    })),
  };
}

function sendError(res: Response, err: CodecHttpError): void {
  if (err.status === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="swarmflow-codec"');
  res.status(err.status).json({ error: { code: err.code, message: err.message } });
}

const LOGIN_PAGE = (note: string): string => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>swarmflow codec login</title></head>
<body><h1>swarmflow codec server</h1>
<p>${note}</p>
<form method="post" action="/codec/login">
<label>Codec token <input type="password" name="token" autocomplete="off" required></label>
<button type="submit">Sign in</button>
</form></body></html>`;

export function createCodecRouter(o: CodecRouterOptions): Router {
  if (o.tokens.length === 0) throw new CodecServerConfigError('the codec server needs at least one token: set SWARMFLOW_CODEC_TOKENS (generate one with `openssl rand -hex 24`)');
  const origins = new Set<string>();
  for (const raw of o.allowOrigins) {
    const n = normaliseOrigin(raw);
    if (n === null) throw new CodecServerConfigError(`allowed origin "${raw.slice(0, 100)}" is not an http(s) origin such as http://localhost:8080 ("*" is not allowed: the UI sends credentials)`);
    origins.add(n);
  }
  const limit = o.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const valid = tokenMatcher(o.tokens);
  const router = Router({ strict: true, caseSensitive: true });

  /** CORS for allowed origins only; every answer varies by Origin and is never cached. */
  const cors: RequestHandler = (req, res, next) => {
    res.setHeader('Vary', 'Origin');
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    // The UI lives on another origin: let it read these answers (CORS still decides who may).
    res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
    const origin = req.headers.origin;
    const allowed = origin !== undefined && origins.has(normaliseOrigin(origin) ?? '');
    if (allowed) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
    }
    if (req.method === 'OPTIONS') {
      if (!allowed) return sendError(res, new CodecHttpError(403, 'origin_not_allowed', `origin ${String(origin ?? '(none)').slice(0, 100)} may not call this codec server: add it to SWARMFLOW_CODEC_ORIGINS`));
      res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', ALLOW_HEADERS);
      res.setHeader('Access-Control-Max-Age', '600');
      res.status(204).end();
      return;
    }
    // A browser on a foreign origin gets no answer it could use, and changes nothing.
    if (origin !== undefined && !allowed) return sendError(res, new CodecHttpError(403, 'origin_not_allowed', `origin ${origin.slice(0, 100)} may not call this codec server: add it to SWARMFLOW_CODEC_ORIGINS`));
    next();
  };

  const auth: RequestHandler = (req, res, next) => {
    const token = bearer(req.headers.authorization) ?? cookie(req.headers.cookie, CODEC_COOKIE);
    if (!valid(token)) return sendError(res, new CodecHttpError(401, 'unauthorized', 'a valid codec token is required: send Authorization: Bearer <token> (SWARMFLOW_CODEC_TOKENS), or sign in at /codec/login'));
    next();
  };

  const handler =
    (op: 'encode' | 'decode'): RequestHandler =>
    async (req, res) => {
      try {
        if (!/^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '')) throw new CodecHttpError(415, 'unsupported_media_type', 'send the payloads as Content-Type: application/json');
        const raw = await readBody(req, limit);
        let body: unknown;
        try {
          body = JSON.parse(raw.toString('utf8'));
        } catch {
          throw new CodecHttpError(400, 'invalid_json', 'the body is not valid JSON');
        }
        const payloads = payloadsFromJson(body);
        const out = op === 'encode' ? await o.codec.encode(payloads) : await o.codec.decode(payloads);
        res.status(200).json(payloadsToJson(out));
      } catch (err) {
        if (err instanceof CodecHttpError) return sendError(res, err);
        if (err instanceof PayloadDecryptionError) return sendError(res, new CodecHttpError(422, 'undecryptable', err.message));
        sendError(res, new CodecHttpError(500, 'internal', `the codec failed to ${op} the payloads`));
      }
    };

  for (const op of ['encode', 'decode'] as const) {
    router.options(`/codec/${op}`, cors);
    router.post(`/codec/${op}`, cors, auth, handler(op));
  }

  const page = (res: Response, status: number, note: string): void => {
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Content-Security-Policy', "default-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
    res.setHeader('X-Frame-Options', 'DENY');
    res.status(status).type('html').send(LOGIN_PAGE(note));
  };
  router.get('/codec/login', (_req, res) => page(res, 200, 'Sign in with a codec token so the Temporal UI can decode payloads in this browser.'));
  router.post('/codec/login', express.urlencoded({ extended: false, limit: '4kb' }), (req: Request, res: Response) => {
    const body: unknown = req.body;
    const token = isRecord(body) && typeof body.token === 'string' ? body.token : null;
    if (!valid(token)) return page(res, 401, 'That token is not valid.');
    const attrs = ['HttpOnly', 'SameSite=Strict', 'Path=/codec', 'Max-Age=43200', ...(o.secureCookie ? ['Secure'] : [])];
    res.setHeader('Set-Cookie', `${CODEC_COOKIE}=${encodeURIComponent(token ?? '')}; ${attrs.join('; ')}`);
    page(res, 200, 'Signed in for 12 hours: the Temporal UI in this browser can decode payloads now.');
  });
  router.post('/codec/logout', (_req, res) => {
    res.setHeader('Set-Cookie', `${CODEC_COOKIE}=; HttpOnly; SameSite=Strict; Path=/codec; Max-Age=0`);
    res.status(204).end();
  });
  return router;
}

/** Browser origins allowed to call the codec server: `SWARMFLOW_CODEC_ORIGINS`, comma-separated. */
export function codecOriginsFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.SWARMFLOW_CODEC_ORIGINS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * The codec router for `env`, or null when encryption is off (no
 * SWARMFLOW_CODEC_KEYS) or nobody may read (no SWARMFLOW_CODEC_TOKENS); the
 * reason is logged.
 */
export function codecRouterFromEnv(env: NodeJS.ProcessEnv = process.env, log: (line: string) => void = () => undefined): Router | null {
  const codec = codecFromEnv(env);
  if (!codec) return null;
  const tokens = codecTokensFromEnv(env);
  if (tokens.length === 0) {
    log('codec: SWARMFLOW_CODEC_KEYS is set but SWARMFLOW_CODEC_TOKENS is not: /codec is not served (set tokens to let the Temporal UI decode)');
    return null;
  }
  return createCodecRouter({ codec, tokens, allowOrigins: codecOriginsFromEnv(env), secureCookie: env.SWARMFLOW_CODEC_SECURE_COOKIE === 'true' });
}

export interface CodecServerOptions {
  port: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default: from `env`. */
  codec?: PayloadCodec;
  tokens?: string[];
  allowOrigins?: string[];
  secureCookie?: boolean;
  env?: NodeJS.ProcessEnv;
}

export interface CodecServer {
  url: string;
  close(): Promise<void>;
}

/** A standalone codec server (deployments without the API server); `GET /health` answers for health checks. */
export async function startCodecServer(o: CodecServerOptions): Promise<CodecServer> {
  const env = o.env ?? process.env;
  const codec = o.codec ?? codecFromEnv(env);
  if (!codec) throw new CodecServerConfigError('the codec server needs keys: set SWARMFLOW_CODEC_KEYS=keyId:base64key');
  const app = express();
  app.set('x-powered-by', false);
  app.set('etag', false);
  app.get('/health', (_req, res) => {
    res.json({ ok: true });
  });
  app.use(createCodecRouter({ codec, tokens: o.tokens ?? codecTokensFromEnv(env), allowOrigins: o.allowOrigins ?? codecOriginsFromEnv(env), secureCookie: o.secureCookie }));
  app.use((_req: Request, res: Response) => {
    sendError(res, new CodecHttpError(404, 'not_found', 'this server answers POST /codec/encode, POST /codec/decode and /codec/login only'));
  });
  const server = http.createServer(app);
  server.headersTimeout = 20_000;
  server.requestTimeout = 60_000;
  const { url, close } = await listenHttp(server, o.port, o.host ?? '127.0.0.1');
  return { url, close };
}

/** `node dist/runtime/codec/server.js`: PORT (default 8888) and HOST (default 0.0.0.0) from the environment. */
if (require.main === module) {
  const port = Number(process.env.SWARMFLOW_CODEC_PORT ?? '8888');
  startCodecServer({ port, host: process.env.SWARMFLOW_CODEC_HOST ?? '0.0.0.0' }).then(
    (s) => {
      process.stderr.write(`codec server on ${s.url}\n`);
      const stop = (): void => void s.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    },
    (err: unknown) => {
      process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
