/** fs.read / fs.write / fs.list: their jobs, and the ways out of the workspace they refuse. */
import { execFileSync } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { errorOf, okObject, removeDir, runner, tempDir } from './helpers';

let outside: string;
let ws: string;
let tools: ReturnType<typeof runner>;

beforeEach(() => {
  outside = tempDir('outside');
  ws = tempDir('ws');
  writeFileSync(path.join(outside, 'secret.txt'), 'TOP SECRET');
  tools = runner(ws);
});

afterEach(async () => {
  await removeDir(ws);
  await removeDir(outside);
});

describe('fs tools doing their job', () => {
  test('write creates directories, read returns the content, list shows it', async () => {
    const w = okObject(await tools.run('fs.write', {}, { path: 'src/deep/a.txt', content: 'héllo\n' }));
    expect(w).toEqual({ path: 'src/deep/a.txt', bytes: Buffer.byteLength('héllo\n') });
    expect(readFileSync(path.join(ws, 'src/deep/a.txt'), 'utf8')).toBe('héllo\n');

    const r = okObject(await tools.run('fs.read', {}, { path: './src/deep/a.txt' }));
    expect(r).toMatchObject({ path: 'src/deep/a.txt', content: 'héllo\n', encoding: 'utf8', offset: 0 });

    const l = okObject(await tools.run('fs.list', {}, { recursive: true }));
    expect(l['entries']).toEqual([
      { path: 'src', type: 'dir', size: 0 },
      { path: 'src/deep', type: 'dir', size: 0 },
      { path: 'src/deep/a.txt', type: 'file', size: 7 },
    ]);
    expect(l['truncated']).toBe(false);
  });

  test('write replaces a longer file entirely', async () => {
    writeFileSync(path.join(ws, 'f.txt'), 'a long original content');
    okObject(await tools.run('fs.write', {}, { path: 'f.txt', content: 'short' }));
    expect(readFileSync(path.join(ws, 'f.txt'), 'utf8')).toBe('short');
  });

  test('read of a byte range and of binary content as base64', async () => {
    writeFileSync(path.join(ws, 'bin'), Buffer.from([0, 1, 2, 255, 254]));
    const r = okObject(await tools.run('fs.read', {}, { path: 'bin', encoding: 'base64', offset: 1, length: 3 }));
    expect(Buffer.from(String(r['content']), 'base64')).toEqual(Buffer.from([1, 2, 255]));
    const text = errorOf(await tools.run('fs.read', {}, { path: 'bin' }));
    expect(text).toMatch(/not UTF-8.*base64/);
  });

  test('a symbolic link that stays inside the workspace is followed for reading', async () => {
    writeFileSync(path.join(ws, 'real.txt'), 'inside');
    symlinkSync('real.txt', path.join(ws, 'alias.txt'));
    expect(okObject(await tools.run('fs.read', {}, { path: 'alias.txt' }))['content']).toBe('inside');
  });

  test('list caps the number of entries', async () => {
    for (let i = 0; i < 5; i++) writeFileSync(path.join(ws, `f${i}`), '');
    const l = okObject(await tools.run('fs.list', { maxEntries: 3 }, {}));
    expect(l['entries']).toHaveLength(3);
    expect(l['truncated']).toBe(true);
  });

  test('reading a missing file is a tool error, not a crash', async () => {
    expect(errorOf(await tools.run('fs.read', {}, { path: 'nope.txt' }))).toMatch(/does not exist/);
  });
});

describe('fs tools refusing (hostile cases)', () => {
  test.each([
    ['../outside.txt', /climbs out/],
    ['src/../../etc/passwd', /climbs out/],
    ['/etc/passwd', /absolute/],
    ['C:/Windows/win.ini', /absolute/],
    ['~/.ssh/id_rsa', /absolute/],
    ['a\\..\\..\\b', /backslash/],
    ['file\0.txt', /NUL/],
  ])('fs.read refuses %j', async (p, why) => {
    expect(errorOf(await tools.run('fs.read', {}, { path: p }))).toMatch(why);
  });

  test('fs.write refuses traversal and absolute paths, and writes nothing outside', async () => {
    const target = path.join(outside, 'pwned.txt');
    expect(errorOf(await tools.run('fs.write', {}, { path: path.relative(ws, target), content: 'x' }))).toMatch(/climbs out/);
    expect(errorOf(await tools.run('fs.write', {}, { path: target, content: 'x' }))).toMatch(/absolute/);
    expect(existsSync(target)).toBe(false);
  });

  test('fs.list refuses to list outside', async () => {
    expect(errorOf(await tools.run('fs.list', {}, { path: '..' }))).toMatch(/climbs out/);
  });

  test('a symlinked file pointing outside is refused for reading', async () => {
    symlinkSync(path.join(outside, 'secret.txt'), path.join(ws, 'innocent.txt'));
    const err = errorOf(await tools.run('fs.read', {}, { path: 'innocent.txt' }));
    expect(err).toMatch(/outside the workspace/);
    expect(err).not.toContain('TOP SECRET');
  });

  test('a symlinked directory pointing outside is refused for reading, writing and listing', async () => {
    symlinkSync(outside, path.join(ws, 'docs'));
    expect(errorOf(await tools.run('fs.read', {}, { path: 'docs/secret.txt' }))).toMatch(/outside the workspace/);
    expect(errorOf(await tools.run('fs.write', {}, { path: 'docs/new.txt', content: 'x' }))).toMatch(/outside the workspace/);
    expect(errorOf(await tools.run('fs.write', {}, { path: 'docs/sub/new.txt', content: 'x' }))).toMatch(/outside the workspace/);
    expect(errorOf(await tools.run('fs.list', {}, { path: 'docs' }))).toMatch(/outside the workspace/);
    expect(existsSync(path.join(outside, 'new.txt'))).toBe(false);
    expect(existsSync(path.join(outside, 'sub'))).toBe(false);
  });

  test('writing through a symlinked file (even a dangling one) is refused', async () => {
    symlinkSync(path.join(outside, 'secret.txt'), path.join(ws, 'out.txt'));
    expect(errorOf(await tools.run('fs.write', {}, { path: 'out.txt', content: 'overwritten' }))).toMatch(/symbolic link/);
    expect(readFileSync(path.join(outside, 'secret.txt'), 'utf8')).toBe('TOP SECRET');
    symlinkSync(path.join(outside, 'created-by-link.txt'), path.join(ws, 'dangling.txt'));
    expect(errorOf(await tools.run('fs.write', {}, { path: 'dangling.txt', content: 'x' }))).toMatch(/symbolic link/);
    expect(existsSync(path.join(outside, 'created-by-link.txt'))).toBe(false);
  });

  test('writing through a hard link to a file outside is refused', async () => {
    const inside = path.join(ws, 'hard.txt');
    try {
      linkSync(path.join(outside, 'secret.txt'), inside);
    } catch {
      return; // hard links across these directories are not possible on this machine
    }
    expect(errorOf(await tools.run('fs.write', {}, { path: 'hard.txt', content: 'overwritten' }))).toMatch(/hard links/);
    expect(readFileSync(path.join(outside, 'secret.txt'), 'utf8')).toBe('TOP SECRET');
  });

  test('a symlink loop is refused', async () => {
    symlinkSync('b', path.join(ws, 'a'));
    symlinkSync('a', path.join(ws, 'b'));
    expect(errorOf(await tools.run('fs.read', {}, { path: 'a' }))).toMatch(/loop/);
  });

  test('device files and FIFOs are refused', async () => {
    symlinkSync('/dev/zero', path.join(ws, 'zero'));
    expect(errorOf(await tools.run('fs.read', {}, { path: 'zero' }))).toMatch(/outside the workspace/);
    const fifo = path.join(ws, 'pipe');
    try {
      execFileSync('mkfifo', [fifo]);
    } catch {
      return; // no mkfifo on this machine
    }
    expect(errorOf(await tools.run('fs.read', {}, { path: 'pipe' }))).toMatch(/not a regular file/);
    expect(errorOf(await tools.run('fs.write', {}, { path: 'pipe', content: 'x' }))).toMatch(/not a regular file/);
  });

  test('oversized files are refused for whole reads and oversized content for writes', async () => {
    writeFileSync(path.join(ws, 'big.txt'), 'x'.repeat(2000));
    expect(errorOf(await tools.run('fs.read', { maxBytes: 1000 }, { path: 'big.txt' }))).toMatch(/2000 bytes, over the fs.read limit of 1000/);
    expect(errorOf(await tools.run('fs.read', { maxBytes: 1000 }, { path: 'big.txt', length: 1001 }))).toMatch(/over the fs.read limit/);
    expect(okObject(await tools.run('fs.read', { maxBytes: 1000 }, { path: 'big.txt', offset: 1500, length: 1000 }))['content']).toBe('x'.repeat(500));
    expect(errorOf(await tools.run('fs.write', { maxBytes: 10 }, { path: 'w.txt', content: 'x'.repeat(11) }))).toMatch(/over the fs.write limit of 10/);
    expect(existsSync(path.join(ws, 'w.txt'))).toBe(false);
  });

  test('reading a directory, or writing over one, is a clear error', async () => {
    mkdirSync(path.join(ws, 'dir'));
    expect(errorOf(await tools.run('fs.read', {}, { path: 'dir' }))).toMatch(/is a directory/);
    expect(errorOf(await tools.run('fs.write', {}, { path: 'dir', content: 'x' }))).toMatch(/is a directory/);
  });

  test('bad arguments are a tool error naming the problem', async () => {
    expect(errorOf(await tools.run('fs.read', {}, { file: 'a.txt' }))).toMatch(/arguments of fs.read are invalid: .*path/);
    expect(errorOf(await tools.run('fs.write', {}, { path: 'a.txt', content: 42 }))).toMatch(/\/content: .*string/);
  });
});
