/** The registry's one run path, the effect ledger, and user tool modules. */
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import { ToolModuleError } from '../../activities/tools/errors';
import { FileEffectLedger, LedgerCorruptError, readEffectLog } from '../../activities/tools/ledger';
import { createToolRegistry } from '../../activities/tools/registry';
import type { ToolKind } from '../../activities/tools/types';
import { loadToolModules, toToolKind } from '../../activities/tools/user-modules';
import { errorOf, okObject, removeDir, runner, tempDir } from './helpers';

const EXAMPLE = path.join(__dirname, '../../examples/tools/word-count.js');

let ws: string;
let scratch: string;

beforeEach(() => {
  ws = tempDir('reg');
  scratch = tempDir('reg-scratch');
});

afterEach(async () => {
  await removeDir(ws);
  await removeDir(scratch);
});

describe('registry', () => {
  test('lists the built-in kinds and offers each as a function tool with a JSON Schema', () => {
    const r = createToolRegistry();
    expect(r.kinds().map((k) => k.uses)).toEqual(['fs.read', 'fs.write', 'fs.list', 'shell', 'http.get', 'http.post']);
    const configs: Record<string, Record<string, string[]>> = { shell: { allow: ['npm test'] }, 'http.get': { allow: ['https://docs.example.com/*'] }, 'http.post': { allow: ['https://hooks.example.com/*'] } };
    for (const k of r.kinds()) {
      const spec = r.toolSpec(`t_${k.uses.replace('.', '_')}`, k.uses, configs[k.uses] ?? {});
      expect(spec.parameters['type']).toBe('object');
      expect(spec.description.length).toBeGreaterThan(10);
    }
    expect(r.toolSpec('docs', 'http.get', configs['http.get'] ?? {}).description).toContain('https://docs.example.com/*');
  });

  test('an unknown kind is named, with the registered ones, at run start and at call time', async () => {
    const { registry, run } = runner(ws);
    expect(registry.has('python')).toBe(false);
    expect(registry.validateConfig('python', {})[0]).toMatch(/tool kind "python" is not registered.*fs.read, fs.write/);
    expect(() => registry.toolSpec('x', 'python', {})).toThrow(/not registered/);
    expect(errorOf(await run('python', {}, { code: 'print(1)' }))).toMatch(/not registered/);
  });

  test('arguments that are not an object are a tool error', async () => {
    const { run } = runner(ws);
    expect(errorOf(await run('fs.read', {}, 'a.txt'))).toMatch(/arguments of fs.read are invalid: \(root\)/);
  });

  test('a kind whose result breaks its own schema is reported, not passed on', async () => {
    const liar: ToolKind = {
      uses: 'test.liar',
      description: 'returns the wrong shape',
      effect: 'read',
      configSchema: { type: 'object' },
      argsSchema: () => ({ type: 'object' }),
      resultSchema: { type: 'object', required: ['n'], properties: { n: { type: 'integer' } } },
      run: async () => ({ n: 'not a number' }),
    };
    const { run } = runner(ws, { kinds: [liar] });
    expect(errorOf(await run('test.liar', {}, {}))).toMatch(/does not match its result schema.*\/n/);
  });

  test('a user kind cannot replace a built-in', () => {
    const fake: ToolKind = { uses: 'shell', description: 'x', effect: 'read', configSchema: {}, argsSchema: () => ({}), resultSchema: {}, run: async () => null };
    expect(() => createToolRegistry({ kinds: [fake] })).toThrow(/registered twice/);
  });
});

describe('effect ledger', () => {
  test('fs.write through a file ledger: a repeated call is answered from the ledger and not written again', async () => {
    const ledger = new FileEffectLedger(path.join(scratch, 'ledger'));
    const { run } = runner(ws);
    const first = await run('fs.write', {}, { path: 'out.txt', content: 'v1' }, { key: 'swarm/run/write#0', ledger });
    okObject(first);
    // Someone changes the file in between; a replayed write must not clobber it.
    writeFileSync(path.join(ws, 'out.txt'), 'changed later');
    const replay = await run('fs.write', {}, { path: 'out.txt', content: 'v1' }, { key: 'swarm/run/write#0', ledger });
    expect(replay).toEqual(first);
    expect(readFileSync(path.join(ws, 'out.txt'), 'utf8')).toBe('changed later');
    const log = await readEffectLog(ledger.dir);
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ key: 'swarm/run/write#0', uses: 'fs.write', result: first });
    // A new key is a new effect.
    okObject(await run('fs.write', {}, { path: 'out.txt', content: 'v1' }, { key: 'swarm/run/write#1', ledger }));
    expect(await readEffectLog(ledger.dir)).toHaveLength(2);
  });

  test('shell is at-least-once: a repeated call runs again, and every run is logged', async () => {
    writeFileSync(path.join(ws, 'tick.js'), "require('fs').appendFileSync('ticks', 'x')");
    const ledger = new FileEffectLedger(path.join(scratch, 'ledger'));
    const { run } = runner(ws);
    for (let i = 0; i < 2; i++) okObject(await run('shell', { allow: ['node tick.js'] }, {}, { key: 'k/shell', ledger }));
    expect(readFileSync(path.join(ws, 'ticks'), 'utf8')).toBe('xx');
    expect((await readEffectLog(ledger.dir)).map((e) => e.uses)).toEqual(['shell', 'shell']);
  });

  test('reads are not recorded; failed effects are not recorded', async () => {
    const ledger = new FileEffectLedger(path.join(scratch, 'ledger'));
    const { run } = runner(ws);
    errorOf(await run('fs.write', {}, { path: '../x', content: '' }, { key: 'k1', ledger }));
    writeFileSync(path.join(ws, 'a'), 'a');
    okObject(await run('fs.read', {}, { path: 'a' }, { key: 'k2', ledger }));
    expect(await readEffectLog(ledger.dir)).toEqual([]);
    expect(await ledger.get('k1')).toBeNull();
  });

  test('a corrupted ledger file is a clear error', async () => {
    const dir = path.join(scratch, 'ledger');
    await mkdir(dir, { recursive: true });
    writeFileSync(path.join(dir, 'effects.jsonl'), '{"key": 1}\n');
    await expect(readEffectLog(dir)).rejects.toBeInstanceOf(LedgerCorruptError);
  });
});

describe('user tool modules', () => {
  test('the example module loads, is offered and runs with validated arguments', async () => {
    const kinds = await loadToolModules([EXAMPLE]);
    expect(kinds.map((k) => k.uses)).toEqual(['example.word-count']);
    const { registry, run } = runner(ws, { kinds });
    expect(registry.validateConfig('example.word-count', { maxChars: 100 })).toEqual([]);
    expect(registry.validateConfig('example.word-count', { maxChars: 'many' })[0]).toMatch(/maxChars/);
    expect(registry.toolSpec('count', 'example.word-count', {}).parameters).toMatchObject({ required: ['text'] });
    expect(okObject(await run('example.word-count', {}, { text: 'one two\nthree' }))).toEqual({ words: 3, lines: 2, chars: 13 });
    expect(errorOf(await run('example.word-count', { maxChars: 5 }, { text: 'far too long' }))).toMatch(/\/text/);
  });

  test('modules that export no kind, a broken kind, or a duplicate are refused with the module named', async () => {
    const write = (name: string, body: string): string => {
      const p = path.join(scratch, name);
      writeFileSync(p, body);
      return p;
    };
    const empty = write('empty.js', 'module.exports = { hello: 1 };');
    await expect(loadToolModules([empty])).rejects.toThrow(/empty\.js: exports no tool kind/);
    const noRun = write('norun.js', "module.exports = { uses: 'x.y', description: 'd', effect: 'read', configSchema: {}, argsSchema: {}, resultSchema: {} };");
    await expect(loadToolModules([noRun])).rejects.toThrow(/norun\.js \(x\.y\): run\(args, ctx\) must be a function/);
    const badName = write('badname.js', "module.exports = { uses: 'Bad Name', description: 'd', effect: 'read', configSchema: {}, argsSchema: {}, resultSchema: {}, run: async () => 1 };");
    await expect(loadToolModules([badName])).rejects.toBeInstanceOf(ToolModuleError);
    const badSchema = write('badschema.js', "module.exports = { uses: 'x.z', description: 'd', effect: 'read', configSchema: { type: 'strin' }, argsSchema: {}, resultSchema: {}, run: async () => 1 };");
    await expect(loadToolModules([badSchema])).rejects.toThrow(/configSchema: \/type: "strin" is not a JSON Schema type/);
    const badRepeat = write('badrepeat.js', "module.exports = { uses: 'x.r', description: 'd', effect: 'write', deduplicate: true, repeatable: 'yes', configSchema: {}, argsSchema: {}, resultSchema: {}, run: async () => 1 };");
    await expect(loadToolModules([badRepeat])).rejects.toThrow(/badrepeat\.js \(x\.r\): repeatable must be a boolean/);
    const goodRepeat = write('goodrepeat.js', "module.exports = { uses: 'x.g', description: 'd', effect: 'write', deduplicate: true, repeatable: true, configSchema: {}, argsSchema: {}, resultSchema: {}, run: async () => 1 };");
    expect((await loadToolModules([goodRepeat]))[0]).toMatchObject({ deduplicate: true, repeatable: true });
    await expect(loadToolModules([EXAMPLE, EXAMPLE])).rejects.toThrow(/also exported by/);
    await expect(loadToolModules([path.join(scratch, 'missing.js')])).rejects.toThrow(/cannot be loaded/);
  });

  test('a user kind returning a non-JSON value is a tool error', async () => {
    const kind = toToolKind({ uses: 'x.fn', description: 'd', effect: 'read', configSchema: {}, argsSchema: {}, resultSchema: {}, run: async () => () => 1 }, 'inline');
    const { run } = runner(ws, { kinds: [kind] });
    expect(errorOf(await run('x.fn', {}, {}))).toMatch(/not JSON/);
  });
});
