/** The filesystem Skill store: immutable versions, dedupe, ranges, Agent Skills import. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { SkillFormatError, SkillRefError, SkillVersionExistsError } from '../../activities/skills/errors';
import { FsSkillStore } from '../../activities/skills/fs-store';
import { importSkillDocument } from '../../activities/skills/import';
import { parseSkillMarkdown } from '../../activities/skills/skill-md';
import type { SkillContent } from '../../activities/skills/types';
import { draftJson, removeDir, scriptedChat, tempDir } from './helpers';

let dir: string;
let store: FsSkillStore;

beforeEach(() => {
  dir = tempDir('skills');
  store = new FsSkillStore(dir);
});

afterEach(async () => {
  await removeDir(dir);
});

function content(body: string, over: Partial<SkillContent> = {}): SkillContent {
  return {
    name: 'ts-refactor',
    description: 'Refactor one module.',
    outputSchema: null,
    provenance: { run: 'r/1', step: 'work', model: 'm', date: '2026-01-01T00:00:00.000Z' },
    extra: {},
    body,
    ...over,
  };
}

describe('versions', () => {
  test('the first put is 1.0.0, later ones bump; each is a SKILL.md in its own folder', async () => {
    expect(await store.put(content('v1'))).toMatchObject({ name: 'ts-refactor', version: '1.0.0', created: true });
    expect(await store.put(content('v2'))).toMatchObject({ version: '1.1.0', created: true });
    expect(await store.put(content('v3'), { bump: 'major' })).toMatchObject({ version: '2.0.0', created: true });
    expect(await store.put(content('v4'), { bump: 'patch' })).toMatchObject({ version: '2.0.1', created: true });
    expect(await store.versions('ts-refactor')).toEqual(['1.0.0', '1.1.0', '2.0.0', '2.0.1']);
    const file = path.join(dir, 'ts-refactor', '1.1.0', 'SKILL.md');
    expect(parseSkillMarkdown(readFileSync(file, 'utf8'), file)).toMatchObject({ name: 'ts-refactor', version: '1.1.0', body: 'v2' });
  });

  test('the same content again makes no new version, whatever its provenance', async () => {
    const first = await store.put(content('same'));
    const again = await store.put(content('same', { provenance: { run: 'r/2', step: 'other', model: 'm2', date: '2027-01-01T00:00:00.000Z' } }));
    expect(again).toEqual({ ...first, created: false });
    expect(await store.versions('ts-refactor')).toEqual(['1.0.0']);
    await store.put(content('different'));
    // Content equal to an older version returns that version, not a new one.
    expect(await store.put(content('same'))).toMatchObject({ version: '1.0.0', created: false });
  });

  test('concurrent puts of different content get distinct versions; of the same content, one', async () => {
    const results = await Promise.all([1, 2, 3, 4, 5].map((i) => store.put(content(`body ${i}`))));
    expect(new Set(results.map((r) => r.version)).size).toBe(5);
    const same = await Promise.all([1, 2, 3].map(() => store.put(content('shared'))));
    expect(new Set(same.map((r) => r.version)).size).toBe(1);
    expect(same.filter((r) => r.created)).toHaveLength(1);
    expect(await store.versions('ts-refactor')).toHaveLength(6);
  });

  test('an explicit version is immutable: other content under it is refused', async () => {
    await store.put(content('a'), { version: '3.1.4' });
    expect(await store.put(content('a'), { version: '3.1.4' })).toMatchObject({ version: '3.1.4', created: false });
    await expect(store.put(content('b'), { version: '3.1.4' })).rejects.toBeInstanceOf(SkillVersionExistsError);
  });
});

describe('lookup', () => {
  beforeEach(async () => {
    for (const v of ['1.0.0', '1.1.0', '1.2.3', '2.0.0']) await store.put(content(`body ${v}`), { version: v });
    await store.put(content('other', { name: 'docs-writer', description: 'Write docs.' }));
  });

  test.each([
    [undefined, '2.0.0'],
    ['*', '2.0.0'],
    ['latest', '2.0.0'],
    ['^1', '1.2.3'],
    ['~1.1', '1.1.0'],
    ['1.0.0', '1.0.0'],
    ['>=1.1.0 <2', '1.2.3'],
  ])('range %j resolves to %s', async (range, version) => {
    expect((await store.get('ts-refactor', range))?.skill.version).toBe(version);
  });

  test('no match is null; a bad range or a name with path characters is an error', async () => {
    expect(await store.get('ts-refactor', '^3')).toBeNull();
    expect(await store.get('unknown')).toBeNull();
    await expect(store.get('ts-refactor', 'not a range!')).rejects.toBeInstanceOf(SkillRefError);
    await expect(store.get('../../etc')).rejects.toBeInstanceOf(SkillRefError);
    await expect(store.put(content('x', { name: '../evil' }))).rejects.toBeInstanceOf(SkillRefError);
  });

  test('list shows every skill with its versions and latest description', async () => {
    mkdirSync(path.join(dir, 'not a skill'));
    expect(await store.list()).toEqual([
      { name: 'docs-writer', versions: ['1.0.0'], latest: '1.0.0', description: 'Write docs.' },
      { name: 'ts-refactor', versions: ['1.0.0', '1.1.0', '1.2.3', '2.0.0'], latest: '2.0.0', description: 'Refactor one module.' },
    ]);
  });

  test('a SKILL.md that does not match its folder is reported, not served', async () => {
    const file = path.join(dir, 'ts-refactor', '2.0.0', 'SKILL.md');
    writeFileSync(file, readFileSync(file, 'utf8').replace('version: 2.0.0', 'version: 9.0.0'));
    await expect(store.get('ts-refactor')).rejects.toThrow(/front matter says ts-refactor@9.0.0 but the folder is ts-refactor\/2.0.0/);
  });
});

describe('import', () => {
  // The Agent Skills layout: front matter with name and description (and optional license, allowed-tools, metadata).
  const agentSkill = [
    '---',
    'name: pdf-processing',
    'description: Extract text and tables from PDF files, fill forms, merge documents. Use when working with PDF files.',
    'license: Apache-2.0',
    'allowed-tools: Bash(pdftotext:*) Read',
    'metadata:',
    '  author: example-org',
    '  version: "1.0"',
    '---',
    '',
    '# PDF Processing',
    '',
    '## Instructions',
    'Use pdftotext to extract text, then check the page count.',
    '',
  ].join('\n');

  test('an Agent Skills SKILL.md is stored as written, as 1.0.0, with its other front matter kept', async () => {
    const r = await importSkillDocument(agentSkill, { store, source: 'SKILL.md' });
    expect(r).toMatchObject({ name: 'pdf-processing', version: '1.0.0', created: true, from: 'skill' });
    const stored = await store.get('pdf-processing');
    expect(stored?.skill.extra).toEqual({ license: 'Apache-2.0', 'allowed-tools': 'Bash(pdftotext:*) Read', metadata: { author: 'example-org', version: '1.0' } });
    expect(stored?.skill.body).toBe('# PDF Processing\n\n## Instructions\nUse pdftotext to extract text, then check the page count.');
    expect(stored?.skill.provenance).toBeNull();
    // Importing it again is a no-op; an edited copy becomes 1.1.0.
    expect(await importSkillDocument(agentSkill, { store })).toMatchObject({ version: '1.0.0', created: false });
    expect(await importSkillDocument(`${agentSkill}\nAlso merge files.\n`, { store })).toMatchObject({ version: '1.1.0', created: true });
    expect(existsSync(path.join(dir, 'pdf-processing', '1.1.0', 'SKILL.md'))).toBe(true);
  });

  test('a SKILL.md that carries a version keeps it', async () => {
    const withVersion = agentSkill.replace('license:', 'version: 2.3.0\nlicense:');
    expect(await importSkillDocument(withVersion, { store })).toMatchObject({ version: '2.3.0', created: true });
  });

  test('invalid front matter is refused with the reason', async () => {
    await expect(importSkillDocument('---\nname: PDF Tools\ndescription: x\n---\nbody', { store, source: 'bad.md' })).rejects.toThrow(/bad\.md: name "PDF Tools" must be/);
  });

  test('a plain document goes through the model and becomes a skill', async () => {
    const model = scriptedChat([draftJson({ name: 'Release Notes Writer!', outputSchema: {} })]);
    const r = await importSkillDocument('# How we write release notes\n\nGroup changes by area; lead with breaking changes.', { store, chat: model.chat, model: 'kimi-k2.6', source: 'notes.md' });
    expect(r).toMatchObject({ name: 'release-notes-writer', version: '1.0.0', created: true, from: 'document' });
    expect(model.requests[0]?.messages[1]?.content).toContain('Group changes by area');
    const stored = await store.get('release-notes-writer');
    expect(stored?.skill.outputSchema).toBeNull();
    expect(stored?.skill.provenance).toMatchObject({ run: 'import', step: 'import', model: 'scripted-model', source: 'notes.md' });
    expect(stored?.skill.body).toContain('## Instructions');
  });

  test('a plain document without a model is a clear error', async () => {
    await expect(importSkillDocument('just text', { store })).rejects.toBeInstanceOf(SkillFormatError);
    await expect(importSkillDocument('just text', { store })).rejects.toThrow(/plain document .* a model must write the skill/);
  });
});
