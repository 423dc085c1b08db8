/**
 * One outbound HTTP exchange for the `http.*` tools: every URL (the first and
 * each redirect target) is checked against the allow list, each connection's
 * resolved address against the private-range rule, and the whole exchange is
 * bounded in time and in bytes. Redirects are followed here, by hand, so
 * that no hop escapes the checks.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import { errnoCode, messageOf, ToolError, ToolRefusedError } from './errors';
import { guardedLookup, isPrivateAddress, type Resolver } from './net-guard';
import { matchAllowEntry, parseRequestUrl, type AllowEntry } from './url-allow';

export interface GuardedRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body: Buffer | null;
  allow: AllowEntry[];
  allowPrivate: boolean;
  timeoutMs: number;
  maxBytes: number;
  maxRedirects: number;
  signal: AbortSignal;
  resolver: Resolver;
}

export interface GuardedResponse {
  url: string;
  status: number;
  contentType: string | null;
  body: string;
  truncated: boolean;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

function describeAllow(allow: AllowEntry[]): string {
  return allow.map((e) => JSON.stringify(e.raw)).join(', ');
}

/** Checks one URL against the list and the address rule; returns the entry that allows it. */
function admit(u: URL, req: GuardedRequest, redirectedFrom: string | null): AllowEntry {
  const entry = matchAllowEntry(u, req.allow);
  if (!entry) {
    const what = redirectedFrom ? `redirect from ${redirectedFrom} to ${u.href}` : `URL ${u.href}`;
    throw new ToolRefusedError(`${what} is refused: not on this tool's allow list (${describeAllow(req.allow)})`);
  }
  const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  // Literal addresses never reach the lookup hook, so they are checked here.
  if (net.isIP(host) !== 0 && !entry.namesPrivate && !req.allowPrivate && isPrivateAddress(host)) {
    throw new ToolRefusedError(`${u.href} points at the private or loopback address ${host}; name it in the allow list explicitly or set allowPrivate: true`);
  }
  return entry;
}

interface Hop {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  truncated: boolean;
}

function exchange(u: URL, method: string, headers: Record<string, string>, body: Buffer | null, allowPrivate: boolean, req: GuardedRequest, signal: AbortSignal): Promise<Hop> {
  return new Promise<Hop>((resolve, reject) => {
    const mod = u.protocol === 'https:' ? https : http;
    const outgoing = mod.request(
      u,
      {
        method,
        headers: { 'user-agent': 'swarmflow-tool', 'accept-encoding': 'identity', ...headers, ...(body ? { 'content-length': String(body.length) } : {}) },
        lookup: guardedLookup(req.resolver, allowPrivate),
        agent: false,
        signal,
      },
      (res) => {
        const status = res.statusCode ?? 0;
        if (REDIRECTS.has(status) && res.headers.location) {
          res.resume();
          resolve({ status, headers: res.headers, body: Buffer.alloc(0), truncated: false });
          res.destroy();
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        let truncated = false;
        res.on('data', (chunk: Buffer) => {
          if (truncated) return;
          const room = req.maxBytes - size;
          if (chunk.length > room) {
            chunks.push(chunk.subarray(0, room));
            size += room;
            truncated = true;
            resolve({ status, headers: res.headers, body: Buffer.concat(chunks), truncated });
            res.destroy();
            return;
          }
          chunks.push(chunk);
          size += chunk.length;
        });
        res.on('end', () => resolve({ status, headers: res.headers, body: Buffer.concat(chunks), truncated }));
        res.on('error', reject);
        res.on('aborted', () => reject(new ToolError(`the response from ${u.host} was cut off`)));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body ?? undefined);
  });
}

/** Runs the request, following allowed redirects. Throws ToolRefusedError / ToolError. */
export async function guardedRequest(req: GuardedRequest): Promise<GuardedResponse> {
  const timeout = AbortSignal.timeout(req.timeoutMs);
  const signal = AbortSignal.any([req.signal, timeout]);
  let u = parseRequestUrl(req.url);
  let method: 'GET' | 'POST' = req.method;
  let body = req.body;
  let headers = req.headers;
  let from: string | null = null;
  for (let hop = 0; ; hop++) {
    const entry = admit(u, req, from);
    let res: Hop;
    try {
      res = await exchange(u, method, headers, body, req.allowPrivate || entry.namesPrivate, req, signal);
    } catch (err) {
      // Checked first: an abort during the body surfaces as a cut-off response.
      if (timeout.aborted) throw new ToolError(`${req.method} ${req.url} timed out after ${req.timeoutMs} ms`);
      if (req.signal.aborted) throw new ToolError(`${req.method} ${req.url} was cancelled`);
      if (err instanceof ToolError) throw err;
      const code = errnoCode(err) ?? '';
      throw new ToolError(`${method} ${u.href} failed: ${code || (messageOf(err))}`);
    }
    const location = res.headers.location;
    if (!REDIRECTS.has(res.status) || !location) {
      const ct = res.headers['content-type'];
      return { url: u.href, status: res.status, contentType: typeof ct === 'string' ? ct : null, body: res.body.toString('utf8'), truncated: res.truncated };
    }
    if (hop >= req.maxRedirects) throw new ToolError(`${req.url}: more than ${req.maxRedirects} redirects`);
    let next: URL;
    try {
      next = parseRequestUrl(new URL(location, u).href);
    } catch (err) {
      throw new ToolRefusedError(`redirect from ${u.href} refused: ${messageOf(err)}`);
    }
    // As browsers do: 303 (and 301/302 after a POST) continue as a GET without the body.
    if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
      method = 'GET';
      body = null;
    }
    // Headers the model chose are not carried to another origin.
    if (next.origin !== u.origin) headers = body && headers['content-type'] ? { 'content-type': headers['content-type'] } : {};
    else headers = { ...headers };
    if (!body) delete headers['content-type'];
    from = u.href;
    u = next;
  }
}
