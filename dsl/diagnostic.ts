import type { Code } from './codes';

/** One located error in a swarm definition. */
export interface Diagnostic {
  file: string;
  /** 1-based line of the offending node. */
  line: number;
  /** 1-based column of the offending node. */
  col: number;
  /** One plain sentence: what is wrong and what is expected. */
  message: string;
  /** Stable id from the catalogue in dsl/codes.ts, e.g. `SF102`. */
  code: Code;
  /** JSON pointer of the offending node, e.g. `/steps/1/do/0/agent` (`''` is the whole document). */
  ptr: string;
}

/** `file:line:col: message`, the form the CLI and editors print. */
export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.col}: ${d.message}`;
}

/**
 * A problem before it is located: the checks work on JSON pointers and leave
 * the source positions to one place (dsl/locate.ts).
 */
export interface Problem {
  code: Code;
  ptr: string;
  message: string;
  /** Point at the mapping key instead of its value (unknown keys, duplicates). */
  at?: 'key' | 'value';
  /** Offset inside the string value (an expression inside a prompt), when known. */
  offset?: number;
  /** An absolute source offset, for problems found before there is a tree (size, depth, syntax). */
  sourceOffset?: number;
}
