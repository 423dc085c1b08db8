/** Small rolling statistics for pool status: latency percentiles and token rates. */

export class Ring {
  private readonly values: number[] = [];
  private next = 0;
  constructor(private readonly size = 256) {}

  push(v: number): void {
    if (this.values.length < this.size) this.values.push(v);
    else this.values[this.next] = v;
    this.next = (this.next + 1) % this.size;
  }

  percentiles(): { p50: number; p95: number } | null {
    if (this.values.length === 0) return null;
    const sorted = [...this.values].sort((a, b) => a - b);
    const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
    return { p50: round(at(0.5)), p95: round(at(0.95)) };
  }
}

/** Tokens completed within a sliding window, as tokens per second. */
export class RateWindow {
  private readonly events: { at: number; n: number }[] = [];
  constructor(private readonly windowMs = 60_000) {}

  add(n: number, now = Date.now()): void {
    this.events.push({ at: now, n });
    this.trim(now);
  }

  perSecond(now = Date.now()): number | null {
    this.trim(now);
    if (this.events.length === 0) return null;
    const first = this.events[0]?.at ?? now;
    const span = Math.max(1000, now - first);
    return round((this.events.reduce((s, e) => s + e.n, 0) * 1000) / span);
  }

  private trim(now: number): void {
    while (this.events.length > 0 && (this.events[0]?.at ?? now) < now - this.windowMs) this.events.shift();
  }
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}
