/**
 * Closing a Temporal client while one of its calls waits to be retried must
 * fail that call, not crash the process. Temporal's retry interceptor
 * re-sends from a timer; with the connection closed meanwhile, grpc-js
 * throws "Channel has been shut down" inside that timer (an uncaught
 * exception: it took the API server's teardown down in CI). The client's
 * interceptor chain (runtime/temporal-connection.ts) is tested here against
 * a real gRPC server on 127.0.0.1 that answers RESOURCE_EXHAUSTED, a status
 * the retry interceptor waits about a second on before it tries again.
 */
import * as grpc from '@grpc/grpc-js';
import { clientInterceptors } from '../../runtime/temporal-connection';

const identity = (b: Buffer): Buffer => b;
const PING = { path: '/swarmflow.test.Busy/Ping', requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity };

async function busyServer(): Promise<{ port: number; calls: () => number; stop: () => void }> {
  const server = new grpc.Server();
  let calls = 0;
  server.addService({ Ping: PING }, {
    Ping: (_call: unknown, cb: grpc.sendUnaryData<Buffer>) => {
      calls++;
      cb({ code: grpc.status.RESOURCE_EXHAUSTED, details: 'busy (test server)' });
    },
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  return { port, calls: () => calls, stop: () => server.forceShutdown() };
}

function ping(client: grpc.Client): Promise<grpc.ServiceError | null> {
  return new Promise((resolve) => client.makeUnaryRequest(PING.path, identity, identity, Buffer.from('ping'), (err) => resolve(err)));
}

/** A client with the interceptor chain every swarmflow Temporal client uses. */
function clientOf(server: { port: number }): grpc.Client {
  return new grpc.Client(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure(), { interceptors: clientInterceptors() });
}

// An uncaught exception from a timer (the crash this guards against) fails
// the test it happens in: jest reports it as that test's error. A listener
// on `process` would not see it here (jest's `process` is its own object).

test('a call waiting to retry when the client closes fails with CANCELLED, and the process lives on', async () => {
  const server = await busyServer();
  try {
    const client = clientOf(server);
    const result = ping(client);
    // Close once the first attempt has been answered: the retry is now waiting in its timer.
    while (server.calls() === 0) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 50));
    client.close();
    const err = await result;
    expect(err?.code).toBe(grpc.status.CANCELLED);
    expect(err?.details).toMatch(/connection to Temporal was closed/);
    expect(server.calls()).toBe(1);
  } finally {
    server.stop();
  }
});

test('while the client is open, the chain still retries a retryable status', async () => {
  const server = await busyServer();
  try {
    const client = clientOf(server);
    const result = ping(client);
    while (server.calls() < 2) await new Promise((r) => setTimeout(r, 20));
    client.close();
    const err = await result;
    expect(err).not.toBeNull();
    expect(server.calls()).toBeGreaterThanOrEqual(2);
  } finally {
    server.stop();
  }
}, 20_000);

test('a call made after the client closed fails with CANCELLED too', async () => {
  const server = await busyServer();
  try {
    const client = clientOf(server);
    client.close();
    const err = await ping(client);
    expect(err?.code).toBe(grpc.status.CANCELLED);
    expect(server.calls()).toBe(0);
    // Any late throw from a timer would land here, inside this test.
    await new Promise((r) => setTimeout(r, 50));
  } finally {
    server.stop();
  }
});
