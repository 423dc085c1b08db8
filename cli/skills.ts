/**
 * `swarmflow skills ls | show NAME[@RANGE] | import DOC.md`: the Skill store
 * from the command line. Exit codes: 0 done, 1 failed (not found, invalid
 * document), 2 usage.
 *
 * `import` stores a SKILL.md (ours or an Agent Skills one) as written; a
 * plain document needs a model (`opts.chat`), which writes the skill through
 * the same path as the captureSkill step.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ChatFunction } from '../activities/skills/draft';
import { DEFAULT_SKILLS_DIR, FsSkillStore } from '../activities/skills/fs-store';
import { importSkillDocument } from '../activities/skills/import';
import { parseSkillRef } from '../activities/skills/names';
import { MAX_SKILL_BYTES, serializeSkill, skillSections } from '../activities/skills/skill-md';
import type { SkillStore } from '../activities/skills/store';

/** Where the command writes (cli/io.ts `Io` fits). */
export interface SkillsIo {
  out(s: string): void;
  err(s: string): void;
}

export interface SkillsOptions {
  json?: boolean;
  /** Store folder; default `.swarmflow/skills`. */
  dir?: string;
  /** Another store implementation (tests, shared deployments). */
  store?: SkillStore;
  /** Model access for importing plain documents. */
  chat?: ChatFunction;
  /** Model id for plain documents (default `kimi-k2.6`). */
  model?: string;
  /** `import --name`: store under this name. */
  name?: string;
}

const USAGE = 'usage: swarmflow skills ls | show NAME[@RANGE] | import DOC.md [--name NAME]';

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export async function skillsCommand(sub: string, args: string[], io: SkillsIo, opts: SkillsOptions = {}): Promise<number> {
  const store = opts.store ?? new FsSkillStore(opts.dir ?? DEFAULT_SKILLS_DIR);
  try {
    switch (sub) {
      case 'ls':
        if (args.length > 0) break;
        return await ls(store, io, opts);
      case 'show':
        if (args.length !== 1 || args[0] === undefined) break;
        return await show(store, args[0], io, opts);
      case 'import':
        if (args.length !== 1 || args[0] === undefined) break;
        return await importDoc(store, args[0], io, opts);
      default:
        break;
    }
  } catch (err) {
    io.err(`skills ${sub}: ${message(err)}`);
    return 1;
  }
  io.err(USAGE);
  return 2;
}

async function ls(store: SkillStore, io: SkillsIo, opts: SkillsOptions): Promise<number> {
  const skills = await store.list();
  if (opts.json) {
    io.out(JSON.stringify(skills, null, 2));
    return 0;
  }
  if (skills.length === 0) {
    io.out('no skills stored yet; capture one with a captureSkill step or run: swarmflow skills import DOC.md');
    return 0;
  }
  const w = Math.max(4, ...skills.map((s) => s.name.length));
  const lw = Math.max(6, ...skills.map((s) => s.latest.length));
  io.out(`${pad('NAME', w)}  ${pad('LATEST', lw)}  VERSIONS  DESCRIPTION`);
  for (const s of skills) {
    const desc = s.description.replace(/\s+/g, ' ');
    io.out(`${pad(s.name, w)}  ${pad(s.latest, lw)}  ${pad(String(s.versions.length), 8)}  ${desc.length > 80 ? `${desc.slice(0, 77)}...` : desc}`);
  }
  return 0;
}

async function show(store: SkillStore, ref: string, io: SkillsIo, opts: SkillsOptions): Promise<number> {
  const { name, range } = parseSkillRef(ref);
  const stored = await store.get(name, range);
  if (!stored) {
    const versions = await store.versions(name);
    io.err(versions.length > 0 ? `skill "${name}" has no version matching "${range}" (versions: ${versions.join(', ')})` : `skill "${name}" is not in the Skill store; see: swarmflow skills ls`);
    return 1;
  }
  const { skill, hash } = stored;
  if (opts.json) {
    io.out(
      JSON.stringify(
        {
          name: skill.name,
          version: skill.version,
          hash,
          description: skill.description,
          outputSchema: skill.outputSchema,
          provenance: skill.provenance,
          extra: skill.extra,
          sections: skillSections(skill.body),
          versions: await store.versions(name),
        },
        null,
        2,
      ),
    );
    return 0;
  }
  io.out(serializeSkill(skill));
  return 0;
}

async function importDoc(store: SkillStore, file: string, io: SkillsIo, opts: SkillsOptions): Promise<number> {
  const st = await fs.stat(file);
  if (!st.isFile()) throw new Error(`${file} is not a file`);
  if (st.size > MAX_SKILL_BYTES) throw new Error(`${file} is larger than ${MAX_SKILL_BYTES} bytes`);
  const text = await fs.readFile(file, 'utf8');
  const r = await importSkillDocument(text, {
    store,
    source: path.basename(file),
    ...(opts.chat ? { chat: opts.chat, model: opts.model ?? 'kimi-k2.6' } : {}),
    ...(opts.name !== undefined ? { name: opts.name } : {}),
  });
  if (opts.json) io.out(JSON.stringify(r, null, 2));
  else io.out(`${r.created ? 'imported' : 'already stored, unchanged:'} ${r.name}@${r.version} (${r.from === 'skill' ? 'SKILL.md stored as written' : 'written by the model from the document'})`);
  return 0;
}
