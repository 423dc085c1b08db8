/**
 * The `shell` allow list: each entry is an argv prefix ("npm test"), matched
 * token by token against the argv of a call. There is no shell: nothing is
 * expanded, quoted, piped or chained. Tokens may only use a small set of
 * characters, because many allowed programs (npm, npx, make) hand their
 * arguments to a shell of their own.
 */
import { ToolRefusedError } from './errors';

/** Characters a token may use. An allow list of characters, not a deny list of metacharacters. */
const TOKEN_RE = /^[A-Za-z0-9_./:=@+,%^-]+$/;
const MAX_ARGS = 64;
const MAX_TOKEN = 1024;

/** Why a token is refused, or null when it is fine. */
export function tokenProblem(token: string): string | null {
  if (token.length === 0) return 'an empty argument';
  if (token.length > MAX_TOKEN) return `an argument longer than ${MAX_TOKEN} characters`;
  if (TOKEN_RE.test(token)) return null;
  const bad = [...token].find((c) => !TOKEN_RE.test(c)) ?? '?';
  const shown = bad === '\0' ? 'NUL' : bad === '\n' ? 'newline' : JSON.stringify(bad);
  return `${JSON.stringify(token.slice(0, 60))} contains ${shown}; arguments may only use letters, digits and _ . / : = @ + , % ^ - (there is no shell: no pipes, chaining, substitution, quoting or globbing)`;
}

/** Splits an allow entry or a command string on whitespace. */
export function splitCommand(text: string): string[] {
  return text.trim().split(/\s+/).filter((t) => t.length > 0);
}

/** Error sentences for the `allow` entries of a configuration. */
export function checkAllowEntries(allow: string[]): string[] {
  const problems: string[] = [];
  allow.forEach((entry, i) => {
    const tokens = splitCommand(entry);
    if (tokens.length === 0) problems.push(`allow[${i}] is empty`);
    for (const t of tokens) {
      const p = tokenProblem(t);
      if (p) problems.push(`allow[${i}]: ${p}`);
    }
    if (tokens[0]?.split('/').includes('..')) problems.push(`allow[${i}]: the program path must not climb with ".."`);
  });
  return problems;
}

/** The argv to run: the one allowed command when none is given, a split string, or a list. */
export function argvOf(command: string | string[] | undefined, allow: string[]): string[] {
  if (command === undefined) {
    const only = allow.length === 1 ? allow[0] : undefined;
    if (only === undefined) throw new ToolRefusedError(`give a command; allowed: ${allow.map((a) => JSON.stringify(a)).join(', ')}`);
    return splitCommand(only);
  }
  // A line break in a command string would be a second command to a shell; here it is refused outright.
  if (typeof command === 'string' && /[\r\n\0]/.test(command)) throw new ToolRefusedError('command refused: it contains a line break or NUL; give one command');
  const argv = typeof command === 'string' ? splitCommand(command) : command;
  if (argv.length === 0) throw new ToolRefusedError('the command is empty');
  if (argv.length > MAX_ARGS) throw new ToolRefusedError(`the command has more than ${MAX_ARGS} arguments`);
  for (const t of argv) {
    const p = tokenProblem(t);
    if (p) throw new ToolRefusedError(`command refused: ${p}`);
  }
  return argv;
}

/** Throws unless `argv` starts with (or, with `exact`, equals) one allow entry. */
export function checkAllowed(argv: string[], allow: string[], exact: boolean): void {
  for (const entry of allow) {
    const prefix = splitCommand(entry);
    if (prefix.length === 0 || argv.length < prefix.length) continue;
    if (exact && argv.length !== prefix.length) continue;
    if (prefix.every((t, i) => argv[i] === t)) return;
  }
  throw new ToolRefusedError(
    `command ${JSON.stringify(argv.join(' ').slice(0, 200))} is not on this tool's allow list (${allow.map((a) => JSON.stringify(a)).join(', ')})${exact ? '; extra arguments are not allowed' : ''}`,
  );
}
