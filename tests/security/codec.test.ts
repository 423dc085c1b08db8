/**
 * The AES-256-GCM payload codec and its keys: round trips, what an encrypted
 * payload shows (nothing but its encoding and key id), key rotation by id,
 * tampering and unknown keys refused with clear errors, and key
 * configuration errors that never print a key.
 */
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { randomBytes } from 'node:crypto';
import { AesGcmCodec, CodecKeyConfigError, PayloadDecryptionError, dataConverterFromEnv, isEncrypted, parseCodecKeys, codecTokensFromEnv, FAILURE_CONVERTER_PATH } from '../../runtime/codec';
import { failureConverter } from '../../runtime/codec/failure-converter';
import { historyText } from '../helpers/history-text';

const b64 = (): string => randomBytes(32).toString('base64');
const json = (v: unknown): Payload => defaultPayloadConverter.toPayload(v);
const value = (p: Payload): unknown => defaultPayloadConverter.fromPayload(p);

describe('AES-GCM payload codec', () => {
  const k1 = `k1:${b64()}`;
  const codec = new AesGcmCodec(parseCodecKeys(k1));

  test('round trip keeps metadata and data; the encrypted form shows neither', async () => {
    const marker = 'MARKER-codec-roundtrip-7f3a';
    const plain = json({ secret: marker, n: 42 });
    const [enc] = await codec.encode([plain]);
    expect(enc && isEncrypted(enc)).toBe(true);
    expect(Object.keys(enc?.metadata ?? {}).sort()).toEqual(['encoding', 'encryption-key-id']);
    expect(Buffer.from(enc?.metadata?.['encryption-key-id'] ?? []).toString()).toBe('k1');
    expect(historyText(enc)).not.toContain(marker);
    expect(historyText(enc)).not.toContain('json/plain');
    const [dec] = await codec.decode([enc as Payload]);
    expect(value(dec as Payload)).toEqual({ secret: marker, n: 42 });
    expect(Buffer.from(dec?.metadata?.encoding ?? []).toString()).toBe('json/plain');
  });

  test('each encryption uses a fresh nonce: equal inputs give different ciphertexts', async () => {
    const [a, b] = await codec.encode([json('same'), json('same')]);
    expect(Buffer.from(a?.data ?? []).equals(Buffer.from(b?.data ?? []))).toBe(false);
  });

  test('empty and binary payloads round trip', async () => {
    const bin: Payload = { metadata: { encoding: Buffer.from('binary/plain') }, data: randomBytes(1000) };
    const empty: Payload = { metadata: {}, data: new Uint8Array() };
    const dec = await codec.decode(await codec.encode([bin, empty]));
    expect(Buffer.from(dec[0]?.data ?? []).equals(Buffer.from(bin.data ?? []))).toBe(true);
    expect(dec[1]?.data?.length ?? 0).toBe(0);
  });

  test('payloads that were never encrypted pass through decode unchanged', async () => {
    const plain = json({ old: true });
    const [dec] = await codec.decode([plain]);
    expect(dec).toBe(plain);
  });

  test('rotation: old payloads decode after a new key is put first; new payloads use the new key', async () => {
    const [old] = await codec.encode([json('written with k1')]);
    const rotated = new AesGcmCodec(parseCodecKeys(`k2:${b64()},${k1}`));
    const [fresh] = await rotated.encode([json('written with k2')]);
    expect(Buffer.from(fresh?.metadata?.['encryption-key-id'] ?? []).toString()).toBe('k2');
    const [a, b] = await rotated.decode([old as Payload, fresh as Payload]);
    expect(value(a as Payload)).toBe('written with k1');
    expect(value(b as Payload)).toBe('written with k2');
    // Dropping the old key makes its payloads unreadable, and says which key is missing.
    const withoutOld = new AesGcmCodec(parseCodecKeys(`k2:${b64()}`));
    await expect(withoutOld.decode([old as Payload])).rejects.toThrow(/key "k1", which is not configured.*SWARMFLOW_CODEC_KEYS/);
  });

  test('a tampered ciphertext or a wrong key with the same id fails authentication', async () => {
    const [enc] = await codec.encode([json('integrity')]);
    const data = Buffer.from(enc?.data ?? []);
    data[20] = (data[20] ?? 0) ^ 1;
    await expect(codec.decode([{ ...enc, data }])).rejects.toThrow(PayloadDecryptionError);
    const impostor = new AesGcmCodec(parseCodecKeys(`k1:${b64()}`));
    await expect(impostor.decode([enc as Payload])).rejects.toThrow(/fails authentication/);
    await expect(codec.decode([{ ...enc, data: Buffer.alloc(10) }])).rejects.toThrow(/damaged/);
  });
});

describe('codec keys from the environment', () => {
  test('ids, order and values', () => {
    const a = b64();
    const keys = parseCodecKeys(` new:${a} , old:${b64()}`);
    expect(keys.map((k) => k.id)).toEqual(['new', 'old']);
    expect(keys[0]?.key.equals(Buffer.from(a, 'base64'))).toBe(true);
    expect(parseCodecKeys('')).toEqual([]);
  });

  test.each([
    ['no key id', 'nokeyid', /entry 1: expected keyId:base64key/],
    ['a bad key id', `bad id!:${randomBytes(32).toString('base64')}`, /key id "bad id!" must match/],
    ['a short key', 'short:AAAA', /key "short" is 3 bytes; AES-256 needs 32/],
    ['a key that is not base64', 'notb64:%%%%', /not standard base64/],
    ['a duplicate id', `dup:${randomBytes(32).toString('base64')},dup:${randomBytes(32).toString('base64')}`, /entry 2: key id "dup" appears twice/],
  ])('refuses %s', (_label, text, message) => {
    expect(() => parseCodecKeys(text)).toThrow(CodecKeyConfigError);
    expect(() => parseCodecKeys(text)).toThrow(message);
  });

  test('errors never print the key', () => {
    const key = randomBytes(31).toString('base64');
    try {
      parseCodecKeys(`k:${key}`);
      throw new Error('expected a CodecKeyConfigError');
    } catch (err) {
      expect(err).toBeInstanceOf(CodecKeyConfigError);
      expect(String(err)).not.toContain(key);
    }
  });

  test('dataConverterFromEnv: undefined without keys; codec and encoding failure converter with keys', () => {
    expect(dataConverterFromEnv({})).toBeUndefined();
    expect(dataConverterFromEnv({ SWARMFLOW_CODEC_KEYS: '' })).toBeUndefined();
    const dc = dataConverterFromEnv({ SWARMFLOW_CODEC_KEYS: `a:${b64()}` });
    expect(dc?.payloadCodecs).toHaveLength(1);
    expect(dc?.payloadCodecs?.[0]).toBeInstanceOf(AesGcmCodec);
    expect(dc?.failureConverterPath).toBe(FAILURE_CONVERTER_PATH);
    // The module the SDK loads by path exports an encoding failure converter.
    expect(require.resolve('../../runtime/codec/failure-converter')).toBe(FAILURE_CONVERTER_PATH);
    expect(failureConverter.options.encodeCommonAttributes).toBe(true);
  });

  test('codec tokens must be long enough', () => {
    expect(codecTokensFromEnv({ SWARMFLOW_CODEC_TOKENS: 'a'.repeat(16) + ', ' + 'b'.repeat(20) })).toEqual(['a'.repeat(16), 'b'.repeat(20)]);
    expect(() => codecTokensFromEnv({ SWARMFLOW_CODEC_TOKENS: 'short' })).toThrow(/at least 16 characters/);
  });
});
