/**
 * http.get / http.post against local servers on 127.0.0.1 (port 0). Name
 * resolution is a fixed table, so no test ever asks real DNS or leaves the
 * machine; `public.test` stands for a public name that resolves to loopback
 * (DNS rebinding).
 */
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { sha256Hex } from '../../activities/tools/canonical-json';
import { FileEffectLedger, MemoryEffectLedger } from '../../activities/tools/ledger';
import type { Resolver } from '../../activities/tools/net-guard';
import { errorOf, okObject, removeDir, runner, tempDir } from './helpers';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

interface TestServer {
  port: number;
  seen: Seen[];
  close(): Promise<void>;
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;

async function serve(handler: Handler): Promise<TestServer> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const resolver: Resolver = async (hostname) => {
  if (hostname === 'public.test') return [{ address: '127.0.0.1', family: 4 }];
  throw Object.assign(new Error(`test resolver: ${hostname} is unknown`), { code: 'ENOTFOUND' });
};

let a: TestServer;
let b: TestServer;
let ws: string;
let tools: ReturnType<typeof runner>;
let A: string;
let B: string;

beforeEach(async () => {
  ws = tempDir('http');
  tools = runner(ws, { resolver });
  a = await serve((req, res, body) => {
    const url = req.url ?? '';
    if (url === '/docs/page') return res.end('hello docs');
    if (url === '/docs/json') {
      res.setHeader('content-type', 'application/json');
      return res.end(JSON.stringify({ got: body, type: req.headers['content-type'] ?? null }));
    }
    if (url === '/docs/big') return res.end('z'.repeat(100_000));
    if (url === '/docs/hang') return; // never answers
    if (url === '/docs/drip') {
      res.writeHead(200);
      res.write('first bytes');
      return; // the body never ends
    }
    if (url === '/docs/to-final') return res.writeHead(302, { location: '/docs/final' }).end();
    if (url === '/docs/final') return res.end(`final ${req.method}`);
    if (url === '/docs/to-b') return res.writeHead(302, { location: `http://127.0.0.1:${b.port}/secret` }).end();
    if (url === '/docs/to-localhost') return res.writeHead(301, { location: `http://localhost:${b.port}/secret` }).end();
    if (url === '/docs/to-public') return res.writeHead(302, { location: `http://public.test:${b.port}/secret` }).end();
    if (url === '/docs/to-file') return res.writeHead(302, { location: 'file:///etc/passwd' }).end();
    if (url === '/docs/loop') return res.writeHead(302, { location: '/docs/loop' }).end();
    if (url === '/docs/post-307') return res.writeHead(307, { location: '/docs/json' }).end();
    if (url === '/docs/post-303') return res.writeHead(303, { location: '/docs/final' }).end();
    if (url === '/docs/post') return res.end(`posted ${body}`);
    res.statusCode = 404;
    res.end('not found');
  });
  b = await serve((_req, res) => res.end('secret of b'));
  A = `http://127.0.0.1:${a.port}`;
  B = `http://127.0.0.1:${b.port}`;
});

afterEach(async () => {
  await a.close();
  await b.close();
  await removeDir(ws);
});

const get = (allow: string[], url: string, extra: Record<string, unknown> = {}) => tools.run('http.get', { allow, ...(extra as Record<string, never>) }, { url });

describe('http tools doing their job', () => {
  test('GET an allowed URL', async () => {
    const out = okObject(await get([`${A}/docs/*`], `${A}/docs/page`));
    expect(out).toEqual({ url: `${A}/docs/page`, status: 200, contentType: null, body: 'hello docs', truncated: false });
  });

  test('a 404 is a result the model can see, not a tool error', async () => {
    expect(okObject(await get([`${A}/docs/*`], `${A}/docs/missing`))['status']).toBe(404);
  });

  test('redirects within the allow list are followed', async () => {
    const out = okObject(await get([`${A}/docs/*`], `${A}/docs/to-final`));
    expect(out).toMatchObject({ url: `${A}/docs/final`, status: 200, body: 'final GET' });
  });

  test('POST sends JSON; 307 keeps the body, 303 turns into GET', async () => {
    const allow = [`${A}/docs/*`];
    const json = okObject(await tools.run('http.post', { allow }, { url: `${A}/docs/json`, body: { n: 1 } }));
    expect(JSON.parse(String(json['body']))).toEqual({ got: '{"n":1}', type: 'application/json' });
    const kept = okObject(await tools.run('http.post', { allow }, { url: `${A}/docs/post-307`, body: 'raw text' }));
    expect(JSON.parse(String(kept['body']))).toEqual({ got: 'raw text', type: 'text/plain; charset=utf-8' });
    const seeOther = okObject(await tools.run('http.post', { allow }, { url: `${A}/docs/post-303`, body: { n: 2 } }));
    expect(seeOther['body']).toBe('final GET');
  });

  test('a host name resolving to loopback is reachable when the tool allows private addresses', async () => {
    const out = okObject(await get([`http://public.test:${b.port}/*`], `http://public.test:${b.port}/x`, { allowPrivate: true }));
    expect(out['body']).toBe('secret of b');
  });

  test('http.post is done once per idempotency key; a different call under a used key is refused', async () => {
    const ledger = new MemoryEffectLedger();
    const args = { url: `${A}/docs/post`, body: { order: 42 } };
    const first = await tools.run('http.post', { allow: [`${A}/docs/*`] }, args, { key: 'run-1/notify', ledger });
    const again = await tools.run('http.post', { allow: [`${A}/docs/*`] }, args, { key: 'run-1/notify', ledger });
    expect(again).toEqual(first);
    const posts = a.seen.filter((s) => s.method === 'POST');
    expect(posts).toHaveLength(1);
    // The receiver can deduplicate too: the key, hashed (run and step names stay private).
    expect(posts[0]?.headers['idempotency-key']).toBe(sha256Hex('run-1/notify').slice(0, 40));
    expect(ledger.log).toHaveLength(1);
    const other = await tools.run('http.post', { allow: [`${A}/docs/*`] }, { ...args, body: { order: 43 } }, { key: 'run-1/notify', ledger });
    expect(errorOf(other)).toMatch(/already used for a different http.post call/);
    expect(a.seen.filter((s) => s.method === 'POST')).toHaveLength(1);
  });

  test('http.post after an attempt that died holding the call: "outcome unknown", not sent again', async () => {
    const dir = path.join(ws, 'ledger');
    const key = 'run-2/notify';
    mkdirSync(path.join(dir, 'claims'), { recursive: true });
    // The claim of an attempt on another host that stopped refreshing it an hour ago (its worker died
    // mid-request, say): the POST may have gone out.
    const holder = { host: `not-${os.hostname()}`, pid: 1, started: null, token: 't', at: new Date().toISOString() };
    const file = path.join(dir, 'claims', `${sha256Hex(key)}.0.json`);
    writeFileSync(file, JSON.stringify(holder));
    const hourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(file, hourAgo, hourAgo);
    const r = await tools.run('http.post', { allow: [`${A}/docs/*`] }, { url: `${A}/docs/post`, body: { order: 7 } }, { key, ledger: new FileEffectLedger(dir) });
    expect(errorOf(r)).toMatch(/^outcome unknown: an earlier attempt of this http.post call .* it is not repeated/);
    expect(a.seen.filter((s) => s.method === 'POST')).toHaveLength(0);
  });
});

describe('http tools refusing (hostile cases)', () => {
  test('URLs off the allow list: other path, other port, other scheme, other host', async () => {
    const allow = [`${A}/docs/*`];
    expect(errorOf(await get(allow, `${A}/admin`))).toMatch(/not on this tool's allow list/);
    expect(errorOf(await get(allow, `${A}/docs/../admin`))).toMatch(/not on this tool's allow list/);
    expect(errorOf(await get(allow, `${B}/docs/page`))).toMatch(/not on this tool's allow list/);
    expect(errorOf(await get(allow, `https://127.0.0.1:${a.port}/docs/page`))).toMatch(/not on this tool's allow list/);
    expect(errorOf(await get(allow, `http://localhost:${a.port}/docs/page`))).toMatch(/not on this tool's allow list/);
    expect(a.seen.map((s) => s.url)).toEqual([]);
    expect(b.seen).toEqual([]);
  });

  test('other schemes, credentials and encoded traversal are refused before any connection', async () => {
    const allow = [`${A}/docs/*`];
    expect(errorOf(await get(allow, 'file:///etc/passwd'))).toMatch(/file: URLs are not allowed/);
    expect(errorOf(await get(allow, `http://user:pw@127.0.0.1:${a.port}/docs/page`))).toMatch(/user name or password/);
    expect(errorOf(await get(allow, `${A}/docs/..%2fadmin`))).toMatch(/encoded/);
    expect(errorOf(await get(allow, 'not a url'))).toMatch(/not an absolute URL/);
    expect(a.seen).toEqual([]);
  });

  test('a redirect to an off-list host is refused and never followed', async () => {
    expect(errorOf(await get([`${A}/docs/*`], `${A}/docs/to-b`))).toMatch(/redirect from .*to-b to http:\/\/127\.0\.0\.1:\d+\/secret is refused/);
    expect(errorOf(await get([`${A}/docs/*`], `${A}/docs/to-localhost`))).toMatch(/redirect from .* is refused/);
    expect(errorOf(await get([`${A}/docs/*`], `${A}/docs/to-file`))).toMatch(/redirect from .* refused: file: URLs/);
    expect(b.seen).toEqual([]);
  });

  test('a redirect to a listed name that resolves to loopback is refused (private addresses need explicit naming)', async () => {
    const allow = [`${A}/docs/*`, `http://public.test:${b.port}/*`];
    expect(errorOf(await get(allow, `${A}/docs/to-public`))).toMatch(/public\.test resolves to 127\.0\.0\.1, a private or loopback address/);
    expect(errorOf(await get(allow, `http://public.test:${b.port}/secret`))).toMatch(/private or loopback/);
    expect(b.seen).toEqual([]);
  });

  test('redirect loops stop at maxRedirects', async () => {
    expect(errorOf(await get([`${A}/docs/*`], `${A}/docs/loop`, { maxRedirects: 3 }))).toMatch(/more than 3 redirects/);
    expect(a.seen).toHaveLength(4);
  });

  test('oversized responses are cut at maxBytes', async () => {
    const out = okObject(await get([`${A}/docs/*`], `${A}/docs/big`, { maxBytes: 1000 }));
    expect(out['truncated']).toBe(true);
    expect(String(out['body'])).toBe('z'.repeat(1000));
  });

  test('a server that never answers hits the time cap', async () => {
    const started = Date.now();
    expect(errorOf(await get([`${A}/docs/*`], `${A}/docs/hang`, { timeout: '300ms' }))).toMatch(/timed out after 300 ms/);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  test('a body that never ends hits the time cap too', async () => {
    expect(errorOf(await get([`${A}/docs/*`], `${A}/docs/drip`, { timeout: '300ms' }))).toMatch(/timed out after 300 ms/);
  });

  test('header injection and framing headers are refused', async () => {
    const allow = { allow: [`${A}/docs/*`] };
    expect(errorOf(await tools.run('http.get', allow, { url: `${A}/docs/page`, headers: { 'x-a': 'v\r\nx-injected: 1' } }))).toMatch(/line break/);
    expect(errorOf(await tools.run('http.get', allow, { url: `${A}/docs/page`, headers: { Host: 'evil.example' } }))).toMatch(/cannot be set/);
    expect(errorOf(await tools.run('http.get', allow, { url: `${A}/docs/page`, headers: { 'bad name': 'x' } }))).toMatch(/not valid/);
    expect(a.seen).toEqual([]);
  });

  test('allow lists that are not exact URLs are refused at run start', () => {
    const r = tools.registry;
    expect(r.validateConfig('http.get', { allow: ['https://*.example.com/*'] }).join(' ')).toMatch(/host must be exact/);
    expect(r.validateConfig('http.get', { allow: ['ftp://example.com/*'] }).join(' ')).toMatch(/not an http/);
    expect(r.validateConfig('http.get', { allow: ['https://u:p@example.com/*'] }).join(' ')).toMatch(/passwords/);
    expect(r.validateConfig('http.post', { allow: ['https://example.com/*'], allowPrivate: 'yes' }).join(' ')).toMatch(/allowPrivate/);
    expect(r.validateConfig('http.get', { allow: ['https://docs.example.com/*'], timeout: '30s' })).toEqual([]);
  });
});
