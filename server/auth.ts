/**
 * API keys: where they come from, how they are kept and how a request is
 * checked against them.
 *
 * Keys come from configuration only (`SWARMFLOW_API_KEYS`), are kept as
 * sha256 hashes (the plain key is dropped as soon as it is hashed), and a
 * presented key is compared by hashing it and comparing hashes with
 * `crypto.timingSafeEqual` against every configured key, so neither the
 * key's content nor its position in the list shows in the timing.
 *
 * Scopes: `read` (look), `run` (start, signal, cancel runs), `admin`
 * (store definitions; implies every other scope).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import * as fs from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { SCOPES, type Scope } from './routes';

export interface ApiKey {
  /** Who the key belongs to: recorded as the starter of runs, used for rate limits. */
  name: string;
  scopes: Scope[];
  /** sha256 of the key. */
  hash: Buffer;
}

export interface AuthConfig {
  /** Empty: no authentication, and the server must only listen on loopback. */
  keys: ApiKey[];
}

export interface Principal {
  name: string;
  scopes: Scope[];
}

/** The principal of every request when no keys are configured (loopback only). */
export const LOCAL_PRINCIPAL: Principal = { name: 'local', scopes: ['read', 'run', 'admin'] };

/** A key configuration that cannot be used; the message names the entry and the fix. */
export class ApiKeyConfigError extends Error {
  constructor(where: string, problem: string) {
    super(`${where}: ${problem}`);
    this.name = 'ApiKeyConfigError';
  }
}

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const MIN_KEY_LENGTH = 16;

export function hashKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

function isScope(s: string): s is Scope {
  return (SCOPES as readonly string[]).includes(s);
}

function scopesOf(list: readonly string[], where: string): Scope[] {
  if (list.length === 0) throw new ApiKeyConfigError(where, 'a key needs at least one scope (read, run, admin)');
  const out: Scope[] = [];
  for (const s of list) {
    if (!isScope(s)) throw new ApiKeyConfigError(where, `unknown scope "${s}" (scopes: read, run, admin)`);
    if (!out.includes(s)) out.push(s);
  }
  return out;
}

function checkKey(key: string, where: string): void {
  if (key.length < MIN_KEY_LENGTH) throw new ApiKeyConfigError(where, `the key is shorter than ${MIN_KEY_LENGTH} characters: use a random one, e.g. \`openssl rand -hex 24\``);
  if (/\s/.test(key)) throw new ApiKeyConfigError(where, 'the key contains whitespace');
}

/**
 * `name:scope1+scope2:key` entries separated by commas or whitespace, e.g.
 * `ci:read+run:4c1f...,ops:admin:9a2e...`. The key is everything after the
 * second colon.
 */
export function parseKeyEntries(text: string, source = 'SWARMFLOW_API_KEYS'): ApiKey[] {
  const keys: ApiKey[] = [];
  const entries = text.split(/[\s,]+/).filter((e) => e !== '');
  entries.forEach((entry, i) => {
    const where = `${source} entry ${i + 1}`;
    const a = entry.indexOf(':');
    const b = a < 0 ? -1 : entry.indexOf(':', a + 1);
    if (a < 0 || b < 0) throw new ApiKeyConfigError(where, 'expected name:scope1+scope2:key');
    const name = entry.slice(0, a);
    if (!NAME.test(name)) throw new ApiKeyConfigError(where, `the name "${name.slice(0, 64)}" must be 1-64 letters, digits, "_", "." or "-"`);
    const key = entry.slice(b + 1);
    checkKey(key, `${where} (${name})`);
    keys.push({ name, scopes: scopesOf(entry.slice(a + 1, b).split('+'), `${where} (${name})`), hash: hashKey(key) });
  });
  return unique(keys, source);
}

/**
 * A JSON or YAML file: `{ keys: [{ name, scopes: [...], key | sha256 }] }`
 * (or the list alone). `sha256` (hex) lets the file hold hashes only.
 */
export function parseKeyFile(text: string, source: string): ApiKey[] {
  let doc: unknown;
  try {
    doc = parseYaml(text, { schema: 'core', uniqueKeys: true, maxAliasCount: 0 });
  } catch (err) {
    throw new ApiKeyConfigError(source, `not valid JSON or YAML (${err instanceof Error ? (err.message.split('\n')[0] ?? '') : String(err)})`);
  }
  const list = Array.isArray(doc) ? doc : typeof doc === 'object' && doc !== null && Array.isArray((doc as { keys?: unknown }).keys) ? ((doc as { keys: unknown[] }).keys) : null;
  if (!list) throw new ApiKeyConfigError(source, 'expected a list of keys, or an object with a "keys" list');
  const keys = list.map((raw: unknown, i): ApiKey => {
    const where = `${source} key ${i + 1}`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ApiKeyConfigError(where, 'expected { name, scopes, key } or { name, scopes, sha256 }');
    const e = raw as Record<string, unknown>;
    for (const k of Object.keys(e)) if (!['name', 'scopes', 'key', 'sha256'].includes(k)) throw new ApiKeyConfigError(where, `unknown field "${k}" (fields: name, scopes, key, sha256)`);
    if (typeof e.name !== 'string' || !NAME.test(e.name)) throw new ApiKeyConfigError(where, 'name must be 1-64 letters, digits, "_", "." or "-"');
    if (!Array.isArray(e.scopes) || !e.scopes.every((s): s is string => typeof s === 'string')) throw new ApiKeyConfigError(`${where} (${e.name})`, 'scopes must be a list such as [read, run]');
    const scopes = scopesOf(e.scopes, `${where} (${e.name})`);
    if ((e.key === undefined) === (e.sha256 === undefined)) throw new ApiKeyConfigError(`${where} (${e.name})`, 'give exactly one of key and sha256');
    if (typeof e.key === 'string') {
      checkKey(e.key, `${where} (${e.name})`);
      return { name: e.name, scopes, hash: hashKey(e.key) };
    }
    if (typeof e.sha256 !== 'string' || !/^[0-9a-f]{64}$/i.test(e.sha256)) throw new ApiKeyConfigError(`${where} (${e.name})`, 'sha256 must be 64 hex digits (`printf %s KEY | sha256sum`)');
    return { name: e.name, scopes, hash: Buffer.from(e.sha256, 'hex') };
  });
  return unique(keys, source);
}

function unique(keys: ApiKey[], source: string): ApiKey[] {
  const seen = new Set<string>();
  for (const k of keys) {
    if (seen.has(k.name)) throw new ApiKeyConfigError(source, `the key name "${k.name}" is used twice`);
    seen.add(k.name);
  }
  return keys;
}

/**
 * From the environment: `SWARMFLOW_API_KEYS` holds entries, or names a file
 * with `@path` (or a path ending in .json/.yaml/.yml).
 */
export function authFromEnv(env: NodeJS.ProcessEnv = process.env): AuthConfig {
  const v = env.SWARMFLOW_API_KEYS?.trim();
  if (!v) return { keys: [] };
  const file = v.startsWith('@') ? v.slice(1) : /\.(json|ya?ml)$/i.test(v) ? v : null;
  if (file === null) return { keys: parseKeyEntries(v) };
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ApiKeyConfigError('SWARMFLOW_API_KEYS', `cannot read the key file ${file} (${err instanceof Error ? err.message : String(err)})`);
  }
  return { keys: parseKeyFile(text, file) };
}

/** The bearer token of an `Authorization` header, or null. */
export function bearerOf(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^Bearer[ ]+([^\s]+)[ ]*$/i.exec(header);
  return m ? (m[1] ?? null) : null;
}

/** The key's owner, or null. Compares against every key, whatever matches first. */
export function authenticate(cfg: AuthConfig, token: string): Principal | null {
  const h = hashKey(token);
  let found: ApiKey | null = null;
  for (const k of cfg.keys) {
    if (k.hash.length === h.length && timingSafeEqual(k.hash, h) && found === null) found = k;
  }
  return found ? { name: found.name, scopes: found.scopes } : null;
}

export function hasScope(p: Principal, scope: Scope): boolean {
  return p.scopes.includes('admin') || p.scopes.includes(scope);
}
