/**
 * Canonical JSON (keys sorted, no whitespace, numbers as JavaScript prints
 * them) and its sha256: the identity of a compiled IR. Pure; runs in Node and
 * the browser.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

export function canonicalJson(value: unknown): string {
  // A sorted copy printed by the native JSON.stringify is faster than
  // printing by hand (about 20 ms for the IR of 4,000 steps).
  return JSON.stringify(sortedCopy(value));
}

function sortedCopy(v: unknown): unknown {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new RangeError(`canonical JSON has no form for ${String(v)}`);
    return v;
  }
  if (Array.isArray(v)) return v.map(sortedCopy);
  if (typeof v === 'object') {
    const out: { [key: string]: unknown } = {};
    for (const k of Object.keys(v).sort()) {
      const x: unknown = Reflect.get(v, k);
      if (x === undefined) continue;
      // A `__proto__` key stays data (defineProperty never sets a prototype).
      if (k === '__proto__') Object.defineProperty(out, k, { value: sortedCopy(x), enumerable: true, writable: true, configurable: true });
      else out[k] = sortedCopy(x);
    }
    return out;
  }
  throw new TypeError(`canonical JSON has no form for a ${typeof v}`);
}

export function sha256Hex(text: string): string {
  return bytesToHex(sha256(utf8ToBytes(text)));
}
