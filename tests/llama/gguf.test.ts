/**
 * The GGUF writer and reader against each other and against the format's
 * arithmetic (Q4_0 blocks, half floats), and the quantization read from a
 * header. No node-llama-cpp needed.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GgufError, metaArrayLength, metaNumber, metaString, readGgufHeader, type GgufHeader } from '../../activities/inference/llama-cpp/gguf';
import { classOf, quantizationMatches, quantizationOf } from '../../activities/inference/llama-cpp/quantization';
import { encodeGguf, quantizeQ4_0, tinyLlamaGguf, tinyVocab, toFloat16 } from './gguf-writer';

const dir = mkdtempSync(path.join(os.tmpdir(), 'swarmflow-gguf-'));
let n = 0;
function write(bytes: Buffer): string {
  const file = path.join(dir, `m${n++}.gguf`);
  writeFileSync(file, bytes);
  return file;
}

function fromHalf(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

function dequantizeQ4_0(bytes: Uint8Array): number[] {
  const out: number[] = [];
  const b = Buffer.from(bytes);
  for (let off = 0; off < b.length; off += 18) {
    const d = fromHalf(b.readUInt16LE(off));
    const lo: number[] = [];
    const hi: number[] = [];
    for (let j = 0; j < 16; j++) {
      const q = b[off + 2 + j] ?? 0;
      lo.push(((q & 0xf) - 8) * d);
      hi.push(((q >> 4) - 8) * d);
    }
    out.push(...lo, ...hi);
  }
  return out;
}

describe('the GGUF writer', () => {
  test('half floats round to the nearest representable value', () => {
    expect(toFloat16(1)).toBe(0x3c00);
    expect(toFloat16(-2)).toBe(0xc000);
    expect(toFloat16(0.5)).toBe(0x3800);
    expect(toFloat16(65504)).toBe(0x7bff);
    expect(toFloat16(1e6)).toBe(0x7c00);
    expect(fromHalf(toFloat16(0.1))).toBeCloseTo(0.1, 3);
    expect(fromHalf(toFloat16(3e-6))).toBeCloseTo(3e-6, 7);
  });

  test('Q4_0 blocks are 18 bytes and dequantize like ggml: the extreme exactly, the rest within a step', () => {
    const values = new Float32Array(64).map((_, i) => Math.sin(i) * 0.7);
    const q = quantizeQ4_0(values);
    expect(q.length).toBe(36);
    const back = dequantizeQ4_0(q);
    for (let b = 0; b < 2; b++) {
      const block = values.subarray(b * 32, b * 32 + 32);
      const amax = Math.max(...[...block].map(Math.abs));
      const step = amax / 8;
      // 16 levels from -8d to 7d: the largest magnitude maps to -8d exactly; the far side clamps at 7d.
      block.forEach((v, i) => {
        const err = Math.abs((back[b * 32 + i] ?? 0) - v);
        expect(err).toBeLessThanOrEqual((Math.abs(v) > amax * (7 / 8) ? step : step / 2) + 1e-3);
        if (Math.abs(v) === amax) expect(err).toBeLessThan(1e-3);
      });
    }
    expect(() => quantizeQ4_0(new Float32Array(33))).toThrow(/multiple of 32/);
  });

  test('the tiny model is a few dozen KB of llama metadata, byte-fallback vocabulary and Q4_0 weights', () => {
    const bytes = tinyLlamaGguf();
    expect(bytes.length).toBeGreaterThan(20_000);
    expect(bytes.length).toBeLessThan(100_000);
    expect(tinyLlamaGguf().equals(bytes)).toBe(true); // seeded: the same bytes every run
    const h = readGgufHeader(write(bytes));
    expect(h.version).toBe(3);
    expect(metaString(h, 'general.architecture')).toBe('llama');
    expect(metaNumber(h, 'general.file_type')).toBe(2);
    expect(metaNumber(h, 'llama.block_count')).toBe(2);
    expect(metaArrayLength(h, 'tokenizer.ggml.tokens')).toBe(tinyVocab().tokens.length);
    expect(metaString(h, 'tokenizer.chat_template')).toContain('<|im_start|>');
    expect(tinyVocab().tokens).toContain('<0xFF>');
    const names = h.tensors.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['token_embd.weight', 'output.weight', 'blk.1.ffn_down.weight', 'blk.0.attn_norm.weight']));
    expect(h.tensors.find((t) => t.name === 'blk.0.attn_k.weight')).toEqual({ name: 'blk.0.attn_k.weight', dims: [64, 32], type: 2 });
  });
});

describe('the GGUF reader', () => {
  test('refuses a file that is not GGUF, says so and how to convert', () => {
    const file = write(Buffer.from('PK\u0003\u0004 definitely a zip file'));
    expect(() => readGgufHeader(file)).toThrow(GgufError);
    expect(() => readGgufHeader(file)).toThrow(/not a GGUF file.*convert_hf_to_gguf/);
  });

  test('names a missing file', () => {
    expect(() => readGgufHeader(path.join(dir, 'nope.gguf'))).toThrow(/nope\.gguf: no such file/);
  });

  test('refuses a truncated header and an unsupported version', () => {
    const whole = tinyLlamaGguf();
    expect(() => readGgufHeader(write(whole.subarray(0, 400)))).toThrow(/truncated/);
    const v9 = Buffer.from(whole);
    v9.writeUInt32LE(9, 4);
    expect(() => readGgufHeader(write(v9))).toThrow(/version 9 is not supported/);
  });

  test('bounds what a hostile header can make it allocate', () => {
    const head = Buffer.alloc(24 + 8);
    head.write('GGUF', 0, 'latin1');
    head.writeUInt32LE(3, 4);
    head.writeBigUInt64LE(0n, 8); // tensors
    head.writeBigUInt64LE(1n, 16); // one key...
    head.writeBigUInt64LE(1n << 40n, 24); // ...whose name claims a terabyte
    expect(() => readGgufHeader(write(head))).toThrow(/a string of 1099511627776 bytes/);
    const many = Buffer.from(head.subarray(0, 24));
    many.writeBigUInt64LE(1n << 50n, 16);
    expect(() => readGgufHeader(write(many))).toThrow(/metadata entries/);
  });
});

function header(fileType: number | null, tensors: [string, number[], number][]): GgufHeader {
  const metadata = new Map<string, number | string>([['general.architecture', 'llama']]);
  if (fileType !== null) metadata.set('general.file_type', fileType);
  return { version: 3, metadata, tensors: tensors.map(([name, dims, type]) => ({ name, dims, type })) };
}

describe('quantization read from the file', () => {
  test('the tiny model is Q4_0, class int4, from general.file_type and its tensors agree', () => {
    const q = quantizationOf(readGgufHeader(write(tinyLlamaGguf())));
    expect(q).toMatchObject({ quantization: 'int4', label: 'Q4_0', source: 'general.file_type', note: null });
    expect(Object.keys(q.tensorTypes)).toEqual(['Q4_0']); // norms are 1-D and left out
  });

  test('a Q4_K_M file (mostly Q4_K, some Q6_K) is int4 by its declared label', () => {
    const q = quantizationOf(
      header(15, [
        ['blk.0.attn_q.weight', [4096, 4096], 12],
        ['blk.0.ffn_down.weight', [11008, 4096], 14],
        ['blk.0.ffn_up.weight', [4096, 11008], 12],
        ['blk.0.ffn_gate.weight', [4096, 11008], 12],
        ['blk.0.attn_norm.weight', [4096], 0],
      ]),
    );
    expect(q).toMatchObject({ quantization: 'int4', label: 'Q4_K_M', source: 'general.file_type' });
    expect(q.tensorTypes).toEqual({ Q4_K: 4096 * 4096 + 2 * 4096 * 11008, Q6_K: 11008 * 4096 });
  });

  test('a file whose label contradicts its tensors is classified by the tensors, with a note', () => {
    const q = quantizationOf(header(2, [['blk.0.attn_q.weight', [64, 64], 1]]));
    expect(q).toMatchObject({ quantization: 'fp16', label: 'F16', source: 'tensor types' });
    expect(q.note).toMatch(/says Q4_0 but most weights are F16/);
  });

  test('without general.file_type the dominant tensor type decides', () => {
    expect(quantizationOf(header(null, [['w', [32, 32], 8]]))).toMatchObject({ quantization: 'int8', label: 'Q8_0', source: 'tensor types', note: null });
  });

  test('classes and matching of declared names', () => {
    expect(['Q4_K_M', 'IQ4_XS', 'Q8_0', 'Q5_K_S', 'IQ2_XXS', 'F16', 'BF16', 'F32', 'MXFP4_MOE', 'TQ1_0'].map(classOf)).toEqual([
      'int4', 'int4', 'int8', 'int5', 'int2', 'fp16', 'bf16', 'fp32', 'fp4', 'ternary',
    ]);
    const q = quantizationOf(header(15, [['w', [32, 32], 12]]));
    expect(quantizationMatches('int4', q)).toBe(true);
    expect(quantizationMatches('q4_k_m', q)).toBe(true);
    expect(quantizationMatches('q4', q)).toBe(true);
    expect(quantizationMatches('q8', q)).toBe(false);
    expect(quantizationMatches('int8', q)).toBe(false);
  });

  test('a written header with a custom alignment reads back', () => {
    const bytes = encodeGguf([['general.architecture', { type: 'string', value: 'llama' }]], [{ name: 'w', dims: [32], type: 'F32', data: new Uint8Array(128) }], 64);
    const h = readGgufHeader(write(bytes));
    expect(metaNumber(h, 'general.alignment')).toBe(64);
    expect(bytes.length % 64).toBe(0);
  });
});
