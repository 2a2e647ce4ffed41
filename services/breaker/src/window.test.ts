import { describe, expect, it } from 'vitest';
import {
  FAILED,
  SLOW,
  advance,
  countWindow,
  counts,
  record,
  timeWindow,
  windowFromJson,
  windowToJson,
  type CallCode,
} from './window.js';

const fill = (w: ReturnType<typeof countWindow>, codes: CallCode[]): void => {
  for (const c of codes) record(w, c, 0);
};

describe('count window', () => {
  it('counts calls until full, then evicts the oldest call on each new one', () => {
    const w = countWindow(3);
    fill(w, [FAILED, 0]);
    expect(counts(w)).toEqual({ calls: 2, failures: 1, slow: 0 });
    fill(w, [SLOW]);
    expect(counts(w)).toEqual({ calls: 3, failures: 1, slow: 1 });
    fill(w, [0]); // evicts the FAILED
    expect(counts(w)).toEqual({ calls: 3, failures: 0, slow: 1 });
    fill(w, [0, 0]); // evicts 0 then SLOW
    expect(counts(w)).toEqual({ calls: 3, failures: 0, slow: 0 });
  });

  it('counts a slow failure as both failed and slow', () => {
    const w = countWindow(2);
    fill(w, [(FAILED | SLOW) as CallCode]);
    expect(counts(w)).toEqual({ calls: 1, failures: 1, slow: 1 });
  });

  it('round-trips through JSON oldest→newest, and a smaller size keeps the newest calls', () => {
    const w = countWindow(4);
    fill(w, [FAILED, 0, SLOW, 0, FAILED]); // ring now holds 0 SLOW 0 FAILED
    const json = windowToJson(w);
    expect(json).toEqual({ kind: 'count', size: 4, codes: '0201' });
    expect(counts(windowFromJson(json, 'count', 4))).toEqual(counts(w));
    expect(counts(windowFromJson(json, 'count', 2))).toEqual({ calls: 2, failures: 1, slow: 0 });
    // a different kind starts empty
    expect(counts(windowFromJson(json, 'time', 1000))).toEqual({ calls: 0, failures: 0, slow: 0 });
  });
});

describe('time window', () => {
  const T = 1_700_000_000_000;

  it('uses at most 100 buckets', () => {
    expect(timeWindow(60_000)).toMatchObject({ bucket_ms: 600, buckets: 100 });
    expect(timeWindow(50)).toMatchObject({ bucket_ms: 1, buckets: 50 });
  });

  it('forgets calls once they are older than the window', () => {
    const w = timeWindow(1000); // 10 ms buckets
    record(w, FAILED, T);
    record(w, 0, T + 500);
    expect(counts(w)).toEqual({ calls: 2, failures: 1, slow: 0 });
    advance(w, T + 999);
    expect(counts(w).calls).toBe(2);
    advance(w, T + 1000); // the bucket of T is now outside [T+10, T+1000]
    expect(counts(w)).toEqual({ calls: 1, failures: 0, slow: 0 });
    advance(w, T + 1500);
    expect(counts(w)).toEqual({ calls: 0, failures: 0, slow: 0 });
  });

  it('clears everything after a gap longer than the window', () => {
    const w = timeWindow(1000);
    for (let i = 0; i < 50; i++) record(w, FAILED, T + i * 10);
    record(w, 0, T + 10_000);
    expect(counts(w)).toEqual({ calls: 1, failures: 0, slow: 0 });
  });

  it('still counts a late call that is inside the window and ignores one outside it', () => {
    const w = timeWindow(1000);
    record(w, 0, T + 2000);
    expect(record(w, FAILED, T + 1500)).toBe(true);
    expect(record(w, FAILED, T + 900)).toBe(false);
    expect(counts(w)).toEqual({ calls: 2, failures: 1, slow: 0 });
  });

  it('round-trips through JSON', () => {
    const w = timeWindow(1000);
    record(w, FAILED, T);
    record(w, SLOW, T + 300);
    record(w, 0, T + 300);
    const back = windowFromJson(windowToJson(w), 'time', 1000);
    expect(counts(back)).toEqual(counts(w));
    advance(back, T + 1005);
    expect(counts(back)).toEqual({ calls: 2, failures: 0, slow: 1 });
  });
});
