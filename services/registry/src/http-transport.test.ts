// The SSE parser behind the lean streamable-HTTP transport: events split across chunks at any
// byte, CRLF / CR / LF line ends, multi-line data, comments, ids and named events.
import { describe, expect, it } from 'vitest';
import { createSseParser } from './http-transport.js';

type Ev = { event: string; data: string; id?: string };

const parseAll = (chunks: readonly string[]): Ev[] => {
  const out: Ev[] = [];
  const feed = createSseParser((e) => out.push({ ...e }));
  for (const c of chunks) feed(c);
  return out;
};

describe('createSseParser', () => {
  const text =
    ': keep-alive\r\nid: 7\r\ndata: {"a":1}\r\n\r\nevent: other\ndata: x\ndata: y\n\n' +
    'data:no-space\r\rdata: trailing';
  const expected: Ev[] = [
    { event: 'message', data: '{"a":1}', id: '7' },
    { event: 'other', data: 'x\ny', id: '7' },
    { event: 'message', data: 'no-space', id: '7' },
  ];

  it('parses a whole stream', () => {
    expect(parseAll([text])).toEqual(expected);
  });

  it('gives the same events however the stream is split', () => {
    for (let cut = 1; cut < text.length; cut++) {
      expect(parseAll([text.slice(0, cut), text.slice(cut)])).toEqual(expected);
    }
    expect(parseAll([...text])).toEqual(expected);
  });

  it('ignores events without data and a lone id with a NUL', () => {
    expect(parseAll(['id: a\0b\nevent: ping\n\ndata: z\n\n'])).toEqual([
      { event: 'message', data: 'z', id: undefined },
    ]);
  });
});
