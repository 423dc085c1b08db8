/** Server-sent events framing, whatever the chunk boundaries. */
import fc from 'fast-check';
import { createSseParser } from '../../editor/src/model/sse';
import type { SseMessage } from '../../editor/src/model/sse';

const STREAM = 'retry: 2000\n\n: keep-alive\n\nid: 1\nevent: run.started\ndata: {"seq":1,"type":"run.started"}\n\nid: 2\r\nevent: step.started\r\ndata: {"seq":2,\r\ndata: "type":"step.started"}\r\n\r\nevent: progress\ndata:{"a":1}\n\nevent: end\ndata: {"status":"succeeded"}\n\n';

function parseAll(chunks: string[]): { messages: SseMessage[]; lastId: string | null } {
  const messages: SseMessage[] = [];
  const p = createSseParser((m) => messages.push(m));
  for (const c of chunks) p.push(c);
  return { messages, lastId: p.lastId() };
}

test('events, ids, multi-line data, CRLF, comments', () => {
  const { messages, lastId } = parseAll([STREAM]);
  expect(messages).toEqual([
    { event: 'run.started', data: '{"seq":1,"type":"run.started"}', id: '1' },
    { event: 'step.started', data: '{"seq":2,\n"type":"step.started"}', id: '2' },
    { event: 'progress', data: '{"a":1}', id: null },
    { event: 'end', data: '{"status":"succeeded"}', id: null },
  ]);
  expect(lastId).toBe('2');
});

test('any split into chunks gives the same events', () => {
  const whole = parseAll([STREAM]).messages;
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: STREAM.length }), { maxLength: 12 }), (cuts) => {
      const points = [...new Set(cuts)].sort((a, b) => a - b);
      const chunks: string[] = [];
      let at = 0;
      for (const p of points) {
        chunks.push(STREAM.slice(at, p));
        at = p;
      }
      chunks.push(STREAM.slice(at));
      expect(parseAll(chunks).messages).toEqual(whole);
    }),
  );
});
