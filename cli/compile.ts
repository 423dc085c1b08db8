/**
 * `swarmflow compile FILE [-o OUT]`: the IR as JSON, on stdout or in OUT.
 * Errors go to stderr as `file:line:col: message`. Exit 0 compiled, 1
 * invalid, 2 when the file cannot be read or OUT cannot be written.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { compile, formatDiagnostic } from '../dsl';
import type { CommandIo } from './validate';

export async function compileCommand(file: string, io: CommandIo, opts: { out?: string } = {}): Promise<number> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    io.err(`swarmflow compile: cannot read ${file}: ${reason(err)}`);
    return 2;
  }
  const { ir, diagnostics } = compile(text, file);
  if (!ir) {
    for (const d of diagnostics) io.err(formatDiagnostic(d));
    io.err(`${diagnostics.length} error${diagnostics.length === 1 ? '' : 's'}; nothing compiled`);
    return 1;
  }
  const json = `${JSON.stringify(ir, null, 2)}\n`;
  if (opts.out === undefined) {
    io.out(json);
    return 0;
  }
  try {
    await mkdir(dirname(opts.out), { recursive: true });
    await writeFile(opts.out, json, 'utf8');
  } catch (err) {
    io.err(`swarmflow compile: cannot write ${opts.out}: ${reason(err)}`);
    return 2;
  }
  io.out(`${file} -> ${opts.out} (sha256 ${ir.sha256})`);
  return 0;
}

function reason(err: unknown): string {
  return err instanceof Error ? (err.message.split('\n')[0] ?? err.name) : String(err);
}
