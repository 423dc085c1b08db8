/** captureSkill with a scripted model: what it asks, what it stores, repair, dedupe and retries. */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { FsBlobStore } from '../../activities/blobs';
import { captureSkill } from '../../activities/skills/capture';
import { SkillCaptureError } from '../../activities/skills/errors';
import { FsSkillStore } from '../../activities/skills/fs-store';
import { SKILL_DRAFT_SCHEMA, SKILL_WRITER_SYSTEM } from '../../activities/skills/meta-template';
import { skillSections } from '../../activities/skills/skill-md';
import { captureInput, draftJson, removeDir, scriptedChat, tempDir } from './helpers';

let dir: string;
let blobs: FsBlobStore;
let store: FsSkillStore;
const now = () => new Date('2026-03-04T05:06:07.000Z');

beforeEach(() => {
  dir = tempDir('capture');
  blobs = new FsBlobStore(path.join(dir, 'blobs'));
  store = new FsSkillStore(path.join(dir, 'skills'));
});

afterEach(async () => {
  await removeDir(dir);
});

async function transcript(): Promise<string> {
  return blobs.putJson({
    request: { messages: [{ role: 'system', content: 'You summarise modules.' }, { role: 'user', content: 'Summarise src/math.ts' }] },
    response: { content: '{"title":"Math helpers","points":["add: sums two numbers"]}', toolCalls: [] },
  });
}

test('asks with the fixed meta-template and stores SKILL.md with sections, schema and provenance', async () => {
  const model = scriptedChat([draftJson()]);
  const ref = await transcript();
  const r = await captureSkill(captureInput({ transcripts: [ref] }), { chat: model.chat, blobs, store, now });
  expect(r).toMatchObject({ name: 'summarise-module', version: '1.0.0', created: true });
  expect(r.hash).toMatch(/^sha256:[0-9a-f]{64}$/);

  const req = model.requests[0];
  expect(req?.model).toBe('kimi-k2.6');
  expect(req?.outputSchema).toEqual(SKILL_DRAFT_SCHEMA);
  expect(req?.messages[0]).toEqual({ role: 'system', content: SKILL_WRITER_SYSTEM });
  const user = String(req?.messages[1]?.content);
  expect(user).toContain('Write the Skill "summarise-module"');
  expect(user).toContain('"title": "Math helpers"');
  expect(user).toContain('### user\nSummarise src/math.ts');
  // Nothing run-specific reaches the model, so identical work gives an identical request.
  expect(user).not.toContain('run-1');

  const file = path.join(dir, 'skills', 'summarise-module', '1.0.0', 'SKILL.md');
  const text = readFileSync(file, 'utf8');
  expect(text).toContain('description: How to summarise one module as a title and points.');
  const stored = await store.get('summarise-module');
  expect(stored?.skill.provenance).toEqual({ run: 'summarise/run-1', step: 'work', model: 'scripted-model', date: '2026-03-04T05:06:07.000Z', key: 'summarise/run-1/learn' });
  expect(stored?.skill.outputSchema).toMatchObject({ required: ['title', 'points'] });
  expect(skillSections(stored?.skill.body ?? '').map((s) => s.title)).toEqual(['', 'When to use', 'Instructions', 'Output template', 'Example']);
});

test('an identical capture from another run dedupes; a retried attempt does not ask the model again', async () => {
  const model = scriptedChat([draftJson(), draftJson()]);
  const first = await captureSkill(captureInput(), { chat: model.chat, blobs, store, now });
  const second = await captureSkill(captureInput({ runId: 'summarise/run-2' }), { chat: model.chat, blobs, store, now });
  expect(second).toEqual({ ...first, created: false });
  expect(model.remaining()).toBe(0);
  // Same idempotency key as the first capture: answered from the store (the script is empty, so a model call would fail).
  expect(await captureSkill(captureInput(), { chat: model.chat, blobs, store, now })).toEqual({ ...first, created: false });
  expect(await store.versions('summarise-module')).toEqual(['1.0.0']);
});

test('different content becomes the next minor version', async () => {
  const model = scriptedChat([draftJson(), draftJson({ instructions: '1. Read.\n2. Summarise better.' })]);
  await captureSkill(captureInput(), { chat: model.chat, blobs, store, now });
  expect(await captureSkill(captureInput({ runId: 'summarise/run-2' }), { chat: model.chat, blobs, store, now })).toMatchObject({ version: '1.1.0', created: true });
});

test('an invalid answer gets one repair turn that names the problems', async () => {
  const model = scriptedChat(['Here is your skill: {oops', '```json\n' + draftJson() + '\n```']);
  const r = await captureSkill(captureInput(), { chat: model.chat, blobs, store, now });
  expect(r.created).toBe(true);
  const repair = model.requests[1]?.messages ?? [];
  expect(repair.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
  expect(repair[2]?.content).toBe('Here is your skill: {oops');
  expect(repair[3]?.content).toMatch(/not JSON/);
});

test('an output schema that rejects the captured output is sent back for repair', async () => {
  const wrong = draftJson({ outputSchema: { type: 'object', required: ['summary'] } });
  const model = scriptedChat([wrong, draftJson()]);
  await captureSkill(captureInput(), { chat: model.chat, blobs, store, now });
  expect(model.requests[1]?.messages[3]?.content).toMatch(/outputSchema rejects the step's own final output/);
});

test('still invalid after the repair: a clear error, nothing stored', async () => {
  const model = scriptedChat([JSON.stringify({ name: 'x' }), JSON.stringify({ name: 'x', description: '' })]);
  const err = await captureSkill(captureInput(), { chat: model.chat, blobs, store, now }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(SkillCaptureError);
  expect(String((err as Error).message)).toMatch(/capturing skill "summarise-module": .*invalid after one repair attempt: .*description/);
  expect(await store.versions('summarise-module')).toEqual([]);
});

test('an empty output schema from the model is replaced by one inferred from the output', async () => {
  const model = scriptedChat([draftJson({ outputSchema: {} })]);
  await captureSkill(captureInput({ output: { files: ['a.ts'], ok: true } }), { chat: model.chat, blobs, store, now });
  expect((await store.get('summarise-module'))?.skill.outputSchema).toEqual({
    type: 'object',
    required: ['files', 'ok'],
    properties: { files: { type: 'array', items: { type: 'string' } }, ok: { type: 'boolean' } },
  });
});

test('a transcript missing from the blob store is an error naming it', async () => {
  const model = scriptedChat([]);
  const missing = `sha256:${'0'.repeat(64)}`;
  await expect(captureSkill(captureInput({ transcripts: [missing] }), { chat: model.chat, blobs, store, now })).rejects.toThrow(/not in the blob store/);
});
