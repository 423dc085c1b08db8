/**
 * Per-key token buckets: each key (or, without keys, each client address)
 * may make `burst` requests at once and `perSecond` on average. A request
 * that finds the bucket empty is refused with 429 and `Retry-After`, the
 * seconds until one token is back.
 */

export interface RateLimitOptions {
  /** Bucket size: requests allowed at once. */
  burst: number;
  /** Tokens added per second. */
  perSecond: number;
  /** Buckets kept at most; full buckets are dropped first (they hold no information). */
  maxBuckets?: number;
}

export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly maxBuckets: number;

  constructor(
    private readonly o: RateLimitOptions,
    private readonly now: () => number = () => Date.now(),
  ) {
    if (!(o.burst >= 1) || !(o.perSecond > 0)) throw new RangeError('rate limit: burst must be >= 1 and perSecond > 0');
    this.maxBuckets = o.maxBuckets ?? 10_000;
  }

  /** Takes one token; returns 0 when granted, else the seconds to wait. */
  take(key: string): number {
    const t = this.now();
    const b = this.buckets.get(key) ?? { tokens: this.o.burst, at: t };
    b.tokens = Math.min(this.o.burst, b.tokens + ((t - b.at) / 1000) * this.o.perSecond);
    b.at = t;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      this.set(key, b);
      return 0;
    }
    this.set(key, b);
    return Math.max(1, Math.ceil((1 - b.tokens) / this.o.perSecond));
  }

  private set(key: string, b: { tokens: number; at: number }): void {
    this.buckets.delete(key);
    this.buckets.set(key, b);
    if (this.buckets.size <= this.maxBuckets) return;
    // Map order is least recently used first.
    for (const k of this.buckets.keys()) {
      this.buckets.delete(k);
      if (this.buckets.size <= this.maxBuckets) break;
    }
  }
}
