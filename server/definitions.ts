/**
 * Definitions as the API receives them: YAML text in a YAML body or in JSON
 * `{ "yaml": ... }`, checked and compiled by the DSL (which only parses and
 * type-checks: no side effects, security rules 3 and 4). Problems come back
 * as the CLI prints them, `file:line:col: message`, with the structured
 * diagnostics beside them for editors.
 */
import type { Request } from 'express';
import type { SwarmIR } from '../dsl/ir';
import { formatDiagnostic, type Diagnostic } from '../dsl/diagnostic';
import { ApiError } from './errors';
import type { Layout } from './store/types';
import { checkBody } from './validation';

/** What the API needs from the DSL (dsl/index.ts provides it; tests may pass another). */
export interface Compiler {
  compile(text: string, file: string): { ir: SwarmIR | null; diagnostics: Diagnostic[] };
  validate(text: string, file: string): Diagnostic[];
}

export const DEFAULT_FILE = 'definition.swarm.yaml';
const FILE_NAME = /^[^\u0000-\u001f\u007f]{1,255}$/;

export interface DefinitionRequest {
  yaml: string;
  /** Only a name for messages: never opened (security rule 8). */
  file: string;
  /** Undefined: not sent (keep the stored one). */
  layout?: Layout | null;
}

function fileFromQuery(req: Request, fallback: string): string {
  const f = req.query.file;
  if (f === undefined) return fallback;
  if (typeof f !== 'string' || !FILE_NAME.test(f)) throw new ApiError('bad_request', 'the "file" query parameter must be one name of 1-255 printable characters', ['query/file: does not have the expected form']);
  return f;
}

/** The definition of a validate, compile or PUT request, from either body form. */
export function readDefinition(req: Request, o: { withLayout: boolean; defaultFile?: string }): DefinitionRequest {
  const body = req.parsedBody ?? { kind: 'none' };
  const fallback = o.defaultFile ?? DEFAULT_FILE;
  if (body.kind === 'none') throw new ApiError('bad_request', 'send the definition as the body: YAML text (Content-Type: application/yaml) or JSON {"yaml": "..."}');
  if (body.kind === 'yaml') return { yaml: body.text, file: fileFromQuery(req, fallback) };
  if (o.withLayout) {
    const b = checkBody<{ yaml: string; file?: string; layout?: Layout | null }>('PutSwarmBody', body.value);
    return { yaml: b.yaml, file: b.file ?? fileFromQuery(req, fallback), layout: b.layout };
  }
  const b = checkBody<{ yaml: string; file?: string }>('DefinitionBody', body.value);
  return { yaml: b.yaml, file: b.file ?? fileFromQuery(req, fallback) };
}

export function invalidDefinition(file: string, diagnostics: Diagnostic[]): ApiError {
  const n = diagnostics.length;
  return new ApiError('invalid_definition', `${file} is not a valid swarm definition: ${n} problem${n === 1 ? '' : 's'} (see details)`, diagnostics.map(formatDiagnostic), { diagnostics });
}

/** Compiles or throws 400 `invalid_definition` with every located problem. */
export function compileOrThrow(compiler: Compiler, yaml: string, file: string): SwarmIR {
  const { ir, diagnostics } = compiler.compile(yaml, file);
  if (diagnostics.length > 0 || !ir) throw invalidDefinition(file, diagnostics);
  return ir;
}
