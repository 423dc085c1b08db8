/** Applying skills: pinning versions at run start, the prompt section, the output check. */
import * as path from 'node:path';
import { FsBlobStore } from '../../activities/blobs';
import { checkAgainstSkill, resolveSkills, skillPromptSection } from '../../activities/skills/apply';
import { SkillNotFoundError } from '../../activities/skills/errors';
import { FsSkillStore } from '../../activities/skills/fs-store';
import { createSkillService } from '../../activities/skills/service';
import type { SkillContent } from '../../activities/skills/types';
import { captureInput, draftJson, removeDir, scriptedChat, tempDir } from './helpers';

let dir: string;
let blobs: FsBlobStore;
let store: FsSkillStore;

const schema = { type: 'object', required: ['title'], properties: { title: { type: 'string' } } };

function content(name: string, body: string): SkillContent {
  return { name, description: `The ${name} skill.`, outputSchema: schema, provenance: null, extra: {}, body };
}

beforeEach(async () => {
  dir = tempDir('apply');
  blobs = new FsBlobStore(path.join(dir, 'blobs'));
  store = new FsSkillStore(path.join(dir, 'skills'));
  await store.put(content('summarise', '## Instructions\n\nOne.'), { version: '1.0.0' });
  await store.put(content('summarise', '## Instructions\n\nTwo.'), { version: '1.4.0' });
  await store.put(content('summarise', '## Instructions\n\nThree.'), { version: '2.0.0' });
});

afterEach(async () => {
  await removeDir(dir);
});

test('resolves ranges to versions and stores each prompt section as a blob', async () => {
  const resolved = await resolveSkills([{ name: 'summarise', range: '^1' }], store, blobs);
  expect(resolved).toHaveLength(1);
  expect(resolved[0]).toMatchObject({ name: 'summarise', version: '1.4.0', outputSchema: schema });
  const text = (await blobs.get(resolved[0]?.instructions ?? '')).toString('utf8');
  expect(text).toContain('# Skill: summarise (version 1.4.0)');
  expect(text).toContain('Two.');
  expect(text).toContain('"required":["title"]');
});

test('missing skills and unmatched ranges are all named in one error, with what is stored', async () => {
  const err = await resolveSkills(
    [
      { name: 'summarise', range: '^3' },
      { name: 'translate', range: '*' },
    ],
    store,
    blobs,
  ).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(SkillNotFoundError);
  const msg = String((err as Error).message);
  expect(msg).toContain('skill "summarise" has no version matching "^3" (stored versions: 1.0.0, 1.4.0, 2.0.0)');
  expect(msg).toContain('skill "translate" is not in the Skill store (stored skills: summarise)');
});

test('the prompt section carries the description, the body and the schema', async () => {
  const stored = await store.get('summarise', '2');
  const text = skillPromptSection(stored!.skill);
  expect(text).toMatch(/^# Skill: summarise \(version 2\.0\.0\)\n\nThe summarise skill\./);
  expect(text).toContain('## Instructions\n\nThree.');
});

test('outputs are checked against the skill schema', () => {
  const skill = { name: 'summarise', version: '1.4.0', outputSchema: schema };
  expect(checkAgainstSkill({ title: 'ok' }, skill)).toEqual({ ok: true, errors: [] });
  const bad = checkAgainstSkill({ heading: 'no' }, skill);
  expect(bad.ok).toBe(false);
  expect(bad.errors[0]).toMatch(/^skill summarise@1\.4\.0: .*title/);
  expect(checkAgainstSkill('anything', { name: 'free', version: '1.0.0', outputSchema: null }).ok).toBe(true);
});

test('the service wires capture and resolution over one store (what the worker uses)', async () => {
  const service = createSkillService({ dir: path.join(dir, 'svc-skills'), blobs, now: () => new Date(0) });
  const model = scriptedChat([draftJson()]);
  const captured = await service.capture(captureInput(), model.chat);
  expect(captured).toMatchObject({ name: 'summarise-module', version: '1.0.0', created: true });
  const [resolved] = await service.resolve([{ name: 'summarise-module', range: '*' }]);
  expect(resolved).toMatchObject({ name: 'summarise-module', version: '1.0.0', hash: captured.hash });
  const output = { title: 'Math helpers', points: ['add'] };
  expect(checkAgainstSkill(output, resolved!).ok).toBe(true);
  expect(checkAgainstSkill({ title: 3 }, resolved!).ok).toBe(false);
});
