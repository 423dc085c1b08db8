/**
 * TLS to Temporal (docs/deploy.md, "Connecting with TLS"). The dev server
 * speaks plaintext only, so the test puts a TLS terminator in front of it:
 * a Node TLS server on 127.0.0.1 that demands a client certificate signed by
 * the test CA, negotiates HTTP/2 and pipes the decrypted bytes to the dev
 * server. The client and a worker connection then reach the real dev server
 * only if our options carry the CA, the client certificate and the server
 * name; the terminator records who connected.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { NativeConnection } from '@temporalio/worker';
import { settingsFromEnv } from '../../runtime/config';
import { connectClient } from '../../runtime/runs';
import { describeTemporalSecurity, temporalConnectOptions, temporalSecurityFromEnv, TemporalConnectionConfigError } from '../../runtime/temporal-connection';
import { describeTemporal } from '../helpers/temporal';
import { testNamespace } from '../helpers/namespaces';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swarmflow-tls-'));
const file = (name: string): string => path.join(dir, name);

function openssl(args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

/** A CA, a server certificate for temporal.test and a client certificate, all signed by the CA. */
function makeCertificates(): void {
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=swarmflow test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  const leaf = (name: string, cn: string, ext: string): void => {
    openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`]);
    fs.writeFileSync(file(`${name}.ext`), ext);
    openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`]);
  };
  leaf('server', 'temporal.test', 'subjectAltName=DNS:temporal.test\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n');
  leaf('client', 'swarmflow-worker', 'extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n');
}

interface Terminator {
  address: string;
  /** Common names of the client certificates of the connections that were let through. */
  clients: string[];
  /** Server names (SNI) the connections asked for. */
  serverNames: string[];
  close(): Promise<void>;
}

async function startTerminator(upstream: string): Promise<Terminator> {
  const [host, port] = upstream.split(':');
  const clients: string[] = [];
  const serverNames: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = tls.createServer(
    { key: fs.readFileSync(file('server.key')), cert: fs.readFileSync(file('server.pem')), ca: fs.readFileSync(file('ca.pem')), requestCert: true, rejectUnauthorized: true, ALPNProtocols: ['h2'] },
    (socket) => {
      const cn = socket.getPeerCertificate().subject?.CN;
      clients.push(Array.isArray(cn) ? cn.join(',') : String(cn));
      serverNames.push(String((socket as tls.TLSSocket & { servername?: string }).servername ?? ''));
      const up = net.connect(Number(port), host ?? '127.0.0.1');
      sockets.add(socket).add(up);
      socket.pipe(up).pipe(socket);
      const drop = (): void => {
        socket.destroy();
        up.destroy();
      };
      socket.on('error', drop).on('close', drop);
      up.on('error', drop).on('close', drop);
    },
  );
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address() as net.AddressInfo;
  return {
    address: `127.0.0.1:${addr.port}`,
    clients,
    serverNames,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('TLS settings from the environment', () => {
  beforeAll(() => makeCertificates());

  test('no TLS variables: plaintext, and no options added', () => {
    const sec = temporalSecurityFromEnv({});
    expect(sec.tls).toBe(false);
    expect(temporalConnectOptions(sec)).toEqual({});
    expect(describeTemporalSecurity(sec)).toBe('plaintext');
  });

  test('a certificate without its key (and the reverse) is refused, naming the missing variable', () => {
    expect(() => temporalSecurityFromEnv({ TEMPORAL_TLS_CERT: file('client.pem') })).toThrow(/TEMPORAL_TLS_KEY is not/);
    expect(() => temporalSecurityFromEnv({ TEMPORAL_TLS_KEY: file('client.key') })).toThrow(/TEMPORAL_TLS_CERT is not/);
    expect(() => settingsFromEnv({ TEMPORAL_TLS_CERT: file('client.pem') })).toThrow(TemporalConnectionConfigError);
  });

  test('an unreadable or non-PEM file is a start-up error naming the variable, not a plaintext connection', () => {
    expect(() => temporalConnectOptions(temporalSecurityFromEnv({ TEMPORAL_TLS_CA: file('missing.pem') }))).toThrow(/TEMPORAL_TLS_CA=.*missing\.pem cannot be read \(ENOENT\)/);
    expect(() => temporalConnectOptions(temporalSecurityFromEnv({ TEMPORAL_TLS_CA: file('server.ext') }))).toThrow(/TEMPORAL_TLS_CA=.* is not a PEM file/);
  });

  test('TEMPORAL_TLS takes 1 or 0 and cannot switch TLS off while TLS settings are given', () => {
    expect(temporalSecurityFromEnv({ TEMPORAL_TLS: '1' }).tls).toBe(true);
    expect(temporalConnectOptions(temporalSecurityFromEnv({ TEMPORAL_TLS: 'true' }))).toEqual({ tls: {} });
    expect(() => temporalSecurityFromEnv({ TEMPORAL_TLS: 'maybe' })).toThrow(/use 1 \(TLS on\) or 0/);
    expect(() => temporalSecurityFromEnv({ TEMPORAL_TLS: '0', TEMPORAL_API_KEY: 'k' })).toThrow(/TEMPORAL_TLS=0 but TLS settings are given/);
  });

  test('an API key turns TLS on and is never part of the description', () => {
    const sec = temporalSecurityFromEnv({ TEMPORAL_API_KEY: 'sk-secret-value' });
    expect(temporalConnectOptions(sec)).toEqual({ tls: {}, apiKey: 'sk-secret-value' });
    expect(describeTemporalSecurity(sec)).toBe('TLS, API key');
    expect(describeTemporalSecurity(sec)).not.toContain('sk-secret');
  });

  test('mTLS: the CA, the certificate pair and the server name become the TLS options', () => {
    const sec = temporalSecurityFromEnv({ TEMPORAL_TLS_CA: file('ca.pem'), TEMPORAL_TLS_CERT: file('client.pem'), TEMPORAL_TLS_KEY: file('client.key'), TEMPORAL_TLS_SERVER_NAME: 'temporal.test' });
    const o = temporalConnectOptions(sec);
    expect(o.tls?.serverNameOverride).toBe('temporal.test');
    expect(Buffer.from(o.tls?.serverRootCACertificate ?? []).toString()).toBe(fs.readFileSync(file('ca.pem'), 'utf8'));
    expect(Buffer.from(o.tls?.clientCertPair?.crt ?? []).toString()).toBe(fs.readFileSync(file('client.pem'), 'utf8'));
    expect(describeTemporalSecurity(sec)).toBe('TLS, client certificate, custom CA, server name temporal.test');
  });
});

describeTemporal('connecting to Temporal through a TLS terminator that demands a client certificate', () => {
  let term: Terminator;
  const mtlsEnv = (): NodeJS.ProcessEnv => ({ TEMPORAL_TLS_CA: file('ca.pem'), TEMPORAL_TLS_CERT: file('client.pem'), TEMPORAL_TLS_KEY: file('client.key'), TEMPORAL_TLS_SERVER_NAME: 'temporal.test' });

  beforeAll(async () => {
    if (!fs.existsSync(file('ca.pem'))) makeCertificates();
    term = await startTerminator(process.env.SWARMFLOW_TEST_TEMPORAL ?? '');
  });
  afterAll(async () => term?.close());

  test('the client reaches the dev server over mTLS, with our certificate and server name', async () => {
    const settings = settingsFromEnv(mtlsEnv(), { temporalAddress: term.address, namespace: testNamespace() });
    const client = await connectClient(settings);
    try {
      const info = await client.workflowService.getSystemInfo({});
      expect(info.serverVersion).toMatch(/\d+\.\d+/);
    } finally {
      await client.connection.close();
    }
    expect(term.clients).toContain('swarmflow-worker');
    expect(term.serverNames).toContain('temporal.test');
  }, 30_000);

  test('a worker connection (the Rust core) gets through with the same options', async () => {
    const before = term.clients.length;
    const settings = settingsFromEnv(mtlsEnv(), { temporalAddress: term.address });
    const conn = await NativeConnection.connect({ address: settings.temporalAddress, ...temporalConnectOptions(settings.temporalSecurity) });
    try {
      const info = await conn.workflowService.getSystemInfo({});
      expect(info.serverVersion).toMatch(/\d+\.\d+/);
    } finally {
      await conn.close();
    }
    expect(term.clients.length).toBeGreaterThan(before);
  }, 30_000);

  test('without the client certificate the terminator refuses the handshake and no connection is made', async () => {
    const before = term.clients.length;
    const settings = settingsFromEnv({ TEMPORAL_TLS_CA: file('ca.pem'), TEMPORAL_TLS_SERVER_NAME: 'temporal.test' }, { temporalAddress: term.address });
    await expect(
      (async () => {
        const client = await connectClient(settings);
        try {
          await client.workflowService.getSystemInfo({});
        } finally {
          await client.connection.close();
        }
      })(),
    ).rejects.toThrow();
    expect(term.clients.length).toBe(before);
  }, 30_000);
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
