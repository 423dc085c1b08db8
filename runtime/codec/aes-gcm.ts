/**
 * AES-256-GCM payload codec: each payload (metadata and data, serialised as
 * the Temporal `Payload` protobuf) becomes one encrypted payload whose
 * metadata says only `encoding: binary/encrypted` and the key id. Temporal
 * stores, and its UI shows, nothing else until an authorised reader decodes
 * it with the same keys (workers, clients, the codec server).
 *
 * Layout of `data`: 12-byte random nonce | ciphertext | 16-byte GCM tag.
 * Payloads that are not encrypted pass through `decode` unchanged (histories
 * from before encryption was turned on stay readable).
 */
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { CodecKey } from './keys';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const METADATA_ENCODING = 'encoding';
export const METADATA_KEY_ID = 'encryption-key-id';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const ALGORITHM = 'aes-256-gcm';

const utf8 = (s: string): Uint8Array => Buffer.from(s, 'utf8');
const text = (b: Uint8Array | null | undefined): string | undefined => (b ? Buffer.from(b).toString('utf8') : undefined);

/** An encrypted payload that cannot be decrypted: unknown key id, or the ciphertext fails authentication. */
export class PayloadDecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PayloadDecryptionError';
  }
}

/** Thrown when a codec is built with no key: set SWARMFLOW_CODEC_KEYS. */
export class NoCodecKeyError extends Error {
  constructor() {
    super('the payload codec needs at least one key: set SWARMFLOW_CODEC_KEYS=keyId:base64key (generate one with `openssl rand -base64 32`)');
    this.name = 'NoCodecKeyError';
  }
}

export function isEncrypted(p: Payload): boolean {
  return text(p.metadata?.[METADATA_ENCODING]) === ENCRYPTED_ENCODING;
}

export class AesGcmCodec implements PayloadCodec {
  private readonly byId: Map<string, Buffer>;
  private readonly current: CodecKey;

  /** `keys[0]` encrypts; every key decrypts. */
  constructor(keys: readonly CodecKey[]) {
    const first = keys[0];
    if (!first) throw new NoCodecKeyError();
    this.current = first;
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
  }

  /** Ids of the keys this codec can decrypt with (never their values). */
  keyIds(): string[] {
    return [...this.byId.keys()];
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => this.encryptOne(p));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => this.decryptOne(p));
  }

  encryptOne(p: Payload): Payload {
    const plain = temporal.api.common.v1.Payload.encode({ metadata: p.metadata ?? {}, data: p.data ?? new Uint8Array() }).finish();
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.current.key, nonce);
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return {
      metadata: { [METADATA_ENCODING]: utf8(ENCRYPTED_ENCODING), [METADATA_KEY_ID]: utf8(this.current.id) },
      data: Buffer.concat([nonce, body, cipher.getAuthTag()]),
    };
  }

  decryptOne(p: Payload): Payload {
    if (!isEncrypted(p)) return p;
    const id = text(p.metadata?.[METADATA_KEY_ID]);
    if (id === undefined) throw new PayloadDecryptionError(`an encrypted payload has no "${METADATA_KEY_ID}" metadata: it was not written by this codec`);
    const key = this.byId.get(id);
    if (!key) throw new PayloadDecryptionError(`a payload is encrypted with key "${id}", which is not configured (keys: ${this.keyIds().join(', ')}): add it back to SWARMFLOW_CODEC_KEYS to read it`);
    const data = Buffer.from(p.data ?? new Uint8Array());
    if (data.length < NONCE_BYTES + TAG_BYTES) throw new PayloadDecryptionError(`an encrypted payload (key "${id}") is ${data.length} bytes, shorter than a nonce and a tag: it is damaged`);
    const decipher = createDecipheriv(ALGORITHM, key, data.subarray(0, NONCE_BYTES));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(data.subarray(NONCE_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new PayloadDecryptionError(`a payload encrypted with key "${id}" fails authentication: it was altered, or key "${id}" is not the key that wrote it`);
    }
    const inner = temporal.api.common.v1.Payload.decode(plain);
    return { metadata: { ...inner.metadata }, data: inner.data };
  }
}
