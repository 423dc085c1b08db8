/** Skill names and versions: checked before they become folder names or semver lookups. */
import * as semver from 'semver';
import { SkillRefError } from './errors';

/** Lowercase letters, digits, `-` and `_`: a DSL skill name or an Agent Skills name; never a path. */
export const SKILL_NAME_RE = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export function nameProblem(name: unknown): string | null {
  if (typeof name !== 'string' || !SKILL_NAME_RE.test(name)) {
    return `name ${JSON.stringify(name)} must be 1 to 64 lowercase letters, digits, "-" or "_", starting with a letter or digit`;
  }
  return null;
}

/** A full semantic version as written (`1.2.0`, `2.0.0-rc.1`), without a `v` prefix. */
export function versionProblem(version: unknown): string | null {
  if (typeof version !== 'string' || semver.valid(version) !== version) {
    return `version ${JSON.stringify(version)} must be a semantic version such as 1.0.0`;
  }
  return null;
}

export function checkName(name: string): void {
  const p = nameProblem(name);
  if (p) throw new SkillRefError(`skill ${p}`);
}

/** `*` when empty; throws when the text is not a semver range. */
export function checkRange(name: string, range: string | undefined): string {
  const r = range === undefined || range.trim() === '' || range === 'latest' ? '*' : range.trim();
  if (semver.validRange(r) === null) throw new SkillRefError(`skill ${name}: ${JSON.stringify(range)} is not a semver range (examples: ^2, ~1.4, 1.2.0, *)`);
  return r;
}

/** Splits `name@range` (the CLI's NAME[@VER]). */
export function parseSkillRef(text: string): { name: string; range: string } {
  const at = text.indexOf('@');
  const name = at === -1 ? text : text.slice(0, at);
  const range = at === -1 ? '*' : text.slice(at + 1);
  checkName(name);
  return { name, range: checkRange(name, range) };
}
