/**
 * The embedded store: one SQLite file under the data directory
 * (`.swarmflow/swarmflow.db`), WAL mode so readers (a worker resolving a
 * `swarm:` step) never wait for the API's writes. better-sqlite3 is
 * synchronous; every call is short, and the interface stays async for stores
 * that are not.
 */
import Database from 'better-sqlite3';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunStatus } from '../../workflows/types';
import { asRow, int, parseLayout, runStatus, str, strOrNull, type Row } from './rows';
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

const SCHEMA = `
CREATE TABLE IF NOT EXISTS definitions (
  name        TEXT    NOT NULL,
  version     INTEGER NOT NULL,
  yaml        TEXT    NOT NULL,
  ir_sha256   TEXT    NOT NULL,
  description TEXT,
  layout      TEXT,
  created_at  TEXT    NOT NULL,
  updated_at  TEXT    NOT NULL,
  used_at     TEXT,
  used_by     TEXT,
  PRIMARY KEY (name, version)
);
CREATE TABLE IF NOT EXISTS runs (
  id          TEXT PRIMARY KEY,
  swarm       TEXT    NOT NULL,
  version     INTEGER NOT NULL,
  ir_sha256   TEXT    NOT NULL,
  source      TEXT    NOT NULL,
  started_at  TEXT    NOT NULL,
  started_by  TEXT    NOT NULL,
  status      TEXT    NOT NULL,
  closed_at   TEXT
);
CREATE INDEX IF NOT EXISTS runs_by_start ON runs (started_at DESC);
CREATE INDEX IF NOT EXISTS runs_by_swarm ON runs (swarm, started_at DESC);
`;

/**
 * Opens (creating when needed) the store. Several processes may open the
 * same file: the API and workers in other processes resolving `swarm:`
 * steps (which also freeze the version they resolve, so they write too).
 */
export function openSqliteStore(file: string): ApiStore {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('busy_timeout = 5000');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(SCHEMA);
  return new SqliteStore(db);
}

const W = 'definitions';

function definitionOf(raw: unknown): StoredDefinition {
  const r = asRow(raw, W);
  return {
    name: str(r, 'name', W),
    version: int(r, 'version', W),
    yaml: str(r, 'yaml', W),
    irSha256: str(r, 'ir_sha256', W),
    description: strOrNull(r, 'description', W),
    layout: parseLayout(strOrNull(r, 'layout', W), W),
    createdAt: str(r, 'created_at', W),
    updatedAt: str(r, 'updated_at', W),
    usedAt: strOrNull(r, 'used_at', W),
    usedBy: strOrNull(r, 'used_by', W),
  };
}

function runOf(raw: unknown): RunRecord {
  const r: Row = asRow(raw, 'runs');
  const source = str(r, 'source', 'runs');
  return {
    id: str(r, 'id', 'runs'),
    swarm: str(r, 'swarm', 'runs'),
    version: int(r, 'version', 'runs'),
    irSha256: str(r, 'ir_sha256', 'runs'),
    source: source === 'stored' ? 'stored' : 'inline',
    startedAt: str(r, 'started_at', 'runs'),
    startedBy: str(r, 'started_by', 'runs'),
    status: runStatus(r, 'status', 'runs'),
    closedAt: strOrNull(r, 'closed_at', 'runs'),
  };
}

class SqliteStore implements ApiStore {
  private readonly putTx: Database.Transaction<(d: DefinitionInput, now: string) => { outcome: PutOutcome; definition: StoredDefinition }>;

  constructor(private readonly db: Database.Database) {
    // Read, compare and write in one immediate transaction, so two PUTs of the same version cannot interleave.
    this.putTx = db.transaction((d: DefinitionInput, now: string) => {
      const existing = db.prepare('SELECT * FROM definitions WHERE name = ? AND version = ?').get(d.name, d.version);
      const layout = d.layout === undefined ? undefined : d.layout === null ? null : JSON.stringify(d.layout);
      let outcome: PutOutcome;
      if (existing === undefined) {
        db.prepare('INSERT INTO definitions (name, version, yaml, ir_sha256, description, layout, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(d.name, d.version, d.yaml, d.irSha256, d.description, layout ?? null, now, now);
        outcome = 'created';
      } else {
        const old = definitionOf(existing);
        if (old.yaml === d.yaml) {
          if (layout !== undefined) db.prepare('UPDATE definitions SET layout = ?, updated_at = ? WHERE name = ? AND version = ?').run(layout, now, d.name, d.version);
          outcome = 'unchanged';
        } else {
          if (old.usedAt !== null) throw new DefinitionImmutableError(d.name, d.version, old.usedBy);
          db.prepare('UPDATE definitions SET yaml = ?, ir_sha256 = ?, description = ?, layout = ?, updated_at = ? WHERE name = ? AND version = ?').run(d.yaml, d.irSha256, d.description, layout === undefined ? (old.layout ? JSON.stringify(old.layout) : null) : layout, now, d.name, d.version);
          outcome = 'replaced';
        }
      }
      const definition = definitionOf(db.prepare('SELECT * FROM definitions WHERE name = ? AND version = ?').get(d.name, d.version));
      return { outcome, definition };
    });
  }

  async putDefinition(d: DefinitionInput, now = new Date()): Promise<{ outcome: PutOutcome; definition: StoredDefinition }> {
    return this.putTx.immediate(d, now.toISOString());
  }

  async getDefinition(name: string, version: number | null): Promise<StoredDefinition | null> {
    const row = version === null ? this.db.prepare('SELECT * FROM definitions WHERE name = ? ORDER BY version DESC LIMIT 1').get(name) : this.db.prepare('SELECT * FROM definitions WHERE name = ? AND version = ?').get(name, version);
    return row === undefined ? null : definitionOf(row);
  }

  async listDefinitions(): Promise<DefinitionSummary[]> {
    const rows = this.db.prepare('SELECT name, version, description, updated_at FROM definitions ORDER BY name, version').all();
    const out = new Map<string, DefinitionSummary>();
    for (const raw of rows) {
      const r = asRow(raw, W);
      const name = str(r, 'name', W);
      const version = int(r, 'version', W);
      const updatedAt = str(r, 'updated_at', W);
      const s = out.get(name);
      // Rows come in ascending version order: the last one seen is the latest.
      if (s) {
        s.versions.push(version);
        s.latest = version;
        s.description = strOrNull(r, 'description', W);
        if (updatedAt > s.updatedAt) s.updatedAt = updatedAt;
      } else out.set(name, { name, latest: version, versions: [version], description: strOrNull(r, 'description', W), updatedAt });
    }
    return [...out.values()];
  }

  async listVersions(name: string): Promise<VersionSummary[]> {
    return this.db
      .prepare('SELECT version, ir_sha256, created_at, updated_at, used_at FROM definitions WHERE name = ? ORDER BY version')
      .all(name)
      .map((raw) => {
        const r = asRow(raw, W);
        return { version: int(r, 'version', W), irSha256: str(r, 'ir_sha256', W), createdAt: str(r, 'created_at', W), updatedAt: str(r, 'updated_at', W), usedAt: strOrNull(r, 'used_at', W) };
      });
  }

  async markUsed(name: string, version: number, by: string, now = new Date()): Promise<void> {
    this.db.prepare('UPDATE definitions SET used_at = ?, used_by = ? WHERE name = ? AND version = ? AND used_at IS NULL').run(now.toISOString(), by, name, version);
  }

  async recordRun(r: RunRecord): Promise<void> {
    // Said in so many words, not left to the primary key: a run id is recorded once.
    if (this.db.prepare('SELECT 1 FROM runs WHERE id = ?').get(r.id) !== undefined) throw new Error(`run ${r.id} is already recorded`);
    this.db.prepare('INSERT INTO runs (id, swarm, version, ir_sha256, source, started_at, started_by, status, closed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)').run(r.id, r.swarm, r.version, r.irSha256, r.source, r.startedAt, r.startedBy, r.status, r.closedAt);
  }

  async getRun(id: string): Promise<RunRecord | null> {
    const row = this.db.prepare('SELECT * FROM runs WHERE id = ?').get(id);
    return row === undefined ? null : runOf(row);
  }

  async setRunStatus(id: string, status: RunStatus, closedAt: string | null): Promise<void> {
    this.db.prepare('UPDATE runs SET status = ?, closed_at = ? WHERE id = ?').run(status, closedAt, id);
  }

  async listRuns(o: { limit: number; swarm?: string }): Promise<RunRecord[]> {
    const rows = o.swarm === undefined ? this.db.prepare('SELECT * FROM runs ORDER BY started_at DESC, id LIMIT ?').all(o.limit) : this.db.prepare('SELECT * FROM runs WHERE swarm = ? ORDER BY started_at DESC, id LIMIT ?').all(o.swarm, o.limit);
    return rows.map(runOf);
  }

  close(): void {
    this.db.close();
  }
}
