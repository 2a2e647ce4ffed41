import { describe, expect, it } from 'vitest';
import { createBackoff } from './backoff.js';

describe('backoff', () => {
  it('grows exponentially with equal jitter and stays under the cap', () => {
    const low = createBackoff({ initialMs: 100, maxMs: 1_000 }, () => 0);
    const high = createBackoff({ initialMs: 100, maxMs: 1_000 }, () => 1);
    const lows = Array.from({ length: 6 }, () => low.next());
    const highs = Array.from({ length: 6 }, () => high.next());
    expect(lows).toEqual([50, 100, 200, 400, 500, 500]);
    expect(highs).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('never returns the same delay for two random draws of one attempt (jitter is real)', () => {
    let i = 0;
    const draws = [0.1, 0.9];
    const a = createBackoff({ initialMs: 1_000 }, () => draws[i++ % 2] ?? 0);
    const b = createBackoff({ initialMs: 1_000 }, () => draws[i++ % 2] ?? 0);
    expect(a.next()).not.toBe(b.next());
  });

  it('reset starts over; fast delays do not grow', () => {
    const b = createBackoff({ initialMs: 100, maxMs: 10_000, fastMs: 200 }, () => 1);
    b.next();
    b.next();
    expect(b.attempts).toBe(2);
    b.reset();
    expect(b.next()).toBe(100);
    expect([b.fast(), b.fast()]).toEqual([200, 200]);
    expect(b.attempts).toBe(1);
  });

  it('rejects nonsense settings', () => {
    expect(() => createBackoff({ initialMs: 0 })).toThrow(RangeError);
    expect(() => createBackoff({ initialMs: 10, maxMs: 5 })).toThrow(RangeError);
  });
});
