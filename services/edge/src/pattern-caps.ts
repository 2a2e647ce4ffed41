// Caps on what one connection may subscribe to: patterns per frame, patterns per connection
// (what its selection holds) and pattern length. Matching cost and memory per socket grow with
// these, so a viewer cannot make the edge hold or test an unbounded list (issue 10: 14 frames
// of 6,000 patterns grew one socket to 84,000). Pure: the inbound layer answers a problem with
// a `limit_exceeded` error frame and leaves the selection as it was.
import type { Selection } from './selection.js';

export interface PatternCaps {
  readonly maxFramePatterns: number;
  readonly maxPatterns: number;
  readonly maxPatternLength: number;
}

/** What a frame's patterns break, before the selection is computed; null when within caps. */
export function framePatternProblem(
  caps: PatternCaps,
  kind: 'subscribe' | 'unsubscribe',
  mcps: readonly string[],
): string | null {
  if (mcps.length > caps.maxFramePatterns) {
    return (
      `${kind} of ${mcps.length} patterns exceeds the limit of ${caps.maxFramePatterns} ` +
      `patterns per frame (BEACON_WS_MAX_FRAME_PATTERNS)`
    );
  }
  let longest = 0;
  for (const p of mcps) longest = Math.max(longest, p.length);
  if (longest > caps.maxPatternLength) {
    return (
      `pattern of ${longest} characters exceeds the limit of ${caps.maxPatternLength} ` +
      `characters (BEACON_WS_MAX_PATTERN_LENGTH)`
    );
  }
  return null;
}

/** Patterns a selection holds (subscribed to, and unsubscribed from while seeing globs). */
export const selectionSize = (sel: Selection): number =>
  (sel.include?.length ?? 0) + sel.exclude.length;

/** What the selection a frame would produce breaks; null when within the cap. */
export function selectionProblem(caps: PatternCaps, next: Selection): string | null {
  const size = selectionSize(next);
  if (size <= caps.maxPatterns) return null;
  return (
    `selection of ${size} patterns would exceed the limit of ${caps.maxPatterns} patterns ` +
    `per connection (BEACON_WS_MAX_PATTERNS); unsubscribe from some first`
  );
}
