/**
 * A bounded cache that does not thrash, for every memo in the project that
 * must not grow without end (expression environments and checks, key
 * suggestions, guarded inputs schemas, run workspaces). One that empties
 * itself whenever it passes its size makes a file (or the editor
 * re-validating it on each keystroke) with more distinct keys than that
 * start from nothing every few thousand; so does plain LRU, since validation
 * visits keys in the same order every time. Here, when full, a new entry
 * waits for room instead of pushing out one that is in use: every
 * `capacity / 2` refused entries, the ones not read since the previous sweep
 * are dropped. Entries in use stay, new keys get in after one sweep, and the
 * size never passes `capacity`. Each sweep costs `capacity` and comes after
 * `capacity / 2` refusals, so the cost per lookup stays constant.
 */
export class BoundedCache<V> {
  private readonly entries = new Map<string, { value: V; used: boolean }>();
  private refused = 0;

  constructor(private readonly capacity: number) {}

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    entry.used = true;
    return entry.value;
  }

  /** Stores the value when there is room (or after a sweep makes some); returns it either way. */
  set(key: string, value: V): V {
    const entry = this.entries.get(key);
    if (entry !== undefined) {
      entry.value = value;
      entry.used = true;
      return value;
    }
    if (this.entries.size >= this.capacity) {
      this.refused++;
      if (this.refused < Math.max(1, this.capacity / 2)) return value;
      this.sweep();
      if (this.entries.size >= this.capacity) return value;
    }
    this.entries.set(key, { value, used: true });
    return value;
  }

  get size(): number {
    return this.entries.size;
  }

  private sweep(): void {
    this.refused = 0;
    for (const [key, entry] of this.entries) {
      if (entry.used) entry.used = false;
      else this.entries.delete(key);
    }
  }
}
