/**
 * Which network addresses outbound tool requests may reach. Private,
 * loopback, link-local, multicast and reserved ranges are refused unless the
 * matching allow entry names such a host itself or the tool sets
 * `allowPrivate`. The check runs on the addresses DNS returned, inside the
 * connect call, so a name that re-resolves to 127.0.0.1 (DNS rebinding) is
 * caught where it matters.
 */
import { promises as dns } from 'node:dns';
import * as net from 'node:net';
import { errnoCode, messageOf, ToolRefusedError } from './errors';

export interface ResolvedAddress {
  address: string;
  family: number;
}

/** Resolves a host name to addresses; injectable so tests need no DNS. */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = async (hostname) => dns.lookup(hostname, { all: true, verbatim: true });

const blocked = new net.BlockList();
for (const [prefix, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(prefix, bits, 'ipv4');
}
for (const [prefix, bits] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  blocked.addSubnet(prefix, bits, 'ipv6');
}

/** True for loopback, private, link-local, multicast, documentation and reserved addresses (IPv4-mapped IPv6 included). */
export function isPrivateAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped?.[1]) return blocked.check(mapped[1], 'ipv4');
    return blocked.check(address, 'ipv6');
  }
  return true; // not an address: refuse rather than guess
}

/** A host name that means "this machine" without being an address. */
export function isLocalName(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/\.$/, '');
  return h === 'localhost' || h.endsWith('.localhost');
}

/**
 * A `lookup` for http.request that resolves with `resolver` and refuses
 * private addresses unless `allowPrivate`. Node calls it with `all: true`
 * when it tries several addresses (autoSelectFamily), else for one.
 */
export function guardedLookup(resolver: Resolver, allowPrivate: boolean): net.LookupFunction {
  return (hostname, options, cb) => {
    resolver(hostname).then(
      (addresses) => {
        if (addresses.length === 0) {
          cb(Object.assign(new Error(`${hostname} did not resolve to any address`), { code: 'ENOTFOUND' }), []);
          return;
        }
        if (!allowPrivate) {
          const bad = addresses.find((a) => isPrivateAddress(a.address));
          if (bad) {
            cb(new ToolRefusedError(`${hostname} resolves to ${bad.address}, a private or loopback address; name it in the allow list explicitly or set allowPrivate: true`), []);
            return;
          }
        }
        const wanted = options.family === 6 || options.family === 'IPv6' ? 6 : options.family === 4 || options.family === 'IPv4' ? 4 : 0;
        const usable = wanted === 0 ? addresses : addresses.filter((a) => a.family === wanted);
        const first = usable[0];
        if (!first) {
          cb(Object.assign(new Error(`${hostname} has no IPv${wanted} address`), { code: 'ENOTFOUND' }), []);
          return;
        }
        if (options.all) cb(null, usable);
        else cb(null, first.address, first.family);
      },
      (err: unknown) => cb(Object.assign(new Error(messageOf(err)), { code: errnoCode(err) ?? 'ENOTFOUND' }), []),
    );
  };
}
