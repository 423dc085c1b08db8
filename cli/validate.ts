/**
 * `swarmflow validate FILE...`: every error of every file, as
 * `file:line:col: message`, in file order. Exit 0 when all are valid, 1 when
 * one is not, 2 when a file cannot be read or none is given.
 */
import { readFile } from 'node:fs/promises';
import { formatDiagnostic, validate } from '../dsl';
import type { Diagnostic } from '../dsl';

export interface CommandIo {
  out: (s: string) => void;
  err: (s: string) => void;
}

export async function validateCommand(files: string[], io: CommandIo, opts: { json?: boolean } = {}): Promise<number> {
  if (files.length === 0) {
    io.err('swarmflow validate: name at least one file, e.g. swarmflow validate examples/*.swarm.yaml');
    return 2;
  }
  const results: { file: string; valid: boolean; diagnostics: Diagnostic[]; error?: string }[] = [];
  let unreadable = false;
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      unreadable = true;
      const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
      results.push({ file, valid: false, diagnostics: [], error: `cannot read ${file}: ${reason}` });
      if (!opts.json) io.err(`swarmflow validate: cannot read ${file}: ${reason}`);
      continue;
    }
    const diagnostics = validate(text, file);
    results.push({ file, valid: diagnostics.length === 0, diagnostics });
    if (opts.json) continue;
    if (diagnostics.length === 0) io.out(`${file}: valid`);
    for (const d of diagnostics) io.out(formatDiagnostic(d));
  }
  if (opts.json) io.out(JSON.stringify(results, null, 2));
  else {
    const invalid = results.filter((r) => !r.valid && r.error === undefined).length;
    const errors = results.reduce((n, r) => n + r.diagnostics.length, 0);
    if (invalid > 0) io.err(`${errors} error${errors === 1 ? '' : 's'} in ${invalid} file${invalid === 1 ? '' : 's'}`);
  }
  if (unreadable) return 2;
  return results.every((r) => r.valid) ? 0 : 1;
}
