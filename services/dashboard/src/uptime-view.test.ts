// How uptime figures read: percentages never rounded up to 100 %, colour thresholds, durations,
// the 90-day bar's segments and the latency history's lines.
import type { UptimeBucket } from '@beacon/protocol';
import { describe, expect, it } from 'vitest';
import { incidentSearch } from './api.js';
import {
  EMPTY_FILTERS,
  fieldOfEdgeError,
  incidentFilterQuery,
  msToUtcInput,
  utcInputToMs,
  type IncidentFilterDraft,
} from './incident-filters.js';
import {
  availabilityLevel,
  barSegments,
  formatAvailability,
  formatDuration,
  latencyLines,
  nextBarIndex,
  patternList,
  uptimeTitle,
} from './uptime-view.js';

function day(
  date: string,
  availability: number | null,
  downtime_s: number,
  latency: { p50: number | null; p95: number | null; max: number | null } = {
    p50: null,
    p95: null,
    max: null,
  },
): UptimeBucket {
  const start = `${date}T00:00:00.000Z`;
  const end = new Date(Date.parse(start) + 86_400_000).toISOString();
  const seconds = {
    healthy: 0,
    unhealthy: downtime_s,
    disconnected: 0,
    auto_disabled: 0,
    inactive: 0,
    unknown: 0,
    maintenance: 0,
  };
  return {
    start,
    end,
    availability,
    uptime_s: 0,
    downtime_s,
    maintenance_s: 0,
    observed_s: 86_400,
    seconds,
    probes: 0,
    failures: 0,
    latency_ms: latency,
  };
}

describe('formatAvailability', () => {
  it('shows at most two decimals, trailing zeros dropped', () => {
    expect(formatAvailability(100)).toBe('100 %');
    expect(formatAvailability(99.95)).toBe('99.95 %');
    expect(formatAvailability(99.9)).toBe('99.9 %');
    expect(formatAvailability(91.667)).toBe('91.66 %');
    expect(formatAvailability(0)).toBe('0 %');
    expect(formatAvailability(0.29)).toBe('0.29 %');
  });
  it('never rounds a service with downtime up to 100 %', () => {
    expect(formatAvailability(99.999)).toBe('99.99 %');
    expect(formatAvailability(99.996)).toBe('99.99 %');
  });
  it('says — when nothing was observed', () => {
    expect(formatAvailability(null)).toBe('—');
    expect(formatAvailability(Number.NaN)).toBe('—');
  });
});

describe('availabilityLevel', () => {
  it('is good from 99.9, fair from 99, poor below, none without data', () => {
    expect(availabilityLevel(100)).toBe('good');
    expect(availabilityLevel(99.9)).toBe('good');
    expect(availabilityLevel(99.899)).toBe('fair');
    expect(availabilityLevel(99)).toBe('fair');
    expect(availabilityLevel(98.999)).toBe('poor');
    expect(availabilityLevel(0)).toBe('poor');
    expect(availabilityLevel(null)).toBe('none');
  });
});

describe('formatDuration', () => {
  it('uses the two largest units', () => {
    expect(formatDuration(0)).toBe('0 s');
    expect(formatDuration(42)).toBe('42 s');
    expect(formatDuration(200)).toBe('3 min 20 s');
    expect(formatDuration(7_200)).toBe('2 h');
    expect(formatDuration(7_500)).toBe('2 h 5 min');
    expect(formatDuration(86_400 * 3 + 3600 * 4 + 59)).toBe('3 d 4 h');
    expect(formatDuration(-1)).toBe('—');
  });
});

describe('uptimeTitle', () => {
  it('names window, availability and downtime', () => {
    expect(
      uptimeTitle('Last 24 h', { availability: 99.5, downtime_s: 432, maintenance_s: 0 }),
    ).toBe('Last 24 h: 99.5 % available, 7 min 12 s down');
    expect(uptimeTitle('Last 30 d', { availability: null, downtime_s: 0, maintenance_s: 0 })).toBe(
      'Last 30 d: no data',
    );
    expect(uptimeTitle('x', { availability: 100, downtime_s: 0, maintenance_s: 3600 })).toBe(
      'x: 100 % available, 0 s down, 1 h maintenance excluded',
    );
  });
});

describe('barSegments', () => {
  it('gives one segment per day, oldest first, coloured and titled', () => {
    const bar = barSegments([
      day('2026-03-03', null, 0),
      day('2026-03-01', 100, 0),
      day('2026-03-02', 91.667, 7_200),
    ]);
    expect(bar.segments.map((s) => [s.date, s.level])).toEqual([
      ['2026-03-01', 'good'],
      ['2026-03-02', 'poor'],
      ['2026-03-03', 'none'],
    ]);
    expect(bar.segments[1]?.title).toBe('2026-03-02: 91.66 % available, 2 h down');
    expect(bar.segments[2]?.title).toBe('2026-03-03: no data');
    expect(bar.summary).toBe(
      'Availability over 3 days: 1 day below 99.9 %, worst 2026-03-02 at 91.66 %, 1 without data',
    );
  });
  it('says no downtime when there was none, and caps the days', () => {
    expect(barSegments([day('2026-03-01', 100, 0)]).summary).toBe(
      'Availability over 1 day: no day below 99.9 %',
    );
    const many = Array.from({ length: 500 }, (_, i) =>
      day(new Date(Date.UTC(2025, 0, 1) + i * 86_400_000).toISOString().slice(0, 10), 100, 0),
    );
    const bar = barSegments(many);
    expect(bar.segments).toHaveLength(400);
    expect(bar.segments[399]?.date).toBe(many[499]!.start.slice(0, 10));
  });
});

describe('latencyLines', () => {
  it('breaks a line where a bucket has no figure and tops the axis at the largest value', () => {
    const lines = latencyLines([
      day('2026-03-01', 100, 0, { p50: 10, p95: 20, max: 40 }),
      day('2026-03-02', 100, 0, { p50: null, p95: null, max: null }),
      day('2026-03-03', 100, 0, { p50: 12, p95: 30, max: 90 }),
      day('2026-03-04', 100, 0, { p50: 11, p95: 25, max: 50 }),
    ]);
    expect(lines.p50.map((run) => run.map((p) => p.v))).toEqual([[10], [12, 11]]);
    expect(lines.max.map((run) => run.length)).toEqual([1, 2]);
    expect(lines.top).toBe(90);
    expect(lines.t0).toBe(Date.parse('2026-03-01T00:00:00.000Z'));
    expect(lines.t1).toBe(Date.parse('2026-03-05T00:00:00.000Z'));
    expect(lines.p50[0]?.[0]?.t).toBe(Date.parse('2026-03-01T12:00:00.000Z'));
  });
});

describe('patternList', () => {
  it('drops the spaces and empty entries the edge would refuse', () => {
    expect(patternList(' pay_*, search ,,')).toBe('pay_*,search');
    expect(patternList('   ')).toBe('');
  });
});

describe('incidentSearch', () => {
  it('encodes the filters the edge takes and leaves out the empty ones', () => {
    expect(incidentSearch({})).toBe('');
    expect(
      incidentSearch({ mcp: 'pay_*,search', state: 'open', limit: 50, next: '17:a@1-0' }),
    ).toBe('?mcp=pay_*%2Csearch&state=open&limit=50&next=17%3Aa%401-0');
    expect(incidentSearch({ mcp: '', min_duration: 0 })).toBe('?min_duration=0');
  });
});

describe('nextBarIndex', () => {
  it('moves one day with the arrows, to the ends with Home/End, and stops at the ends', () => {
    expect(nextBarIndex(5, 90, 'ArrowRight')).toBe(6);
    expect(nextBarIndex(5, 90, 'ArrowDown')).toBe(6);
    expect(nextBarIndex(5, 90, 'ArrowLeft')).toBe(4);
    expect(nextBarIndex(5, 90, 'ArrowUp')).toBe(4);
    expect(nextBarIndex(89, 90, 'ArrowRight')).toBe(89);
    expect(nextBarIndex(0, 90, 'ArrowLeft')).toBe(0);
    expect(nextBarIndex(40, 90, 'Home')).toBe(0);
    expect(nextBarIndex(40, 90, 'End')).toBe(89);
  });

  it('leaves other keys (Tab, letters) alone, and does nothing on an empty bar', () => {
    expect(nextBarIndex(5, 90, 'Tab')).toBeNull();
    expect(nextBarIndex(5, 90, 'a')).toBeNull();
    expect(nextBarIndex(0, 0, 'ArrowRight')).toBeNull();
  });
});

describe('utcInputToMs', () => {
  it('reads a datetime-local value as UTC, with or without seconds', () => {
    expect(utcInputToMs('2026-10-19T09:30')).toBe(Date.parse('2026-10-19T09:30:00.000Z'));
    expect(utcInputToMs('2026-10-19T09:30:15')).toBe(Date.parse('2026-10-19T09:30:15.000Z'));
    expect(utcInputToMs('2026-10-19T09:30:15.05')).toBe(Date.parse('2026-10-19T09:30:15.050Z'));
    expect(msToUtcInput(Date.parse('2026-10-19T09:30:59.999Z'))).toBe('2026-10-19T09:30');
  });

  it('refuses impossible dates and anything that is not one', () => {
    for (const bad of [
      '2026-02-30T00:00',
      '2026-13-01T00:00',
      '2026-10-19T24:00',
      '2026-10-19T09:60',
      '1969-12-31T23:59',
      '2026-10-19',
      '2026-10-19T09:30Z',
      'yesterday',
      '',
    ]) {
      expect(utcInputToMs(bad), bad).toBeNull();
    }
  });
});

describe('incidentFilterQuery', () => {
  const now = Date.parse('2026-12-03T12:00:00.000Z');
  const draft = (patch: Partial<IncidentFilterDraft>): IncidentFilterDraft => ({
    ...EMPTY_FILTERS,
    ...patch,
  });

  it('sends nothing for empty filters', () => {
    expect(incidentFilterQuery(EMPTY_FILTERS, now)).toEqual({ ok: true, query: {} });
  });

  it('turns a preset into `from` relative to now, and minutes into seconds', () => {
    expect(incidentFilterQuery(draft({ range: '7d', minMinutes: '2.5' }), now)).toEqual({
      ok: true,
      query: { from: '2026-11-26T12:00:00.000Z', min_duration: 150 },
    });
    expect(incidentFilterQuery(draft({ range: '24h' }), now)).toEqual({
      ok: true,
      query: { from: '2026-12-02T12:00:00.000Z' },
    });
    // A preset ignores what the custom fields still hold.
    expect(incidentFilterQuery(draft({ range: '90d', from: 'junk', to: 'junk' }), now)).toEqual({
      ok: true,
      query: { from: '2026-09-04T12:00:00.000Z' },
    });
  });

  it('sends a custom range as UTC ISO times, open-ended on either side', () => {
    const q = incidentFilterQuery(
      draft({
        mcp: ' pay_*, search ',
        state: 'resolved',
        range: 'custom',
        from: '2026-10-01T00:00',
        to: '2026-10-19T09:30',
        minMinutes: '0',
      }),
      now,
    );
    expect(q).toEqual({
      ok: true,
      query: {
        mcp: 'pay_*,search',
        state: 'resolved',
        from: '2026-10-01T00:00:00.000Z',
        to: '2026-10-19T09:30:00.000Z',
        min_duration: 0,
      },
    });
    expect(incidentFilterQuery(draft({ range: 'custom', to: '2026-10-19T09:30' }), now)).toEqual({
      ok: true,
      query: { to: '2026-10-19T09:30:00.000Z' },
    });
    // The whole query string, as the page and the CSV download send it.
    if (!q.ok) throw new Error('expected a query');
    expect(incidentSearch({ ...q.query, limit: 50 })).toBe(
      '?mcp=pay_*%2Csearch&state=resolved&from=2026-10-01T00%3A00%3A00.000Z' +
        '&to=2026-10-19T09%3A30%3A00.000Z&min_duration=0&limit=50',
    );
  });

  it('names the bad field with a message: from not before to, bad times, bad durations', () => {
    const custom = (from: string, to: string) => draft({ range: 'custom', from, to });
    expect(incidentFilterQuery(custom('2026-10-19T09:30', '2026-10-19T09:30'), now)).toEqual({
      ok: false,
      field: 'to',
      message: 'To must be after From.',
    });
    expect(incidentFilterQuery(custom('2026-10-20T00:00', '2026-10-19T00:00'), now)).toMatchObject({
      ok: false,
      field: 'to',
    });
    expect(incidentFilterQuery(custom('2026-02-30T00:00', ''), now)).toMatchObject({
      ok: false,
      field: 'from',
    });
    expect(incidentFilterQuery(custom('', 'soon'), now)).toMatchObject({ ok: false, field: 'to' });
    expect(incidentFilterQuery(draft({ minMinutes: '-1' }), now)).toEqual({
      ok: false,
      field: 'min_duration',
      message: 'Minimum duration must not be negative.',
    });
    for (const bad of ['ten', 'Infinity', '1e400', '1e12']) {
      expect(incidentFilterQuery(draft({ minMinutes: bad }), now), bad).toMatchObject({
        ok: false,
        field: 'min_duration',
      });
    }
  });
});

describe('fieldOfEdgeError', () => {
  it('finds the form field an edge 400 names, and nothing in other messages', () => {
    expect(fieldOfEdgeError('invalid query: to: must be after from')).toBe('to');
    expect(fieldOfEdgeError('invalid query: min_duration: Too big')).toBe('min_duration');
    expect(fieldOfEdgeError('invalid query: mcp[0]: patterns are MCP names with * wildcards')).toBe(
      'mcp',
    );
    expect(fieldOfEdgeError('invalid query: mcp.0: patterns are MCP names')).toBe('mcp');
    expect(fieldOfEdgeError('invalid query: limit: Too big')).toBeNull();
    expect(fieldOfEdgeError('invalid query: __proto__: unknown')).toBeNull();
    expect(fieldOfEdgeError('edge unreachable: to: nowhere')).toBeNull();
  });
});
