// Sliding windows of call results for one breaker: count-based (the last N calls, exact ring) and
// time-based (the last N ms, in at most 100 buckets). Recording and reading are O(1) amortised
// whatever the window size, which is why a window is updated in place: the breaker state that
// owns it is treated as consumed by `decide` (see decide.ts).

/** One recorded call: bit 0 = failed, bit 1 = slow. */
export type CallCode = 0 | 1 | 2 | 3;
export const FAILED = 1;
export const SLOW = 2;

export interface WindowCounts {
  readonly calls: number;
  readonly failures: number;
  readonly slow: number;
}

export interface CountWindow {
  readonly kind: 'count';
  readonly size: number;
  /** Ring of codes; `head` is the next slot to write, `filled` how many slots hold a call. */
  readonly ring: Uint8Array;
  head: number;
  filled: number;
  failures: number;
  slow: number;
}

export interface TimeWindow {
  readonly kind: 'time';
  readonly size_ms: number;
  readonly bucket_ms: number;
  /** Bucket i holds [calls, failures, slow] at 3i..3i+2; slot s lives in bucket s % buckets. */
  readonly counts: Int32Array;
  readonly buckets: number;
  /** Newest slot the window has advanced to (slot = floor(t / bucket_ms)). */
  head_slot: number;
  calls: number;
  failures: number;
  slow: number;
}

export type SlidingWindow = CountWindow | TimeWindow;

/** A time window never has more than this many buckets; expiry granularity is size / 100. */
export const MAX_BUCKETS = 100;

export function countWindow(size: number): CountWindow {
  return {
    kind: 'count',
    size,
    ring: new Uint8Array(size),
    head: 0,
    filled: 0,
    failures: 0,
    slow: 0,
  };
}

export function timeWindow(sizeMs: number): TimeWindow {
  const bucketMs = Math.max(1, Math.ceil(sizeMs / MAX_BUCKETS));
  const buckets = Math.ceil(sizeMs / bucketMs);
  return {
    kind: 'time',
    size_ms: sizeMs,
    bucket_ms: bucketMs,
    counts: new Int32Array(buckets * 3),
    buckets,
    head_slot: 0,
    calls: 0,
    failures: 0,
    slow: 0,
  };
}

export function emptyLike(w: SlidingWindow): SlidingWindow {
  return w.kind === 'count' ? countWindow(w.size) : timeWindow(w.size_ms);
}

/** Drop buckets that fell out of a time window by `at`. Count windows never expire. */
export function advance(w: SlidingWindow, at: number): void {
  if (w.kind === 'count') return;
  const slot = Math.floor(at / w.bucket_ms);
  if (slot <= w.head_slot) return;
  const steps = Math.min(slot - w.head_slot, w.buckets);
  for (let i = 1; i <= steps; i++) clearBucket(w, (w.head_slot + i) % w.buckets);
  w.head_slot = slot;
}

function clearBucket(w: TimeWindow, bucket: number): void {
  const c = w.counts;
  const o = bucket * 3;
  w.calls -= c[o] ?? 0;
  w.failures -= c[o + 1] ?? 0;
  w.slow -= c[o + 2] ?? 0;
  c[o] = 0;
  c[o + 1] = 0;
  c[o + 2] = 0;
}

/**
 * Record one call at time `at`. A time window ignores a call older than the window (an entry
 * that arrived very late) and returns false for it.
 */
export function record(w: SlidingWindow, code: CallCode, at: number): boolean {
  const failed = code & FAILED ? 1 : 0;
  const slow = code & SLOW ? 1 : 0;
  if (w.kind === 'count') {
    if (w.filled === w.size) {
      const old = w.ring[w.head] ?? 0;
      w.failures -= old & FAILED ? 1 : 0;
      w.slow -= old & SLOW ? 1 : 0;
    } else {
      w.filled++;
    }
    w.ring[w.head] = code;
    w.head = (w.head + 1) % w.size;
    w.failures += failed;
    w.slow += slow;
    return true;
  }
  advance(w, at);
  const slot = Math.floor(at / w.bucket_ms);
  if (slot <= w.head_slot - w.buckets) return false;
  const o = (slot % w.buckets) * 3;
  const c = w.counts;
  c[o] = (c[o] ?? 0) + 1;
  c[o + 1] = (c[o + 1] ?? 0) + failed;
  c[o + 2] = (c[o + 2] ?? 0) + slow;
  w.calls++;
  w.failures += failed;
  w.slow += slow;
  return true;
}

export function counts(w: SlidingWindow): WindowCounts {
  return w.kind === 'count'
    ? { calls: w.filled, failures: w.failures, slow: w.slow }
    : { calls: w.calls, failures: w.failures, slow: w.slow };
}

/** Serialised form: count = codes oldest→newest as digits; time = non-empty [slot, c, f, s]. */
export type WindowJson =
  | { readonly kind: 'count'; readonly size: number; readonly codes: string }
  | {
      readonly kind: 'time';
      readonly size_ms: number;
      readonly head_slot: number;
      readonly bucket_ms: number;
      readonly slots: readonly (readonly [number, number, number, number])[];
    };

export function windowToJson(w: SlidingWindow): WindowJson {
  if (w.kind === 'count') {
    let codes = '';
    const start = w.filled === w.size ? w.head : 0;
    for (let i = 0; i < w.filled; i++) codes += String(w.ring[(start + i) % w.size] ?? 0);
    return { kind: 'count', size: w.size, codes };
  }
  const slots: [number, number, number, number][] = [];
  for (let s = w.head_slot - w.buckets + 1; s <= w.head_slot; s++) {
    if (s < 0) continue;
    const o = (s % w.buckets) * 3;
    const calls = w.counts[o] ?? 0;
    if (calls > 0) slots.push([s, calls, w.counts[o + 1] ?? 0, w.counts[o + 2] ?? 0]);
  }
  return {
    kind: 'time',
    size_ms: w.size_ms,
    head_slot: w.head_slot,
    bucket_ms: w.bucket_ms,
    slots,
  };
}

/**
 * Rebuild a window of the wanted shape from its serialised form. A different size keeps the
 * newest calls that still fit; a different kind (or bucket width) starts empty.
 */
export function windowFromJson(
  json: WindowJson | undefined,
  kind: 'count' | 'time',
  size: number,
): SlidingWindow {
  if (kind === 'count') {
    const w = countWindow(size);
    if (json?.kind === 'count') {
      const codes = json.codes.slice(Math.max(0, json.codes.length - size));
      for (const ch of codes) record(w, (Number(ch) & 3) as CallCode, 0);
    }
    return w;
  }
  const w = timeWindow(size);
  if (json?.kind === 'time' && json.bucket_ms === w.bucket_ms) {
    w.head_slot = json.head_slot;
    for (const [slot, calls, failures, slow] of json.slots) {
      if (slot <= w.head_slot - w.buckets || slot > w.head_slot) continue;
      const o = (slot % w.buckets) * 3;
      w.counts[o] = calls;
      w.counts[o + 1] = failures;
      w.counts[o + 2] = slow;
      w.calls += calls;
      w.failures += failures;
      w.slow += slow;
    }
  }
  return w;
}

/** Same shape as the config asks for? (Else the owner rebuilds it with windowFromJson.) */
export function windowMatches(w: SlidingWindow, kind: 'count' | 'time', size: number): boolean {
  return w.kind === kind && (w.kind === 'count' ? w.size === size : w.size_ms === size);
}
