/** shell: runs allow-listed argv without a shell; refuses everything a shell would have made possible. */
import { existsSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { ToolCancelledError } from '../../activities/tools/registry';
import { errorOf, okObject, removeDir, runner, tempDir } from './helpers';

let ws: string;
let tools: ReturnType<typeof runner>;

const SCRIPTS: Record<string, string> = {
  'echo.js': "process.stdout.write(JSON.stringify({ argv: process.argv.slice(2), cwd: process.cwd(), env: Object.keys(process.env).sort() })); process.stderr.write('to stderr');",
  'fail.js': "process.stderr.write('boom'); process.exit(3);",
  'spew.js': "process.stdout.write('y'.repeat(200000)); process.stderr.write('e'.repeat(200000));",
  // Sleeps, and leaves a grandchild that would write a file later: a timeout must kill both.
  'hang.js': "const { spawn } = require('node:child_process'); spawn(process.execPath, ['-e', \"setTimeout(() => require('fs').writeFileSync('late.txt', 'x'), 1500)\"], { stdio: 'ignore' }); setInterval(() => {}, 1000);",
};

beforeEach(() => {
  ws = tempDir('shell');
  for (const [name, body] of Object.entries(SCRIPTS)) writeFileSync(path.join(ws, name), body);
  writeFileSync(path.join(ws, 'pwned-marker-absent'), '');
  tools = runner(ws);
});

afterEach(async () => {
  await removeDir(ws);
});

const allow = { allow: ['node echo.js', 'node fail.js'] };

describe('shell doing its job', () => {
  test('runs an allowed command with extra arguments, in the workspace, with a minimal environment', async () => {
    process.env['SWARMFLOW_TEST_SECRET'] = 'hunter2';
    try {
      const out = okObject(await tools.run('shell', allow, { command: 'node echo.js --grep=a.b x/y' }));
      expect(out['exitCode']).toBe(0);
      expect(out['timedOut']).toBe(false);
      expect(out['stderr']).toBe('to stderr');
      const seen = JSON.parse(String(out['stdout']));
      expect(seen.argv).toEqual(['--grep=a.b', 'x/y']);
      expect(seen.cwd).toBe(ws);
      expect(seen.env).not.toContain('SWARMFLOW_TEST_SECRET');
      expect(seen.env).toEqual(expect.arrayContaining(['PATH', 'HOME']));
    } finally {
      delete process.env['SWARMFLOW_TEST_SECRET'];
    }
  });

  test('argv lists are taken as they are; a failing command is a result, not a tool error', async () => {
    const out = okObject(await tools.run('shell', allow, { command: ['node', 'fail.js'] }));
    expect(out).toMatchObject({ exitCode: 3, stderr: 'boom', timedOut: false });
  });

  test('with one allowed command, a call without arguments runs it', async () => {
    const out = okObject(await tools.run('shell', { allow: ['node echo.js'] }, {}));
    expect(JSON.parse(String(out['stdout'])).argv).toEqual([]);
  });

  test('the model is told which commands are allowed', () => {
    const spec = tools.registry.toolSpec('test', 'shell', allow);
    expect(spec.name).toBe('test');
    expect(spec.description).toContain('"node echo.js"');
    expect(spec.parameters).toMatchObject({ type: 'object', required: ['command'] });
  });
});

describe('shell refusing (hostile cases)', () => {
  test.each([
    ['node echo.js; touch pwned'],
    ['node echo.js && touch pwned'],
    ['node echo.js || touch pwned'],
    ['node echo.js | tee pwned'],
    ['node echo.js > pwned'],
    ['node echo.js $(touch pwned)'],
    ['node echo.js `touch pwned`'],
    ['node echo.js "quoted arg"'],
    ['node echo.js *'],
  ])('metacharacters: %j', async (command) => {
    expect(errorOf(await tools.run('shell', allow, { command }))).toMatch(/command refused: .* contains/);
    expect(existsSync(path.join(ws, 'pwned'))).toBe(false);
  });

  test('a line break cannot smuggle a second command', async () => {
    expect(errorOf(await tools.run('shell', allow, { command: 'node echo.js\ntouch pwned' }))).toMatch(/line break/);
  });

  test('metacharacters inside argv list items are refused too', async () => {
    expect(errorOf(await tools.run('shell', allow, { command: ['node', 'echo.js', ';touch', 'pwned'] }))).toMatch(/contains ";"/);
  });

  test.each([
    ['touch pwned', /not on this tool's allow list/],
    ['node -e require("fs").writeFileSync("pwned","")', /contains/],
    ['node --eval=1', /not on this tool's allow list/],
    ['node', /not on this tool's allow list/],
    ['node echo.jsx', /not on this tool's allow list/],
    ['nodejs echo.js', /not on this tool's allow list/],
  ])('commands off the allow list: %j', async (command, why) => {
    expect(errorOf(await tools.run('shell', allow, { command }))).toMatch(why);
  });

  test('with exactArgs, extra arguments are refused', async () => {
    const cfg = { allow: ['node echo.js'], exactArgs: true };
    expect(errorOf(await tools.run('shell', cfg, { command: 'node echo.js extra' }))).toMatch(/extra arguments are not allowed/);
    expect(okObject(await tools.run('shell', cfg, { command: 'node echo.js' }))['exitCode']).toBe(0);
  });

  test('a timeout kills the command and its children', async () => {
    const started = Date.now();
    const out = okObject(await tools.run('shell', { allow: ['node hang.js'], timeout: '400ms' }, {}));
    expect(out['timedOut']).toBe(true);
    expect(out['exitCode']).toBeNull();
    expect(Date.now() - started).toBeLessThan(4000);
    await new Promise((r) => setTimeout(r, 1800));
    expect(existsSync(path.join(ws, 'late.txt'))).toBe(false);
  });

  test('output is capped', async () => {
    const out = okObject(await tools.run('shell', { allow: ['node spew.js'], maxOutput: 1000 }, {}));
    const stdout = String(out['stdout']);
    expect(stdout.startsWith('y'.repeat(1000))).toBe(true);
    expect(stdout).toContain('199000 more bytes cut');
    expect(stdout.length).toBeLessThan(1200);
    expect(String(out['stderr']).length).toBeLessThan(1200);
  });

  test('cancellation kills the command and is thrown, not fed to the model', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 200);
    await expect(tools.run('shell', { allow: ['node hang.js'] }, {}, { signal: ac.signal })).rejects.toBeInstanceOf(ToolCancelledError);
  });

  test('a program that does not exist is a clear error', async () => {
    expect(errorOf(await tools.run('shell', { allow: ['no-such-program-swarmflow'] }, {}))).toMatch(/was not found/);
  });

  test('configurations that smuggle shell syntax or bad limits are refused at run start', () => {
    const r = tools.registry;
    expect(r.validateConfig('shell', { allow: ['npm test && rm -rf /'] }).join(' ')).toMatch(/allow\[0\]: .*"&&" contains "&"/);
    expect(r.validateConfig('shell', { allow: ['../bin/tool'] }).join(' ')).toMatch(/must not climb/);
    expect(r.validateConfig('shell', { allow: ['npm test'], timeout: '10 minutes' }).join(' ')).toMatch(/timeout/);
    expect(r.validateConfig('shell', { allow: ['npm test'], timeout: '2h' }).join(' ')).toMatch(/over the ceiling/);
    expect(r.validateConfig('shell', { allow: [] }).join(' ')).toMatch(/\/allow/);
    expect(r.validateConfig('shell', {}).join(' ')).toMatch(/allow/);
    expect(r.validateConfig('shell', { allow: ['npm test'], script: 'rm -rf /' }).join(' ')).toMatch(/"script" is not allowed/);
    expect(r.validateConfig('shell', { allow: ['npm test', 'npx tsc --noEmit'], timeout: '10m' })).toEqual([]);
  });
});
