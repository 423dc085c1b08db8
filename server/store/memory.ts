/**
 * An in-memory store with the same behaviour as the SQLite one, for tests
 * and for embedding the API without a data directory. Values are copied in
 * and out, so callers cannot change what is stored by mutating a result.
 */
import type { RunStatus } from '../../workflows/types';
import {
  DefinitionImmutableError,
  type ApiStore,
  type DefinitionInput,
  type DefinitionSummary,
  type PutOutcome,
  type RunRecord,
  type StoredDefinition,
  type VersionSummary,
} from './types';

const copy = <T>(v: T): T => structuredClone(v);

export function memoryStore(): ApiStore {
  const defs = new Map<string, StoredDefinition>();
  const runs = new Map<string, RunRecord>();
  const key = (name: string, version: number): string => `${name}@${version}`;
  const versionsOf = (name: string): StoredDefinition[] => [...defs.values()].filter((d) => d.name === name).sort((a, b) => a.version - b.version);

  return {
    async putDefinition(d: DefinitionInput, now = new Date()) {
      const at = now.toISOString();
      const old = defs.get(key(d.name, d.version));
      let outcome: PutOutcome;
      let next: StoredDefinition;
      if (!old) {
        outcome = 'created';
        next = { name: d.name, version: d.version, yaml: d.yaml, irSha256: d.irSha256, description: d.description, layout: d.layout ?? null, createdAt: at, updatedAt: at, usedAt: null, usedBy: null };
      } else if (old.yaml === d.yaml) {
        outcome = 'unchanged';
        next = d.layout === undefined ? old : { ...old, layout: d.layout, updatedAt: at };
      } else {
        if (old.usedAt !== null) throw new DefinitionImmutableError(d.name, d.version, old.usedBy);
        outcome = 'replaced';
        next = { ...old, yaml: d.yaml, irSha256: d.irSha256, description: d.description, layout: d.layout === undefined ? old.layout : d.layout, updatedAt: at };
      }
      defs.set(key(d.name, d.version), copy(next));
      return { outcome, definition: copy(next) };
    },
    async getDefinition(name: string, version: number | null) {
      const d = version === null ? versionsOf(name).at(-1) : defs.get(key(name, version));
      return d ? copy(d) : null;
    },
    async listDefinitions(): Promise<DefinitionSummary[]> {
      const names = [...new Set([...defs.values()].map((d) => d.name))].sort();
      return names.map((name) => {
        const vs = versionsOf(name);
        const latest = vs[vs.length - 1] as StoredDefinition;
        return { name, latest: latest.version, versions: vs.map((v) => v.version), description: latest.description, updatedAt: vs.map((v) => v.updatedAt).sort().at(-1) ?? latest.updatedAt };
      });
    },
    async listVersions(name: string): Promise<VersionSummary[]> {
      return versionsOf(name).map((d) => ({ version: d.version, irSha256: d.irSha256, createdAt: d.createdAt, updatedAt: d.updatedAt, usedAt: d.usedAt }));
    },
    async markUsed(name: string, version: number, by: string, now = new Date()) {
      const d = defs.get(key(name, version));
      if (d && d.usedAt === null) defs.set(key(name, version), { ...d, usedAt: now.toISOString(), usedBy: by });
    },
    async recordRun(r: RunRecord) {
      if (runs.has(r.id)) throw new Error(`run ${r.id} is already recorded`);
      runs.set(r.id, copy(r));
    },
    async getRun(id: string) {
      const r = runs.get(id);
      return r ? copy(r) : null;
    },
    async setRunStatus(id: string, status: RunStatus, closedAt: string | null) {
      const r = runs.get(id);
      if (r) runs.set(id, { ...r, status, closedAt });
    },
    async listRuns(o: { limit: number; swarm?: string }) {
      return [...runs.values()]
        .filter((r) => o.swarm === undefined || r.swarm === o.swarm)
        .sort((a, b) => (a.startedAt === b.startedAt ? a.id.localeCompare(b.id) : a.startedAt < b.startedAt ? 1 : -1))
        .slice(0, o.limit)
        .map(copy);
    },
    close() {
      defs.clear();
      runs.clear();
    },
  };
}
