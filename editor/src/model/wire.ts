/** Reading data from the wire (API answers, storage) without trusting its shape. */

/** The own enumerable properties of a plain object, or null for anything else. */
export function record(v: unknown): Record<string, unknown> | null {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
  return Object.fromEntries(Object.entries(v));
}

export const numberOr = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
export const stringOr = (v: unknown): string | null => (typeof v === 'string' ? v : null);
