/** `swarmflow skills ls | show | import` through skillsCommand. */
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { skillsCommand, type SkillsIo } from '../../cli/skills';
import { draftJson, removeDir, scriptedChat, tempDir } from './helpers';

let dir: string;
let skillsDir: string;

function captureIo(): SkillsIo & { outText: () => string; errText: () => string } {
  const out: string[] = [];
  const err: string[] = [];
  return { out: (s) => out.push(s), err: (s) => err.push(s), outText: () => out.join('\n'), errText: () => err.join('\n') };
}

const SKILL = '---\nname: commit-message\ndescription: Write a conventional commit message for a diff.\nversion: 1.0.0\n---\n\n## Instructions\n\nType, scope, summary.\n';

beforeEach(() => {
  dir = tempDir('cli');
  skillsDir = path.join(dir, 'skills');
  writeFileSync(path.join(dir, 'SKILL.md'), SKILL);
  writeFileSync(path.join(dir, 'notes.md'), '# Reviews\n\nAlways check the tests first.\n');
});

afterEach(async () => {
  await removeDir(dir);
});

test('import, ls and show', async () => {
  const io = captureIo();
  expect(await skillsCommand('ls', [], io, { dir: skillsDir })).toBe(0);
  expect(io.outText()).toMatch(/no skills stored yet/);

  const imp = captureIo();
  expect(await skillsCommand('import', [path.join(dir, 'SKILL.md')], imp, { dir: skillsDir })).toBe(0);
  expect(imp.outText()).toBe('imported commit-message@1.0.0 (SKILL.md stored as written)');
  const again = captureIo();
  expect(await skillsCommand('import', [path.join(dir, 'SKILL.md')], again, { dir: skillsDir })).toBe(0);
  expect(again.outText()).toMatch(/^already stored, unchanged: commit-message@1\.0\.0/);

  const ls = captureIo();
  expect(await skillsCommand('ls', [], ls, { dir: skillsDir })).toBe(0);
  expect(ls.outText().split('\n')).toEqual(['NAME            LATEST  VERSIONS  DESCRIPTION', 'commit-message  1.0.0   1         Write a conventional commit message for a diff.']);

  const lsJson = captureIo();
  await skillsCommand('ls', [], lsJson, { dir: skillsDir, json: true });
  expect(JSON.parse(lsJson.outText())).toEqual([{ name: 'commit-message', versions: ['1.0.0'], latest: '1.0.0', description: 'Write a conventional commit message for a diff.' }]);

  const show = captureIo();
  expect(await skillsCommand('show', ['commit-message@^1'], show, { dir: skillsDir })).toBe(0);
  // Shown in the store's canonical order: name, version, description.
  expect(show.outText()).toBe('---\nname: commit-message\nversion: 1.0.0\ndescription: Write a conventional commit message for a diff.\n---\n\n## Instructions\n\nType, scope, summary.\n');

  const showJson = captureIo();
  await skillsCommand('show', ['commit-message'], showJson, { dir: skillsDir, json: true });
  expect(JSON.parse(showJson.outText())).toMatchObject({ name: 'commit-message', version: '1.0.0', sections: [{ title: 'Instructions', text: 'Type, scope, summary.' }] });
});

test('a plain document is imported through the model', async () => {
  const model = scriptedChat([draftJson({ name: 'review-first' })]);
  const io = captureIo();
  expect(await skillsCommand('import', [path.join(dir, 'notes.md')], io, { dir: skillsDir, chat: model.chat })).toBe(0);
  expect(io.outText()).toBe('imported review-first@1.0.0 (written by the model from the document)');
  expect(model.requests[0]?.model).toBe('kimi-k2.6');
});

test('failures exit 1 with a reason; usage errors exit 2', async () => {
  const missing = captureIo();
  expect(await skillsCommand('show', ['nope@^2'], missing, { dir: skillsDir })).toBe(1);
  expect(missing.errText()).toMatch(/skill "nope" is not in the Skill store/);
  const plain = captureIo();
  expect(await skillsCommand('import', [path.join(dir, 'notes.md')], plain, { dir: skillsDir })).toBe(1);
  expect(plain.errText()).toMatch(/a model must write the skill/);
  const badRef = captureIo();
  expect(await skillsCommand('show', ['../etc'], badRef, { dir: skillsDir })).toBe(1);
  const usage = captureIo();
  expect(await skillsCommand('show', [], usage, { dir: skillsDir })).toBe(2);
  expect(await skillsCommand('frobnicate', [], usage, { dir: skillsDir })).toBe(2);
  expect(usage.errText()).toMatch(/usage: swarmflow skills ls/);
});
