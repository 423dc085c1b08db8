/**
 * Reads the header of a GGUF file (metadata and tensor infos, never the
 * weights) without node-llama-cpp: the backend learns a model's
 * quantization, architecture and context length from the file itself, and
 * can reject a file that is not GGUF with a clear message before handing it
 * to llama.cpp.
 *
 * Format: ggml docs/gguf.md (v2 and v3: little-endian, 64-bit counts).
 * Reading is bounded: strings, arrays and the whole header have limits, so a
 * corrupt or hostile file fails with a GgufError instead of exhausting memory.
 */
import { closeSync, openSync, readSync } from 'node:fs';

/** Thrown when a file is not a readable GGUF model; the message names the file and what is wrong. */
export class GgufError extends Error {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
    this.name = 'GgufError';
  }
}

/** Scalar metadata as read; arrays are summarised by element type and length (their contents are skipped). */
export type GgufScalar = number | bigint | boolean | string;
export interface GgufArraySummary {
  array: string;
  length: number;
}
export type GgufMetaValue = GgufScalar | GgufArraySummary;

export interface GgufTensorInfo {
  name: string;
  dims: number[];
  /** ggml type id (`GGML_TYPE_*`). */
  type: number;
}

export interface GgufHeader {
  version: number;
  metadata: Map<string, GgufMetaValue>;
  tensors: GgufTensorInfo[];
}

const MAX_HEADER_BYTES = 512 * 1024 * 1024;
const MAX_STRING_BYTES = 16 * 1024 * 1024;
const MAX_ARRAY_LENGTH = 64 * 1024 * 1024;
const MAX_TENSORS = 1_000_000;
const MAX_KVS = 100_000;
const CHUNK = 1024 * 1024;

/** Value type ids (gguf.md `gguf_metadata_value_type`) and their fixed sizes. */
const TYPE_NAMES = ['u8', 'i8', 'u16', 'i16', 'u32', 'i32', 'f32', 'bool', 'string', 'array', 'u64', 'i64', 'f64'] as const;
const FIXED_SIZE: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };

/** Sequential reads over a file descriptor through a sliding buffer. */
class HeaderReader {
  private buf = Buffer.alloc(0);
  private bufStart = 0;
  pos = 0;

  constructor(
    private readonly fd: number,
    private readonly file: string,
  ) {}

  private need(n: number): Buffer {
    if (this.pos + n > MAX_HEADER_BYTES) throw new GgufError(this.file, `header larger than ${MAX_HEADER_BYTES} bytes: not a model this reader accepts`);
    const offset = this.pos - this.bufStart;
    if (offset + n <= this.buf.length) {
      this.pos += n;
      return this.buf.subarray(offset, offset + n);
    }
    const size = Math.max(n, CHUNK);
    const next = Buffer.alloc(size);
    const read = readSync(this.fd, next, 0, size, this.pos);
    if (read < n) throw new GgufError(this.file, `truncated: the header ends at byte ${this.pos + read}`);
    this.buf = next.subarray(0, read);
    this.bufStart = this.pos;
    this.pos += n;
    return this.buf.subarray(0, n);
  }

  u32(): number {
    return this.need(4).readUInt32LE(0);
  }
  u64(): number {
    const v = this.need(8).readBigUInt64LE(0);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new GgufError(this.file, `a 64-bit count of ${v} is too large`);
    return Number(v);
  }
  string(): string {
    const len = this.u64();
    if (len > MAX_STRING_BYTES) throw new GgufError(this.file, `a string of ${len} bytes at byte ${this.pos} (limit ${MAX_STRING_BYTES})`);
    return this.need(len).toString('utf8');
  }
  skip(n: number): void {
    if (this.pos + n > MAX_HEADER_BYTES) throw new GgufError(this.file, `header larger than ${MAX_HEADER_BYTES} bytes: not a model this reader accepts`);
    this.pos += n;
  }
  scalar(type: number): GgufScalar {
    switch (type) {
      case 0:
        return this.need(1).readUInt8(0);
      case 1:
        return this.need(1).readInt8(0);
      case 2:
        return this.need(2).readUInt16LE(0);
      case 3:
        return this.need(2).readInt16LE(0);
      case 4:
        return this.need(4).readUInt32LE(0);
      case 5:
        return this.need(4).readInt32LE(0);
      case 6:
        return this.need(4).readFloatLE(0);
      case 7:
        return this.need(1).readUInt8(0) !== 0;
      case 8:
        return this.string();
      case 10:
        return this.need(8).readBigUInt64LE(0);
      case 11:
        return this.need(8).readBigInt64LE(0);
      case 12:
        return this.need(8).readDoubleLE(0);
      default:
        throw new GgufError(this.file, `unknown metadata value type ${type} at byte ${this.pos}`);
    }
  }
}

function readValue(r: HeaderReader, type: number, file: string): GgufMetaValue {
  if (type !== 9) return r.scalar(type);
  const elemType = r.u32();
  const length = r.u64();
  if (length > MAX_ARRAY_LENGTH) throw new GgufError(file, `an array of ${length} elements (limit ${MAX_ARRAY_LENGTH})`);
  const fixed = FIXED_SIZE[elemType];
  if (fixed !== undefined) r.skip(fixed * length);
  else if (elemType === 8) for (let i = 0; i < length; i++) r.skip(r.u64());
  else throw new GgufError(file, `arrays of value type ${elemType} are not supported`);
  return { array: TYPE_NAMES[elemType] ?? String(elemType), length };
}

/** Reads the header of `file`; throws GgufError when it is not GGUF v2/v3 or is damaged. */
export function readGgufHeader(file: string): GgufHeader {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    const code = typeof e === 'object' && e !== null && 'code' in e ? String(e.code) : '';
    throw new GgufError(file, code === 'ENOENT' ? 'no such file' : `cannot open: ${e instanceof Error ? e.message : String(e)}`);
  }
  try {
    return readAll(new HeaderReader(fd, file), file);
  } finally {
    closeSync(fd);
  }
}

function readAll(r: HeaderReader, file: string): GgufHeader {
  const magic = r.u32();
  // "GGUF" read as a little-endian u32.
  if (magic !== 0x46554747) throw new GgufError(file, 'not a GGUF file (the first four bytes are not "GGUF"); convert the model with llama.cpp convert_hf_to_gguf.py');
  const version = r.u32();
  if (version !== 2 && version !== 3) throw new GgufError(file, `GGUF version ${version} is not supported (only 2 and 3)`);
  const tensorCount = r.u64();
  const kvCount = r.u64();
  if (tensorCount > MAX_TENSORS) throw new GgufError(file, `${tensorCount} tensors (limit ${MAX_TENSORS})`);
  if (kvCount > MAX_KVS) throw new GgufError(file, `${kvCount} metadata entries (limit ${MAX_KVS})`);
  const metadata = new Map<string, GgufMetaValue>();
  for (let i = 0; i < kvCount; i++) {
    const key = r.string();
    const type = r.u32();
    metadata.set(key, readValue(r, type, file));
  }
  const tensors: GgufTensorInfo[] = [];
  for (let i = 0; i < tensorCount; i++) {
    const name = r.string();
    const nDims = r.u32();
    if (nDims > 8) throw new GgufError(file, `tensor ${name} has ${nDims} dimensions`);
    const dims: number[] = [];
    for (let d = 0; d < nDims; d++) dims.push(r.u64());
    const type = r.u32();
    r.u64(); // data offset: the weights are llama.cpp's business
    tensors.push({ name, dims, type });
  }
  return { version, metadata, tensors };
}

export function metaString(h: GgufHeader, key: string): string | null {
  const v = h.metadata.get(key);
  return typeof v === 'string' ? v : null;
}

export function metaNumber(h: GgufHeader, key: string): number | null {
  const v = h.metadata.get(key);
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint' && v <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(v);
  return null;
}

export function metaArrayLength(h: GgufHeader, key: string): number | null {
  const v = h.metadata.get(key);
  return typeof v === 'object' && v !== null && 'array' in v ? v.length : null;
}
