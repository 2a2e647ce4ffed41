// Window planning and folding (pure): which days and hours a window reads, series shapes, the
// open interval credited on top, garbage skipped, and the incident overlap count.
import {
  addProbe,
  addTime,
  emptyBucket,
  encodeBucket,
  type Incident,
  type UptimeCategory,
} from '@beacon/protocol';
import { incidentFixture } from '@beacon/testing';
import { describe, expect, it } from 'vitest';
import { foldWindow, overlapping, planWindow, seriesOf } from './uptime-window.js';
import { csvCell, prefersCsv } from './uptime-csv.js';
import { decodeCursor, encodeCursor } from './uptime-read.js';

const T = Date.parse('2026-03-10T12:00:00Z');
const H = 3_600_000;

const bucket = (c: UptimeCategory, ms: number, probes = 0): string => {
  const b = emptyBucket();
  addTime(b, c, ms);
  for (let i = 0; i < probes; i++) addProbe(b, true, 20);
  return encodeBucket(b);
};

describe('planWindow', () => {
  it('24h ending on the hour: 24 hourly slots over two day keys', () => {
    const p = planWindow('24h', T + 5 * 60_000, T);
    expect(p.from).toBe(T - 24 * H);
    expect(p.to).toBe(T);
    expect(p.bucket).toBe('hour');
    expect(p.slots).toHaveLength(24);
    expect(p.days).toEqual([]);
    expect(p.hours.map((h) => [h.day, h.fields.length])).toEqual([
      ['20260309', 12],
      ['20260310', 12],
    ]);
    expect(p.hours[0]!.fields[0]).toBe('12');
  });

  it('24h to now (mid-hour): 25 slots, the last one partial', () => {
    const now = T + 30 * 60_000;
    const p = planWindow('24h', now, null);
    expect(p.slots).toHaveLength(25);
    expect(p.slots[24]).toEqual({ start: T, end: now });
  });

  it('30d mid-day: 29 whole days from days:, partial first/last days from hours (31 slots)', () => {
    const p = planWindow('30d', T, T);
    expect(p.bucket).toBe('day');
    expect(p.slots).toHaveLength(31);
    expect(p.days).toHaveLength(29);
    expect(p.days[0]).toBe('20260209');
    expect(p.hours.map((h) => [h.day, h.fields.length])).toEqual([
      ['20260208', 12],
      ['20260310', 12],
    ]);
  });

  it('30d ending at midnight: exactly 30 whole days', () => {
    const midnight = Date.parse('2026-03-10T00:00:00Z');
    const p = planWindow('30d', T, midnight);
    expect(p.slots).toHaveLength(30);
    expect(p.days).toHaveLength(30);
    expect(p.hours).toEqual([]);
  });
});

describe('foldWindow', () => {
  it('sums the buckets read and credits the open interval to the state category', () => {
    const p = planWindow('24h', T, T);
    const hours = p.hours.map((h) => h.fields.map((): string | null => bucket('healthy', H, 2)));
    // The last two hours: not credited yet (since = T - 2h), the MCP is unhealthy.
    hours[1]![10] = null;
    hours[1]![11] = null;
    const state = { category: 'unhealthy' as const, since: T - 2 * H, incident: 'x', tags: [] };
    const f = foldWindow(p, { days: [], hours, state }, true);
    const s = seriesOf(p, f);
    expect(s).toHaveLength(24);
    expect(s[0]!.uptime_s).toBe(3600);
    expect(s[23]!.downtime_s).toBe(3600);
    expect(s[23]!.availability).toBe(0);
    expect(f.total.probes).toBe(44);
    const total = seriesOf(
      { ...p, slots: [{ start: p.from, end: p.to }] },
      {
        ...f,
        slots: [f.total],
      },
    )[0]!;
    expect(total.uptime_s).toBe(22 * 3600);
    expect(total.downtime_s).toBe(2 * 3600);
    expect(total.availability).toBe(91.667);
  });

  it('skips and counts garbage', () => {
    const p = planWindow('24h', T, T);
    const hours = p.hours.map((h) => h.fields.map(() => 'garbage;;'));
    hours[0]![0] = bucket('healthy', 1000);
    const f = foldWindow(p, { days: [], hours, state: null }, false);
    expect(f.bad).toBe(23);
    expect(f.total.ms[0]).toBe(1000);
  });

  it('an open interval starting before the window counts from `from`', () => {
    const p = planWindow('24h', T, T);
    const state = { category: 'disconnected' as const, since: 0, incident: null, tags: [] };
    const f = foldWindow(p, { days: [], hours: [], state }, false);
    expect(f.total.ms[2]).toBe(24 * H);
  });
});

describe('overlapping', () => {
  const inc = (ended: string | null): Incident =>
    incidentFixture({
      id: 'a@1-0',
      mcp_name: 'a',
      started_at: '2026-03-01T00:00:00.000Z',
      ended_at: ended,
      ...(ended === null ? {} : { state: 'resolved', end_reason: 'recovered' }),
    });
  const from = Date.parse('2026-03-02T00:00:00Z');
  it('adds the one before `from` only when it reaches into the window', () => {
    expect(overlapping(3, null, from)).toBe(3);
    expect(overlapping(3, inc(null), from)).toBe(4);
    expect(overlapping(3, inc('2026-03-02T01:00:00.000Z'), from)).toBe(4);
    expect(overlapping(3, inc('2026-03-01T23:00:00.000Z'), from)).toBe(3);
  });
});

describe('csv and cursors', () => {
  it('quotes per RFC 4180 and neutralises formulas', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell('-1+2')).toBe("'-1+2");
    expect(csvCell('\tx')).toBe("'\tx");
    expect(csvCell(null)).toBe('');
    expect(csvCell(-3)).toBe('-3');
  });
  it('prefers CSV only when asked for it over JSON', () => {
    expect(prefersCsv('text/csv')).toBe(true);
    expect(prefersCsv('application/json, text/csv')).toBe(false);
    expect(prefersCsv('text/csv;q=0.9, application/json;q=0.5')).toBe(true);
    expect(prefersCsv('*/*')).toBe(false);
    expect(prefersCsv('text/csv;q=0')).toBe(false);
  });
  it('cursors round-trip and refuse what we never sent', () => {
    const c = { score: 1_700_000_000_000, id: 'mcp-1@12-0' };
    expect(decodeCursor(encodeCursor(c))).toEqual(c);
    for (const bad of ['', 'x:y', '12', '-1:a', '1e3:a', '1:', `1:${'a'.repeat(300)}`, '1:a b']) {
      expect(decodeCursor(bad)).toBeNull();
    }
  });
});
