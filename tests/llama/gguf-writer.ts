/**
 * A small GGUF (v3) writer and a tiny llama-architecture model built with
 * it, so the llama-cpp backend can be tested with a real quantized file when
 * none can be downloaded.
 *
 * The model has random Q4_0 weights (seeded, so every run writes the same
 * bytes), a byte-fallback SentencePiece vocabulary (256 byte tokens, the
 * space piece, and ChatML control tokens) and a ChatML chat template in its
 * metadata. llama.cpp loads and runs it like any other llama model; what it
 * says is nonsense by construction.
 *
 * Layout reference: ggml's docs/gguf.md (header, typed key/values, tensor
 * infos, aligned data) and ggml's `quantize_row_q4_0_ref`.
 */
import { writeFileSync } from 'node:fs';

/** GGUF metadata value types (gguf.md `gguf_metadata_value_type`). */
const T = { u8: 0, i8: 1, u16: 2, i16: 3, u32: 4, i32: 5, f32: 6, bool: 7, string: 8, array: 9, u64: 10, i64: 11, f64: 12 } as const;

export type GgufKv =
  | { type: 'u32' | 'i32' | 'f32' | 'u64'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | { type: 'array'; of: 'string'; value: readonly string[] }
  | { type: 'array'; of: 'f32' | 'i32' | 'u32'; value: readonly number[] };

/** ggml tensor types this writer can produce. */
export const GGML_TYPE = { F32: 0, F16: 1, Q4_0: 2 } as const;

export interface GgufTensor {
  name: string;
  /** ggml order: dims[0] is the row length. */
  dims: readonly number[];
  type: keyof typeof GGML_TYPE;
  data: Uint8Array;
}

/** Appends little-endian values to a growing byte list. */
class ByteSink {
  private chunks: Buffer[] = [];
  length = 0;

  push(b: Buffer): void {
    this.chunks.push(b);
    this.length += b.length;
  }
  u32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    this.push(b);
  }
  i32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeInt32LE(v);
    this.push(b);
  }
  u64(v: number): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    this.push(b);
  }
  f32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeFloatLE(v);
    this.push(b);
  }
  str(s: string): void {
    const b = Buffer.from(s, 'utf8');
    this.u64(b.length);
    this.push(b);
  }
  pad(alignment: number): void {
    const rem = this.length % alignment;
    if (rem !== 0) this.push(Buffer.alloc(alignment - rem));
  }
  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

function writeKv(out: ByteSink, key: string, kv: GgufKv): void {
  out.str(key);
  if (kv.type === 'array') {
    out.u32(T.array);
    out.u32(T[kv.of]);
    out.u64(kv.value.length);
    if (kv.of === 'string') {
      for (const s of kv.value) out.str(s);
    } else {
      for (const n of kv.value) {
        if (kv.of === 'f32') out.f32(n);
        else if (kv.of === 'i32') out.i32(n);
        else out.u32(n);
      }
    }
    return;
  }
  out.u32(T[kv.type]);
  switch (kv.type) {
    case 'u32':
      return out.u32(kv.value);
    case 'i32':
      return out.i32(kv.value);
    case 'f32':
      return out.f32(kv.value);
    case 'u64':
      return out.u64(kv.value);
    case 'bool':
      return out.push(Buffer.from([kv.value ? 1 : 0]));
    case 'string':
      return out.str(kv.value);
  }
}

/** Bytes of a tensor of `type` with `count` elements. */
export function tensorBytes(type: keyof typeof GGML_TYPE, count: number): number {
  switch (type) {
    case 'F32':
      return count * 4;
    case 'F16':
      return count * 2;
    case 'Q4_0':
      if (count % 32 !== 0) throw new Error(`Q4_0 needs a multiple of 32 elements, got ${count}`);
      return (count / 32) * 18;
  }
}

/** Encodes a whole GGUF v3 file. */
export function encodeGguf(metadata: readonly (readonly [string, GgufKv])[], tensors: readonly GgufTensor[], alignment = 32): Buffer {
  const head = new ByteSink();
  head.push(Buffer.from('GGUF', 'latin1'));
  head.u32(3);
  head.u64(tensors.length);
  head.u64(metadata.length + (alignment !== 32 ? 1 : 0));
  for (const [k, v] of metadata) writeKv(head, k, v);
  if (alignment !== 32) writeKv(head, 'general.alignment', { type: 'u32', value: alignment });
  let offset = 0;
  const offsets: number[] = [];
  for (const t of tensors) {
    const count = t.dims.reduce((a, b) => a * b, 1);
    const size = tensorBytes(t.type, count);
    if (t.data.length !== size) throw new Error(`tensor ${t.name}: ${t.data.length} bytes, expected ${size}`);
    head.str(t.name);
    head.u32(t.dims.length);
    for (const d of t.dims) head.u64(d);
    head.u32(GGML_TYPE[t.type]);
    head.u64(offset);
    offsets.push(offset);
    offset += size;
    offset += (alignment - (offset % alignment)) % alignment;
  }
  head.pad(alignment);
  const data = new ByteSink();
  tensors.forEach((t, i) => {
    const at = offsets[i] ?? 0;
    if (data.length < at) data.push(Buffer.alloc(at - data.length));
    data.push(Buffer.from(t.data));
  });
  data.pad(alignment);
  return Buffer.concat([head.bytes(), data.bytes()]);
}

/** IEEE half precision, round to nearest even (enough for Q4_0 scales). */
export function toFloat16(v: number): number {
  const f = new Float32Array([v]);
  const x = new Uint32Array(f.buffer)[0] ?? 0;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant = (mant | 0x800000) >>> (1 - e);
    if (mant & 0x1000) mant += 0x2000;
    return sign | (mant >>> 13);
  }
  if (mant & 0x1000) {
    mant += 0x2000;
    if (mant & 0x800000) {
      mant = 0;
      e += 1;
      if (e >= 0x1f) return sign | 0x7c00;
    }
  }
  return sign | (e << 10) | (mant >>> 13);
}

/** ggml's reference Q4_0 quantizer: blocks of 32 as (f16 scale, 16 bytes of 4-bit values). */
export function quantizeQ4_0(values: Float32Array): Uint8Array {
  if (values.length % 32 !== 0) throw new Error(`Q4_0 needs a multiple of 32 values, got ${values.length}`);
  const out = Buffer.alloc((values.length / 32) * 18);
  for (let b = 0; b < values.length / 32; b++) {
    const x = values.subarray(b * 32, b * 32 + 32);
    let amax = 0;
    let max = 0;
    for (const v of x) {
      if (Math.abs(v) > amax) {
        amax = Math.abs(v);
        max = v;
      }
    }
    const d = max / -8;
    const id = d !== 0 ? 1 / d : 0;
    out.writeUInt16LE(toFloat16(d), b * 18);
    for (let j = 0; j < 16; j++) {
      const lo = Math.min(15, Math.trunc((x[j] ?? 0) * id + 8.5));
      const hi = Math.min(15, Math.trunc((x[j + 16] ?? 0) * id + 8.5));
      out[b * 18 + 2 + j] = lo | (hi << 4);
    }
  }
  return out;
}

/** mulberry32: a small seeded generator, so the fixture is the same bytes every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** SentencePiece token types (llama.cpp `llama_token_type`). */
const TOKEN = { normal: 1, unknown: 2, control: 3, byte: 6 } as const;

/** The ChatML template (as Qwen and many others ship it); node-llama-cpp recognises it. */
export const CHATML_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

export interface TinyLlamaOptions {
  seed?: number;
  embedding?: number;
  layers?: number;
  heads?: number;
  headsKv?: number;
  feedForward?: number;
  /** Trained context length written to the metadata. */
  contextLength?: number;
  chatTemplate?: string;
  /** Model name in `general.name`. */
  name?: string;
  /**
   * Scripts the first thing the model says after a newline (the end of the
   * ChatML assistant header): this text, added to the vocabulary as one
   * token. With `"||call:"` the model opens a function call in
   * node-llama-cpp's default syntax, so tool calls can be tested for real.
   */
  newlineThen?: string;
}

export interface TinyVocab {
  tokens: string[];
  bos: number;
  eos: number;
  imStart: number;
  imEnd: number;
}

/** The byte-fallback vocabulary: control tokens, `<0x00>`..`<0xFF>`, and the SentencePiece space `▁`. */
export function tinyVocab(extra: readonly string[] = []): TinyVocab {
  const tokens = ['<unk>', '<s>', '</s>', '<|im_start|>', '<|im_end|>'];
  for (let b = 0; b < 256; b++) tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
  tokens.push('\u2581', ...extra);
  return { tokens, bos: 1, eos: 2, imStart: 3, imEnd: 4 };
}

/** Id of the byte token for `byte` in `tinyVocab()`. */
export function byteToken(byte: number): number {
  return 5 + byte;
}

function tokenTypes(v: TinyVocab): number[] {
  return v.tokens.map((t, i) => {
    if (i === 0) return TOKEN.unknown;
    if (i < 5) return TOKEN.control;
    if (/^<0x[0-9A-F]{2}>$/.test(t)) return TOKEN.byte;
    return TOKEN.normal;
  });
}

/** A random Q4_0 llama model as GGUF bytes (a few dozen KB with the defaults). */
export function tinyLlamaGguf(opts: TinyLlamaOptions = {}): Buffer {
  const nEmbd = opts.embedding ?? 64;
  const nLayer = opts.layers ?? 2;
  const nHead = opts.heads ?? 4;
  const nHeadKv = opts.headsKv ?? 2;
  const nFf = opts.feedForward ?? 128;
  const headDim = nEmbd / nHead;
  const vocab = tinyVocab(opts.newlineThen !== undefined ? [opts.newlineThen] : []);
  const nVocab = vocab.tokens.length;
  const rand = prng(opts.seed ?? 1234);

  const randomFloats = (rows: number, cols: number): Float32Array => {
    // Scaled like a trained layer's init (1/sqrt(fan-in)) so activations stay finite.
    const scale = 1 / Math.sqrt(cols);
    const v = new Float32Array(rows * cols);
    for (let i = 0; i < v.length; i++) v[i] = (rand() * 2 - 1) * scale * 2;
    return v;
  };
  const random = (rows: number, cols: number): GgufTensor['data'] => quantizeQ4_0(randomFloats(rows, cols));
  const ones = (n: number): Uint8Array => {
    const v = new Float32Array(n).fill(1);
    return new Uint8Array(v.buffer);
  };
  const q4 = (name: string, cols: number, rows: number): GgufTensor => ({ name, dims: [cols, rows], type: 'Q4_0', data: random(rows, cols) });

  const embd = randomFloats(nVocab, nEmbd);
  const out = randomFloats(nVocab, nEmbd);
  if (opts.newlineThen !== undefined) {
    // The newline's embedding dominates the residual stream at its position (every layer adds only
    // O(1) to it), and the scripted token's output row points the same way: after a newline its
    // logit is far above any random one, so greedy decoding says the scripted text.
    const nl = byteToken(0x0a) * nEmbd;
    const scripted = (nVocab - 1) * nEmbd;
    let norm = 0;
    for (let i = 0; i < nEmbd; i++) norm += (embd[nl + i] ?? 0) ** 2;
    norm = Math.sqrt(norm);
    for (let i = 0; i < nEmbd; i++) {
      const e = embd[nl + i] ?? 0;
      out[scripted + i] = (3 * e) / norm;
      embd[nl + i] = e * 50;
    }
  }
  const tensors: GgufTensor[] = [
    { name: 'token_embd.weight', dims: [nEmbd, nVocab], type: 'Q4_0', data: quantizeQ4_0(embd) },
    { name: 'output_norm.weight', dims: [nEmbd], type: 'F32', data: ones(nEmbd) },
    { name: 'output.weight', dims: [nEmbd, nVocab], type: 'Q4_0', data: quantizeQ4_0(out) },
  ];
  for (let l = 0; l < nLayer; l++) {
    const p = `blk.${l}.`;
    tensors.push(
      { name: `${p}attn_norm.weight`, dims: [nEmbd], type: 'F32', data: ones(nEmbd) },
      q4(`${p}attn_q.weight`, nEmbd, nEmbd),
      q4(`${p}attn_k.weight`, nEmbd, headDim * nHeadKv),
      q4(`${p}attn_v.weight`, nEmbd, headDim * nHeadKv),
      q4(`${p}attn_output.weight`, nEmbd, nEmbd),
      { name: `${p}ffn_norm.weight`, dims: [nEmbd], type: 'F32', data: ones(nEmbd) },
      q4(`${p}ffn_gate.weight`, nEmbd, nFf),
      q4(`${p}ffn_up.weight`, nEmbd, nFf),
      q4(`${p}ffn_down.weight`, nFf, nEmbd),
    );
  }
  const metadata: [string, GgufKv][] = [
    ['general.architecture', { type: 'string', value: 'llama' }],
    ['general.name', { type: 'string', value: opts.name ?? 'swarmflow-tiny-random-q4_0' }],
    ['general.file_type', { type: 'u32', value: 2 }], // LLAMA_FTYPE_MOSTLY_Q4_0
    ['general.quantization_version', { type: 'u32', value: 2 }],
    ['llama.context_length', { type: 'u32', value: opts.contextLength ?? 1024 }],
    ['llama.embedding_length', { type: 'u32', value: nEmbd }],
    ['llama.block_count', { type: 'u32', value: nLayer }],
    ['llama.feed_forward_length', { type: 'u32', value: nFf }],
    ['llama.attention.head_count', { type: 'u32', value: nHead }],
    ['llama.attention.head_count_kv', { type: 'u32', value: nHeadKv }],
    ['llama.rope.dimension_count', { type: 'u32', value: headDim }],
    ['llama.attention.layer_norm_rms_epsilon', { type: 'f32', value: 1e-5 }],
    ['llama.vocab_size', { type: 'u32', value: nVocab }],
    ['tokenizer.ggml.model', { type: 'string', value: 'llama' }],
    ['tokenizer.ggml.tokens', { type: 'array', of: 'string', value: vocab.tokens }],
    ['tokenizer.ggml.scores', { type: 'array', of: 'f32', value: vocab.tokens.map(() => 0) }],
    ['tokenizer.ggml.token_type', { type: 'array', of: 'i32', value: tokenTypes(vocab) }],
    ['tokenizer.ggml.bos_token_id', { type: 'u32', value: vocab.bos }],
    ['tokenizer.ggml.eos_token_id', { type: 'u32', value: vocab.imEnd }],
    ['tokenizer.ggml.unknown_token_id', { type: 'u32', value: 0 }],
    ['tokenizer.ggml.add_bos_token', { type: 'bool', value: false }],
    ['tokenizer.chat_template', { type: 'string', value: opts.chatTemplate ?? CHATML_TEMPLATE }],
  ];
  return encodeGguf(metadata, tensors);
}

/** Writes the tiny model to `file` and returns the path. */
export function writeTinyLlama(file: string, opts: TinyLlamaOptions = {}): string {
  writeFileSync(file, tinyLlamaGguf(opts));
  return file;
}
