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
];

/** Each prototype's own keys and, per key, what the descriptor holds (value, getter, setter). */
interface ProtoState {
  name: string;
  o: object;
  keys: (string | symbol)[];
  parts: Map<string | symbol, [unknown, unknown, unknown]>;
}

function stateOf(name: string, o: object): ProtoState {
  const keys = Reflect.ownKeys(o);
  const parts = new Map<string | symbol, [unknown, unknown, unknown]>();
  for (const k of keys) {
    const d = Object.getOwnPropertyDescriptor(o, k);
    parts.set(k, [d?.value, d?.get, d?.set]);
  }
  return { name, o, keys, parts };
}

/** What changed on one prototype since its state was taken (empty: nothing). Cheap when nothing did. */
function changes(st: ProtoState): string[] {
  const out: string[] = [];
  const keys = Reflect.ownKeys(st.o);
  for (const k of keys) {
    const was = st.parts.get(k);
    if (!was) {
      out.push(`${st.name}.${String(k)} was added`);
      continue;
    }
    const d = Object.getOwnPropertyDescriptor(st.o, k);
    if (!d || !Object.is(d.value, was[0]) || d.get !== was[1] || d.set !== was[2]) out.push(`${st.name}.${String(k)} was changed`);
  }
  if (keys.length - out.filter((x) => x.endsWith('added')).length !== st.keys.length) {
    const now = new Set(keys);
    for (const k of st.keys) if (!now.has(k)) out.push(`${st.name}.${String(k)} was removed`);
  }
  return out;
}

/** Keys that Node or Jest may add to globalThis between cases: not pollution. */
function ignoredGlobal(k: PropertyKey): boolean {
  return typeof k === 'string' && (k.startsWith('__') || k === 'jest' || k === 'expect' || k.startsWith('sfFuzz'));
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
  let protos = PROTOTYPES.map(([name, o]) => stateOf(name, o));
  // globalThis: only additions count (Node replaces some lazy accessors with values on first use).
  let globals = new Set(Reflect.ownKeys(globalThis));
  return {
    canaries: [envCanary, globalCanary],
    trapName,
    check(): string[] {
      const problems: string[] = [];
      for (const st of protos) problems.push(...changes(st));
      const g = Reflect.ownKeys(globalThis);
      if (g.length !== globals.size) for (const k of g) if (!globals.has(k) && !ignoredGlobal(k)) problems.push(`globalThis.${String(k)} was added`);
      if (problems.length > 0 || g.length !== globals.size) {
        // Report a pollution once, not on every later case.
        protos = PROTOTYPES.map(([name, o]) => stateOf(name, o));
        globals = new Set(g);
      }
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
