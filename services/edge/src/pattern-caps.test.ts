import { describe, expect, it } from 'vitest';
import { framePatternProblem, selectionProblem } from './pattern-caps.js';
import { EVERYTHING, subscribeTo, unsubscribeFrom } from './selection.js';

const caps = { maxFramePatterns: 3, maxPatterns: 4, maxPatternLength: 8 };

describe('pattern caps', () => {
  it('names the per-frame cap and the length cap with their values', () => {
    expect(framePatternProblem(caps, 'subscribe', ['a', 'b', 'c'])).toBeNull();
    expect(framePatternProblem(caps, 'subscribe', ['a', 'b', 'c', 'd'])).toBe(
      'subscribe of 4 patterns exceeds the limit of 3 patterns per frame (BEACON_WS_MAX_FRAME_PATTERNS)',
    );
    expect(framePatternProblem(caps, 'unsubscribe', ['*'.repeat(9)])).toBe(
      'pattern of 9 characters exceeds the limit of 8 characters (BEACON_WS_MAX_PATTERN_LENGTH)',
    );
  });

  it('counts what the selection would hold, exclusions included', () => {
    const three = subscribeTo(EVERYTHING, ['a', 'b', 'c']);
    expect(selectionProblem(caps, subscribeTo(three, ['d']))).toBeNull();
    expect(selectionProblem(caps, subscribeTo(three, ['d', 'e']))).toBe(
      'selection of 5 patterns would exceed the limit of 4 patterns per connection (BEACON_WS_MAX_PATTERNS); unsubscribe from some first',
    );
    // Re-subscribing to the same names does not grow it; `*` empties it.
    expect(selectionProblem(caps, subscribeTo(three, ['a', 'b', 'c']))).toBeNull();
    expect(selectionProblem(caps, subscribeTo(three, ['*']))).toBeNull();
    const excluding = unsubscribeFrom(unsubscribeFrom(EVERYTHING, ['a', 'b', 'c']), ['d', 'e']);
    expect(selectionProblem(caps, excluding)).toMatch(/^selection of 5 patterns/);
  });
});
