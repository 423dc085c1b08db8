/**
 * `http.get` and `http.post`: reach only URLs on the tool's allow list.
 * `http.get` is at-least-once (a retry fetches again); `http.post` is
 * deduplicated through the effect ledger, so a retried or replayed call
 * returns the recorded response instead of posting twice. A POST is not
 * safe to repeat (`repeatable` unset): when the attempt sending it dies
 * before recording, the next attempt answers "outcome unknown" instead of
 * posting again, and every POST carries an `Idempotency-Key` header.
 */
import { asObject, reqString, type JsonObject } from './args';
import { sha256Hex } from './canonical-json';
import { messageOf, ToolError, ToolRefusedError } from './errors';
import { guardedRequest } from './http-request';
import { checkDuration, configBytes, configDuration, DURATION_SCHEMA } from './limits';
import { systemResolver, type Resolver } from './net-guard';
import { parseAllowEntry, type AllowEntry } from './url-allow';
import type { Json, JSONSchema, ToolConfig, ToolContext, ToolKind } from './types';

const DEFAULT_TIMEOUT_MS = 30_000;
const MAX_TIMEOUT_MS = 10 * 60_000;
const DEFAULT_BYTES = 1024 * 1024;
const MAX_BYTES = 16 * 1024 * 1024;
const MAX_BODY = 4 * 1024 * 1024;

/** Headers a model may not set: they would change framing, routing or the connection. */
const FORBIDDEN_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'upgrade', 'te', 'trailer', 'keep-alive', 'expect', 'proxy-authorization', 'proxy-connection', 'accept-encoding']);
const HEADER_NAME_RE = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/;

function allowStrings(config: ToolConfig): string[] {
  const v = config['allow'];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function allowEntries(config: ToolConfig): AllowEntry[] {
  return allowStrings(config).map((raw) => parseAllowEntry(raw));
}

const configSchema: JSONSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['allow'],
  properties: {
    allow: { type: 'array', minItems: 1, maxItems: 100, items: { type: 'string', minLength: 1, maxLength: 2000 }, description: 'URL patterns: scheme, host and port exact, path glob with *' },
    timeout: { ...DURATION_SCHEMA, description: 'whole exchange including redirects (default 30s, at most 10m)' },
    maxBytes: { type: 'integer', minimum: 1, maximum: MAX_BYTES, description: 'response body bytes kept (default 1 MiB); the rest is cut and truncated is true' },
    maxRedirects: { type: 'integer', minimum: 0, maximum: 10, description: 'default 5' },
    allowPrivate: { type: 'boolean', description: 'allow host names that resolve to private or loopback addresses (default false)' },
  },
};

const resultSchema: JSONSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['url', 'status', 'contentType', 'body', 'truncated'],
  properties: {
    url: { type: 'string', description: 'the final URL, after redirects' },
    status: { type: 'integer' },
    contentType: { type: ['string', 'null'] },
    body: { type: 'string' },
    truncated: { type: 'boolean' },
  },
};

const headersSchema: JSONSchema = {
  type: 'object',
  maxProperties: 20,
  additionalProperties: { type: 'string', maxLength: 4000 },
  description: 'extra request headers',
};

function checkConfig(config: ToolConfig): string[] {
  const problems: string[] = [];
  allowStrings(config).forEach((raw, i) => {
    try {
      parseAllowEntry(raw);
    } catch (err) {
      problems.push(`allow[${i}]: ${messageOf(err)}`);
    }
  });
  return [...problems, ...checkDuration('timeout', config['timeout'], MAX_TIMEOUT_MS)];
}

function requestHeaders(a: JsonObject): Record<string, string> {
  const raw = a['headers'];
  const out: Record<string, string> = {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return out;
  for (const [name, value] of Object.entries(raw)) {
    if (typeof value !== 'string') continue;
    if (!HEADER_NAME_RE.test(name)) throw new ToolRefusedError(`header name ${JSON.stringify(name.slice(0, 60))} is not valid`);
    if (FORBIDDEN_HEADERS.has(name.toLowerCase())) throw new ToolRefusedError(`header ${name} cannot be set by a tool call`);
    if (/[\r\n\0]/.test(value)) throw new ToolRefusedError(`header ${name} contains a line break or NUL`);
    out[name.toLowerCase()] = value;
  }
  return out;
}

async function send(method: 'GET' | 'POST', a: JsonObject, body: Buffer | null, headers: Record<string, string>, ctx: ToolContext, resolver: Resolver): Promise<Json> {
  const res = await guardedRequest({
    method,
    url: reqString(a, 'url', `http.${method.toLowerCase()}`),
    headers,
    body,
    allow: allowEntries(ctx.config),
    allowPrivate: ctx.config['allowPrivate'] === true,
    timeoutMs: configDuration(ctx.config['timeout'], DEFAULT_TIMEOUT_MS, MAX_TIMEOUT_MS),
    maxBytes: configBytes(ctx.config['maxBytes'], DEFAULT_BYTES, MAX_BYTES),
    maxRedirects: typeof ctx.config['maxRedirects'] === 'number' ? ctx.config['maxRedirects'] : 5,
    signal: ctx.signal,
    resolver,
  });
  return { url: res.url, status: res.status, contentType: res.contentType, body: res.body, truncated: res.truncated };
}

function describeConfig(config: ToolConfig): string {
  return `Allowed URLs: ${allowStrings(config).join(', ')}.`;
}

export interface HttpKindOptions {
  /** DNS resolution; tests inject a fixed table. Default: the system resolver. */
  resolver?: Resolver;
}

/** Builds `http.get` and `http.post` (a factory so tests can inject a resolver). */
export function createHttpKinds(opts: HttpKindOptions = {}): [ToolKind, ToolKind] {
  const resolver = opts.resolver ?? systemResolver;
  const get: ToolKind = {
    uses: 'http.get',
    description: 'Fetch a URL with GET. Only URLs on the allowed list can be reached; the body comes back as text.',
    effect: 'read',
    configSchema,
    checkConfig,
    describeConfig,
    argsSchema: () => ({
      type: 'object',
      additionalProperties: false,
      required: ['url'],
      properties: { url: { type: 'string', minLength: 1, maxLength: 8000, description: 'absolute http(s) URL' }, headers: headersSchema },
    }),
    resultSchema,
    async run(args, ctx) {
      const a = asObject(args, 'http.get arguments');
      return send('GET', a, null, requestHeaders(a), ctx, resolver);
    },
  };
  const post: ToolKind = {
    uses: 'http.post',
    description: 'Send a POST request to a URL on the allowed list. A JSON body is sent as application/json; a string body as text/plain unless contentType says otherwise.',
    effect: 'external',
    deduplicate: true,
    configSchema,
    checkConfig,
    describeConfig,
    argsSchema: () => ({
      type: 'object',
      additionalProperties: false,
      required: ['url', 'body'],
      properties: {
        url: { type: 'string', minLength: 1, maxLength: 8000, description: 'absolute http(s) URL' },
        body: { description: 'request body: any JSON value, or a string sent as is' },
        contentType: { type: 'string', maxLength: 200, pattern: '^[^\\r\\n]*$' },
        headers: headersSchema,
      },
    }),
    resultSchema,
    async run(args, ctx) {
      const a = asObject(args, 'http.post arguments');
      const raw = a['body'];
      const body = Buffer.from(typeof raw === 'string' ? raw : JSON.stringify(raw ?? null), 'utf8');
      if (body.length > MAX_BODY) throw new ToolRefusedError(`the request body is ${body.length} bytes, over the limit of ${MAX_BODY}`);
      const contentType = typeof a['contentType'] === 'string' ? a['contentType'] : typeof raw === 'string' ? 'text/plain; charset=utf-8' : 'application/json';
      // The call's idempotency key (hashed: run and step names stay private), so a receiver that honours
      // the header can drop the repeat the ledger cannot rule out (a worker dying mid-request). A key
      // the call sets itself wins.
      const headers = { 'idempotency-key': sha256Hex(ctx.idempotencyKey).slice(0, 40), ...requestHeaders(a), 'content-type': contentType };
      if (ctx.signal.aborted) throw new ToolError('http.post was cancelled');
      return send('POST', a, body, headers, ctx, resolver);
    },
  };
  return [get, post];
}
