/**
 * The first middleware of every request, before any body is read:
 * canonical path (canonical.ts), route lookup in the exact table
 * (routes.ts), the local-only checks when there are no keys, authentication,
 * scope and rate limit. Anything it does not let through never reaches a
 * body parser or a handler.
 */
import type { Request, RequestHandler } from 'express';
import { authenticate, bearerOf, hasScope, LOCAL_PRINCIPAL, type AuthConfig, type Principal } from './auth';
import { canonicalise, splitTarget } from './canonical';
import { ApiError } from './errors';
import { matchRoute, type RouteMatch } from './routes';
import type { TokenBuckets } from './rate-limit';

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
    routeMatch?: RouteMatch;
  }
}

export interface GuardOptions {
  auth: AuthConfig;
  /** Per principal: every authenticated request takes a token. */
  buckets: TokenBuckets;
  /** Per client address: failed authentications take a token, so keys cannot be guessed fast. */
  failures: TokenBuckets;
}

const LOOPBACK_HOST = /^(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?$/i;

/** Case-insensitive, so `/V1/...` is denied like any unknown API route rather than treated as a public file. */
function isApiPath(path: string): boolean {
  const p = path.toLowerCase();
  return p === '/v1' || p.startsWith('/v1/');
}

function clientAddress(req: Request): string {
  return req.socket.remoteAddress ?? 'unknown';
}

function limited(seconds: number, what: string): ApiError {
  return new ApiError('rate_limited', `${what}: retry in ${seconds} s`, [], { headers: { 'Retry-After': String(seconds) } });
}

export function guard(o: GuardOptions): RequestHandler {
  const open = o.auth.keys.length === 0;
  return (req, _res, next) => {
    const { path, query } = splitTarget(req.url);
    const c = canonicalise(path);
    if (!c.ok) return next(new ApiError('non_canonical_path', `the request path is not in canonical form: ${c.reason}`));
    req.url = c.path + query;

    // Without keys the server listens on loopback only; refusing other Host
    // names also stops a DNS-rebinding page from reaching it through a browser.
    if (open && !LOOPBACK_HOST.test(req.headers.host ?? '')) return next(new ApiError('forbidden', 'this server has no API keys configured and answers only to localhost, 127.0.0.1 or [::1]'));
    // A cross-site page may send a body-less POST without a preflight: refuse any changing request from another origin.
    const origin = req.headers.origin;
    if (req.method !== 'GET' && req.method !== 'HEAD' && origin !== undefined && origin !== `${req.protocol}://${req.headers.host ?? ''}`) {
      return next(new ApiError('forbidden', `requests from another origin (${origin.slice(0, 100)}) may not change anything here`));
    }

    const api = isApiPath(c.path);
    const match = api ? matchRoute(req.method, c.segments) : null;
    // The editor's static files are public; everything else under /v1 is in the table or denied.
    if (!api && (req.method === 'GET' || req.method === 'HEAD')) return next();
    if (match?.route.scope === 'open') {
      req.routeMatch = match;
      return next();
    }

    let principal: Principal;
    if (open) principal = LOCAL_PRINCIPAL;
    else {
      const token = bearerOf(req.headers.authorization);
      const p = token === null ? null : authenticate(o.auth, token);
      if (!p) {
        // Only wrong keys count: guessing is what this limit slows down.
        const wait = token === null ? 0 : o.failures.take(clientAddress(req));
        if (wait > 0) return next(limited(wait, 'too many failed authentications from this address'));
        const why = token === null ? 'this route needs an API key: send Authorization: Bearer <key>' : 'the API key is not valid';
        return next(new ApiError('unauthorized', why, [], { headers: { 'WWW-Authenticate': 'Bearer realm="swarmflow"' } }));
      }
      principal = p;
    }
    if (!match) return next(new ApiError('not_found', `there is no route ${req.method} ${c.path} (the routes are listed at GET /v1/openapi.json)`));
    const scope = match.route.scope;
    if (!hasScope(principal, scope)) return next(new ApiError('forbidden', `the key "${principal.name}" lacks the "${scope}" scope that ${req.method} ${match.route.path} needs`));
    const wait = o.buckets.take(principal.name === LOCAL_PRINCIPAL.name && open ? `local:${clientAddress(req)}` : `key:${principal.name}`);
    if (wait > 0) return next(limited(wait, `the rate limit of "${principal.name}" is reached`));
    req.principal = principal;
    req.routeMatch = match;
    next();
  };
}
