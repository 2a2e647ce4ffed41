// The uptime contract's pure parts: the bucket codec (and its refusal of hostile strings), the
// latency histogram's percentiles, categories, UTC day keys and the figures of a bucket.
import { describe, expect, it } from 'vitest';
import {
  LATENCY_BOUNDS_MS,
  addProbe,
  addTime,
  binOf,
  categorize,
  dayKey,
  decodeBucket,
  emptyBucket,
  encodeBucket,
  figuresOf,
  hourField,
  mergeBucket,
  parseDayKey,
  percentile,
} from './uptime.js';

describe('uptime buckets', () => {
  it('encode and decode round-trip, compactly', () => {
    const b = emptyBucket();
    addTime(b, 'healthy', 3_000_000);
    addTime(b, 'maintenance', 600_000);
    addProbe(b, true, 12.5);
    addProbe(b, false, 4_000);
    addProbe(b, false, null);
    const s = encodeBucket(b);
    expect(s).toBe('3000000,0,0,0,0,0,600000;3,2,4000;6:1,21:1');
    expect(decodeBucket(s)).toEqual(b);
    expect(encodeBucket(emptyBucket())).toBe('0,0,0,0,0,0,0;0,0,;');
  });

  it.each([
    '',
    'garbage;;;',
    '1,2,3;0,0,;',
    '-1,0,0,0,0,0,0;0,0,;',
    '1e3,0,0,0,0,0,0;0,0,;',
    '0,0,0,0,0,0,0;0,0,x;',
    '0,0,0,0,0,0,0;0,0,;99:1',
    '0,0,0,0,0,0,0;0,0,;1:1:1',
    `${'9'.repeat(20)},0,0,0,0,0,0;0,0,;`,
    `${'1,'.repeat(3_000)};0,0,;`,
  ])('refuses %s', (s) => {
    expect(decodeBucket(s)).toBeNull();
  });

  it('percentiles are interpolated inside a bin and never exceed the max', () => {
    const b = emptyBucket();
    for (let i = 1; i <= 100; i++) addProbe(b, true, i);
    const p50 = percentile(b, 0.5)!;
    const p95 = percentile(b, 0.95)!;
    expect(p50).toBeGreaterThanOrEqual(30);
    expect(p50).toBeLessThanOrEqual(70);
    expect(p95).toBeGreaterThanOrEqual(70);
    expect(p95).toBeLessThanOrEqual(100);
    expect(percentile(emptyBucket(), 0.5)).toBeNull();
    const slow = emptyBucket();
    addProbe(slow, true, 90_000);
    expect(percentile(slow, 0.99)).toBe(90_000);
    expect(binOf(0)).toBe(0);
    expect(binOf(LATENCY_BOUNDS_MS.at(-1)! + 1)).toBe(LATENCY_BOUNDS_MS.length);
  });

  it('merging adds times, probes and bins and keeps the larger max', () => {
    const a = emptyBucket();
    const b = emptyBucket();
    addTime(a, 'unhealthy', 5);
    addTime(b, 'unhealthy', 7);
    addProbe(a, true, 10);
    addProbe(b, false, 300);
    const m = mergeBucket(a, b);
    expect(m.ms[1]).toBe(12);
    expect(m).toMatchObject({ probes: 2, failures: 1, latencyMax: 300 });
  });

  it('figures: availability over up-or-down time; maintenance, disabled and unknown excluded', () => {
    const b = emptyBucket();
    addTime(b, 'healthy', 71_700_000);
    addTime(b, 'unhealthy', 1_800_000);
    addTime(b, 'disconnected', 1_800_000);
    addTime(b, 'auto_disabled', 3_600_000);
    addTime(b, 'maintenance', 7_200_000);
    addTime(b, 'inactive', 1_000);
    addTime(b, 'unknown', 300_000);
    const f = figuresOf(b);
    expect(f.availability).toBe(90.875);
    expect(f.downtime_s).toBe(7_200);
    expect(f.maintenance_s).toBe(7_200);
    expect(f.observed_s).toBe(86_401);
    expect(figuresOf(emptyBucket()).availability).toBeNull();
  });
});

describe('categories and days', () => {
  it('tells auto-disable apart from an admin disable', () => {
    expect(categorize('inactive', { auto_disabled: true })).toBe('auto_disabled');
    expect(categorize('inactive', { health_reason: 'auto_disabled' })).toBe('auto_disabled');
    expect(categorize('inactive', { health_reason: 'manual' })).toBe('inactive');
    expect(categorize('disconnected')).toBe('disconnected');
  });

  it('day keys and hour fields are UTC and round-trip', () => {
    const t = Date.parse('2026-03-09T23:30:00.000Z');
    expect(dayKey(t)).toBe('20260309');
    expect(hourField(t)).toBe('23');
    expect(parseDayKey('20260309')).toBe(Date.parse('2026-03-09T00:00:00.000Z'));
    for (const bad of ['2026039', '2026130x', '20261301', '20260100', 'abcdefgh']) {
      expect(parseDayKey(bad)).toBeNull();
    }
  });
});
