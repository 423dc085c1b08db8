/**
 * Starting the server: loopback only without keys (and it says so), keys
 * from the environment, the stored-definition lookup plugged into the
 * worker services, and the editor served with an SPA fallback.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import request from 'supertest';
import { settingsFromEnv } from '../../runtime/config';
import { buildWorkerServices, type WorkerServices } from '../../runtime/services';
import { parseKeyEntries } from '../../server/auth';
import { EDITOR_CSP } from '../../server/headers';
import { isLoopback, startApiServer, UnsafeBindError } from '../../server/start';
import { HELLO, KEYS, testApp } from './helpers';

const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'swarmflow-api-'));

describe('startApiServer', () => {
  let home: string;
  let services: WorkerServices;
  beforeAll(async () => {
    home = tmp();
    services = await buildWorkerServices(settingsFromEnv({}, { home, simUrl: 'http://127.0.0.1:9/v1', temporalAddress: '127.0.0.1:1' }));
  });
  afterAll(async () => {
    await services.close();
    fs.rmSync(home, { recursive: true, force: true });
  });

  test('without keys it refuses a non-loopback host', async () => {
    const settings = settingsFromEnv({}, { home, temporalAddress: '127.0.0.1:1' });
    await expect(startApiServer({ settings, services, port: 0, host: '0.0.0.0', auth: { keys: [] }, log: () => undefined })).rejects.toBeInstanceOf(UnsafeBindError);
    expect(isLoopback('127.0.0.1')).toBe(true);
    expect(isLoopback('::1')).toBe(true);
    expect(isLoopback('localhost')).toBe(true);
    expect(isLoopback('10.0.0.1')).toBe(false);
    expect(isLoopback('127.example.com')).toBe(false);
  });

  test('without keys it listens on loopback and says so; the store and the swarm lookup are wired', async () => {
    const lines: string[] = [];
    const settings = settingsFromEnv({}, { home, temporalAddress: '127.0.0.1:1' });
    const api = await startApiServer({ settings, services, port: 0, host: '127.0.0.1', auth: { keys: [] }, log: (l) => lines.push(l) });
    try {
      expect(api.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(lines.join('\n')).toMatch(/no API keys configured \(SWARMFLOW_API_KEYS\): listening on 127\.0\.0\.1 only/);
      const put = await fetch(`${api.url}/v1/swarms/hello`, { method: 'PUT', headers: { 'Content-Type': 'application/yaml' }, body: HELLO });
      expect(put.status).toBe(201);
      expect(fs.existsSync(path.join(home, 'swarmflow.db'))).toBe(true);
      // Workers in this process now resolve `swarm: hello@1` from the store (and freeze it).
      const ir = await services.resolver.swarm?.('hello', 1);
      expect(ir?.name).toBe('hello');
      expect(await services.resolver.swarm?.('hello', 2)).toBeNull();
      const again = await fetch(`${api.url}/v1/swarms/hello`, { method: 'PUT', headers: { 'Content-Type': 'application/yaml' }, body: HELLO.replace('one-line', 'two-line') });
      expect(again.status).toBe(409);
    } finally {
      await api.close();
    }
  });

  test('with keys from SWARMFLOW_API_KEYS it names them (not the keys) and asks for them', async () => {
    const lines: string[] = [];
    const settings = settingsFromEnv({}, { home: tmp(), temporalAddress: '127.0.0.1:1' });
    const auth = { keys: parseKeyEntries(`ops:admin:${KEYS.admin}`) };
    const api = await startApiServer({ settings, services, port: 0, host: '127.0.0.1', auth, log: (l) => lines.push(l) });
    try {
      expect(lines.join('\n')).toContain('1 API key configured (ops: admin)');
      expect(lines.join('\n')).not.toContain(KEYS.admin);
      expect((await fetch(`${api.url}/v1/swarms`)).status).toBe(401);
      expect((await fetch(`${api.url}/v1/swarms`, { headers: { Authorization: `Bearer ${KEYS.admin}` } })).status).toBe(200);
    } finally {
      await api.close();
    }
  });
});

describe('the editor', () => {
  const dir = tmp();
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>swarmflow editor</title><script type="module" src="/assets/main.js"></script>');
  fs.mkdirSync(path.join(dir, 'assets'));
  fs.writeFileSync(path.join(dir, 'assets', 'main.js'), 'console.log("editor")');
  fs.writeFileSync(path.join(dir, '.env'), 'SECRET=1');
  const { app } = testApp({ extra: { editorDir: dir } });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('served at / without a key, with a CSP that allows its own scripts only', async () => {
    const res = await request(app).get('/');
    expect(res.status).toBe(200);
    expect(res.text).toContain('swarmflow editor');
    expect(res.headers['content-security-policy']).toBe(EDITOR_CSP);
    expect(res.headers['x-frame-options']).toBe('DENY');
    const js = await request(app).get('/assets/main.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toMatch(/javascript/);
  });

  test('other pages fall back to index.html; /v1 never does; dotfiles and traversal are not served', async () => {
    const page = await request(app).get('/swarms/hello').set('Accept', 'text/html');
    expect(page.status).toBe(200);
    expect(page.text).toContain('swarmflow editor');
    const api = await request(app).get('/v1/nothing').set('Accept', 'text/html');
    expect(api.status).toBe(401);
    const dot = await request(app).get('/.env').set('Accept', 'application/json');
    expect(dot.status).toBe(404);
    expect(dot.text).not.toContain('SECRET');
    expect((await request(app).get('/assets/../.env')).status).toBe(400);
    expect((await request(app).get('/assets/%2e%2e/.env')).status).toBe(400);
    expect((await request(app).post('/')).status).toBe(401);
  });
});
