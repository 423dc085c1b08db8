/**
 * What an escape would leave behind, checked after every fuzz case:
 *
 * - a changed built-in prototype (a new, removed or replaced property of
 *   Object.prototype, Array.prototype, ...): prototype pollution;
 * - a canary read: a string planted in the environment and on globalThis
 *   that only host-language access could reach, found in a result;
 * - a trap sprung: getters on globalThis and process that count reads.
 *
 * And what a result must be: plain JSON data (no function, no class
 * instance, no getter, no symbol), nothing else.
 */
import { randomBytes } from 'node:crypto';

const PROTOTYPES: [string, object][] = [
  ['Object.prototype', Object.prototype],
  ['Array.prototype', Array.prototype],
  ['String.prototype', String.prototype],
  ['Number.prototype', Number.prototype],
  ['Boolean.prototype', Boolean.prototype],
  ['Function.prototype', Function.prototype],
  ['Map.prototype', Map.prototype],
  ['Set.prototype', Set.prototype],
  ['RegExp.prototype', RegExp.prototype],
  ['Promise.prototype', Promise.prototype],
  ['Error.prototype', Error.prototype],
  ['BigInt.prototype', BigInt.prototype],
  ['globalThis', globalThis],
];

type Snapshot = Map<string, Map<PropertyKey, unknown[]>>;

function describeProto(o: object): Map<PropertyKey, unknown[]> {
  const m = new Map<PropertyKey, unknown[]>();
  for (const k of Reflect.ownKeys(o)) {
    const d = Object.getOwnPropertyDescriptor(o, k);
    if (d) m.set(k, [d.value, d.get, d.set, d.writable, d.enumerable, d.configurable]);
  }
  return m;
}

function snapshot(): Snapshot {
  const s: Snapshot = new Map();
  for (const [name, o] of PROTOTYPES) s.set(name, describeProto(o));
  return s;
}

/** Keys that Node or Jest may add to globalThis between cases: not pollution. */
function ignoredGlobal(k: PropertyKey): boolean {
  return typeof k === 'string' && (k.startsWith('__') || k === 'jest' || k === 'expect' || k.startsWith('sfFuzz'));
}

/** The difference between two snapshots, as one line per change (empty: none). */
function diff(before: Snapshot, after: Snapshot): string[] {
  const out: string[] = [];
  for (const [name, b] of before) {
    const a = after.get(name) ?? new Map<PropertyKey, unknown[]>();
    for (const [k, v] of a) {
      if (name === 'globalThis' && ignoredGlobal(k)) continue;
      const old = b.get(k);
      if (!old) out.push(`${name}.${String(k)} was added`);
      // Node replaces some lazy globals (accessors) with values on first use: for globalThis only additions count.
      else if (name !== 'globalThis' && old.some((x, i) => !Object.is(x, v[i]))) out.push(`${name}.${String(k)} was changed`);
    }
    if (name === 'globalThis') continue;
    for (const k of b.keys()) if (!a.has(k)) out.push(`${name}.${String(k)} was removed`);
  }
  return out;
}

export interface Guards {
  /** The planted secrets: a result that contains one reached host state. */
  readonly canaries: readonly string[];
  /** Identifiers whose reads are counted (on globalThis and on process). */
  readonly trapName: string;
  /** Problems since the last call (pollution, traps sprung), then re-arms. */
  check(): string[];
  /** Is this text free of every canary? */
  clean(text: string): boolean;
  /** Removes the canaries and traps. */
  dispose(): void;
}

/**
 * Plants the canaries and traps. Call once per process (per test file);
 * `check()` after each case is cheap (a few hundred property reads).
 */
export function armGuards(): Guards {
  const envCanary = `sf-env-canary-${randomBytes(8).toString('hex')}`;
  const globalCanary = `sf-global-canary-${randomBytes(8).toString('hex')}`;
  const trapName = 'sfFuzzTrap';
  let sprung = 0;
  process.env.SWARMFLOW_FUZZ_CANARY = envCanary;
  Object.defineProperty(globalThis, 'sfFuzzCanary', { value: globalCanary, configurable: true, enumerable: false, writable: false });
  const trap = {
    configurable: true,
    enumerable: false,
    get(): string {
      sprung++;
      return globalCanary;
    },
  };
  Object.defineProperty(globalThis, trapName, trap);
  Object.defineProperty(process, trapName, trap);
  let base = snapshot();
  return {
    canaries: [envCanary, globalCanary],
    trapName,
    check(): string[] {
      const problems: string[] = [];
      const now = snapshot();
      problems.push(...diff(base, now));
      if (problems.length > 0) base = now; // report a pollution once, not on every later case
      if (sprung > 0) problems.push(`the trap ${trapName} on globalThis/process was read ${sprung} time(s)`);
      sprung = 0;
      const probe: Record<string, unknown> = {};
      for (const k of ['polluted', 'isAdmin', 'sfPolluted']) if (probe[k] !== undefined) problems.push(`({}).${k} is ${String(probe[k])}`);
      return problems;
    },
    clean(text: string): boolean {
      return !text.includes(envCanary) && !text.includes(globalCanary);
    },
    dispose(): void {
      delete process.env.SWARMFLOW_FUZZ_CANARY;
      Reflect.deleteProperty(globalThis, 'sfFuzzCanary');
      Reflect.deleteProperty(globalThis, trapName);
      Reflect.deleteProperty(process, trapName);
    },
  };
}

/**
 * Why a value is not plain JSON data, or null when it is: only null,
 * booleans, finite numbers, strings, arrays and objects whose prototype is
 * Object.prototype (or null) with data properties only.
 */
export function notPlainJson(v: unknown, path = '$', depth = 0): string | null {
  if (depth > 1000) return `${path}: nested deeper than 1000`;
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return null;
  if (typeof v === 'number') return Number.isFinite(v) ? null : `${path}: ${String(v)} is not a JSON number`;
  if (typeof v === 'function') return `${path}: a function`;
  if (typeof v !== 'object') return `${path}: a ${typeof v}`;
  if (Array.isArray(v)) {
    if (Object.getPrototypeOf(v) !== Array.prototype) return `${path}: an array with another prototype`;
    for (let i = 0; i < v.length; i++) {
      const bad = notPlainJson(v[i], `${path}[${i}]`, depth + 1);
      if (bad) return bad;
    }
    return null;
  }
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return `${path}: an instance of ${describeCtor(proto)}`;
  for (const k of Reflect.ownKeys(v)) {
    if (typeof k === 'symbol') return `${path}: a symbol key`;
    const d = Object.getOwnPropertyDescriptor(v, k);
    if (!d || d.get || d.set) return `${path}.${k}: an accessor property`;
    const bad = notPlainJson(d.value, `${path}.${k}`, depth + 1);
    if (bad) return bad;
  }
  return null;
}

function describeCtor(proto: unknown): string {
  const c: unknown = typeof proto === 'object' && proto !== null ? Reflect.get(proto, 'constructor') : undefined;
  return typeof c === 'function' && typeof c.name === 'string' ? c.name : 'an unknown class';
}
