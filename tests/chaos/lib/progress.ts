/**
 * How far each run has got, read from the effect ledger's log (not from
 * Temporal, which may be the thing that is down): the number of effects
 * recorded under the run's id. Reads only what was appended since last time.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export class LedgerProgress {
  private offset = 0;
  private partial = '';
  private readonly counts = new Map<string, number>();

  constructor(private readonly ledgerDir: string) {}

  /** Effects recorded so far under `runId` (entries whose key starts with `runId/`). */
  count(runId: string): number {
    this.refresh();
    return this.counts.get(runId) ?? 0;
  }

  private refresh(): void {
    const file = path.join(this.ledgerDir, 'effects.jsonl');
    let fd: number;
    try {
      fd = fs.openSync(file, 'r');
    } catch {
      return;
    }
    try {
      const size = fs.fstatSync(fd).size;
      if (size <= this.offset) return;
      const buf = Buffer.alloc(size - this.offset);
      fs.readSync(fd, buf, 0, buf.length, this.offset);
      this.offset = size;
      const text = this.partial + buf.toString('utf8');
      const lines = text.split('\n');
      this.partial = lines.pop() ?? '';
      for (const line of lines) {
        const key = keyOf(line);
        if (key === null) continue;
        // Run ids are `swarm/hex`: the first two segments of the key.
        const runId = key.split('/').slice(0, 2).join('/');
        this.counts.set(runId, (this.counts.get(runId) ?? 0) + 1);
      }
    } finally {
      fs.closeSync(fd);
    }
  }
}

function keyOf(line: string): string | null {
  try {
    const v: unknown = JSON.parse(line);
    if (typeof v === 'object' && v !== null && 'key' in v && typeof v.key === 'string') return v.key;
  } catch {
    // A torn last line is kept in `partial`; anything else is not ours to judge here (the audit parses strictly).
  }
  return null;
}
