/**
 * The pipeline: text -> document -> schema -> meaning -> IR, with every
 * problem of a file located and reported at once, in file order.
 */
import type { Diagnostic, Problem } from './diagnostic';
import type { SwarmIR } from './ir';
import { parseSource } from './document';
import type { ParseOptions, ParsedSource, SourceText } from './document';
import { locate, nodeAtPointer } from './locate';
import { schemaProblems } from './schema-check';
import { compileDefinition, hashIR } from './compile';
import { isMap } from './json';

/** A parsed definition for the editor: the yaml Document (with ranges), its data and its document-level diagnostics. */
export interface ParsedDocument extends SourceText {
  value: unknown;
  diagnostics: Diagnostic[];
}

/** Parses YAML text with the language's safety limits (size, aliases, depth, keys); no schema or meaning checks. */
export function parseDocument(text: string, file: string, options?: ParseOptions): ParsedDocument {
  const source = parseSource(text, file, options);
  return { file, text, doc: source.doc, lines: source.lines, value: source.value, diagnostics: sortDiagnostics(source.problems.map((p) => locate(source, p))) };
}

/** Every error of a definition, in file order; empty when it is valid. Never throws. */
export function validate(text: string, file: string, options?: ParseOptions): Diagnostic[] {
  return analyse(text, file, options).diagnostics;
}

/** Compiles a definition to its IR; `ir` is null whenever there is a diagnostic. Never throws. */
export function compile(text: string, file: string, options?: ParseOptions): { ir: SwarmIR | null; diagnostics: Diagnostic[] } {
  return analyse(text, file, options);
}

function analyse(text: string, file: string, options?: ParseOptions): { ir: SwarmIR | null; diagnostics: Diagnostic[] } {
  let source: ParsedSource | null = null;
  try {
    source = parseSource(text, file, options);
    const problems: Problem[] = [...source.problems];
    let ir: SwarmIR | null = null;
    const value = source.value;
    if (isMap(value)) {
      const src = source;
      const lineOf = (ptr: string): number | null => {
        if (!src.doc) return null;
        const at = nodeAtPointer(src.doc, ptr);
        const offset = at.node?.range?.[0];
        return offset === undefined ? null : src.lines.position(offset).line;
      };
      const schema = schemaProblems(value);
      const { ir: unhashed, problems: semantic } = compileDefinition(value, lineOf);
      // A place the schema already faulted needs no second message.
      const faulted = new Set(schema.map((p) => p.ptr));
      problems.push(...schema, ...semantic.filter((p) => !faulted.has(p.ptr)));
      if (problems.length === 0) ir = hashIR(unhashed);
    }
    return { ir, diagnostics: capDiagnostics(sortDiagnostics(problems.map((p) => locate(src(source), p))), file) };
  } catch (err) {
    // A bug, not a user error: still a located answer rather than a crash.
    const message = err instanceof Error ? err.message : String(err);
    return {
      ir: null,
      diagnostics: [{ file, line: 1, col: 1, code: 'SF999', ptr: '', message: `internal error in swarmflow (please report it): ${message}` }],
    };
  }
}

/** Diagnostics one file reports; nobody reads thousands, and each costs the CLI, the API and the editor. */
export const MAX_DIAGNOSTICS = 200;

/**
 * The first MAX_DIAGNOSTICS diagnostics in file order, then one SF013 that
 * counts the rest (at the last one shown, so it still sorts last).
 */
export function capDiagnostics(ds: Diagnostic[], file: string): Diagnostic[] {
  if (ds.length <= MAX_DIAGNOSTICS) return ds;
  const shown = ds.slice(0, MAX_DIAGNOSTICS);
  const last = shown[shown.length - 1];
  const more = ds.length - MAX_DIAGNOSTICS;
  const message = `${more.toLocaleString('en-US')} more ${more === 1 ? 'problem' : 'problems'} not shown; fix the ones above and validate again`;
  shown.push({ file, line: last?.line ?? 1, col: last?.col ?? 1, code: 'SF013', ptr: '', message });
  return shown;
}

function src(s: ParsedSource | null): SourceText {
  if (!s) throw new Error('no source');
  return s;
}

/** File order (line, then column), keeping the order of checks for one place; exact repeats dropped. */
export function sortDiagnostics(ds: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return ds
    .map((d, i) => ({ d, i }))
    .sort((a, b) => a.d.line - b.d.line || a.d.col - b.d.col || a.i - b.i)
    .map(({ d }) => d)
    .filter((d) => {
      const key = `${d.line}:${d.col}:${d.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}
