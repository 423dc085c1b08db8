/**
 * Paths are canonical before auth looks at them: dot segments, encoded dots,
 * empty segments, trailing slashes, backslashes and case tricks never turn
 * an open or authorised route into another one.
 */
import * as http from 'node:http';
import request from 'supertest';
import { canonicalise } from '../../server/canonical';
import { matchRoute } from '../../server/routes';
import { bearer, KEYS, testApp } from './helpers';

describe('canonicalise', () => {
  test.each([
    ['/v1/health', '/v1/health'],
    ['/v1/runs/hello%2Fabc', '/v1/runs/hello%2Fabc'],
    ['/v1/runs/hello/abc', '/v1/runs/hello%2Fabc'],
    ['/v1/runs/hello/abc/events', '/v1/runs/hello%2Fabc/events'],
    ['/v1/runs/hello%2Fabc/signals/approve', '/v1/runs/hello%2Fabc/signals/approve'],
    ['/v1/runs/hello/abc/signals/approve', '/v1/runs/hello%2Fabc/signals/approve'],
    ['/v1/swarms/hello/versions/2', '/v1/swarms/hello/versions/2'],
    ['/', '/'],
    ['/assets/index-a1.js', '/assets/index-a1.js'],
  ])('%s -> %s', (raw, canonical) => {
    const c = canonicalise(raw);
    expect(c.ok && c.path).toBe(canonical);
  });

  test.each([
    ['/v1/health/../runs', /dot segments/],
    ['/v1/health/./runs', /dot segments/],
    ['/v1/health/%2e%2e/runs', /dot segments/],
    ['/v1/health/%2E%2E/runs', /dot segments/],
    ['/v1/health/.%2e/runs', /dot segments/],
    ['/v1/health%2F..%2Fruns', /dot segments/],
    ['/v1/runs/hello%2F..', /dot segments/],
    ['/v1/runs/', /empty path segments/],
    ['/v1//runs', /empty path segments/],
    ['//v1/runs', /empty path segments/],
    ['/v1/health/', /empty path segments/],
    ['/v1\\runs', /backslashes/],
    ['/v1/runs/%zz', /malformed percent-encoding/],
    ['/v1/runs/%00', /NUL/],
    ['v1/runs', /must start with/],
  ])('%s is refused (%s)', (raw, reason) => {
    const c = canonicalise(raw);
    expect(c.ok).toBe(false);
    if (!c.ok) expect(c.reason).toMatch(reason);
  });

  test('the route table matches canonical segments exactly', () => {
    const seg = (p: string): string[] => {
      const c = canonicalise(p);
      if (!c.ok) throw new Error(c.reason);
      return c.segments;
    };
    expect(matchRoute('GET', seg('/v1/runs/hello/abc'))?.params).toEqual({ id: 'hello/abc' });
    expect(matchRoute('GET', seg('/v1/runs/hello%2Fabc/events'))?.route.id).toBe('runEvents');
    expect(matchRoute('HEAD', seg('/v1/health'))?.route.id).toBe('health');
    expect(matchRoute('GET', seg('/V1/health'))).toBeNull();
    expect(matchRoute('GET', seg('/v1/Health'))).toBeNull();
    expect(matchRoute('DELETE', seg('/v1/swarms/hello'))).toBeNull();
  });
});

describe('bypass attempts through the app', () => {
  const { app } = testApp();

  test.each([
    '/v1/health/../swarms',
    '/v1/health/%2e%2e/swarms',
    '/v1/health/%2E%2e/swarms',
    '/v1/health%2F..%2Fswarms',
    '/v1/health/./../swarms',
    '/v1/swarms/',
    '/v1//swarms',
    '/v1/health/',
  ])('GET %s is refused before auth, never served', async (p) => {
    const res = await request(app).get(p);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('non_canonical_path');
    expect(res.body).not.toHaveProperty('swarms');
  });

  test.each(['/V1/swarms', '/v1/SWARMS', '/V1/health/x', '/v1/health;/swarms', '/v1/health%3B/swarms', '/v1/health.json', '/v1/health/swarms'])('GET %s is not the open health route: it needs a key', async (p) => {
    const res = await request(app).get(p);
    expect(res.status).toBe(401);
  });

  test('raw request targets that clients would normalise are refused too', async () => {
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const { port } = server.address() as import('node:net').AddressInfo;
    const raw = (target: string): Promise<number> =>
      new Promise((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port, path: target, method: 'GET' }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
    try {
      expect(await raw('/v1\\swarms')).toBe(400);
      expect(await raw('/v1/health/../swarms')).toBe(400);
      expect(await raw('/v1/./swarms')).toBe(400);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  test('with a key, a case-changed path is an unknown route, not the real one', async () => {
    const res = await request(app).get('/V1/swarms').set(...bearer(KEYS.read));
    expect(res.status).toBe(404);
    expect(res.body).not.toHaveProperty('swarms');
  });

  test('a query string does not change the route', async () => {
    expect((await request(app).get('/v1/swarms?/v1/health')).status).toBe(401);
    expect((await request(app).get('/v1/health?x=/../swarms')).status).toBe(200);
  });

  test('a run id is accepted encoded as one segment and as two segments', async () => {
    // No Temporal in this app: both forms reach the handler (503), neither is a 404 or a 400.
    const one = await request(app).get('/v1/runs/hello%2Fabc').set(...bearer(KEYS.read));
    const two = await request(app).get('/v1/runs/hello/abc').set(...bearer(KEYS.read));
    expect(one.status).toBe(503);
    expect(two.status).toBe(503);
    const bad = await request(app).get('/v1/runs/hello').set(...bearer(KEYS.read));
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/run ids look like <swarm>\/<run>/);
  });
});
