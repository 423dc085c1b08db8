/**
 * What the API stores: swarm definitions (versioned YAML text with an editor
 * layout beside it) and run metadata. The interfaces are async so a shared
 * deployment can put them on a network database; `sqlite.ts` is the embedded
 * default and `memory.ts` serves tests. One conformance suite
 * (tests/api/store.test.ts) runs against every implementation.
 */
import type { RunStatus } from '../../workflows/types';

/** Editor node positions, keyed by the JSON pointer of the node in the definition (`/steps/0`). */
export type Layout = Record<string, LayoutEntry>;

export interface LayoutEntry {
  x: number;
  y: number;
  width?: number;
  height?: number;
  collapsed?: boolean;
}

export interface StoredDefinition {
  name: string;
  /** The definition's own `version:` (bumped by its author). */
  version: number;
  yaml: string;
  /** sha256 of the compiled IR, so a run can be traced to the exact definition. */
  irSha256: string;
  description: string | null;
  layout: Layout | null;
  createdAt: string;
  updatedAt: string;
  /** When a run (or a calling swarm) first used this version; from then on its YAML cannot change. */
  usedAt: string | null;
  usedBy: string | null;
}

export interface DefinitionInput {
  name: string;
  version: number;
  yaml: string;
  irSha256: string;
  description: string | null;
  /** Undefined keeps the stored layout; null clears it. */
  layout?: Layout | null;
}

/**
 * - `created`: a version that was not stored before;
 * - `unchanged`: the same YAML was already stored under this version (its layout may have been updated);
 * - `replaced`: a version no run has used yet got new YAML.
 */
export type PutOutcome = 'created' | 'unchanged' | 'replaced';

export interface DefinitionSummary {
  name: string;
  latest: number;
  versions: number[];
  description: string | null;
  updatedAt: string;
}

export interface VersionSummary {
  version: number;
  irSha256: string;
  createdAt: string;
  updatedAt: string;
  usedAt: string | null;
}

/** Thrown when new YAML would overwrite a version that a run already used. */
export class DefinitionImmutableError extends Error {
  constructor(
    readonly swarm: string,
    readonly version: number,
    readonly usedBy: string | null,
  ) {
    super(`version ${version} of swarm "${swarm}" is immutable: ${usedBy ? `run ${usedBy}` : 'a run'} used it; bump \`version:\` in the definition to store a changed one`);
    this.name = 'DefinitionImmutableError';
  }
}

export interface DefinitionStore {
  putDefinition(d: DefinitionInput, now?: Date): Promise<{ outcome: PutOutcome; definition: StoredDefinition }>;
  /** A version, or the highest one when `version` is null; null when there is none. */
  getDefinition(name: string, version: number | null): Promise<StoredDefinition | null>;
  listDefinitions(): Promise<DefinitionSummary[]>;
  /** Ascending; empty when the swarm is not stored. */
  listVersions(name: string): Promise<VersionSummary[]>;
  /** Freezes a version: after this, `putDefinition` with other YAML throws DefinitionImmutableError. Idempotent. */
  markUsed(name: string, version: number, by: string, now?: Date): Promise<void>;
}

export interface RunRecord {
  /** The root workflow id, `swarm-name/run-id`. */
  id: string;
  swarm: string;
  version: number;
  irSha256: string;
  /** `stored` when started from a stored definition, `inline` when the YAML came with the request. */
  source: 'stored' | 'inline';
  startedAt: string;
  /** The API key name that started it (`local` without keys). */
  startedBy: string;
  status: RunStatus;
  closedAt: string | null;
}

export interface RunStore {
  /** Records a started run; recording the same id again is an error (Temporal refused it first). */
  recordRun(r: RunRecord): Promise<void>;
  getRun(id: string): Promise<RunRecord | null>;
  /** Keeps the last status seen; unknown ids are ignored (runs started outside the API). */
  setRunStatus(id: string, status: RunStatus, closedAt: string | null): Promise<void>;
  /** Newest first. */
  listRuns(o: { limit: number; swarm?: string }): Promise<RunRecord[]>;
}

export type ApiStore = DefinitionStore & RunStore & { close(): void };
