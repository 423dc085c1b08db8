/**
 * A server-sent events parser over text chunks. The editor reads the event
 * stream with fetch (not EventSource) so it can send the API key header;
 * this is the framing half, kept pure so it is tested without a network.
 */

export interface SseMessage {
  event: string;
  data: string;
  id: string | null;
}

export interface SseParser {
  push(chunk: string): void;
  /** The id of the last event received, for resuming with `Last-Event-ID`. */
  lastId(): string | null;
}

export function createSseParser(onMessage: (m: SseMessage) => void): SseParser {
  let buffer = '';
  let event = '';
  let data: string[] = [];
  let id: string | null = null;
  let lastId: string | null = null;

  const dispatch = (): void => {
    if (data.length > 0) {
      if (id !== null) lastId = id;
      onMessage({ event: event || 'message', data: data.join('\n'), id });
    }
    event = '';
    data = [];
    id = null;
  };

  const line = (l: string): void => {
    if (l === '') return dispatch();
    if (l.startsWith(':')) return; // a comment: the server's keep-alive
    const colon = l.indexOf(':');
    const field = colon === -1 ? l : l.slice(0, colon);
    let value = colon === -1 ? '' : l.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
    else if (field === 'id' && !value.includes('\0')) id = value;
  };

  return {
    push(chunk: string): void {
      buffer += chunk;
      for (;;) {
        const m = /\r\n|\r|\n/.exec(buffer);
        if (!m) break;
        // A lone \r at the very end may be the first half of \r\n: wait for more.
        if (m[0] === '\r' && m.index === buffer.length - 1) break;
        line(buffer.slice(0, m.index));
        buffer = buffer.slice(m.index + m[0].length);
      }
    },
    lastId: () => lastId,
  };
}
