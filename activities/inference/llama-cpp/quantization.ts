/**
 * The quantization a GGUF file really holds, read from its header: the
 * `general.file_type` label llama.cpp's quantizer writes (Q4_K_M, Q8_0, ...)
 * checked against the types of its weight tensors. Configuration may name a
 * quantization, but a llama-cpp endpoint serves what the file holds.
 *
 * `quantization` is the coarse class the pool routes on (`int4`, `int8`,
 * `fp16`...: the OpenRouter-style names model settings use); `label` is
 * llama.cpp's own name for the scheme.
 */
import { metaNumber, type GgufHeader } from './gguf';

/** llama.cpp `llama_ftype` (general.file_type) names, without the MOSTLY_ prefix. */
const FILE_TYPES: Record<number, string> = {
  0: 'F32',
  1: 'F16',
  2: 'Q4_0',
  3: 'Q4_1',
  7: 'Q8_0',
  8: 'Q5_0',
  9: 'Q5_1',
  10: 'Q2_K',
  11: 'Q3_K_S',
  12: 'Q3_K_M',
  13: 'Q3_K_L',
  14: 'Q4_K_S',
  15: 'Q4_K_M',
  16: 'Q5_K_S',
  17: 'Q5_K_M',
  18: 'Q6_K',
  19: 'IQ2_XXS',
  20: 'IQ2_XS',
  21: 'Q2_K_S',
  22: 'IQ3_XS',
  23: 'IQ3_XXS',
  24: 'IQ1_S',
  25: 'IQ4_NL',
  26: 'IQ3_S',
  27: 'IQ3_M',
  28: 'IQ2_S',
  29: 'IQ2_M',
  30: 'IQ4_XS',
  31: 'IQ1_M',
  32: 'BF16',
  36: 'TQ1_0',
  37: 'TQ2_0',
  38: 'MXFP4_MOE',
};

/** ggml tensor type names by id (ggml.h `ggml_type`). */
const GGML_TYPES: Record<number, string> = {
  0: 'F32',
  1: 'F16',
  2: 'Q4_0',
  3: 'Q4_1',
  6: 'Q5_0',
  7: 'Q5_1',
  8: 'Q8_0',
  9: 'Q8_1',
  10: 'Q2_K',
  11: 'Q3_K',
  12: 'Q4_K',
  13: 'Q5_K',
  14: 'Q6_K',
  15: 'Q8_K',
  16: 'IQ2_XXS',
  17: 'IQ2_XS',
  18: 'IQ3_XXS',
  19: 'IQ1_S',
  20: 'IQ4_NL',
  21: 'IQ3_S',
  22: 'IQ2_S',
  23: 'IQ4_XS',
  24: 'I8',
  25: 'I16',
  26: 'I32',
  27: 'I64',
  28: 'F64',
  29: 'IQ1_M',
  30: 'BF16',
  34: 'TQ1_0',
  35: 'TQ2_0',
  39: 'MXFP4',
};

/** The routing class of a llama.cpp scheme or tensor type name. */
export function classOf(label: string): string {
  const l = label.toUpperCase();
  if (l === 'F32') return 'fp32';
  if (l === 'F16') return 'fp16';
  if (l === 'BF16') return 'bf16';
  if (l.startsWith('MXFP4')) return 'fp4';
  if (l.startsWith('TQ')) return 'ternary';
  const m = /^I?Q(\d)/.exec(l);
  if (m?.[1] !== undefined) return `int${m[1]}`;
  return l.toLowerCase();
}

export interface GgufQuantization {
  /** Routing class: int4, int8, fp16... */
  quantization: string;
  /** llama.cpp's name: Q4_K_M from general.file_type, else the dominant tensor type (Q4_K). */
  label: string;
  /** Where the label came from. */
  source: 'general.file_type' | 'tensor types';
  /** Weight elements per ggml type name, over tensors of two or more dimensions. */
  tensorTypes: Record<string, number>;
  /** Set when general.file_type and the tensors disagree (the tensors win). */
  note: string | null;
}

/** Reads the quantization from the header: the declared file type, checked against the weight tensors. */
export function quantizationOf(h: GgufHeader): GgufQuantization {
  const tensorTypes: Record<string, number> = {};
  for (const t of h.tensors) {
    // Norms and biases are 1-D and stay F32 in every quantized file.
    if (t.dims.length < 2) continue;
    const name = GGML_TYPES[t.type] ?? `type${t.type}`;
    tensorTypes[name] = (tensorTypes[name] ?? 0) + t.dims.reduce((a, b) => a * b, 1);
  }
  let dominant: string | null = null;
  for (const [name, count] of Object.entries(tensorTypes)) {
    if (dominant === null || count > (tensorTypes[dominant] ?? 0)) dominant = name;
  }
  const ft = metaNumber(h, 'general.file_type');
  const declared = ft !== null ? (FILE_TYPES[ft] ?? null) : null;
  if (declared !== null && (dominant === null || classOf(declared) === classOf(dominant))) {
    return { quantization: classOf(declared), label: declared, source: 'general.file_type', tensorTypes, note: null };
  }
  if (dominant === null) {
    return { quantization: 'unknown', label: 'unknown', source: 'tensor types', tensorTypes, note: 'the file declares no file type and has no weight tensors' };
  }
  const note =
    ft === null
      ? null
      : declared === null
        ? `general.file_type ${ft} is unknown to this reader; classified by tensor types`
        : `general.file_type says ${declared} but most weights are ${dominant}; classified by tensor types`;
  return { quantization: classOf(dominant), label: dominant, source: 'tensor types', tensorTypes, note };
}

/** True when a configured quantization names what the file holds: its class (int4, or q4 as llama-server users write it) or its llama.cpp label, any case. */
export function quantizationMatches(declared: string, q: GgufQuantization): boolean {
  const d = declared.trim().toLowerCase();
  const cls = q.quantization.toLowerCase();
  return d === cls || d === q.label.toLowerCase() || (cls.startsWith('int') && d === `q${cls.slice(3)}`);
}
