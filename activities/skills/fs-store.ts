/**
 * The filesystem Skill store: `<dir>/<name>/<version>/SKILL.md`, the
 * Agent Skills layout with one more level for versions. Default dir:
 * `.swarmflow/skills`.
 *
 * A version folder is written under a temporary name and renamed into
 * place, so readers never see half a skill and two concurrent captures
 * cannot both claim one version (the loser re-reads and takes the next).
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as semver from 'semver';
import { errnoCode } from '../tools/errors';
import { SkillFormatError, SkillVersionExistsError } from './errors';
import { checkName, checkRange, versionProblem } from './names';
import { parseSkillMarkdown, serializeSkill, skillHash } from './skill-md';
import type { SkillPutOptions, SkillStore } from './store';
import type { Skill, SkillContent, SkillPutResult, SkillSummary, StoredSkill } from './types';

export const DEFAULT_SKILLS_DIR = path.join('.swarmflow', 'skills');
const MAX_PUT_ATTEMPTS = 8;

export class FsSkillStore implements SkillStore {
  constructor(public readonly dir: string = DEFAULT_SKILLS_DIR) {}

  private file(name: string, version: string): string {
    return path.join(this.dir, name, version, 'SKILL.md');
  }

  /** Reads one stored version; throws SkillFormatError when the file is not a valid skill for its folder. */
  async read(name: string, version: string): Promise<StoredSkill | null> {
    checkName(name);
    if (versionProblem(version)) return null;
    const file = this.file(name, version);
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (err) {
      if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return null;
      throw err;
    }
    const skill = parseSkillMarkdown(text, file);
    if (skill.name !== name || skill.version !== version) {
      throw new SkillFormatError(file, [`front matter says ${skill.name}@${skill.version} but the folder is ${name}/${version}; restore the file or move it`]);
    }
    return { skill, hash: skillHash(skill) };
  }

  async versions(name: string): Promise<string[]> {
    checkName(name);
    let entries: string[];
    try {
      entries = await fs.readdir(path.join(this.dir, name));
    } catch (err) {
      if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return [];
      throw err;
    }
    // Temporary folders start with "." and are not versions.
    return semver.sort(entries.filter((e) => !e.startsWith('.') && versionProblem(e) === null));
  }

  async get(name: string, range?: string): Promise<StoredSkill | null> {
    checkName(name);
    const r = checkRange(name, range);
    const version = semver.maxSatisfying(await this.versions(name), r);
    return version ? this.read(name, version) : null;
  }

  async list(): Promise<SkillSummary[]> {
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return [];
      throw err;
    }
    const out: SkillSummary[] = [];
    for (const name of names.sort()) {
      if (name.startsWith('.')) continue;
      try {
        checkName(name);
      } catch {
        continue; // not a skill folder
      }
      const versions = await this.versions(name);
      const latest = versions[versions.length - 1];
      if (latest === undefined) continue;
      const stored = await this.read(name, latest);
      out.push({ name, versions, latest, description: stored?.skill.description ?? '' });
    }
    return out;
  }

  async put(content: SkillContent, opts: SkillPutOptions = {}): Promise<SkillPutResult> {
    checkName(content.name);
    if (opts.version !== undefined && versionProblem(opts.version)) throw new SkillFormatError(`skill ${content.name}`, [versionProblem(opts.version) ?? '']);
    const hash = skillHash(content);
    for (let attempt = 0; attempt < MAX_PUT_ATTEMPTS; attempt++) {
      const versions = await this.versions(content.name);
      for (const v of [...versions].reverse()) {
        const stored = await this.read(content.name, v);
        if (stored?.hash === hash) return { name: content.name, version: v, hash, created: false };
      }
      let version: string;
      if (opts.version !== undefined) {
        if (versions.includes(opts.version)) throw new SkillVersionExistsError(content.name, opts.version);
        version = opts.version;
      } else {
        const latest = versions.length > 0 ? semver.rsort([...versions])[0] : undefined;
        version = latest ? (semver.inc(latest, opts.bump ?? 'minor') ?? '1.0.0') : '1.0.0';
      }
      const skill: Skill = { ...content, version };
      if (await this.claim(skill)) return { name: content.name, version, hash, created: true };
      // Another writer took this version between our read and our rename: look again.
    }
    throw new Error(`skill ${content.name}: could not claim a new version after ${MAX_PUT_ATTEMPTS} attempts; is another process writing the same skill in a loop?`);
  }

  /** Writes the version folder under a temporary name and renames it into place; false if the version was taken. */
  private async claim(skill: Skill): Promise<boolean> {
    const parent = path.join(this.dir, skill.name);
    await fs.mkdir(parent, { recursive: true });
    const tmp = path.join(parent, `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
    await fs.mkdir(tmp);
    try {
      await fs.writeFile(path.join(tmp, 'SKILL.md'), serializeSkill(skill), { flag: 'wx' });
      try {
        // rename(2) onto an existing non-empty directory fails, so the first writer wins.
        await fs.rename(tmp, path.join(parent, skill.version));
        return true;
      } catch (err) {
        const code = errnoCode(err);
        if (code === 'ENOTEMPTY' || code === 'EEXIST') return false;
        throw err;
      }
    } finally {
      await fs.rm(tmp, { recursive: true, force: true });
    }
  }
}
