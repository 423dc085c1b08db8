/**
 * Names a place in a definition the way its author thinks of it: `step
 * "work"`, `the "timeout" of step "work"`, `model "planner"`, `"limits.deadline"`.
 * Every message that names a place goes through here, so they read alike.
 */
import { isMap, own, str } from './json';
import { segments } from './pointer';

/** Keys under a step that hold lists of steps. */
export const STEP_LIST_KEYS = new Set(['do', 'then', 'else', 'parallel', 'sequence']);

export interface Place {
  /** `the swarm`, `step "work"`, `model "planner"`, `tool "test"`, `agent "coder"`. */
  owner: string;
  /** Segments below the owner, e.g. `['retry', 'maxAttempts']`. */
  rest: string[];
  /** Pointer of the innermost step on the way, when there is one. */
  stepPtr: string | null;
  /** True when the pointer names a step itself. */
  isStep: boolean;
}

export function placeOf(root: unknown, ptr: string): Place {
  const segs = segments(ptr);
  let owner = 'the swarm';
  let rest: string[] = [];
  let stepPtr: string | null = null;
  let state: 'root' | 'list' | 'step' | 'loop' | 'field' = 'root';
  let node: unknown = root;
  let path = '';
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i] ?? '';
    const child: unknown = Array.isArray(node) ? node[Number(seg)] : isMap(node) ? own(node, seg) : undefined;
    path += '/' + seg.replace(/~/g, '~0').replace(/\//g, '~1');
    switch (state) {
      case 'root':
        if (seg === 'steps' && i + 1 < segs.length) state = 'list';
        else if ((seg === 'models' || seg === 'tools' || seg === 'agents') && i + 1 < segs.length) {
          const name = segs[i + 1] ?? '';
          owner = `${seg.slice(0, -1)} "${name}"`;
          rest = [];
          i++;
          path += '/' + name.replace(/~/g, '~0').replace(/\//g, '~1');
          node = isMap(child) ? own(child, name) : undefined;
          state = 'field';
          continue;
        } else {
          rest.push(seg);
          state = 'field';
        }
        break;
      case 'list':
        owner = stepLabel(child, path);
        rest = [];
        stepPtr = path;
        state = 'step';
        break;
      case 'step':
        if (STEP_LIST_KEYS.has(seg)) {
          rest.push(seg);
          state = 'list';
        } else if (seg === 'loop') {
          rest.push(seg);
          state = 'loop';
        } else {
          rest.push(seg);
          state = 'field';
        }
        break;
      case 'loop':
        rest.push(seg);
        state = seg === 'do' ? 'list' : 'field';
        break;
      case 'field':
        rest.push(seg);
        break;
    }
    node = child;
  }
  const isStep = stepPtr !== null && stepPtr === ptr;
  // A list position is described from its step, not as a dangling "do".
  return { owner, rest: isStep ? [] : rest, stepPtr, isStep };
}

function stepLabel(step: unknown, ptr: string): string {
  const id = isMap(step) ? str(step, 'id') : undefined;
  return id !== undefined && id.length > 0 ? `step "${id}"` : `the step at ${dotted(segments(ptr))}`;
}

/** `['retry', 'maxAttempts']` -> `retry.maxAttempts`; `['tools', '1']` -> `tools[1]`. */
export function dotted(parts: readonly string[]): string {
  let out = '';
  for (const p of parts) {
    if (/^\d+$/.test(p)) out += `[${p}]`;
    else out += out === '' ? p : `.${p}`;
  }
  return out;
}

/** The subject of a sentence about the value at `ptr`. */
export function subjectOf(root: unknown, ptr: string): string {
  const place = placeOf(root, ptr);
  if (place.rest.length === 0) return place.owner;
  if (place.owner === 'the swarm') return `"${dotted(place.rest)}"`;
  return `the "${dotted(place.rest)}" of ${place.owner}`;
}

/** The value as a sentence shows it: `the string "abc"`, `the number 3`, `a list`. */
export function showValue(v: unknown): string {
  if (v === null || v === undefined) return 'empty';
  if (typeof v === 'string') return `the string ${quote(v)}`;
  if (typeof v === 'number') return `the number ${String(v)}`;
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return 'a list';
  return 'a mapping';
}

/** A string in double quotes, cut to a readable length. */
export function quote(s: string, max = 60): string {
  const cut = s.length > max ? `${s.slice(0, max - 1)}…` : s;
  return JSON.stringify(cut);
}

/** `a, b and c`, cut after `max` names. */
export function nameList(names: readonly string[], max = 20): string {
  if (names.length === 0) return 'none';
  const shown = names.slice(0, max);
  const more = names.length > max ? `, … (${names.length - max} more)` : '';
  return shown.join(', ') + more;
}

/** The closest candidate to a misspelled name, if it is close enough to be a likely typo. */
export function suggest(name: string, candidates: Iterable<string>): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  const lower = name.toLowerCase();
  for (const c of candidates) {
    const d = c.toLowerCase() === lower ? 0 : editDistance(lower, c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  const allowed = Math.max(1, Math.min(2, Math.floor(name.length / 3)));
  return best !== null && bestDistance <= allowed ? best : null;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3) return 99;
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] ?? 0;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j] ?? 0;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      prev[j] = Math.min(up + 1, (prev[j - 1] ?? 0) + 1, diag + cost);
      diag = up;
    }
  }
  return prev[b.length] ?? 99;
}
