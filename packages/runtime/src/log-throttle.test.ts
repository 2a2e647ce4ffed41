import { describe, expect, it } from 'vitest';
import { logThrottle } from './log-throttle.js';

describe('logThrottle', () => {
  it('given a flood, when it exceeds the limit, then lines stop until the window turns and the next says how many were left out', () => {
    let t = 0;
    const throttle = logThrottle(3, 1_000, () => t);
    const lines: number[] = [];
    for (let i = 0; i < 10; i++) throttle((s) => lines.push(s));
    expect(lines).toEqual([0, 0, 0]);
    t = 1_000;
    throttle((s) => lines.push(s));
    expect(lines).toEqual([0, 0, 0, 7]);
  });
});
