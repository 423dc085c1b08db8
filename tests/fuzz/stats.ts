/**
 * Counting what a fuzzer did, so that every run (jest or `npm run fuzz`)
 * prints the same one-line summary: cases, refused, accepted, the slowest
 * call and which input it was.
 */

/** CPU milliseconds of fn and its result (CPU, not wall time: the machine is shared). */
export function cpuTimed<T>(fn: () => T): { ms: number; result: T } {
  const c0 = process.cpuUsage();
  const result = fn();
  const c = process.cpuUsage(c0);
  return { ms: (c.user + c.system) / 1000, result };
}

export interface Slowest {
  ms: number;
  /** What was being done (`validate`, `evaluateExpr`, `POST /v1/runs`...). */
  what: string;
  /** The input, shortened for printing. */
  input: string;
  /** How to get it back: family, chunk seed and case index. */
  where: string;
}

export class FuzzStats {
  cases = 0;
  refused = 0;
  accepted = 0;
  /** Named sub-counts (families, status codes, evaluation outcomes). */
  readonly counts = new Map<string, number>();
  slowest: Slowest = { ms: 0, what: '', input: '', where: '' };
  /** Known bugs hit (see known-bugs.ts), by id. */
  readonly known = new Map<string, number>();

  constructor(readonly name: string) {}

  count(key: string, n = 1): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + n);
  }

  time(ms: number, what: string, input: string, where: string): void {
    if (ms > this.slowest.ms) this.slowest = { ms, what, input: shorten(input, 160), where };
  }

  merge(o: FuzzStats): void {
    this.cases += o.cases;
    this.refused += o.refused;
    this.accepted += o.accepted;
    for (const [k, v] of o.counts) this.count(k, v);
    for (const [k, v] of o.known) this.known.set(k, (this.known.get(k) ?? 0) + v);
    if (o.slowest.ms > this.slowest.ms) this.slowest = o.slowest;
  }

  /** `name: N cases, R refused, A accepted, max X ms (what), [k=v ...]` on one line. */
  summary(unit = 'ms CPU'): string {
    const extra = [...this.counts].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`);
    const known = [...this.known].map(([k, v]) => `${k}=${v}`);
    return (
      `[fuzz] ${this.name}: ${this.cases} cases, ${this.refused} refused, ${this.accepted} accepted, ` +
      `max ${this.slowest.ms.toFixed(1)} ${unit} (${this.slowest.what} ${this.slowest.where})` +
      (extra.length > 0 ? ` | ${extra.join(' ')}` : '') +
      (known.length > 0 ? ` | known bugs hit: ${known.join(' ')}` : '')
    );
  }

  toJSON(): unknown {
    return { name: this.name, cases: this.cases, refused: this.refused, accepted: this.accepted, counts: Object.fromEntries(this.counts), known: Object.fromEntries(this.known), slowest: this.slowest };
  }

  /** Rebuilds stats sent from a worker process as JSON. */
  static fromJSON(v: unknown): FuzzStats {
    const o = typeof v === 'object' && v !== null ? v : {};
    const s = new FuzzStats(typeof Reflect.get(o, 'name') === 'string' ? String(Reflect.get(o, 'name')) : 'worker');
    s.cases = numberOf(Reflect.get(o, 'cases'));
    s.refused = numberOf(Reflect.get(o, 'refused'));
    s.accepted = numberOf(Reflect.get(o, 'accepted'));
    for (const [k, n] of entriesOf(Reflect.get(o, 'counts'))) s.count(k, numberOf(n));
    for (const [k, n] of entriesOf(Reflect.get(o, 'known'))) s.known.set(k, numberOf(n));
    const slow: unknown = Reflect.get(o, 'slowest');
    if (typeof slow === 'object' && slow !== null) {
      s.slowest = {
        ms: numberOf(Reflect.get(slow, 'ms')),
        what: String(Reflect.get(slow, 'what') ?? ''),
        input: String(Reflect.get(slow, 'input') ?? ''),
        where: String(Reflect.get(slow, 'where') ?? ''),
      };
    }
    return s;
  }
}

function numberOf(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

function entriesOf(v: unknown): [string, unknown][] {
  return typeof v === 'object' && v !== null ? Object.entries(v) : [];
}

/** Printable: control characters and lone surrogates escaped, long text cut in the middle. */
export function shorten(s: string, max: number): string {
  const cut = s.length > max ? `${s.slice(0, max - 40)}…(${s.length} chars)…${s.slice(-30)}` : s;
  return JSON.stringify(cut).slice(1, -1);
}

/** Thrown by a checker: the property that failed and the input that made it fail. */
export class FuzzFailure extends Error {
  override name = 'FuzzFailure';
  constructor(
    readonly property: string,
    readonly input: string,
    detail: string,
  ) {
    super(`${property}: ${detail}\n  input (${input.length} chars): ${shorten(input, 600)}`);
  }
}
