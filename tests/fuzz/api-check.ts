/**
 * The properties of every answer to a hostile request:
 *
 * 1. there is an answer, in time (no hang; the server stays up);
 * 2. it is 2xx (a valid request) or 4xx, never 5xx (the one exception: 503
 *    `temporal_unavailable` from the app whose Temporal is out of reach);
 * 3. an error from the API has the one JSON shape, `{ error: { code,
 *    message, details } }`, with the status its code stands for;
 * 4. no stack trace, source path or API key the request did not carry;
 * 5. nothing was logged as an internal error; nothing is polluted.
 *
 * Node's HTTP parser answers requests it cannot parse (400, 431...) before
 * express sees them; those answers carry none of the API's security headers
 * and are only checked for their status.
 */
import { ERROR_CODES } from '../../server/errors';
import { KEYS } from '../api/helpers';
import type { ApiRequest } from './api-gen';
import type { RawResponse, ServedApp } from './api-harness';
import type { Guards } from './guards';
import { FuzzFailure, shorten, type FuzzStats } from './stats';

const STACK = /\n\s+at |\bat [\w.<>]+ \(|node_modules|\/work\/|\.ts:\d+|\.js:\d+:\d+/;

export function describeRequest(r: ApiRequest): string {
  const body = r.body ? ` body(${r.body.length} bytes, ${r.bodyMode}): ${shorten(r.body.toString('utf8'), 200)}` : '';
  return `[${r.app}] ${r.method} ${shorten(r.target, 200)} headers ${JSON.stringify(r.headers.map(([k, v]) => `${k}: ${v.length > 100 ? `${v.slice(0, 100)}…` : v}`))}${body}`;
}

function isErrorBody(v: unknown): v is { error: { code: string; message: string; details: unknown[] } } {
  if (typeof v !== 'object' || v === null || !('error' in v)) return false;
  const e: unknown = v.error;
  return typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string' && 'message' in e && typeof e.message === 'string' && 'details' in e && Array.isArray(e.details);
}

function codeStatus(code: string): number | undefined {
  return Object.prototype.hasOwnProperty.call(ERROR_CODES, code) ? ERROR_CODES[code as keyof typeof ERROR_CODES] : undefined;
}

export interface ApiCheckContext {
  stats: FuzzStats;
  guards: Guards;
  where: string;
}

/** Checks one answer; throws FuzzFailure naming the property that broke. */
export function checkAnswer(req: ApiRequest, res: RawResponse, app: Pick<ServedApp, 'variant' | 'logs'>, logsBefore: number, ctx: ApiCheckContext): void {
  const what = describeRequest(req);
  function fail(property: string, detail: string): never {
    throw new FuzzFailure(property, what, `${detail}; answer ${res.status} ${shorten(res.body, 300)}`);
  }
  ctx.stats.cases++;
  if (res.status > 0) ctx.stats.count(`${Math.floor(res.status / 100)}xx`);
  ctx.stats.time(res.ms, `${req.method} ${req.label}`, what, ctx.where);

  if (res.timedOut) fail('an answer in time', `no answer after ${res.ms} ms`);
  // Node's server drops CONNECT requests unless a 'connect' listener takes them (the API has none): no answer is the right answer.
  if (res.status === 0 && req.method === 'CONNECT') ctx.stats.count('connect-dropped');
  else if (res.status === 0) fail('an answer', res.reset ? 'the connection was reset without an answer' : 'the connection closed without an answer');
  // 304 answers a conditional GET (express's freshness check); any other 3xx would be a redirect the API never makes.
  const conditional = req.headers.some(([k]) => /^if-(none-match|modified-since)$/i.test(k));
  if (res.status >= 300 && res.status < 400 && !(res.status === 304 && conditional)) fail('no redirects', `status ${res.status} to ${res.headers.get('location') ?? '(no location)'}`);
  const fromApi = res.headers.get('x-content-type-options') === 'nosniff';
  if (!fromApi) ctx.stats.count('node-parser');

  if (res.status >= 500) {
    const e: unknown = safeJson(res.body);
    const allowed = app.variant === 'no-temporal' && res.status === 503 && isErrorBody(e) && e.error.code === 'temporal_unavailable';
    if (!allowed) fail('never 5xx', `status ${res.status}; logged: ${shorten(app.logs.slice(logsBefore).join(' | '), 600)}`);
    ctx.stats.count('503-temporal-down');
  }
  if (res.status >= 200 && res.status < 300) ctx.stats.accepted++;
  else ctx.stats.refused++;

  if (fromApi && res.status >= 400 && req.method !== 'HEAD') {
    const e: unknown = safeJson(res.body);
    if (!isErrorBody(e)) fail('one error shape', 'the body is not { error: { code, message, details } }');
    const want = codeStatus(e.error.code);
    if (want !== res.status) fail('the status matches the error code', `code ${e.error.code} stands for ${String(want)}`);
    if (e.error.details.some((d) => typeof d !== 'string')) fail('details are lines of text', 'a detail is not a string');
    ctx.stats.count(`code:${e.error.code}`);
  }
  const text = `${[...res.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}\n${res.body}`;
  if (STACK.test(res.body)) fail('no stack trace or source path', `matched ${String(STACK.exec(res.body)?.[0])}`);
  const sent = serialisedText(req);
  for (const key of Object.values(KEYS)) if (text.includes(key) && !sent.includes(key)) fail('no key the request did not carry', 'an API key is in the answer');
  const logged = app.logs.slice(logsBefore);
  if (logged.length > 0) fail('nothing logged as an internal error', shorten(logged.join(' | '), 600));
  const problems = ctx.guards.check();
  if (problems.length > 0) fail('nothing is polluted', problems.join('; '));
}

function serialisedText(r: ApiRequest): string {
  return `${r.target}\n${r.headers.map(([k, v]) => `${k}: ${v}`).join('\n')}\n${r.body?.toString('utf8') ?? ''}`;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
