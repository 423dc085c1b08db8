/**
 * Fault state of one simulated server: validated settings plus the counters
 * that make `times`-limited faults clear themselves.
 */
import type { CountedFault, SimFaults } from './options';

/** Thrown when a fault setting (options or `POST /sim/faults`) is malformed. */
export class SimFaultsError extends Error {
  constructor(message: string) {
    super(`sim faults: ${message}`);
    this.name = 'SimFaultsError';
  }
}

type Counted = 'rateLimit' | 'quota' | 'loading' | 'serverError' | 'dropStream' | 'malformedToolCalls';
const COUNTED: readonly Counted[] = ['rateLimit', 'quota', 'loading', 'serverError', 'dropStream', 'malformedToolCalls'];
const DELAYS = ['latencyMs', 'firstTokenMs', 'chunkDelayMs'] as const;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function nonNegative(v: unknown, where: string): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new SimFaultsError(`${where} must be a number >= 0, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** Validates fault settings from outside (JSON body or options). Unknown keys are errors so typos show. */
export function parseFaults(input: unknown): SimFaults {
  if (input === undefined || input === null) return {};
  if (!isRecord(input)) throw new SimFaultsError('expected a JSON object');
  const known = new Set<string>([...COUNTED, ...DELAYS, 'failNext']);
  for (const key of Object.keys(input)) {
    if (!known.has(key)) throw new SimFaultsError(`unknown fault "${key}"; known: ${[...known].join(', ')}`);
  }
  const out: SimFaults = {};
  for (const key of DELAYS) {
    const v = nonNegative(input[key], key);
    if (v !== undefined) out[key] = v;
  }
  for (const key of COUNTED) {
    const raw = input[key];
    if (raw === undefined || raw === false || raw === null) continue;
    const f: Record<string, unknown> = raw === true ? {} : isRecord(raw) ? raw : {};
    if (raw !== true && !isRecord(raw)) throw new SimFaultsError(`${key} must be true or an object`);
    const fault: CountedFault & { retryAfterS?: number; afterChunks?: number } = {};
    const times = nonNegative(f.times, `${key}.times`);
    if (times !== undefined) fault.times = Math.floor(times);
    if (key === 'rateLimit') {
      const s = nonNegative(f.retryAfterS, 'rateLimit.retryAfterS');
      if (s !== undefined) fault.retryAfterS = s;
    }
    if (key === 'dropStream') {
      const n = nonNegative(f.afterChunks, 'dropStream.afterChunks');
      if (n !== undefined) fault.afterChunks = Math.floor(n);
    }
    for (const k of Object.keys(f)) {
      if (!['times', 'retryAfterS', 'afterChunks'].includes(k)) throw new SimFaultsError(`${key}: unknown field "${k}"`);
    }
    out[key] = fault;
  }
  if (input.failNext !== undefined) {
    const f = input.failNext;
    if (!isRecord(f)) throw new SimFaultsError('failNext must be an object {count, status?}');
    const count = nonNegative(f.count, 'failNext.count') ?? 0;
    const status = nonNegative(f.status, 'failNext.status') ?? 500;
    if (status < 400 || status > 599) throw new SimFaultsError(`failNext.status must be 400..599, got ${status}`);
    out.failNext = { count: Math.floor(count), status: Math.floor(status) };
  }
  return out;
}

export class FaultState {
  private faults: SimFaults;

  constructor(initial: SimFaults) {
    this.faults = structuredClone(initial);
  }

  set(f: SimFaults): void {
    this.faults = structuredClone(f);
  }

  current(): SimFaults {
    return structuredClone(this.faults);
  }

  delay(key: (typeof DELAYS)[number]): number {
    return this.faults[key] ?? 0;
  }

  /** Whether `/health` should say the model is loading (does not consume a use). */
  loading(): boolean {
    return this.faults.loading !== undefined;
  }

  /** Takes one use of a counted fault; returns its settings when it fires. */
  take<K extends Counted>(key: K): SimFaults[K] | undefined {
    const f = this.faults[key];
    if (f === undefined) return undefined;
    if (f.times !== undefined) {
      if (f.times <= 0) {
        delete this.faults[key];
        return undefined;
      }
      f.times -= 1;
      if (f.times === 0) delete this.faults[key];
    }
    return f;
  }

  /** Takes one of the `failNext` failures; returns the status to answer with. */
  takeFailNext(): number | undefined {
    const f = this.faults.failNext;
    if (f === undefined || f.count <= 0) return undefined;
    f.count -= 1;
    if (f.count === 0) delete this.faults.failNext;
    return f.status ?? 500;
  }
}
