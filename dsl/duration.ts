/**
 * Durations as the language writes them: a whole number and a unit
 * (`500ms`, `30s`, `10m`, `12h`, `1d`), and back.
 */

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
type Unit = keyof typeof UNIT_MS;

const DURATION = /^(\d{1,16})(ms|s|m|h|d)$/;

/** The longest duration the language accepts anywhere. */
export const MAX_DURATION_MS = 365 * UNIT_MS.d;

function isUnit(u: string): u is Unit {
  return Object.prototype.hasOwnProperty.call(UNIT_MS, u);
}

/** Milliseconds, or null when the text is not a duration. */
export function parseDuration(text: string): number | null {
  const m = DURATION.exec(text);
  if (!m) return null;
  const unit = m[2] ?? '';
  if (!isUnit(unit)) return null;
  const ms = Number(m[1]) * UNIT_MS[unit];
  return Number.isSafeInteger(ms) ? ms : null;
}

/** The shortest spelling: 600000 -> `10m`, 1500 -> `1500ms`. */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    const size = UNIT_MS[unit];
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
