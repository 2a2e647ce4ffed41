import { describe, expect, it } from 'vitest';
import { parseServerFrame } from './frames.js';
import { initial, row } from './test-fixtures.js';

describe('parseServerFrame', () => {
  it('accepts the text pong and valid messages', () => {
    expect(parseServerFrame('pong')).toEqual({ kind: 'pong' });
    const frame = parseServerFrame(JSON.stringify(initial('1-0', [row('a')])));
    expect(frame.kind).toBe('message');
  });

  it('names what is wrong with a bad frame instead of throwing', () => {
    expect(parseServerFrame(new Uint8Array([1, 2]))).toMatchObject({
      kind: 'invalid',
      error: 'binary frame',
    });
    expect(parseServerFrame('{oops')).toMatchObject({ kind: 'invalid', error: /invalid JSON/ });
    const wrong = parseServerFrame(
      JSON.stringify({ ...initial('1-0', []), offset: 'not-an-offset' }),
    );
    expect(wrong).toMatchObject({ kind: 'invalid', error: /offset/ });
    expect(parseServerFrame(JSON.stringify({ type: 'surprise' }))).toMatchObject({
      kind: 'invalid',
    });
    expect(parseServerFrame('x'.repeat(10_000))).toMatchObject({ kind: 'invalid' });
    const long = parseServerFrame(`{${'x'.repeat(10_000)}`);
    expect(long.kind === 'invalid' && long.raw.length).toBe(2_000);
  });
});
