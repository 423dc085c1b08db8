/**
 * JSON pointers (RFC 6901): the ids that tie a diagnostic, an IR node and a
 * canvas node to one place in the source document.
 */

export function escapeSegment(segment: string): string {
  if (!segment.includes('~') && !segment.includes('/')) return segment;
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function unescapeSegment(segment: string): string {
  if (!segment.includes('~')) return segment;
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** `join('/steps', 1)` -> `/steps/1`. */
export function join(ptr: string, segment: string | number): string {
  return `${ptr}/${typeof segment === 'number' ? String(segment) : escapeSegment(segment)}`;
}

/** `/steps/1/do` -> `['steps', '1', 'do']`; `''` -> `[]`. */
export function segments(ptr: string): string[] {
  if (ptr === '') return [];
  return ptr.slice(1).split('/').map(unescapeSegment);
}

export function fromSegments(parts: readonly (string | number)[]): string {
  let ptr = '';
  for (const p of parts) ptr = join(ptr, p);
  return ptr;
}

/** True when `ptr` is `prefix` or lies under it. */
export function isUnder(ptr: string, prefix: string): boolean {
  return ptr === prefix || ptr.startsWith(prefix + '/');
}
