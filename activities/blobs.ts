/**
 * Content-addressed blob store: prompts, conversations, transcripts, tool
 * results and model answers live here so that workflow history carries only
 * `sha256:<hex>` references.
 *
 * The filesystem store is the default (`.swarmflow/blobs`). Workers on several
 * machines need a shared store: implement `BlobStore` over object storage and
 * pass it to the worker. Keys come from content only, never from a request,
 * so no path is ever taken from outside (security rule 8).
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { BlobRef } from './contracts';

export interface BlobStore {
  put(data: string | Buffer): Promise<BlobRef>;
  /** Throws `BlobNotFoundError` when the blob is missing. */
  get(ref: BlobRef): Promise<Buffer>;
  has(ref: BlobRef): Promise<boolean>;
}

/** Thrown when a reference names a blob the store does not hold (lost store, wrong store). */
export class BlobNotFoundError extends Error {
  constructor(public readonly ref: BlobRef) {
    super(`blob ${ref} is not in the blob store; was the store moved or cleared?`);
    this.name = 'BlobNotFoundError';
  }
}

const REF_RE = /^sha256:([0-9a-f]{64})$/;

export function blobRefOf(data: string | Buffer): BlobRef {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

export function parseBlobRef(ref: string): string {
  const m = REF_RE.exec(ref);
  if (!m || !m[1]) throw new Error(`not a blob reference: ${JSON.stringify(ref.slice(0, 80))}`);
  return m[1];
}

export class FsBlobStore implements BlobStore {
  constructor(private readonly root: string) {}

  private file(ref: BlobRef): string {
    const hex = parseBlobRef(ref);
    return path.join(this.root, hex.slice(0, 2), hex.slice(2));
  }

  async put(data: string | Buffer): Promise<BlobRef> {
    const ref = blobRefOf(data);
    const file = this.file(ref);
    try {
      await fs.access(file);
      return ref;
    } catch {
      // not stored yet
    }
    await fs.mkdir(path.dirname(file), { recursive: true });
    // Write then rename, so a crash never leaves a half blob under its final name.
    // The temporary name is unique per call: two writers of the same content must not share it.
    const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    await fs.writeFile(tmp, data);
    await fs.rename(tmp, file);
    return ref;
  }

  async get(ref: BlobRef): Promise<Buffer> {
    try {
      return await fs.readFile(this.file(ref));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new BlobNotFoundError(ref);
      throw err;
    }
  }

  async has(ref: BlobRef): Promise<boolean> {
    try {
      await fs.access(this.file(ref));
      return true;
    } catch {
      return false;
    }
  }

  async putJson(value: unknown): Promise<BlobRef> {
    return this.put(JSON.stringify(value));
  }

  async getJson<T>(ref: BlobRef): Promise<T> {
    return JSON.parse((await this.get(ref)).toString('utf8')) as T;
  }
}
