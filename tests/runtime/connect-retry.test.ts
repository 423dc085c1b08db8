/**
 * `swarmflow worker` waits for Temporal instead of exiting 1 when it is not
 * up yet: one line per attempt, backoff, Ctrl-C / SIGTERM ends the wait
 * cleanly, and once something answers on the address the workers connect.
 */
import { NativeConnection } from '@temporalio/worker';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { workerCommand } from '../../cli/dev';
import { freePort } from '../../runtime/ports';
import { connectWithRetry, isTransportError, TemporalWaitAbortedError, transportReason } from '../../runtime/worker';
import { describeTemporal } from '../helpers/temporal';

class TransportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransportError';
  }
}

const REFUSED = 'tonic::transport::Error(Transport, ConnectError(ConnectError("tcp connect error", 127.0.0.1:1, Os { code: 111, kind: ConnectionRefused, message: "Connection refused" })))';

test('retries "not reachable" with doubling pauses and one line each, then returns the connection', async () => {
  const lines: string[] = [];
  let calls = 0;
  const c = await connectWithRetry(
    '127.0.0.1:1',
    async () => {
      if (++calls < 4) throw new TransportError(REFUSED);
      return 'connected';
    },
    { log: (l) => lines.push(l), initialMs: 5, maxMs: 12 },
  );
  expect(c).toBe('connected');
  expect(lines).toEqual([
    'waiting for Temporal at 127.0.0.1:1 (attempt 1: Connection refused); retrying in 5 ms',
    'waiting for Temporal at 127.0.0.1:1 (attempt 2: Connection refused); retrying in 10 ms',
    'waiting for Temporal at 127.0.0.1:1 (attempt 3: Connection refused); retrying in 12 ms',
  ]);
});

test('other errors are thrown at once (a bad address does not fix itself)', async () => {
  const lines: string[] = [];
  await expect(connectWithRetry('x', () => Promise.reject(new TypeError('invalid address')), { log: (l) => lines.push(l), initialMs: 1 })).rejects.toThrow('invalid address');
  expect(lines).toEqual([]);
});

test('aborting ends a long pause at once', async () => {
  const stop = new AbortController();
  const t0 = Date.now();
  const p = connectWithRetry('127.0.0.1:1', () => Promise.reject(new TransportError(REFUSED)), { log: () => stop.abort(), signal: stop.signal, initialMs: 60_000 });
  await expect(p).rejects.toBeInstanceOf(TemporalWaitAbortedError);
  expect(Date.now() - t0).toBeLessThan(5_000);
});

test('the real client: a port where nothing listens is "Connection refused", a TransportError', async () => {
  const port = await freePort();
  const err = await NativeConnection.connect({ address: `127.0.0.1:${port}` }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(isTransportError(err)).toBe(true);
  expect(transportReason(err)).toBe('Connection refused');
});

describe('swarmflow worker', () => {
  const saved = { ...process.env };
  let home: string;
  beforeEach(() => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-worker-wait-'));
  });
  afterEach(() => {
    for (const k of ['TEMPORAL_ADDRESS', 'SWARMFLOW_INFERENCE']) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
    fs.rmSync(home, { recursive: true, force: true });
  });

  test('with Temporal unreachable it waits, says so, and SIGTERM stops it with exit code 0', async () => {
    const port = await freePort();
    process.env.TEMPORAL_ADDRESS = `127.0.0.1:${port}`;
    process.env.SWARMFLOW_INFERENCE = 'pools:\n  default:\n    endpoints:\n      - { name: a, kind: sim, url: "http://127.0.0.1:9/v1" }\n';
    const out: string[] = [];
    const err: string[] = [];
    let firstWait: () => void = () => undefined;
    const waiting = new Promise<void>((r) => (firstWait = r));
    const code = workerCommand({}, { home }, {
      out: (s) => out.push(s),
      err: (s) => {
        err.push(s);
        firstWait();
      },
      isTty: false,
    });
    await waiting;
    expect(err[0]).toBe(`waiting for Temporal at 127.0.0.1:${port} (attempt 1: Connection refused); retrying in 500 ms`);
    process.emit('SIGTERM', 'SIGTERM');
    await expect(code).resolves.toBe(0);
    expect(out).toEqual([`stopped while waiting for Temporal at 127.0.0.1:${port}: stopped`]);
  });
});

describeTemporal('Temporal comes up while the worker waits', () => {
  test('a TCP relay to the dev server opens on the dead port after two failed attempts: the next attempt connects', async () => {
    const target = process.env.SWARMFLOW_TEST_TEMPORAL ?? '';
    const [host, targetPort] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))];
    const port = await freePort();
    const sockets = new Set<net.Socket>();
    const relay = net.createServer((client) => {
      const upstream = net.connect(targetPort, host);
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('error', () => undefined);
        s.on('close', () => sockets.delete(s));
      }
      client.pipe(upstream).pipe(client);
    });
    const lines: string[] = [];
    try {
      const connection = await connectWithRetry(`127.0.0.1:${port}`, () => NativeConnection.connect({ address: `127.0.0.1:${port}` }), {
        initialMs: 100,
        log: (l) => {
          lines.push(l);
          if (lines.length === 2) relay.listen(port, '127.0.0.1');
        },
      });
      await connection.close();
      expect(lines).toHaveLength(2);
      expect(lines[1]).toMatch(/attempt 2: Connection refused/);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => relay.close(() => r()));
    }
  });
});
