/**
 * The exact route table: every `/v1` route, the scope it needs and the body
 * it takes. Authentication looks a request up here BEFORE its body is read
 * (security rule 7): a route that is not listed is denied (401 without a
 * valid key, 404 with one), never served by accident. The router, the OpenAPI
 * document and the auth check all come from this one list, and a test checks
 * the three agree.
 */

export type Scope = 'read' | 'run' | 'admin';
export const SCOPES: readonly Scope[] = ['read', 'run', 'admin'];

/**
 * - `none`: no body is read;
 * - `json`: `application/json`, or no body at all;
 * - `definition`: a swarm definition as `application/yaml` text, or JSON `{ "yaml": ... }`.
 */
export type BodyKind = 'none' | 'json' | 'definition';

export interface RouteSpec {
  id: RouteId;
  method: 'GET' | 'POST' | 'PUT';
  /** Express path syntax; the OpenAPI document writes `:x` as `{x}`. */
  path: string;
  /** `open`: no key needed (health only). */
  scope: Scope | 'open';
  body: BodyKind;
}

export const ROUTES = [
  { id: 'health', method: 'GET', path: '/v1/health', scope: 'open', body: 'none' },
  { id: 'openapi', method: 'GET', path: '/v1/openapi.json', scope: 'read', body: 'none' },
  { id: 'validate', method: 'POST', path: '/v1/validate', scope: 'read', body: 'definition' },
  { id: 'compile', method: 'POST', path: '/v1/compile', scope: 'read', body: 'definition' },
  { id: 'listSwarms', method: 'GET', path: '/v1/swarms', scope: 'read', body: 'none' },
  { id: 'getSwarm', method: 'GET', path: '/v1/swarms/:name', scope: 'read', body: 'none' },
  { id: 'putSwarm', method: 'PUT', path: '/v1/swarms/:name', scope: 'admin', body: 'definition' },
  { id: 'listSwarmVersions', method: 'GET', path: '/v1/swarms/:name/versions', scope: 'read', body: 'none' },
  { id: 'getSwarmVersion', method: 'GET', path: '/v1/swarms/:name/versions/:version', scope: 'read', body: 'none' },
  { id: 'startRun', method: 'POST', path: '/v1/runs', scope: 'run', body: 'json' },
  { id: 'listRuns', method: 'GET', path: '/v1/runs', scope: 'read', body: 'none' },
  { id: 'getRun', method: 'GET', path: '/v1/runs/:id', scope: 'read', body: 'none' },
  { id: 'runEvents', method: 'GET', path: '/v1/runs/:id/events', scope: 'read', body: 'none' },
  { id: 'signalRun', method: 'POST', path: '/v1/runs/:id/signals/:name', scope: 'run', body: 'json' },
  { id: 'cancelRun', method: 'POST', path: '/v1/runs/:id/cancel', scope: 'run', body: 'json' },
  { id: 'runHistory', method: 'GET', path: '/v1/runs/:id/history', scope: 'read', body: 'none' },
  { id: 'listSkills', method: 'GET', path: '/v1/skills', scope: 'read', body: 'none' },
  { id: 'getSkill', method: 'GET', path: '/v1/skills/:name', scope: 'read', body: 'none' },
  { id: 'poolStatus', method: 'GET', path: '/v1/pool', scope: 'read', body: 'none' },
] as const satisfies readonly (Omit<RouteSpec, 'id'> & { id: string })[];

export type RouteId = (typeof ROUTES)[number]['id'];

/** What a request matched: the route and its decoded path parameters. */
export interface RouteMatch {
  route: RouteSpec;
  params: Record<string, string>;
}

/**
 * Finds the route of a canonical request (decoded segments from
 * `canonicalise`). HEAD is looked up as GET, the way express serves it.
 * Returns null for anything not in the table.
 */
export function matchRoute(method: string, segments: readonly string[]): RouteMatch | null {
  const m = method === 'HEAD' ? 'GET' : method;
  for (const route of ROUTES as readonly RouteSpec[]) {
    if (route.method !== m) continue;
    const pattern = route.path.slice(1).split('/');
    if (pattern.length !== segments.length) continue;
    const params: Record<string, string> = Object.create(null) as Record<string, string>;
    let ok = true;
    for (let i = 0; i < pattern.length && ok; i++) {
      const p = pattern[i] as string;
      const s = segments[i] as string;
      if (p.startsWith(':')) params[p.slice(1)] = s;
      else ok = p === s;
    }
    if (ok) return { route, params };
  }
  return null;
}
