/**
 * Durations and byte sizes in tool configuration (`timeout: 10m`,
 * `maxBytes: 65536`), with the ceilings no configuration can raise.
 */
import type { Json } from './types';

const DURATION_RE = /^(\d{1,9})(ms|s|m|h)$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** `"10m"` -> 600000. Returns null when the text is not a duration. */
export function parseDuration(text: string): number | null {
  const m = DURATION_RE.exec(text.trim());
  if (!m || !m[1] || !m[2]) return null;
  const unit = m[2];
  if (unit !== 'ms' && unit !== 's' && unit !== 'm' && unit !== 'h') return null;
  return Number(m[1]) * UNIT_MS[unit];
}

/** Schema for a duration field: a string like `30s`, `10m`, `1h`. */
export const DURATION_SCHEMA = { type: 'string', pattern: '^\\s*\\d{1,9}(ms|s|m|h)\\s*$' } as const;

/** Reads an optional duration from a config, applying a default and a ceiling. */
export function configDuration(value: Json | undefined, defaultMs: number, maxMs: number): number {
  if (typeof value !== 'string') return defaultMs;
  const ms = parseDuration(value);
  return ms === null ? defaultMs : Math.min(ms, maxMs);
}

/** Error sentences for a duration field, for `checkConfig`. */
export function checkDuration(field: string, value: Json | undefined, maxMs: number): string[] {
  if (value === undefined) return [];
  if (typeof value !== 'string' || parseDuration(value) === null) return [`${field}: ${JSON.stringify(value)} is not a duration such as 30s, 10m or 1h`];
  const ms = parseDuration(value) ?? 0;
  if (ms <= 0) return [`${field}: must be longer than 0`];
  if (ms > maxMs) return [`${field}: ${value} is over the ceiling of ${maxMs / 60_000} minutes`];
  return [];
}

/** Reads an optional positive integer from a config, applying a default and a ceiling. */
export function configBytes(value: Json | undefined, defaultBytes: number, maxBytes: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) return defaultBytes;
  return Math.min(value, maxBytes);
}
