/**
 * Performance marks of the editor's first load (the benchmark reads them):
 * each is set once per page, the first time its moment comes.
 */
const done = new Set<string>();

export function markOnce(name: string): void {
  if (done.has(name)) return;
  done.add(name);
  performance.mark(name);
}
