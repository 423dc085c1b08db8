/**
 * All text a history holds, with every payload decoded, so a test can prove
 * what is and is not in it (raw history JSON shows payloads as base64).
 */
export function historyText(history: unknown): string {
  const parts: string[] = [];
  const seen = new Set<unknown>();
  const walk = (v: unknown): void => {
    if (v === null || v === undefined) return;
    if (v instanceof Uint8Array) {
      parts.push(Buffer.from(v).toString('utf8'));
      return;
    }
    if (typeof v === 'string') {
      parts.push(v);
      return;
    }
    if (typeof v !== 'object' || seen.has(v)) return;
    seen.add(v);
    if (Array.isArray(v)) v.forEach(walk);
    else for (const x of Object.values(v as Record<string, unknown>)) walk(x);
  };
  walk(history);
  return parts.join('\n');
}
