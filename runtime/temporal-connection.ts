/**
 * How every process connects to Temporal: the address, and for a cluster
 * that requires it, TLS (server CA, client certificate for mTLS, server
 * name) and a Temporal Cloud API key. The client (`Connection.connect`) and
 * the workers (`NativeConnection.connect`) take the same options, built
 * here once from the environment, so they can never disagree.
 *
 * Environment: TEMPORAL_TLS_CA, TEMPORAL_TLS_CERT + TEMPORAL_TLS_KEY,
 * TEMPORAL_TLS_SERVER_NAME, TEMPORAL_TLS=1 (TLS with the system's roots and
 * nothing else), TEMPORAL_API_KEY (implies TLS). The files are read when the
 * options are built, so a missing or unreadable file is a start-up error
 * that names the variable, never a connection that silently goes plain.
 */
import * as fs from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import type { TLSConfig } from '@temporalio/common/lib/internal-non-workflow';

/** What the environment says about TLS and credentials; file paths, not contents. */
export interface TemporalSecurity {
  /** TLS on or off; on whenever any of the fields below is set. */
  tls: boolean;
  caFile: string | null;
  certFile: string | null;
  keyFile: string | null;
  serverName: string | null;
  /** Temporal Cloud API key (a secret: never logged or written anywhere). */
  apiKey: string | null;
}

export class TemporalConnectionConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemporalConnectionConfigError';
  }
}

const nonEmpty = (v: string | undefined): string | null => (v !== undefined && v.trim() !== '' ? v.trim() : null);

const FLAG_ON = new Set(['1', 'true', 'yes', 'on']);
const FLAG_OFF = new Set(['0', 'false', 'no', 'off']);

export function temporalSecurityFromEnv(env: NodeJS.ProcessEnv = process.env): TemporalSecurity {
  const caFile = nonEmpty(env.TEMPORAL_TLS_CA);
  const certFile = nonEmpty(env.TEMPORAL_TLS_CERT);
  const keyFile = nonEmpty(env.TEMPORAL_TLS_KEY);
  const serverName = nonEmpty(env.TEMPORAL_TLS_SERVER_NAME);
  const apiKey = nonEmpty(env.TEMPORAL_API_KEY);
  if ((certFile === null) !== (keyFile === null)) {
    const missing = certFile === null ? 'TEMPORAL_TLS_CERT' : 'TEMPORAL_TLS_KEY';
    const present = certFile === null ? 'TEMPORAL_TLS_KEY' : 'TEMPORAL_TLS_CERT';
    throw new TemporalConnectionConfigError(`${present} is set but ${missing} is not: mTLS needs both the client certificate and its key (PEM files)`);
  }
  const flag = nonEmpty(env.TEMPORAL_TLS)?.toLowerCase() ?? null;
  if (flag !== null && !FLAG_ON.has(flag) && !FLAG_OFF.has(flag)) {
    throw new TemporalConnectionConfigError(`TEMPORAL_TLS is "${flag}": use 1 (TLS on) or 0 (off)`);
  }
  const implied = caFile !== null || certFile !== null || serverName !== null || apiKey !== null;
  if (flag !== null && FLAG_OFF.has(flag) && implied) {
    throw new TemporalConnectionConfigError('TEMPORAL_TLS=0 but TLS settings are given (TEMPORAL_TLS_CA, TEMPORAL_TLS_CERT/KEY, TEMPORAL_TLS_SERVER_NAME or TEMPORAL_API_KEY): remove one or the other');
  }
  return { tls: implied || (flag !== null && FLAG_ON.has(flag)), caFile, certFile, keyFile, serverName, apiKey };
}

function readPem(file: string, variable: string): Buffer {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new TemporalConnectionConfigError(`${variable}=${file} cannot be read (${code}): give the path of a PEM file`);
  }
  if (!bytes.toString('latin1').includes('-----BEGIN ')) {
    throw new TemporalConnectionConfigError(`${variable}=${file} is not a PEM file (no "-----BEGIN" line)`);
  }
  return bytes;
}

/** The `tls` and `apiKey` options for Connection.connect / NativeConnection.connect (none for plaintext or no settings). */
export function temporalConnectOptions(sec: TemporalSecurity | undefined): { tls?: TLSConfig; apiKey?: string } {
  if (!sec?.tls) return {};
  const tls: TLSConfig = {};
  if (sec.serverName !== null) tls.serverNameOverride = sec.serverName;
  if (sec.caFile !== null) tls.serverRootCACertificate = readPem(sec.caFile, 'TEMPORAL_TLS_CA');
  if (sec.certFile !== null && sec.keyFile !== null) {
    tls.clientCertPair = { crt: readPem(sec.certFile, 'TEMPORAL_TLS_CERT'), key: readPem(sec.keyFile, 'TEMPORAL_TLS_KEY') };
  }
  return sec.apiKey !== null ? { tls, apiKey: sec.apiKey } : { tls };
}

/** One line for logs: what kind of connection, never a secret or a file's contents. */
export function describeTemporalSecurity(sec: TemporalSecurity): string {
  if (!sec.tls) return 'plaintext';
  const parts = ['TLS'];
  if (sec.certFile !== null) parts.push('client certificate');
  if (sec.caFile !== null) parts.push('custom CA');
  if (sec.serverName !== null) parts.push(`server name ${sec.serverName}`);
  if (sec.apiKey !== null) parts.push('API key');
  return parts.join(', ');
}

/**
 * The client's gRPC interceptors: Temporal's own retry interceptor (the
 * default `Connection.connect` would install), then a guard beneath it.
 *
 * Why the guard: the retry interceptor waits in a timer before it re-sends a
 * failed call. If the connection is closed meanwhile (a server shutting
 * down with a request in flight), the timer's new call meets a shut-down
 * channel, and grpc-js throws "Channel has been shut down" from inside the
 * timer: an uncaught exception that kills the process. The guard turns that
 * throw into the call failing with CANCELLED, which reaches the caller as an
 * ordinary rejected promise.
 */
export function clientInterceptors(): grpc.Interceptor[] {
  return [makeGrpcRetryInterceptor(defaultGrpcRetryOptions()), closedChannelGuard];
}

export const closedChannelGuard: grpc.Interceptor = (options, nextCall) => {
  try {
    return new grpc.InterceptingCall(nextCall(options));
  } catch (err) {
    if (!(err instanceof Error) || !/channel has been shut down/i.test(err.message)) throw err;
    return failedCall(grpc.status.CANCELLED, 'the connection to Temporal was closed before this call could be sent');
  }
};

/**
 * A unary call that never reaches the network: as soon as it starts it ends
 * the way grpc-js ends a unary call that got no answer, an empty message
 * (the retry interceptor relies on receiving one) and then the status.
 */
function failedCall(code: grpc.status, details: string): grpc.InterceptingCall {
  const bottom: ConstructorParameters<typeof grpc.InterceptingCall>[0] = {
    start: (_metadata: grpc.Metadata, listener?: Partial<grpc.InterceptingListener>) => {
      process.nextTick(() => {
        listener?.onReceiveMessage?.(undefined);
        listener?.onReceiveStatus?.({ code, details, metadata: new grpc.Metadata() });
      });
    },
    cancelWithStatus: () => undefined,
    getPeer: () => '',
    sendMessageWithContext: () => undefined,
    sendMessage: () => undefined,
    startRead: () => undefined,
    halfClose: () => undefined,
    getAuthContext: () => null,
  };
  return new grpc.InterceptingCall(bottom);
}
