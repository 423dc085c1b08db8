/**
 * The data converter every process uses when encryption is configured
 * (`SWARMFLOW_CODEC_KEYS`): the AES-GCM payload codec plus the failure
 * converter that moves error text into encrypted payloads. Workers, the
 * API's client and the CLI's client must all use it, or they cannot read
 * each other's payloads.
 */
import type { DataConverter } from '@temporalio/common';
import { AesGcmCodec } from './aes-gcm';
import { codecKeysFromEnv } from './keys';

/**
 * Path of the failure converter module. Temporal SDK 1.24 takes a failure
 * converter by path only (it is also compiled into the workflow bundle), not
 * as an object.
 */
export const FAILURE_CONVERTER_PATH: string = require.resolve('./failure-converter');

/** The codec for the keys in `env`, or null when none are configured. */
export function codecFromEnv(env: NodeJS.ProcessEnv = process.env): AesGcmCodec | null {
  const keys = codecKeysFromEnv(env);
  return keys.length > 0 ? new AesGcmCodec(keys) : null;
}

/** An encrypting data converter over `codec`. */
export function encryptingDataConverter(codec: AesGcmCodec): DataConverter {
  return { payloadCodecs: [codec], failureConverterPath: FAILURE_CONVERTER_PATH };
}

/** The data converter for `env`: encrypting when SWARMFLOW_CODEC_KEYS is set, else undefined (the SDK default). */
export function dataConverterFromEnv(env: NodeJS.ProcessEnv = process.env): DataConverter | undefined {
  const codec = codecFromEnv(env);
  return codec ? encryptingDataConverter(codec) : undefined;
}
