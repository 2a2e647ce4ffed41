import { describe, expect, it } from 'vitest';
import { parseFrame } from './client-frames.js';

const text = (s: string): ArrayBuffer => new TextEncoder().encode(s).buffer;

describe('client frames', () => {
  it('answers text and JSON pings', () => {
    expect(parseFrame(text('ping'), false, 1024)).toEqual({ kind: 'pong' });
    expect(parseFrame(text('{"type":"ping"}'), false, 1024)).toEqual({ kind: 'pong' });
  });

  it('accepts subscribe / unsubscribe / auth', () => {
    expect(parseFrame(text('{"type":"subscribe","mcps":["a"]}'), false, 1024)).toEqual({
      kind: 'message',
      message: { type: 'subscribe', mcps: ['a'] },
    });
    expect(parseFrame(text('{"type":"auth","token":"t"}'), false, 1024).kind).toBe('message');
  });

  it('names what is wrong', () => {
    const code = (s: string, binary = false) => {
      const f = parseFrame(text(s), binary, 64);
      return f.kind === 'error' ? f.code : f.kind;
    };
    expect(code('{"type":')).toBe('invalid_json');
    expect(code('[1,2]')).toBe('unknown_type');
    expect(code('{"type":"hello"}')).toBe('unknown_type');
    expect(code('{"type":"subscribe"}')).toBe('invalid_message');
    expect(code('{"type":"subscribe","mcps":[],"x":1}')).toBe('invalid_message');
    expect(code('x'.repeat(65))).toBe('frame_too_large');
    expect(code('ping', true)).toBe('binary_not_supported');
    expect(parseFrame(new Uint8Array([0xff, 0xfe]).buffer, false, 64)).toMatchObject({
      code: 'invalid_json',
    });
  });
});
