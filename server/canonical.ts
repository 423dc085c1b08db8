/**
 * Paths are made canonical before anything looks at them (security rule 7):
 * the auth table and the router must see the same string, or a path such as
 * `/v1/health/../runs` or `/v1/%2e%2e/runs` could be authorised as one route
 * and served as another (the Kestra bypass). Anything that is not already in
 * canonical form is refused rather than repaired: no dot segments (plain or
 * percent-encoded), no empty segments (`//`, a trailing `/`), no backslashes,
 * no malformed percent-encoding. Case is left alone and the router is
 * case-sensitive, so `/V1/health` is simply an unknown (and authenticated)
 * route.
 *
 * Run ids contain a slash (`swarm-name/run-id`); clients may send one
 * URL-encoded segment (`/v1/runs/hello%2F4f2a`) or two (`/v1/runs/hello/4f2a`).
 * The two-segment form is rewritten to the one-segment form here, so the
 * router and the auth table know only `/v1/runs/:id/...`.
 */

export type Canonical = { ok: true; path: string; segments: string[] } | { ok: false; reason: string };

function decode(seg: string): string | null {
  try {
    return decodeURIComponent(seg);
  } catch {
    return null;
  }
}

/** Percent-encodes one segment the way the router decodes it back. */
export function encodeSegment(s: string): string {
  return encodeURIComponent(s);
}

/**
 * `rawPath` is the path part of the request target (before `?`), exactly as
 * received. Returns the canonical path (encoded) and its decoded segments.
 */
export function canonicalise(rawPath: string): Canonical {
  if (!rawPath.startsWith('/')) return { ok: false, reason: 'the path must start with /' };
  if (rawPath === '/') return { ok: true, path: '/', segments: [] };
  if (rawPath.includes('\\')) return { ok: false, reason: 'backslashes are not allowed in paths' };
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0020\u007f]/.test(rawPath)) return { ok: false, reason: 'control characters and spaces must be percent-encoded' };
  const raw = rawPath.slice(1).split('/');
  const segments: string[] = [];
  for (const seg of raw) {
    if (seg === '') return { ok: false, reason: 'empty path segments (// or a trailing /) are not allowed' };
    const d = decode(seg);
    if (d === null) return { ok: false, reason: `malformed percent-encoding in "${seg.slice(0, 40)}"` };
    // A decoded segment may hold a slash (an encoded run id); none of its parts may be a dot segment.
    if (d.split(/[/\\]/).some((p) => p === '.' || p === '..')) return { ok: false, reason: 'dot segments (. and .., encoded or not) are not allowed' };
    if (d.includes('\u0000')) return { ok: false, reason: 'NUL is not allowed in paths' };
    segments.push(d);
  }
  // Two-segment run ids: /v1/runs/<swarm>/<run>[/...] -> /v1/runs/<swarm%2Frun>[/...]
  if (segments[0] === 'v1' && segments[1] === 'runs' && segments.length >= 4 && !(segments[2] as string).includes('/')) {
    const id = `${segments[2] as string}/${segments[3] as string}`;
    segments.splice(2, 2, id);
  }
  return { ok: true, path: '/' + segments.map(encodeSegment).join('/'), segments };
}

/** Splits a request target into its path and query (`?...`, kept as sent). */
export function splitTarget(url: string): { path: string; query: string } {
  const q = url.indexOf('?');
  return q < 0 ? { path: url, query: '' } : { path: url.slice(0, q), query: url.slice(q) };
}
