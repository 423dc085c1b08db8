/**
 * Authentication and scopes: keys from configuration, hashed, every route
 * but health closed without a key, each scope only where it belongs, and the
 * local-only mode without keys.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import request from 'supertest';
import { ApiKeyConfigError, authenticate, authFromEnv, bearerOf, hashKey, parseKeyEntries, parseKeyFile } from '../../server/auth';
import { ROUTES, type RouteSpec } from '../../server/routes';
import { bearer, KEYS, testApp } from './helpers';

/** A concrete path for a route pattern. */
function concrete(route: RouteSpec): string {
  return route.path.replace(':id', 'hello%2Fabc123').replace(':name', 'hello').replace(':version', '1');
}

describe('API key configuration', () => {
  test('entries: name, scopes and key; the key is kept only as its sha256', () => {
    const keys = parseKeyEntries('ci:read+run:aaaaaaaaaaaaaaaa1, ops:admin:bbbbbbbbbbbbbbbb2');
    expect(keys.map((k) => [k.name, k.scopes])).toEqual([
      ['ci', ['read', 'run']],
      ['ops', ['admin']],
    ]);
    expect(keys[0]?.hash.equals(hashKey('aaaaaaaaaaaaaaaa1'))).toBe(true);
    expect(JSON.stringify(keys)).not.toContain('aaaaaaaaaaaaaaaa1');
  });

  test('a key may contain colons: it is everything after the second one', () => {
    const [k] = parseKeyEntries('x:read:abc:def:0123456789abcdef');
    expect(k?.hash.equals(hashKey('abc:def:0123456789abcdef'))).toBe(true);
  });

  test.each([
    ['ci:read', /expected name:scope1\+scope2:key/],
    ['ci:write:0123456789abcdef0', /unknown scope "write"/],
    ['ci:read:short', /shorter than 16/],
    ['c i:read:0123456789abcdef0', /expected name:scope1\+scope2:key|the name/],
    ['ci::0123456789abcdef0', /unknown scope ""/],
    ['ci:read:0123456789abcdef0,ci:run:0123456789abcdef1', /used twice/],
  ])('%s is refused with a message naming the problem', (text, re) => {
    expect(() => parseKeyEntries(text)).toThrow(ApiKeyConfigError);
    expect(() => parseKeyEntries(text)).toThrow(re);
  });

  test('a YAML or JSON file, with plain keys or sha256 hashes only', () => {
    const hash = hashKey('from-a-hash-0123456789').toString('hex');
    const keys = parseKeyFile(`keys:\n  - { name: a, scopes: [read], key: plain-key-0123456789 }\n  - { name: b, scopes: [run, read], sha256: ${hash} }\n`, 'keys.yaml');
    expect(authenticate({ keys }, 'plain-key-0123456789')).toEqual({ name: 'a', scopes: ['read'] });
    expect(authenticate({ keys }, 'from-a-hash-0123456789')).toEqual({ name: 'b', scopes: ['run', 'read'] });
    expect(parseKeyFile(JSON.stringify([{ name: 'j', scopes: ['admin'], key: 'json-key-0123456789' }]), 'k.json')).toHaveLength(1);
    expect(() => parseKeyFile('keys: [{ name: a, scopes: [read], key: x0123456789abcdefg, sha256: ab }]', 'k.yaml')).toThrow(/exactly one of key and sha256/);
    expect(() => parseKeyFile('keys: [{ name: a, scopes: [read], key: x0123456789abcdefg, extra: 1 }]', 'k.yaml')).toThrow(/unknown field "extra"/);
    expect(() => parseKeyFile('keys: [{ name: a, scopes: [read], sha256: nothex }]', 'k.yaml')).toThrow(/64 hex digits/);
    expect(() => parseKeyFile('{ a: 1, a: 2 }', 'k.yaml')).toThrow(/not valid JSON or YAML/);
  });

  test('SWARMFLOW_API_KEYS: entries, @file, a .yaml path, or nothing', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swarmflow-keys-'));
    const file = path.join(dir, 'keys.yaml');
    fs.writeFileSync(file, 'keys:\n  - { name: f, scopes: [read], key: file-key-0123456789 }\n');
    expect(authFromEnv({}).keys).toEqual([]);
    expect(authFromEnv({ SWARMFLOW_API_KEYS: '  ' }).keys).toEqual([]);
    expect(authFromEnv({ SWARMFLOW_API_KEYS: 'e:run:env-key-0123456789' }).keys[0]?.name).toBe('e');
    expect(authFromEnv({ SWARMFLOW_API_KEYS: `@${file}` }).keys[0]?.name).toBe('f');
    expect(authFromEnv({ SWARMFLOW_API_KEYS: file }).keys[0]?.name).toBe('f');
    expect(() => authFromEnv({ SWARMFLOW_API_KEYS: `@${file}.missing` })).toThrow(/cannot read the key file/);
  });

  test('bearer tokens are read strictly', () => {
    expect(bearerOf('Bearer abc')).toBe('abc');
    expect(bearerOf('bearer abc')).toBe('abc');
    expect(bearerOf('Basic abc')).toBeNull();
    expect(bearerOf('Bearer')).toBeNull();
    expect(bearerOf('Bearer a b')).toBeNull();
    expect(bearerOf(undefined)).toBeNull();
  });

  test('a wrong key, a prefix of a key or the hash of a key authenticates nobody', () => {
    const cfg = { keys: parseKeyEntries('a:read:0123456789abcdef0') };
    expect(authenticate(cfg, '0123456789abcdef0')).not.toBeNull();
    expect(authenticate(cfg, '0123456789abcdef')).toBeNull();
    expect(authenticate(cfg, hashKey('0123456789abcdef0').toString('hex'))).toBeNull();
    expect(authenticate(cfg, '')).toBeNull();
  });
});

describe('every route is closed without a key, except health', () => {
  const { app } = testApp({ limits: { authFailures: { burst: 1000, perSecond: 1 } } });
  const routes = ROUTES as readonly RouteSpec[];

  test.each(routes.filter((r) => r.scope !== 'open').map((r) => [r.method, r.path, r] as const))('%s %s: 401 without a key, 401 with a wrong one', async (_m, _p, route) => {
    const method = route.method.toLowerCase() as 'get' | 'post' | 'put';
    const none = await request(app)[method](concrete(route));
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('unauthorized');
    expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
    const wrong = await request(app)[method](concrete(route)).set(...bearer('not-a-key-0123456789'));
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.message).toBe('the API key is not valid');
  });

  test('GET /v1/health needs no key', async () => {
    const res = await request(app).get('/v1/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  test('unknown routes are denied too: 401 without a key, 404 with one', async () => {
    expect((await request(app).get('/v1/secrets')).status).toBe(401);
    expect((await request(app).delete('/v1/swarms/hello')).status).toBe(401);
    expect((await request(app).post('/anything')).status).toBe(401);
    const known = await request(app).get('/v1/secrets').set(...bearer(KEYS.read));
    expect(known.status).toBe(404);
    expect(known.body.error.code).toBe('not_found');
  });
});

describe('scopes', () => {
  const { app } = testApp();
  const routes = ROUTES as readonly RouteSpec[];
  const allowed = (keyScopes: string[], need: string): boolean => need === 'open' || keyScopes.includes('admin') || keyScopes.includes(need);
  const cases: [string, string, string[]][] = [
    ['read', KEYS.read, ['read']],
    ['run', KEYS.run, ['run']],
    ['read+run', KEYS.readRun, ['read', 'run']],
    ['admin', KEYS.admin, ['admin']],
  ];

  test.each(cases)('a key with scopes %s gets 403 exactly where its scopes do not reach', async (_name, key, scopes) => {
    for (const route of routes) {
      const method = route.method.toLowerCase() as 'get' | 'post' | 'put';
      // An empty JSON body: handlers answer 400, 404 or 503 here, but never 401 or 403 when the scope allows.
      const res = await request(app)[method](concrete(route)).set(...bearer(key));
      if (allowed(scopes, route.scope)) expect([401, 403]).not.toContain(res.status);
      else {
        expect(res.status).toBe(403);
        expect(res.body.error.message).toContain(`lacks the "${route.scope}" scope`);
      }
    }
  });

  test('the body is not read before the scope is checked', async () => {
    // Malformed JSON from a read key on a run route: 403, not 400.
    const res = await request(app).post('/v1/runs').set(...bearer(KEYS.read)).set('Content-Type', 'application/json').send('{nope');
    expect(res.status).toBe(403);
  });
});

describe('without keys: local only', () => {
  const { app } = testApp({ auth: { keys: [] } });

  test('every scope for loopback clients', async () => {
    const res = await request(app).post('/v1/validate').set('Content-Type', 'application/yaml').send('swarm: x\n');
    expect(res.status).toBe(200);
    expect(res.body.valid).toBe(false);
  });

  test('a Host that is not loopback is refused (DNS rebinding)', async () => {
    const res = await request(app).get('/v1/swarms').set('Host', 'evil.example:8787');
    expect(res.status).toBe(403);
    expect(res.body.error.message).toMatch(/answers only to localhost/);
    expect((await request(app).get('/v1/swarms').set('Host', 'localhost:8787')).status).toBe(200);
    expect((await request(app).get('/v1/swarms').set('Host', '[::1]:8787')).status).toBe(200);
  });

  test('a changing request from another origin is refused, the same origin is not', async () => {
    const cross = await request(app).post('/v1/runs/hello%2Fabc/cancel').set('Origin', 'http://evil.example');
    expect(cross.status).toBe(403);
    expect(cross.body.error.message).toMatch(/another origin/);
    const host = '127.0.0.1:8787';
    const same = await request(app).post('/v1/validate').set('Host', host).set('Origin', `http://${host}`).set('Content-Type', 'application/yaml').send('swarm: x\n');
    expect(same.status).toBe(200);
  });
});
