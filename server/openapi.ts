/**
 * The OpenAPI 3.1 document served at `/v1/openapi.json`. Paths come from the
 * route table (routes.ts) and schemas from schemas.ts, so the document lists
 * exactly the routes the server has; tests/api/openapi.test.ts checks that
 * against the live express router and checks sample answers against the
 * documented schemas.
 */
import { ROUTES, type RouteId, type RouteSpec } from './routes';
import { RUN_ID, schemas, SIGNAL_NAME, SKILL_NAME, SWARM_NAME } from './schemas';

type Json = Record<string, unknown>;

interface Ok {
  status: number;
  schema?: string;
  contentType?: string;
  description: string;
}

interface OpMeta {
  summary: string;
  description?: string;
  tag: 'definitions' | 'runs' | 'service';
  query?: { name: string; schema: Json; description: string }[];
  /** Request body schema (JSON); `yaml` adds `application/yaml` text. */
  request?: { schema: string; yaml?: boolean; required: boolean };
  ok: Ok[];
  /** Error statuses this operation can answer with (besides 401, 429 and 500, which any keyed route can). */
  errors: number[];
}

const PARAMS: Record<string, Json> = {
  id: {
    name: 'id',
    in: 'path',
    required: true,
    description: 'Run id `swarm-name/run-id`, sent URL-encoded as one segment (`hello%2F4f2a9c1b7e01`); two path segments (`hello/4f2a9c1b7e01`) are accepted too.',
    schema: { type: 'string', pattern: RUN_ID },
  },
  name: { name: 'name', in: 'path', required: true, schema: { type: 'string', pattern: SWARM_NAME } },
  version: { name: 'version', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } },
};

const OPS: Record<RouteId, OpMeta> = {
  health: { summary: 'Liveness; needs no key', tag: 'service', ok: [{ status: 200, schema: 'Health', description: 'The server is up.' }], errors: [] },
  openapi: { summary: 'This document', tag: 'service', ok: [{ status: 200, description: 'The OpenAPI 3.1 document.', contentType: 'application/json' }], errors: [] },
  validate: {
    summary: 'Check a definition',
    description: 'Parses and checks a definition without side effects. Answers 200 whether or not it is valid; `errors` lists problems as `file:line:col: message`, like `swarmflow validate`.',
    tag: 'definitions',
    query: [{ name: 'file', schema: { type: 'string' }, description: 'Name for diagnostics when the body is YAML text.' }],
    request: { schema: 'DefinitionBody', yaml: true, required: true },
    ok: [{ status: 200, schema: 'ValidateResult', description: 'Diagnostics (empty when valid).' }],
    errors: [400, 413, 415],
  },
  compile: {
    summary: 'Compile a definition to its IR',
    tag: 'definitions',
    query: [{ name: 'file', schema: { type: 'string' }, description: 'Name for diagnostics when the body is YAML text.' }],
    request: { schema: 'DefinitionBody', yaml: true, required: true },
    ok: [{ status: 200, schema: 'CompileResult', description: 'The IR.' }],
    errors: [400, 413, 415],
  },
  listSwarms: { summary: 'Stored definitions', tag: 'definitions', ok: [{ status: 200, schema: 'SwarmList', description: 'Every stored swarm with its versions.' }], errors: [] },
  getSwarm: { summary: 'The latest stored version of a definition', tag: 'definitions', ok: [{ status: 200, schema: 'SwarmDefinition', description: 'YAML, layout and metadata.' }], errors: [400, 404] },
  putSwarm: {
    summary: 'Store a definition',
    description:
      "Compiles and stores the definition under its own `version:`. A new version: 201. The same YAML again: 200 (`unchanged`; a sent `layout` replaces the stored one). New YAML for a version no run has used: 200 (`replaced`). New YAML for a version a run has used: 409 (bump `version:`). The name in the YAML must match the path. The layout is stored beside the YAML, never in it.",
    tag: 'definitions',
    query: [{ name: 'file', schema: { type: 'string' }, description: 'Name for diagnostics when the body is YAML text.' }],
    request: { schema: 'PutSwarmBody', yaml: true, required: true },
    ok: [
      { status: 201, schema: 'PutSwarmResult', description: 'A new version was stored.' },
      { status: 200, schema: 'PutSwarmResult', description: 'The version was stored already (`unchanged`) or had not been used and was replaced (`replaced`).' },
    ],
    errors: [400, 403, 409, 413, 415],
  },
  listSwarmVersions: { summary: "A definition's stored versions", tag: 'definitions', ok: [{ status: 200, schema: 'SwarmVersions', description: 'Ascending.' }], errors: [400, 404] },
  getSwarmVersion: { summary: 'One stored version of a definition', tag: 'definitions', ok: [{ status: 200, schema: 'SwarmDefinition', description: 'YAML, layout and metadata.' }], errors: [400, 404] },
  startRun: {
    summary: 'Start a run',
    description: 'From YAML sent with the request (`yaml`), or from a stored definition (`swarm`, `version`; the latest when no version), which freezes that version. The input is checked against the swarm\'s `inputs` schema before the run starts.',
    tag: 'runs',
    request: { schema: 'StartRunBody', required: true },
    ok: [{ status: 201, schema: 'StartRunResult', description: 'The run started.' }],
    errors: [400, 403, 404, 409, 413, 415, 503],
  },
  listRuns: {
    summary: 'Recent runs',
    tag: 'runs',
    query: [
      { name: 'limit', schema: { type: 'integer', minimum: 1, maximum: 500, default: 20 }, description: 'How many runs.' },
      { name: 'swarm', schema: { type: 'string', pattern: SWARM_NAME }, description: 'Only runs of this swarm.' },
    ],
    ok: [{ status: 200, schema: 'RunList', description: 'Newest first.' }],
    errors: [400, 503],
  },
  getRun: { summary: "A run's state, progress and (once ended) output", tag: 'runs', ok: [{ status: 200, schema: 'Run', description: 'The run.' }], errors: [400, 404, 503] },
  runEvents: {
    summary: 'Live progress (server-sent events)',
    description:
      'A `text/event-stream`. Each progress event carries `id: <seq>` and `event: <type>` (`run.started`, `step.started`, `step.finished`, `agents`, `usage`, `run.continued`, `run.finished`) with the event as JSON data; `event: progress` carries a snapshot of the run\'s progress (no id) when it changes; `event: end` (`{"status": ...}`) is the last one. Comment lines keep the connection alive. Reconnect with `Last-Event-ID` (or `?after=`) to get only the events after it.',
    tag: 'runs',
    query: [{ name: 'after', schema: { type: 'integer', minimum: 0 }, description: 'Send only events with a greater sequence number (like Last-Event-ID).' }],
    ok: [{ status: 200, contentType: 'text/event-stream', description: 'The event stream.' }],
    errors: [400, 404, 503],
  },
  signalRun: {
    summary: 'Send a signal (e.g. approve a waitFor step)',
    tag: 'runs',
    request: { schema: 'SignalBody', required: false },
    ok: [{ status: 202, schema: 'SignalResult', description: 'Delivered to the run.' }],
    errors: [400, 403, 404, 409, 415, 503],
  },
  cancelRun: {
    summary: 'Cancel a run gracefully',
    description: 'Running steps are cancelled, finished ones are kept; the run ends as `cancelled`.',
    tag: 'runs',
    request: { schema: 'CancelBody', required: false },
    ok: [{ status: 202, schema: 'CancelResult', description: 'Cancellation requested.' }],
    errors: [400, 403, 404, 409, 415, 503],
  },
  runHistory: {
    summary: "Export a run's full event history",
    description: 'Every continue-as-new execution and every child workflow, in the format `swarmflow replay` reads.',
    tag: 'runs',
    ok: [{ status: 200, schema: 'RunHistory', description: 'The history.' }],
    errors: [400, 404, 503],
  },
  listSkills: { summary: 'Stored Skills', tag: 'service', ok: [{ status: 200, schema: 'SkillList', description: 'Every skill with its versions.' }], errors: [] },
  getSkill: {
    summary: 'One Skill',
    tag: 'service',
    query: [{ name: 'range', schema: { type: 'string' }, description: 'A semver range (default: the latest version).' }],
    ok: [{ status: 200, schema: 'Skill', description: 'The skill document.' }],
    errors: [400, 404],
  },
  poolStatus: { summary: 'Inference pool status', tag: 'service', ok: [{ status: 200, schema: 'PoolStatus', description: 'Endpoints: health, in flight, latency, tokens/s.' }], errors: [503] },
};

const ERROR_TEXT: Record<number, string> = {
  400: 'Invalid request: malformed JSON, a body that does not match its schema, an invalid definition (details: `file:line:col: message`), or a non-canonical path.',
  401: 'No API key, or not a valid one.',
  403: 'The key lacks the scope this route needs.',
  404: 'Not found.',
  409: 'Conflict with the current state.',
  413: 'The body is larger than the limit.',
  415: 'Unsupported Content-Type or Content-Encoding.',
  429: 'Rate limit reached; see Retry-After.',
  500: 'Internal error (no details are given out).',
  503: 'Temporal (or another service) cannot be reached.',
};

export function openApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z]+)/g, '{$1}');
}

function paramsOf(route: RouteSpec, meta: OpMeta): Json[] {
  const names = [...route.path.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1] as string);
  const path = names.map((n): Json => {
    if (n === 'name' && route.id === 'signalRun') return { name: 'name', in: 'path', required: true, description: 'The signal a waitFor step waits for.', schema: { type: 'string', pattern: SIGNAL_NAME } };
    if (n === 'name' && route.id === 'getSkill') return { name: 'name', in: 'path', required: true, schema: { type: 'string', pattern: SKILL_NAME } };
    const p = PARAMS[n];
    if (!p) throw new Error(`openapi.ts: no parameter description for ":${n}" of ${route.path}`);
    return p;
  });
  const query = (meta.query ?? []).map((q): Json => ({ name: q.name, in: 'query', required: false, description: q.description, schema: q.schema }));
  return [...path, ...query];
}

function operation(route: RouteSpec): Json {
  const meta = OPS[route.id];
  const responses: Json = {};
  for (const ok of meta.ok) {
    const type = ok.contentType ?? 'application/json';
    responses[String(ok.status)] = { description: ok.description, content: { [type]: { schema: ok.schema ? { $ref: `#/components/schemas/${ok.schema}` } : type === 'text/event-stream' ? { type: 'string' } : { type: 'object' } } } };
  }
  const errors = new Set(meta.errors);
  if (route.scope !== 'open') [401, 403, 429].forEach((s) => errors.add(s));
  errors.add(500);
  for (const s of [...errors].sort()) {
    responses[String(s)] = {
      description: ERROR_TEXT[s] ?? 'Error.',
      ...(s === 429 ? { headers: { 'Retry-After': { description: 'Seconds to wait.', schema: { type: 'integer' } } } } : {}),
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    };
  }
  const op: Json = {
    operationId: route.id,
    summary: meta.summary,
    ...(meta.description ? { description: meta.description } : {}),
    tags: [meta.tag],
    'x-scope': route.scope,
    parameters: paramsOf(route, meta),
    responses,
  };
  if (route.scope === 'open') op.security = [];
  if (meta.request) {
    const content: Json = { 'application/json': { schema: { $ref: `#/components/schemas/${meta.request.schema}` } } };
    if (meta.request.yaml) content['application/yaml'] = { schema: { type: 'string', description: 'The definition as YAML text.' } };
    op.requestBody = { required: meta.request.required, content };
  }
  return op;
}

let cached: Json | null = null;

export function openApiDocument(): Json {
  if (cached) return cached;
  const paths: Record<string, Json> = {};
  for (const route of ROUTES as readonly RouteSpec[]) {
    const p = openApiPath(route.path);
    paths[p] = { ...(paths[p] ?? {}), [route.method.toLowerCase()]: operation(route) };
  }
  cached = {
    openapi: '3.1.0',
    info: {
      title: 'swarmflow API',
      version: '1',
      description: 'Validate, store and run swarm definitions on Temporal, and follow their runs. Errors are always `{ "error": { "code", "message", "details" } }`.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    tags: [
      { name: 'definitions', description: 'Validate, compile and store swarm definitions.' },
      { name: 'runs', description: 'Start, follow, signal, cancel and export runs.' },
      { name: 'service', description: 'Health, Skills and the inference pool.' },
    ],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API key from SWARMFLOW_API_KEYS. Scopes: read, run, admin (admin implies the others); each operation names its scope in x-scope.' } },
      schemas,
    },
  };
  return cached;
}
