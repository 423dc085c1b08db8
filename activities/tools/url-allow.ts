/**
 * URL allow lists of the `http.*` tools. An entry is a URL whose scheme, host
 * and port must match exactly and whose path is a glob (`*` matches any
 * characters, `/` included): `https://docs.example.com/api/*`. The query
 * string is free unless the entry has one, then it is part of the glob.
 */
import * as net from 'node:net';
import { ToolRefusedError } from './errors';
import { isLocalName, isPrivateAddress } from './net-guard';

export interface AllowEntry {
  raw: string;
  protocol: 'http:' | 'https:';
  hostname: string;
  /** Effective port, as text ('443' for https without a port). */
  port: string;
  path: RegExp;
  withQuery: boolean;
  /** The entry names a loopback/private address or `localhost` itself, so such addresses are allowed for it. */
  namesPrivate: boolean;
}

function effectivePort(u: URL): string {
  if (u.port !== '') return u.port;
  return u.protocol === 'https:' ? '443' : '80';
}

function bareHost(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

function globToRegExp(glob: string): RegExp {
  const body = glob
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`, 's');
}

/** Parses an allow entry; throws an Error whose message says what is wrong. */
export function parseAllowEntry(raw: string): AllowEntry {
  const m = /^(https?):\/\/([^/?#]+)(.*)$/i.exec(raw.trim());
  if (!m || !m[1] || !m[2]) throw new Error(`${JSON.stringify(raw)} is not an http:// or https:// URL pattern such as "https://docs.example.com/*"`);
  if (m[2].includes('*')) throw new Error(`${JSON.stringify(raw)}: the host must be exact, without *`);
  if (m[2].includes('@')) throw new Error(`${JSON.stringify(raw)}: user names and passwords are not allowed in URLs`);
  const rest = m[3] ?? '';
  if (rest.includes('#')) throw new Error(`${JSON.stringify(raw)}: fragments (#) are not part of a URL pattern`);
  let u: URL;
  try {
    u = new URL(`${m[1]}://${m[2]}/`);
  } catch {
    throw new Error(`${JSON.stringify(raw)}: ${JSON.stringify(m[2])} is not a valid host`);
  }
  const q = rest.indexOf('?');
  const pathGlob = (q === -1 ? rest : rest.slice(0, q)) || '/';
  if (!pathGlob.startsWith('/')) throw new Error(`${JSON.stringify(raw)}: the path must start with /`);
  const host = bareHost(u.hostname);
  return {
    raw,
    protocol: u.protocol === 'https:' ? 'https:' : 'http:',
    hostname: u.hostname,
    port: effectivePort(u),
    path: globToRegExp(q === -1 ? pathGlob : `${pathGlob}?${rest.slice(q + 1)}`),
    withQuery: q !== -1,
    namesPrivate: isLocalName(host) || (net.isIP(host) !== 0 && isPrivateAddress(host)),
  };
}

/**
 * Parses a URL a model asked for and refuses the forms that hide where it
 * goes: other schemes, credentials, encoded slashes or dots in the path.
 */
export function parseRequestUrl(text: string): URL {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new ToolRefusedError(`${JSON.stringify(text.slice(0, 200))} is not an absolute URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new ToolRefusedError(`${u.protocol} URLs are not allowed; only http and https`);
  if (u.username !== '' || u.password !== '') throw new ToolRefusedError('URLs with a user name or password are not allowed');
  if (/%2f|%5c|%2e|%00/i.test(u.pathname)) throw new ToolRefusedError(`${JSON.stringify(u.pathname.slice(0, 200))}: encoded /, \\, . or NUL in the path are not allowed`);
  return u;
}

/** The allow entry a URL matches, or null. */
export function matchAllowEntry(u: URL, entries: AllowEntry[]): AllowEntry | null {
  const port = effectivePort(u);
  for (const e of entries) {
    if (e.protocol !== u.protocol || e.hostname !== u.hostname || e.port !== port) continue;
    const target = e.withQuery ? `${u.pathname}${u.search}` : u.pathname;
    if (e.path.test(target)) return e;
  }
  return null;
}
