/**
 * Generators of hostile HTTP requests for the REST API, as raw bytes (so
 * nothing a client library would normalise is lost): every route of the
 * table with hostile path parameters and query strings, random and invalid
 * methods, path tricks, odd headers (auth, content type, encoding, origin,
 * host), and bodies that are malformed, mistyped, huge, deep, unicode or
 * full of prototype keys, including definitions from the DSL fuzzer.
 */
import fc from 'fast-check';
import { ROUTES } from '../../server/routes';
import { HELLO, KEYS } from '../api/helpers';
import { families } from './dsl-gen';

export type AppVariant = 'keyed' | 'open' | 'no-temporal';

export type BodyMode = 'length' | 'chunked' | 'short-length' | 'length-and-chunked' | 'bad-chunk' | 'bad-length';

export interface ApiRequest {
  app: AppVariant;
  method: string;
  target: string;
  headers: [string, string][];
  body: Buffer | null;
  bodyMode: BodyMode;
  /** What the generator meant (for the summary and for finding a case again). */
  label: string;
}

// ---- paths ----------------------------------------------------------------------------

const VALID_PARAMS: Record<string, string[]> = {
  name: ['hello', 'approval', 'notes', 'nope'],
  version: ['1', '2', '3'],
  id: ['hello%2Fabc', 'hello/abc', 'approval%2Ffuzz1', 'hello%2Ffuzz1'],
};

const HOSTILE_SEGMENTS = [
  '..', '.', '%2e%2e', '%2E%2e', '%2e', '.%2e', '%2e%2e%2f', '..%2F..%2Fetc%2Fpasswd', '%2F', '%2f%2f', '%00', '%', '%zz', '%C0%AE%C0%AE', '%ff', '%E2%80%AE', '%F0%9F%98%80',
  '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '__proto__%2F__proto__', 'hello%2F__proto__', 'hello%2F..', 'hello%2F.', 'a'.repeat(300), 'x'.repeat(5000),
  ';', '%3B', 'hello;x', '*', '~', '%5C', '\\', '0', '-1', '1e3', '01', '4294967296', '9'.repeat(30), 'NaN', 'Infinity', 'HELLO', 'hello%20', 'hello%09', '%0d%0aX-Injected:%201',
  'ключ', '%D0%BA', 'hello%2Fabc%2Fdef', 'hello/abc/def', '',
];

const segment: fc.Arbitrary<(param: string) => string> = fc.oneof(
  { weight: 3, arbitrary: fc.nat().map((i) => (param: string) => { const vs = VALID_PARAMS[param] ?? ['x']; return vs[i % vs.length] ?? 'x'; }) },
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_SEGMENTS).map((s) => () => s) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12, unit: 'binary' }).map((s) => () => encodeURIComponent(s.replace(/[\uD800-\uDFFF]/g, 'x'))) },
);

const QUERIES = [
  '', '', '', '?limit=5', '?limit=0', '?limit=-1', '?limit=1e3', '?limit=99999', '?limit=1&limit=2', '?limit[]=1', '?__proto__[polluted]=1', '?__proto__=1',
  '?constructor[prototype][polluted]=1', '?swarm=../x', '?swarm=hello', '?swarm=__proto__', '?file=%00', `?file=${'f'.repeat(300)}`, '?file=a%0Ab', '?after=1e309', '?after=-1', '?after=5',
  '?range=^1', '?range=%5E1%20%7C%7C%20%3E%3D2%20%3C3', `?range=${'1.'.repeat(60)}`, '?range=*', '?range=__proto__', '?a[b][c]=d', '?%', '?x=%zz', '?', '?&&&', `?x=${'y'.repeat(10000)}`,
];

const routePath: fc.Arbitrary<{ method: string; target: string; label: string }> = fc
  .tuple(fc.constantFrom(...ROUTES), segment, segment, fc.constantFrom(...QUERIES))
  .map(([r, a, b, q]) => {
    let n = 0;
    const path = r.path.replace(/:(\w+)/g, (_m, p: string) => (n++ === 0 ? a(p) : b(p)));
    return { method: r.method, target: path + q, label: r.id };
  });

const TRICK_TARGETS = [
  '/v1/health/../swarms', '/v1/./swarms', '/v1//swarms', '/v1/swarms/', '/v1\\swarms', '/V1/swarms', '/v1/SWARMS', '/v1/health;/swarms', '/v1/health%3B/swarms', '/v1/health.json',
  '/v1/%2e%2e/v1/swarms', '/v1/health%2F..%2Fswarms', '/v1/runs/hello/../../swarms', '//v1/health', '/v1', '/v1/', '/', '', '*', 'http://127.0.0.1/v1/swarms', 'http://evil.example/v1/health',
  '/v1/health?x=/../swarms', '/v1/swarms?/v1/health', '/v1/openapi.json/', '/v1/runs/hello%2Fabc/events/', '/v1/runs/hello%252Fabc', '/%76%31/swarms', '/v1/sw%61rms', '/index.html',
  '/../../etc/passwd', '/assets/../../package.json', '/v1/swarms/hello/versions/1/../2', `/v1/${'a/'.repeat(2000)}`, '/v1/health\u0000', '/v1/he alth', '/v1/health#frag', '/v1/héalth',
];

const target: fc.Arbitrary<{ method: string | null; target: string; label: string }> = fc.oneof(
  { weight: 8, arbitrary: routePath },
  { weight: 2, arbitrary: fc.constantFrom(...TRICK_TARGETS).map((t) => ({ method: null, target: t, label: 'trick' })) },
);

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'TRACE', 'CONNECT', 'PROPFIND', 'get', 'Post', 'G E T', 'POST ', 'FOO', 'M-SEARCH', 'PURGE'];

// ---- headers ---------------------------------------------------------------------------

const auth: fc.Arbitrary<[string, string][]> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(KEYS.admin, KEYS.readRun, KEYS.read, KEYS.run).map((k): [string, string][] => [['Authorization', `Bearer ${k}`]]) },
  { weight: 1, arbitrary: fc.constant<[string, string][]>([]) },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom(
        'Bearer wrong-key', `bearer ${KEYS.admin}`, `Bearer  ${KEYS.admin} `, `Bearer ${KEYS.admin.slice(0, -1)}`, `Bearer ${KEYS.admin}x`, 'Basic YWRtaW46YWRtaW4=', 'Bearer', 'Bearer ',
        `Bearer ${'k'.repeat(8000)}`, `Bearer ${KEYS.admin}\tx`, `Token ${KEYS.admin}`, `Bearer ${KEYS.admin}, Bearer ${KEYS.read}`, 'Bearer __proto__', '',
      )
      .map((v): [string, string][] => [['Authorization', v]]),
  },
  { weight: 1, arbitrary: fc.constant<[string, string][]>([['Authorization', `Bearer ${KEYS.read}`], ['Authorization', `Bearer ${KEYS.admin}`]]) },
);

const CONTENT_TYPES = [
  'application/json', 'application/json', 'application/json; charset=utf-8', 'application/json; charset=utf-16', 'application/json; charset=latin1', 'application/json; charset=koi8-r',
  'application/yaml', 'text/yaml', 'application/x-yaml', 'text/plain', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', 'application/json, text/plain', ';;;',
  'application/json; charset="', 'APPLICATION/JSON', 'application/merge-patch+json', 'application/vnd.api+json', '*/*', 'application/json; __proto__=x', 'application/octet-stream', '',
];

const extraHeader: fc.Arbitrary<[string, string]> = fc.oneof(
  fc.constantFrom<[string, string]>(
    ['Content-Encoding', 'gzip'], ['Content-Encoding', 'br'], ['Content-Encoding', 'identity'], ['Content-Encoding', 'gzip, identity'], ['Content-Encoding', '__proto__'],
    ['Origin', 'http://evil.example'], ['Origin', 'null'], ['Origin', ''], ['Host', 'evil.example'], ['Host', 'localhost'], ['Host', '[::1]:1'], ['Host', ''],
    ['Last-Event-ID', '5'], ['Last-Event-ID', '-1'], ['Last-Event-ID', 'x'.repeat(100)], ['Last-Event-ID', '99999999999999999999'],
    ['X-HTTP-Method-Override', 'DELETE'], ['X-Forwarded-For', '127.0.0.1'], ['X-Forwarded-Host', 'evil.example'], ['X-Forwarded-Proto', 'https'],
    ['__proto__', 'polluted'], ['constructor', 'x'], ['prototype', 'x'], ['Accept', 'text/event-stream'], ['Accept', 'application/yaml'], ['Accept-Charset', 'utf-16'],
    ['Expect', '100-continue'], ['Expect', 'x'], ['Range', 'bytes=0-1'], ['If-None-Match', '*'], ['Cookie', '__proto__=x'], ['Upgrade', 'websocket'], ['Connection', 'Upgrade'],
  ),
  fc.tuple(fc.stringMatching(/^[A-Za-z-]{1,20}$/), fc.string({ maxLength: 40 })).map(([k, v]): [string, string] => [k, v.replace(/[\r\n]/g, ' ')]),
);

// ---- bodies ------------------------------------------------------------------------------

function deepJson(depth: number, kind: 'list' | 'map', inner: string): string {
  return kind === 'list' ? '['.repeat(depth) + inner + ']'.repeat(depth) : '{"a":'.repeat(depth) + inner + '}'.repeat(depth);
}

const smallJson = fc.jsonValue({ maxDepth: 3 });

const definitionText: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(HELLO, HELLO.replace('version: 1', 'version: 2'), HELLO.replace('llm: default', 'llm: nope'), HELLO.replace('swarm: hello', 'swarm: other')) },
  { weight: 2, arbitrary: families.mutated.map((c) => c.text) },
  { weight: 1, arbitrary: families.escape.map((c) => c.text) },
  { weight: 1, arbitrary: families.text.map((c) => c.text) },
);

/** A JSON value an attacker controls (a run input, a signal payload): small, prototype-keyed, big, or deep. */
const hostileJsonText: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: smallJson.map((v) => JSON.stringify(v)) },
  { weight: 2, arbitrary: fc.constantFrom('{"__proto__": {"isAdmin": true}, "name": "x"}', '{"name": {"__proto__": {"polluted": 1}}}', '{"constructor": {"prototype": {"polluted": true}}, "name": "x"}', '{"name": "\\ud800\\u0000\\ufeff"}') },
  { weight: 1, arbitrary: fc.constantFrom(1_000, 5_000, 20_000, 100_000, 400_000).map((d) => `{"name": "x", "deep": ${deepJson(d, d % 2 === 0 ? 'list' : 'map', '1')}}`) },
  { weight: 1, arbitrary: fc.constantFrom(10_000, 200_000).map((n) => `{"name": "${'x'.repeat(n)}", "list": [${Array.from({ length: 1000 }, (_, i) => i).join(',')}]}`) },
);

const optionalFile = fc.option(fc.constantFrom('"a.swarm.yaml"', '"../../etc/passwd"', '"\\u0000"', `"${'x'.repeat(300)}"`, '"__proto__"', '1', 'null'), { nil: undefined });

/** What each route takes, with parts retyped or made hostile. */
const definitionBody: fc.Arbitrary<string> = fc
  .tuple(definitionText, optionalFile, fc.option(fc.oneof(fc.constant('null'), fc.dictionary(fc.constantFrom('/steps/0', '', '/steps/~2', 'x', '/__proto__'), fc.record({ x: fc.double(), y: fc.integer() })).map((l) => JSON.stringify(l)), hostileJsonText), { nil: undefined }))
  .map(([yaml, file, layout]) => `{"yaml": ${JSON.stringify(yaml)}${file === undefined ? '' : `, "file": ${file}`}${layout === undefined ? '' : `, "layout": ${layout}`}}`);

const startRunBody: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(definitionText, hostileJsonText, fc.option(fc.constantFrom('"fuzz1"', '"../x"', '"a/b"', `"${'x'.repeat(200)}"`, '"__proto__"', '7'), { nil: undefined })).map(
    ([yaml, input, id]) => `{"yaml": ${JSON.stringify(yaml)}, "input": ${input}${id === undefined ? '' : `, "id": ${id}`}}`,
  ),
  fc.tuple(fc.constantFrom('"hello"', '"approval"', '"nope"', '"__proto__"', '""', '1'), fc.option(fc.constantFrom('1', '2', '-1', '1.5', '"1"', 'null'), { nil: undefined }), hostileJsonText).map(
    ([swarm, version, input]) => `{"swarm": ${swarm}${version === undefined ? '' : `, "version": ${version}`}, "input": ${input}}`,
  ),
);

const payloadBody: fc.Arbitrary<string> = hostileJsonText.map((p) => `{"payload": ${p}}`);

const otherJson: fc.Arbitrary<string> = fc.oneof(
  smallJson.map((v) => JSON.stringify(v)),
  fc.constantFrom(
    `{"__proto__": {"polluted": true}, "yaml": ${JSON.stringify(HELLO)}}`,
    `{"constructor": {"prototype": {"polluted": true}}, "yaml": ${JSON.stringify(HELLO)}}`,
    '{"payload": {"__proto__": {"polluted": true}}}',
    `{"yaml": ${JSON.stringify(HELLO)}, "yaml": 1}`,
    `{"yaml": ${JSON.stringify(HELLO)}, "layout": {"__proto__": {"x": 1, "y": 2}}}`,
  ),
  fc.constantFrom(1_000, 100_000).map((d) => deepJson(d, 'list', '1')),
);

function jsonFor(route: string): fc.Arbitrary<string> {
  switch (route) {
    case 'validate':
    case 'compile':
    case 'putSwarm':
      return fc.oneof({ weight: 4, arbitrary: definitionBody }, { weight: 1, arbitrary: otherJson });
    case 'startRun':
      return fc.oneof({ weight: 4, arbitrary: startRunBody }, { weight: 1, arbitrary: otherJson });
    case 'signalRun':
    case 'cancelRun':
      return fc.oneof({ weight: 3, arbitrary: payloadBody }, { weight: 1, arbitrary: fc.constant('{}') }, { weight: 1, arbitrary: otherJson });
    default:
      return fc.oneof(definitionBody, startRunBody, payloadBody, otherJson);
  }
}

const malformedJson = (json: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc.oneof(
    fc.constantFrom('{"yaml": ', '{"yaml": "x",}', "{'yaml': 'x'}", '{"yaml": NaN}', '{"input": Infinity}', '{"yaml": "x" /* c */}', '\uFEFF{"yaml": "x"}', '{"yaml": "\\ud800"}',
      '{"yaml": "\\u0000"}', '{"yaml": "\\x41"}', '[', ']', '{}}', 'null', 'true', '"hello"', '1', '', ' ', '\u0000', '{"a":1}{"b":2}', '{"\\u005f_proto__": {"polluted": 1}}'),
    fc.tuple(json, fc.nat()).map(([j, at]) => j.slice(0, at % (j.length + 1))),
    fc.tuple(json, fc.nat(), fc.constantFrom('"', '\\', '{', ']', ',', '\u0000', '\uD800', ':')).map(([j, at, c]) => { const i = at % (j.length + 1); return j.slice(0, i) + c + j.slice(i); }),
  );

type Body = { bytes: Buffer; contentType: string | null; label: string };

function bodyFor(route: string): fc.Arbitrary<Body | null> {
  const json = jsonFor(route);
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant(null) },
    { weight: 8, arbitrary: json.map((j) => ({ bytes: Buffer.from(j, 'utf8'), contentType: 'application/json', label: 'json' })) },
    { weight: 3, arbitrary: malformedJson(json).map((j) => ({ bytes: Buffer.from(j, 'utf8'), contentType: 'application/json', label: 'malformed-json' })) },
    { weight: 3, arbitrary: definitionText.map((y) => ({ bytes: Buffer.from(y, 'utf8'), contentType: 'application/yaml', label: 'yaml' })) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => ({ bytes: Buffer.from(b), contentType: null, label: 'bytes' })) },
    { weight: 1, arbitrary: fc.constantFrom(Buffer.from([0xff, 0xfe, 0x7b, 0x00]), Buffer.from('{"yaml": "\xff\xfe"}', 'latin1'), Buffer.from([0xc0, 0xaf])).map((b) => ({ bytes: b, contentType: 'application/json', label: 'bad-utf8' })) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(2 * 1024 * 1024 + 1, 3 * 1024 * 1024, 1_900_000).map((n) => ({
        bytes: Buffer.from(JSON.stringify({ yaml: `${HELLO}#${'x'.repeat(Math.max(0, n - HELLO.length - 20))}` }), 'utf8'),
        contentType: 'application/json',
        label: 'huge',
      })),
    },
  );
}

const bodyMode: fc.Arbitrary<BodyMode> = fc.oneof(
  { weight: 20, arbitrary: fc.constant('length' as const) },
  { weight: 3, arbitrary: fc.constant('chunked' as const) },
  { weight: 1, arbitrary: fc.constantFrom('short-length' as const, 'length-and-chunked' as const, 'bad-chunk' as const, 'bad-length' as const) },
);

export const apiRequest: fc.Arbitrary<ApiRequest> = target
  .chain((t) =>
    fc.record({
      app: fc.oneof({ weight: 7, arbitrary: fc.constant('keyed' as const) }, { weight: 2, arbitrary: fc.constant('open' as const) }, { weight: 1, arbitrary: fc.constant('no-temporal' as const) }),
      target: fc.constant(t),
      method: fc.oneof({ weight: 6, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constantFrom(...METHODS) }),
      auth,
      contentType: fc.oneof({ weight: 8, arbitrary: fc.constant(null) }, { weight: 2, arbitrary: fc.constantFrom(...CONTENT_TYPES) }),
      extra: fc.array(extraHeader, { maxLength: 3 }),
      body: bodyFor(t.label),
      bodyMode,
    }),
  )
  .map((r) => {
    const method = r.method ?? r.target.method ?? 'GET';
    const headers: [string, string][] = [...(r.app === 'open' ? [] : r.auth), ...r.extra];
    const ct = r.contentType ?? r.body?.contentType ?? null;
    if (ct !== null && r.body) headers.push(['Content-Type', ct]);
    return {
      app: r.app,
      method,
      target: r.target.target,
      headers,
      body: r.body?.bytes ?? null,
      bodyMode: r.body ? r.bodyMode : 'length',
      label: `${r.target.label}${r.body ? `+${r.body.label}` : ''}`,
    };
  });
