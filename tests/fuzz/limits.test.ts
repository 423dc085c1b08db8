/**
 * Documents as large as the limits allow (pathological.ts), measured at
 * 16 KiB (costs grow fast; `npm run fuzz` goes to 1 MiB): the cost table is printed, and every call stays under the per-call
 * CPU cap unless it is a known bug (known-bugs.ts; `npm run fuzz` measures
 * the same shapes up to 1 MiB).
 */
import { CALL_CAP_MS } from './dsl-check';
import { knownSlowShape } from './known-bugs';
import { formatRows, measureShapes, SHAPES } from './pathological';

test('every shape at 16 KiB: under the CPU cap, or a known bug', () => {
  const rows = measureShapes([16 * 1024]);
  const over = rows.filter((r) => r.ms > CALL_CAP_MS);
  console.log(`[fuzz] limits: ${rows.length} pathological documents, max ${Math.max(...rows.map((r) => r.ms)).toFixed(0)} ms CPU, ${over.length} over the ${CALL_CAP_MS} ms cap${over.length > 0 ? ` (known bugs: ${[...new Set(over.map((r) => knownSlowShape(r.diagnostics) ?? 'none'))].join(', ')})` : ''}\n${formatRows(rows)}`);
  expect(rows).toHaveLength(Object.keys(SHAPES).length);
  for (const r of rows) {
    expect(r.firstCode).not.toBe('SF999');
    expect(r.bytes).toBeLessThanOrEqual(16 * 1024);
  }
  expect(over.filter((r) => knownSlowShape(r.diagnostics) === null)).toEqual([]);
});
