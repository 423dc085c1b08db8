/**
 * A Skill: a document that captures how a working solution was made (when
 * to use it, instructions, an output template and schema, an example) so
 * later tasks repeat it with the same quality and format.
 *
 * On disk it is a `SKILL.md` with YAML front matter, laid out as the Agent
 * Skills format expects (a folder per skill, front matter `name` and
 * `description`), so skills written for other agents import as they are.
 */
import type { Json } from '../../dsl/ir';

export type { Json };

/** Where a captured skill came from. */
export interface SkillProvenance {
  /** Root workflow id of the run that captured it, or `import`. */
  run: string;
  /** The step whose work was captured, or `import`. */
  step: string;
  /** The model that wrote the skill document. */
  model: string;
  /** ISO date-time of the capture. */
  date: string;
  /** Idempotency key of the capture activity: a retried capture finds its own version. */
  key?: string;
  /** For imports: the document's file name. */
  source?: string;
  /** True when the simulated model wrote it (a demo or test skill, not a real one). */
  simulated?: boolean;
}

/** A skill's content: everything but the version. Its hash identifies it. */
export interface SkillContent {
  /** Lowercase letters, digits, `-` and `_`; at most 64 characters (a folder name, never a path). */
  name: string;
  /** What the skill does and when to use it (Agent Skills: at most 1024 characters). */
  description: string;
  /** JSON Schema the output of a task following the skill must satisfy, or null. */
  outputSchema: Json | null;
  /** Null for skills imported without provenance. Not part of the hash. */
  provenance: SkillProvenance | null;
  /** Other front matter, kept as written (Agent Skills: license, compatibility, metadata, allowed-tools...). */
  extra: { [key: string]: Json };
  /** The Markdown after the front matter. */
  body: string;
}

export interface Skill extends SkillContent {
  /** Semantic version, e.g. `1.2.0`. */
  version: string;
}

export interface StoredSkill {
  skill: Skill;
  /** `sha256:<hex>` of the canonical content (provenance and version excluded). */
  hash: string;
}

export interface SkillPutResult {
  name: string;
  version: string;
  hash: string;
  /** False when the same content was already stored (the existing version is returned). */
  created: boolean;
}

export interface SkillSummary {
  name: string;
  /** Ascending semver order. */
  versions: string[];
  latest: string;
  description: string;
}

export type VersionBump = 'major' | 'minor' | 'patch';

/** The skill document a model writes (the meta-template's answer), before it becomes SKILL.md. */
export interface SkillDraft {
  name: string;
  description: string;
  whenToUse: string;
  instructions: string;
  outputTemplate: string;
  outputSchema: Json;
  example: string;
}
