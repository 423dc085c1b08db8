/**
 * One conformance suite for every store implementation: the SQLite file the
 * API uses and the in-memory one tests use must behave the same.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { memoryStore } from '../../server/store/memory';
import { openSqliteStore } from '../../server/store/sqlite';
import { CorruptStoreError } from '../../server/store/rows';
import { DefinitionImmutableError, type ApiStore, type RunRecord } from '../../server/store/types';

const dirs: string[] = [];
function tmpDb(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swarmflow-store-'));
  dirs.push(dir);
  return path.join(dir, '.swarmflow', 'swarmflow.db');
}
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

const t = (s: number): Date => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
const def = (version: number, yaml = `swarm: a\nversion: ${version}\n`) => ({ name: 'a', version, yaml, irSha256: `sha-${yaml.length}-${version}`, description: `v${version}` });
const run = (id: string, startedAt: string, swarm = 'a'): RunRecord => ({ id, swarm, version: 1, irSha256: 'sha', source: 'stored', startedAt, startedBy: 'ci', status: 'running', closedAt: null });

const impls: [string, () => ApiStore][] = [
  ['memory', memoryStore],
  ['sqlite', () => openSqliteStore(tmpDb())],
];

describe.each(impls)('%s store', (_name, make) => {
  let store: ApiStore;
  beforeEach(() => {
    store = make();
  });
  afterEach(() => store.close());

  test('put: created, unchanged, replaced; get by version and latest', async () => {
    expect((await store.putDefinition(def(1), t(1))).outcome).toBe('created');
    expect((await store.putDefinition(def(1), t(2))).outcome).toBe('unchanged');
    const replaced = await store.putDefinition(def(1, 'swarm: a\nversion: 1\n# edited\n'), t(3));
    expect(replaced.outcome).toBe('replaced');
    expect(replaced.definition).toMatchObject({ version: 1, createdAt: t(1).toISOString(), updatedAt: t(3).toISOString(), usedAt: null });
    await store.putDefinition(def(3), t(4));
    await store.putDefinition(def(2), t(5));
    expect((await store.getDefinition('a', null))?.version).toBe(3);
    expect((await store.getDefinition('a', 2))?.yaml).toBe(def(2).yaml);
    expect(await store.getDefinition('a', 9)).toBeNull();
    expect(await store.getDefinition('b', null)).toBeNull();
  });

  test('a used version is frozen; the first use is kept', async () => {
    await store.putDefinition(def(1), t(1));
    await store.markUsed('a', 1, 'a/run1', t(2));
    await store.markUsed('a', 1, 'a/run2', t(3));
    const d = await store.getDefinition('a', 1);
    expect(d).toMatchObject({ usedAt: t(2).toISOString(), usedBy: 'a/run1' });
    await expect(store.putDefinition(def(1, 'swarm: a\nversion: 1\n# other\n'), t(4))).rejects.toBeInstanceOf(DefinitionImmutableError);
    // The same YAML (a no-op) and layout changes are still allowed.
    const same = await store.putDefinition({ ...def(1), layout: { '/steps/0': { x: 1, y: 2 } } }, t(5));
    expect(same.outcome).toBe('unchanged');
    expect(same.definition.layout).toEqual({ '/steps/0': { x: 1, y: 2 } });
    await store.markUsed('nope', 1, 'x'); // unknown: ignored
  });

  test('layout: kept when not sent, cleared with null, pointer keys kept as plain keys', async () => {
    const layout = { '': { x: 0, y: 0 }, '/steps/0': { x: 1.5, y: -2, width: 10, height: 20, collapsed: true } };
    await store.putDefinition({ ...def(1), layout }, t(1));
    expect((await store.getDefinition('a', 1))?.layout).toEqual(layout);
    await store.putDefinition(def(1, 'swarm: a\nversion: 1\n# changed\n'), t(2));
    expect((await store.getDefinition('a', 1))?.layout).toEqual(layout);
    await store.putDefinition({ ...def(1, 'swarm: a\nversion: 1\n# changed\n'), layout: null }, t(3));
    expect((await store.getDefinition('a', 1))?.layout).toBeNull();
  });

  test('results are copies: changing one does not change the store', async () => {
    await store.putDefinition({ ...def(1), layout: { '/a': { x: 1, y: 1 } } }, t(1));
    const d = await store.getDefinition('a', 1);
    if (d?.layout) (d.layout['/a'] as { x: number }).x = 99;
    expect((await store.getDefinition('a', 1))?.layout).toEqual({ '/a': { x: 1, y: 1 } });
  });

  test('list and versions', async () => {
    await store.putDefinition(def(2), t(1));
    await store.putDefinition(def(1), t(2));
    await store.putDefinition({ name: 'b', version: 5, yaml: 'swarm: b\n', irSha256: 'x', description: null }, t(3));
    expect(await store.listDefinitions()).toEqual([
      { name: 'a', latest: 2, versions: [1, 2], description: 'v2', updatedAt: t(2).toISOString() },
      { name: 'b', latest: 5, versions: [5], description: null, updatedAt: t(3).toISOString() },
    ]);
    expect((await store.listVersions('a')).map((v) => v.version)).toEqual([1, 2]);
    expect(await store.listVersions('zzz')).toEqual([]);
  });

  test('runs: record, get, status, list newest first and by swarm', async () => {
    await store.recordRun(run('a/1', t(1).toISOString()));
    await store.recordRun(run('a/2', t(3).toISOString()));
    await store.recordRun(run('b/1', t(2).toISOString(), 'b'));
    await expect(store.recordRun(run('a/1', t(4).toISOString()))).rejects.toThrow();
    await store.setRunStatus('a/1', 'succeeded', t(5).toISOString());
    await store.setRunStatus('zzz/1', 'failed', null); // unknown: ignored
    expect(await store.getRun('a/1')).toMatchObject({ status: 'succeeded', closedAt: t(5).toISOString(), startedBy: 'ci' });
    expect(await store.getRun('nope/1')).toBeNull();
    expect((await store.listRuns({ limit: 10 })).map((r) => r.id)).toEqual(['a/2', 'b/1', 'a/1']);
    expect((await store.listRuns({ limit: 1 })).map((r) => r.id)).toEqual(['a/2']);
    expect((await store.listRuns({ limit: 10, swarm: 'b' })).map((r) => r.id)).toEqual(['b/1']);
  });
});

describe('sqlite specifics', () => {
  test('WAL mode, and the data survives reopening', async () => {
    const file = tmpDb();
    const a = openSqliteStore(file);
    await a.putDefinition(def(1), t(1));
    a.close();
    const db = new Database(file);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
    const b = openSqliteStore(file);
    expect((await b.getDefinition('a', 1))?.yaml).toBe(def(1).yaml);
    b.close();
  });

  test('two handles on one file (API and a worker): a use by one freezes the version for the other', async () => {
    const file = tmpDb();
    const api = openSqliteStore(file);
    const worker = openSqliteStore(file);
    await api.putDefinition(def(1), t(1));
    await worker.markUsed('a', 1, 'a calling swarm', t(2));
    await expect(api.putDefinition(def(1, 'swarm: a\nversion: 1\n# x\n'), t(3))).rejects.toThrow(/immutable/);
    api.close();
    worker.close();
  });

  test('a damaged row is reported as such, not returned with a wrong type', async () => {
    const file = tmpDb();
    const s = openSqliteStore(file);
    await s.putDefinition(def(1), t(1));
    const db = new Database(file);
    db.prepare("UPDATE definitions SET layout = '[1,2]'").run();
    db.close();
    await expect(s.getDefinition('a', 1)).rejects.toBeInstanceOf(CorruptStoreError);
    s.close();
  });
});
