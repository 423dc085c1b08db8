/**
 * The API client the CLI uses with `--api`: answers checked against the
 * API's schemas, one-line errors (with located details for definitions),
 * and an event stream that resumes with Last-Event-ID when the connection
 * drops.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { apiClient, ApiClientError, type RunEvent } from '../../cli/api-client';
import { HELLO, HELLO_BAD, KEYS, testApp } from './helpers';

async function listen(handler: http.RequestListener): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

describe('against the API app', () => {
  let srv: { url: string; close(): Promise<void> };
  beforeAll(async () => {
    srv = await listen(testApp().app);
  });
  afterAll(() => srv.close());

  test('validate, compile, store and read a definition', async () => {
    const c = apiClient(srv.url, KEYS.admin);
    expect(await c.health()).toEqual({ status: 'ok' });
    expect((await c.validate(HELLO, 'hello.swarm.yaml')).valid).toBe(true);
    const bad = await c.validate(HELLO_BAD, 'hello.swarm.yaml');
    expect(bad.errors).toEqual(['hello.swarm.yaml:13:10: step "greet" uses model "nope", which is not defined (models: default)']);
    expect((await c.compile(HELLO)).name).toBe('hello');
    expect((await c.putSwarm('hello', HELLO, { layout: { '/steps/0': { x: 1, y: 2 } } })).outcome).toBe('created');
    expect((await c.getSwarm('hello')).layout).toEqual({ '/steps/0': { x: 1, y: 2 } });
    expect((await c.getSwarm('hello', 1)).version).toBe(1);
    expect((await c.listSwarms()).map((s) => s.name)).toEqual(['hello']);
    expect(await c.skills()).toEqual([]);
  });

  test('an invalid definition: a one-line message, the located problems in details', async () => {
    const err = await apiClient(srv.url, KEYS.read).compile(HELLO_BAD, 'hello.swarm.yaml').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiClientError);
    const e = err as ApiClientError;
    expect(e.message).toBe('hello.swarm.yaml is not a valid swarm definition: 1 problem (see details)');
    expect(e.status).toBe(400);
    expect(e.code).toBe('invalid_definition');
    expect(e.details).toEqual(['hello.swarm.yaml:13:10: step "greet" uses model "nope", which is not defined (models: default)']);
    expect(e.diagnostics[0]?.ptr).toBe('/steps/0/llm');
  });

  test('auth failures and Temporal being away come back as one line each', async () => {
    await expect(apiClient(srv.url).listSwarms()).rejects.toThrow('this route needs an API key: send Authorization: Bearer <key>');
    await expect(apiClient(srv.url, KEYS.read).putSwarm('hello', HELLO)).rejects.toThrow('the key "reader" lacks the "admin" scope that PUT /v1/swarms/:name needs');
    await expect(apiClient(srv.url, KEYS.readRun).status('hello/abc')).rejects.toThrow(/^cannot reach Temporal \(connect ECONNREFUSED 127\.0\.0\.1:1\): start it with `swarmflow dev`/);
  });
});

describe('failures the client names', () => {
  test('an API that is not there', async () => {
    const dead = await listen((_q, r) => r.end());
    const url = dead.url;
    await dead.close();
    const err = await apiClient(url).health().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiClientError);
    expect((err as ApiClientError).code).toBe('unreachable');
    expect((err as ApiClientError).message).toMatch(/^cannot reach the swarmflow API at http:\/\/127\.0\.0\.1:\d+ \(.*\): start it with `swarmflow dev`, or check --api$/);
  });

  test('something that is not a swarmflow API', async () => {
    const other = await listen((req, res) => {
      if (req.url === '/v1/health') res.setHeader('Content-Type', 'application/json').end('{"healthy": true}');
      else res.writeHead(502, { 'Content-Type': 'text/html' }).end('<html>Bad Gateway</html>');
    });
    try {
      await expect(apiClient(other.url).health()).rejects.toThrow(/answered with an unexpected shape .*is http:\/\/127\.0\.0\.1:\d+ a swarmflow API of this version\?/);
      await expect(apiClient(other.url).listSwarms()).rejects.toThrow('GET /v1/swarms answered HTTP 502: <html>Bad Gateway</html>');
    } finally {
      await other.close();
    }
  });

  test('a URL that is not http(s)', () => {
    expect(() => apiClient('ftp://x')).toThrow(/must be an http:\/\/ or https:\/\/ URL/);
    expect(() => apiClient('not a url')).toThrow(/is not a URL/);
  });
});

describe('events', () => {
  test('a dropped stream resumes after the last id; the iterator ends with `end`', async () => {
    const seen: (string | undefined)[] = [];
    let connections = 0;
    const ev = (seq: number, type: string) => `id: ${seq}\nevent: ${type}\ndata: ${JSON.stringify({ seq, type, step: 'greet' })}\n\n`;
    const sse = await listen((req, res) => {
      connections++;
      seen.push(req.headers['last-event-id'] as string | undefined);
      expect(req.headers.authorization).toBe(`Bearer ${KEYS.read}`);
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      res.write('retry: 10\n\n: keep-alive\n\n');
      if (connections === 1) {
        // The connection drops mid-run, right after these two events reach the client.
        res.write(ev(1, 'run.started') + ev(2, 'step.started'), () => setTimeout(() => res.destroy(), 50));
      } else {
        // The server repeats an old event; the client must not yield it twice.
        res.write(ev(2, 'step.started') + ev(3, 'step.finished') + ev(4, 'run.finished'));
        res.end('event: end\ndata: {"status":"succeeded"}\n\n');
      }
    });
    try {
      const got: RunEvent[] = [];
      for await (const e of apiClient(sse.url, KEYS.read).events('hello/abc')) got.push(e);
      expect(got.map((e) => `${e.id ?? '-'} ${e.event}`)).toEqual(['1 run.started', '2 step.started', '3 step.finished', '4 run.finished', '- end']);
      expect(seen).toEqual([undefined, '2']);
    } finally {
      await sse.close();
    }
  });

  test('an error answer before the stream starts is thrown, not retried', async () => {
    const api = await listen(testApp().app);
    try {
      await expect(apiClient(api.url, KEYS.read).events('Not/valid')[Symbol.asyncIterator]().next()).rejects.toThrow(/is not a run id/);
    } finally {
      await api.close();
    }
  });

  test('aborting stops the iterator', async () => {
    const sse = await listen((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      res.write(`id: 1\nevent: run.started\ndata: {"seq":1,"type":"run.started"}\n\n`);
    });
    try {
      const ctl = new AbortController();
      const got: RunEvent[] = [];
      for await (const e of apiClient(sse.url).events('hello/abc', { signal: ctl.signal })) {
        got.push(e);
        ctl.abort();
      }
      expect(got).toHaveLength(1);
    } finally {
      await sse.close();
    }
  });
});
