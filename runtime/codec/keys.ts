/**
 * Payload encryption keys from the environment: `SWARMFLOW_CODEC_KEYS` =
 * `keyId:base64key[,keyId:base64key...]`. The first key encrypts; every key
 * decrypts, so keys rotate by putting a new one first and keeping the old
 * ones until no history needs them. A key's value never appears in an error.
 */

export interface CodecKey {
  /** Travels in each encrypted payload's metadata, so the reader knows which key to use. */
  id: string;
  /** 32 bytes (AES-256). */
  key: Buffer;
}

/** A key configuration that cannot be used; the message names the entry (never its value) and the fix. */
export class CodecKeyConfigError extends Error {
  constructor(where: string, problem: string) {
    super(`${where}: ${problem}`);
    this.name = 'CodecKeyConfigError';
  }
}

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
export const KEY_BYTES = 32;
const WHERE = 'SWARMFLOW_CODEC_KEYS';

/** Parses `keyId:base64key[,keyId:base64key...]`; empty text means no keys. */
export function parseCodecKeys(text: string, where = WHERE): CodecKey[] {
  const entries = text
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  const keys: CodecKey[] = [];
  const ids = new Set<string>();
  entries.forEach((entry, i) => {
    const at = `${where} entry ${i + 1}`;
    const colon = entry.indexOf(':');
    if (colon < 0) throw new CodecKeyConfigError(at, 'expected keyId:base64key (generate a key with `openssl rand -base64 32`)');
    const id = entry.slice(0, colon);
    const b64 = entry.slice(colon + 1);
    if (!KEY_ID.test(id)) throw new CodecKeyConfigError(at, `key id "${id.slice(0, 64)}" must match [A-Za-z0-9._-]{1,64}`);
    if (ids.has(id)) throw new CodecKeyConfigError(at, `key id "${id}" appears twice: each key needs its own id`);
    if (!BASE64.test(b64) || b64.length % 4 !== 0) throw new CodecKeyConfigError(at, `key "${id}" is not standard base64 (generate one with \`openssl rand -base64 32\`)`);
    const key = Buffer.from(b64, 'base64');
    if (key.length !== KEY_BYTES) throw new CodecKeyConfigError(at, `key "${id}" is ${key.length} bytes; AES-256 needs ${KEY_BYTES} (generate one with \`openssl rand -base64 32\`)`);
    ids.add(id);
    keys.push({ id, key });
  });
  return keys;
}

/** The keys configured in `env`, or an empty list when `SWARMFLOW_CODEC_KEYS` is unset or empty. */
export function codecKeysFromEnv(env: NodeJS.ProcessEnv = process.env): CodecKey[] {
  return parseCodecKeys(env.SWARMFLOW_CODEC_KEYS ?? '');
}

/** Bearer tokens of the codec server: `SWARMFLOW_CODEC_TOKENS`, comma-separated, at least 16 characters each. */
export function codecTokensFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  const tokens = (env.SWARMFLOW_CODEC_TOKENS ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  tokens.forEach((t, i) => {
    if (t.length < 16) throw new CodecKeyConfigError(`SWARMFLOW_CODEC_TOKENS entry ${i + 1}`, 'a token needs at least 16 characters (generate one with `openssl rand -hex 24`)');
  });
  return tokens;
}
