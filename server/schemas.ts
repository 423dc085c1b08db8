/**
 * JSON Schemas (2020-12) of every request body and response of the API. They
 * are the OpenAPI document's `components.schemas`, the request validator's
 * schemas (validation.ts) and what the conformance test checks sample
 * responses against: one source, so the document cannot drift from what the
 * server accepts.
 */

type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const nullable = (s: Schema): Schema => ({ anyOf: [s, { type: 'null' }] });
const str = (description?: string): Schema => (description ? { type: 'string', description } : { type: 'string' });
const int = (description?: string): Schema => (description ? { type: 'integer', description } : { type: 'integer' });
const dateTime: Schema = { type: 'string', format: 'date-time' };
const obj = (properties: Record<string, Schema>, required: string[] = Object.keys(properties), extra: Schema = {}): Schema => ({
  type: 'object',
  properties,
  required,
  additionalProperties: false,
  ...extra,
});

export const SWARM_NAME = '^[a-z][a-z0-9-]{0,62}$';
export const RUN_ID = '^[a-z][a-z0-9-]{0,62}/[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$';
export const RUN_SUFFIX = '^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$';
export const SIGNAL_NAME = '^(?!swarmflow\\.)[A-Za-z][A-Za-z0-9_.-]{0,127}$';
export const SKILL_NAME = '^[a-z0-9][a-z0-9_-]{0,63}$';
/** A JSON pointer (RFC 6901): `''` or `/a/b`, with `~0` and `~1` the only escapes. */
const JSON_POINTER = '^(/([^~/]|~[01])*)*$';
const FILE_NAME = '^[^\\u0000-\\u001f\\u007f]{1,255}$';

const RUN_STATUS: Schema = { type: 'string', enum: ['running', 'succeeded', 'failed', 'budget_exhausted', 'cancelled', 'deadline_exceeded'] };
const STEP_STATUS: Schema = { type: 'string', enum: ['pending', 'running', 'succeeded', 'failed', 'skipped', 'cancelled'] };
const usage = obj({ steps: int(), tokens: int() });

export const schemas: Record<string, Schema> = {
  Error: obj({
    error: obj(
      {
        code: { type: 'string', enum: ['bad_request', 'malformed_json', 'invalid_body', 'invalid_definition', 'invalid_input', 'non_canonical_path', 'unauthorized', 'forbidden', 'not_found', 'conflict', 'payload_too_large', 'unsupported_media_type', 'rate_limited', 'internal', 'temporal_unavailable', 'unavailable'] },
        message: str('One sentence: what is wrong and how to fix it.'),
        details: { type: 'array', items: { type: 'string' }, description: 'Located problems: `file:line:col: message` for definitions, `body/path: message` for JSON bodies.' },
        diagnostics: { type: 'array', items: ref('Diagnostic') },
      },
      ['code', 'message', 'details'],
    ),
  }),
  Diagnostic: obj({
    file: str(),
    line: { type: 'integer', minimum: 1 },
    col: { type: 'integer', minimum: 1 },
    message: str(),
    code: str('Stable code from the catalogue in docs/dsl.md, e.g. SF102.'),
    ptr: str('JSON pointer of the offending node (the editor node id).'),
  }),

  // Requests
  DefinitionBody: obj(
    {
      yaml: { type: 'string', minLength: 1, description: 'The swarm definition, YAML text.' },
      file: { type: 'string', pattern: FILE_NAME, description: 'Name used in diagnostics (default `definition.swarm.yaml`).' },
    },
    ['yaml'],
  ),
  PutSwarmBody: obj(
    {
      yaml: { type: 'string', minLength: 1 },
      file: { type: 'string', pattern: FILE_NAME },
      layout: nullable(ref('Layout')),
    },
    ['yaml'],
  ),
  Layout: {
    type: 'object',
    description: 'Editor node positions keyed by the JSON pointer of the node in the definition. Stored beside the definition, never in its YAML.',
    propertyNames: { pattern: JSON_POINTER, maxLength: 512 },
    maxProperties: 20000,
    additionalProperties: ref('LayoutEntry'),
  },
  LayoutEntry: obj({ x: { type: 'number' }, y: { type: 'number' }, width: { type: 'number', minimum: 0 }, height: { type: 'number', minimum: 0 }, collapsed: { type: 'boolean' } }, ['x', 'y']),
  StartRunBody: {
    ...obj(
      {
        yaml: { type: 'string', minLength: 1, description: 'A definition to run as it is (not stored).' },
        file: { type: 'string', pattern: FILE_NAME },
        swarm: { type: 'string', pattern: SWARM_NAME, description: 'A stored definition to run.' },
        version: { type: 'integer', minimum: 1, description: 'Stored version (default: the latest).' },
        input: { description: 'The run input; must satisfy the swarm\'s `inputs` schema. Default `{}`.' },
        id: { type: 'string', pattern: RUN_SUFFIX, description: 'Run id suffix (default: random); the run id is `<swarm>/<id>`.' },
      },
      [],
    ),
    oneOf: [{ required: ['yaml'] }, { required: ['swarm'] }],
    dependentRequired: { version: ['swarm'], file: ['yaml'] },
  },
  SignalBody: obj({ payload: { description: 'The signal payload: the output of the `waitFor` step. Default `{}`.' } }, []),
  CancelBody: obj({}, []),

  // Responses
  Health: obj({ status: { const: 'ok' } }),
  ValidateResult: obj({
    valid: { type: 'boolean' },
    diagnostics: { type: 'array', items: ref('Diagnostic') },
    errors: { type: 'array', items: { type: 'string' }, description: 'The diagnostics as `file:line:col: message`, as the CLI prints them.' },
  }),
  CompileResult: obj({ ir: ref('SwarmIR') }),
  SwarmIR: {
    type: 'object',
    description: 'The compiled form (IR): see dsl/ir.ts.',
    required: ['irVersion', 'name', 'version', 'steps', 'sha256'],
    properties: { irVersion: { const: 1 }, name: str(), version: int(), sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' }, steps: { type: 'array' } },
  },
  SwarmDefinition: obj({
    name: { type: 'string', pattern: SWARM_NAME },
    version: { type: 'integer', minimum: 1 },
    yaml: str(),
    irSha256: str(),
    description: nullable(str()),
    layout: nullable(ref('Layout')),
    createdAt: dateTime,
    updatedAt: dateTime,
    usedAt: { ...nullable(dateTime), description: 'When a run first used this version; from then on its YAML is immutable.' },
    usedBy: nullable(str()),
  }),
  PutSwarmResult: obj({
    outcome: { type: 'string', enum: ['created', 'unchanged', 'replaced'], description: '`created` (201): a new version; `unchanged` (200): the same YAML was stored already; `replaced` (200): an unused version got new YAML.' },
    definition: ref('SwarmDefinition'),
  }),
  SwarmList: obj({
    swarms: {
      type: 'array',
      items: obj({ name: str(), latest: int(), versions: { type: 'array', items: int() }, description: nullable(str()), updatedAt: dateTime }),
    },
  }),
  SwarmVersions: obj({
    name: str(),
    versions: { type: 'array', items: obj({ version: int(), irSha256: str(), createdAt: dateTime, updatedAt: dateTime, usedAt: nullable(dateTime) }) },
  }),
  StartRunResult: obj({
    id: { type: 'string', pattern: RUN_ID },
    swarm: str(),
    version: int(),
    irSha256: str(),
    status: { const: 'running' },
    startedAt: dateTime,
    startedBy: str(),
    links: ref('RunLinks'),
  }),
  RunLinks: obj({ self: str(), events: str(), history: str(), ui: nullable(str('The run in the Temporal Web UI, when known.')) }),
  RunList: obj({
    runs: {
      type: 'array',
      items: obj({
        id: str(),
        swarm: str(),
        version: nullable(int()),
        status: RUN_STATUS,
        startedAt: dateTime,
        closedAt: nullable(dateTime),
        steps: nullable(int()),
        tokens: nullable(int()),
        startedBy: nullable(str('The API key name that started it; null for runs started outside the API.')),
      }),
    },
  }),
  Run: obj({
    id: str(),
    swarm: str(),
    version: nullable(int()),
    irSha256: nullable(str()),
    status: RUN_STATUS,
    temporalStatus: str('The workflow execution status as Temporal reports it (RUNNING, COMPLETED, FAILED, CANCELLED, TERMINATED, TIMED_OUT, CONTINUED_AS_NEW).'),
    startedAt: dateTime,
    closedAt: nullable(dateTime),
    startedBy: nullable(str()),
    progress: nullable(ref('Progress')),
    output: { description: 'The run output once it ended (null before).' },
    error: nullable(str()),
    usage: nullable(usage),
    links: ref('RunLinks'),
  }),
  Progress: obj(
    {
      runId: str(),
      swarm: str(),
      version: int(),
      status: RUN_STATUS,
      steps: { type: 'object', additionalProperties: STEP_STATUS },
      usage,
      budget: usage,
      agents: obj({ running: int(), queued: int(), done: int() }),
      subAgents: { type: 'object', additionalProperties: { type: 'array', items: obj({ index: int(), workflowId: str(), status: str(), turns: int(), tokens: int() }) } },
      currentSteps: { type: 'array', items: str() },
      continuedAsNew: int(),
      historyLength: int(),
      events: { type: 'array', items: ref('ProgressEvent') },
      lastSeq: int(),
    },
    ['runId', 'swarm', 'version', 'status', 'steps', 'usage', 'budget', 'agents', 'currentSteps', 'continuedAsNew', 'events', 'lastSeq'],
  ),
  ProgressEvent: obj(
    {
      seq: { type: 'integer', minimum: 1 },
      type: { type: 'string', enum: ['run.started', 'step.started', 'step.finished', 'agents', 'usage', 'run.finished', 'run.continued'] },
      step: str(),
      status: str(),
      data: {},
    },
    ['seq', 'type'],
  ),
  SignalResult: obj({ id: str(), signal: str(), sent: { const: true } }),
  CancelResult: obj({ id: str(), cancelRequested: { const: true } }),
  RunHistory: obj({
    swarmflowHistory: { const: 1 },
    runId: str(),
    exportedAt: dateTime,
    executions: {
      type: 'array',
      items: obj({ workflowId: str(), runId: str(), workflowType: str(), events: int(), history: { type: 'object', description: 'The execution\'s event history, as `swarmflow replay` reads it.' } }),
    },
  }),
  SkillList: obj({
    skills: { type: 'array', items: obj({ name: str(), versions: { type: 'array', items: str() }, latest: str(), description: str() }) },
  }),
  Skill: obj({
    name: str(),
    version: str(),
    hash: str(),
    description: str(),
    outputSchema: {},
    provenance: nullable({ type: 'object' }),
    extra: { type: 'object' },
    body: str('The SKILL.md body (Markdown).'),
  }),
  PoolStatus: {
    type: 'object',
    required: ['source', 'pools'],
    properties: {
      source: str(),
      pools: {
        type: 'array',
        items: {
          type: 'object',
          required: ['name', 'strategy', 'queued', 'slots', 'endpoints'],
          properties: {
            name: str(),
            strategy: str(),
            queued: int(),
            slots: int(),
            endpoints: {
              type: 'array',
              items: {
                type: 'object',
                required: ['name', 'url', 'health', 'inFlight', 'maxConcurrency'],
                properties: { name: str(), url: str(), health: str(), inFlight: int(), maxConcurrency: int(), tokensPerSecond: nullable({ type: 'number' }) },
              },
            },
          },
        },
      },
    },
  },
};

export type SchemaName = keyof typeof schemas;
