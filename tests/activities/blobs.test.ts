import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BlobNotFoundError, FsBlobStore, blobRefOf } from '../../activities/blobs';

describe('FsBlobStore', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blobs-'));
  const store = new FsBlobStore(dir);

  test('content-addressed: the reference is the sha256 of the content', async () => {
    const ref = await store.put('hello');
    expect(ref).toBe(blobRefOf('hello'));
    expect(ref).toBe('sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824');
    expect((await store.get(ref)).toString()).toBe('hello');
  });

  test('many concurrent writers of the same content all succeed and leave one file', async () => {
    const refs = await Promise.all(Array.from({ length: 50 }, () => store.put('same content')));
    expect(new Set(refs).size).toBe(1);
    const hex = refs[0]!.slice('sha256:'.length);
    const files = fs.readdirSync(path.join(dir, hex.slice(0, 2)));
    expect(files.filter((f) => f.startsWith(hex.slice(2)))).toEqual([hex.slice(2)]);
  });

  test('a missing blob is a BlobNotFoundError; a malformed reference is refused before any path is built', async () => {
    await expect(store.get(blobRefOf('never stored'))).rejects.toBeInstanceOf(BlobNotFoundError);
    await expect(store.get('sha256:../../etc/passwd')).rejects.toThrow(/not a blob reference/);
  });
});
