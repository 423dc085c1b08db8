/**
 * The Skill store interface. Versions are immutable; content is identified
 * by its hash, so storing the same content again returns the version that
 * already holds it instead of making a new one.
 *
 * `FsSkillStore` (fs-store.ts) is the default; a shared deployment can
 * implement this over a database or object storage.
 */
import type { SkillContent, SkillPutResult, SkillSummary, StoredSkill, VersionBump } from './types';

export interface SkillPutOptions {
  /** How the next version is derived from the latest one (default `minor`; the first version is 1.0.0). */
  bump?: VersionBump;
  /** Store under exactly this version (imports that carry one). Throws SkillVersionExistsError if it holds other content. */
  version?: string;
}

export interface SkillStore {
  /** Stores the content as a new version, or returns the version that already holds the same content. */
  put(content: SkillContent, opts?: SkillPutOptions): Promise<SkillPutResult>;
  /** The highest version satisfying the semver range (default `*`), or null. Throws SkillRefError for a bad name or range. */
  get(name: string, range?: string): Promise<StoredSkill | null>;
  /** Versions of a skill in ascending order; empty when it has none. */
  versions(name: string): Promise<string[]>;
  /** Every skill with its versions, sorted by name. */
  list(): Promise<SkillSummary[]>;
}
