/**
 * Deterministic pseudo-random numbers for the simulated model: every choice
 * comes from the seed and the request, so the same request gets the same
 * answer on every run (record/replay and golden tests rely on it).
 */
import { createHash } from 'node:crypto';

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** Seeds from the sha256 of `key`. */
  constructor(key: string) {
    const h = createHash('sha256').update(key).digest();
    this.a = h.readUInt32LE(0);
    this.b = h.readUInt32LE(4);
    this.c = h.readUInt32LE(8);
    this.d = h.readUInt32LE(12) | 1;
  }

  /** sfc32: small, fast and good enough for picking words and numbers. */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    if (hi <= lo) return lo;
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('Rng.pick: empty list');
    return item;
  }
}

const WORDS = [
  'agent', 'plan', 'result', 'summary', 'check', 'value', 'review', 'source', 'note', 'draft',
  'answer', 'report', 'detail', 'finding', 'step', 'item', 'record', 'signal', 'metric', 'status',
  'alpha', 'beta', 'gamma', 'delta', 'river', 'stone', 'cloud', 'field', 'light', 'forest',
];

export function words(rng: Rng, n: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(rng.pick(WORDS));
  return out.join(' ');
}
