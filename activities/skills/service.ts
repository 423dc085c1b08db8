/**
 * The Skill service a worker holds: one store and blob store, and the three
 * operations the activities and the CLI call (capture, resolve, import).
 */
import * as path from 'node:path';
import type { BlobStore } from '../blobs';
import type { CaptureSkillInput, CaptureSkillResult, ResolvedSkill } from '../contracts';
import { resolveSkills } from './apply';
import { captureSkill } from './capture';
import type { ChatFunction } from './draft';
import { FsSkillStore } from './fs-store';
import { importSkillDocument, type ImportResult } from './import';
import type { SkillStore } from './store';

export interface SkillServiceOptions {
  /** Store folder (default `.swarmflow/skills`); ignored when `store` is given. */
  dir?: string;
  store?: SkillStore;
  blobs: BlobStore;
  now?: () => Date;
}

export interface SkillServiceImpl {
  store: SkillStore;
  /** The captureSkill activity's body; `chat` is the pool call for the step's model. */
  capture(input: CaptureSkillInput, chat: ChatFunction): Promise<CaptureSkillResult>;
  /** Pins skill versions when a run starts; throws SkillNotFoundError listing every missing one. */
  resolve(refs: { name: string; range: string }[]): Promise<ResolvedSkill[]>;
  /** `swarmflow skills import`: a SKILL.md as is, or a plain document through the model. */
  importDocument(markdown: string, opts: { chat?: ChatFunction; model?: string; name?: string; source?: string }): Promise<ImportResult>;
}

export function createSkillService(opts: SkillServiceOptions): SkillServiceImpl {
  const store = opts.store ?? new FsSkillStore(opts.dir ?? path.join('.swarmflow', 'skills'));
  const now = opts.now;
  return {
    store,
    capture: (input, chat) => captureSkill(input, { chat, blobs: opts.blobs, store, ...(now ? { now } : {}) }),
    resolve: (refs) => resolveSkills(refs, store, opts.blobs),
    importDocument: (markdown, o) => importSkillDocument(markdown, { store, ...o, ...(now ? { now } : {}) }),
  };
}
