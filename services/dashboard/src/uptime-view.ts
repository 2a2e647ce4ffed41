// How uptime figures read on screen: availability percentages (never rounded up to 100 %), their
// colour level, durations, the 90-day bar's segments from a daily series, and the latency history
// chart's lines from a series. Pure functions, unit-tested in uptime-view.test.ts.
import type { UptimeBucket } from '@beacon/protocol';

/** Availability levels, best to worst; `none` when nothing was observed. */
export type AvailabilityLevel = 'good' | 'fair' | 'poor' | 'none';

/** At or above: `good`; at or above FAIR_FROM: `fair`; below: `poor`. */
export const GOOD_FROM = 99.9;
export const FAIR_FROM = 99;

export function availabilityLevel(availability: number | null): AvailabilityLevel {
  if (availability === null || !Number.isFinite(availability)) return 'none';
  if (availability >= GOOD_FROM) return 'good';
  if (availability >= FAIR_FROM) return 'fair';
  return 'poor';
}

/**
 * "100 %", "99.95 %", "99.9 %", "0 %"; "—" when null. Two decimals at most, truncated rather than
 * rounded so that a service with any downtime never reads 100 %.
 */
export function formatAvailability(availability: number | null): string {
  if (availability === null || !Number.isFinite(availability)) return '—';
  const clamped = Math.min(100, Math.max(0, availability));
  // The epsilon keeps 0.29 (28.999… × 100 in binary) from dropping to 0.28.
  const hundredths = Math.floor(clamped * 100 + 1e-6);
  const text = (hundredths / 100).toFixed(2).replace(/\.?0+$/, '');
  return `${text} %`;
}

/** "0 s", "42 s", "3 min 20 s", "2 h 5 min", "3 d 4 h" — two units at most. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const parts: [number, string][] = [
    [Math.floor(s / 86_400), 'd'],
    [Math.floor((s % 86_400) / 3600), 'h'],
    [Math.floor((s % 3600) / 60), 'min'],
    [s % 60, 's'],
  ];
  const first = parts.findIndex(([n]) => n > 0);
  const shown = parts.slice(first, first + 2).filter(([n]) => n > 0);
  return shown.map(([n, unit]) => `${n} ${unit}`).join(' ');
}

/** `YYYY-MM-DD` (UTC) of an ISO time, or the input when it is not a time. */
export function utcDate(iso: string): string {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : new Date(t).toISOString().slice(0, 10);
}

/** `YYYY-MM-DD HH:MM` (UTC) of an ISO time, or the input when it is not a time. */
export function utcMinute(iso: string): string {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : new Date(t).toISOString().slice(0, 16).replace('T', ' ');
}

/** The uptime badge's tooltip: window, availability and downtime (and maintenance, when some). */
export function uptimeTitle(
  window: string,
  f: { availability: number | null; downtime_s: number; maintenance_s: number },
): string {
  if (f.availability === null) return `${window}: no data`;
  const maintenance =
    f.maintenance_s > 0 ? `, ${formatDuration(f.maintenance_s)} maintenance excluded` : '';
  return `${window}: ${formatAvailability(f.availability)} available, ${formatDuration(f.downtime_s)} down${maintenance}`;
}

export interface BarSegment {
  /** `YYYY-MM-DD` (UTC). */
  readonly date: string;
  readonly level: AvailabilityLevel;
  readonly availability: number | null;
  readonly downtime_s: number;
  /** The hover text: date, availability, downtime. */
  readonly title: string;
}

export interface AvailabilityBar {
  readonly segments: readonly BarSegment[];
  /** The bar's label: how many days, how many fell below GOOD_FROM, the worst one. */
  readonly summary: string;
}

/** Days shown at most (a hostile or buggy answer cannot make the bar unbounded). */
export const MAX_BAR_DAYS = 400;

/** The 90-day bar from a daily series: one segment per day, oldest first. */
export function barSegments(series: readonly UptimeBucket[]): AvailabilityBar {
  const days = [...series]
    .sort((a, b) => Date.parse(a.start) - Date.parse(b.start))
    .slice(-MAX_BAR_DAYS);
  const segments = days.map((d): BarSegment => {
    const date = utcDate(d.start);
    const title =
      d.availability === null
        ? `${date}: no data`
        : `${date}: ${formatAvailability(d.availability)} available, ${formatDuration(d.downtime_s)} down`;
    return {
      date,
      level: availabilityLevel(d.availability),
      availability: d.availability,
      downtime_s: d.downtime_s,
      title,
    };
  });
  const below = segments.filter((s) => s.level === 'fair' || s.level === 'poor');
  const noData = segments.filter((s) => s.level === 'none').length;
  let worst: BarSegment | null = null;
  for (const s of segments) {
    if (s.availability === null) continue;
    if (worst === null || s.availability < (worst.availability ?? 100)) worst = s;
  }
  const summary =
    `Availability over ${segments.length} day${segments.length === 1 ? '' : 's'}: ` +
    (below.length === 0
      ? `no day below ${GOOD_FROM} %`
      : `${below.length} day${below.length === 1 ? '' : 's'} below ${GOOD_FROM} %, worst ${worst?.date ?? '?'} at ${formatAvailability(worst?.availability ?? null)}`) +
    (noData > 0 ? `, ${noData} without data` : '');
  return { segments, summary };
}

/**
 * The bar's roving focus: the segment a key moves to from `index` of `count` (oldest first), or
 * null for a key the bar does not handle (Tab and the rest keep their usual meaning).
 */
export function nextBarIndex(index: number, count: number, key: string): number | null {
  if (count <= 0) return null;
  const clamp = (i: number): number => Math.min(count - 1, Math.max(0, i));
  switch (key) {
    case 'ArrowRight':
    case 'ArrowDown':
      return clamp(index + 1);
    case 'ArrowLeft':
    case 'ArrowUp':
      return clamp(index - 1);
    case 'Home':
      return 0;
    case 'End':
      return count - 1;
    default:
      return null;
  }
}

export interface LatencyLinePoint {
  readonly t: number;
  readonly v: number;
}

export interface LatencyLines {
  readonly p50: readonly LatencyLinePoint[][];
  readonly p95: readonly LatencyLinePoint[][];
  readonly max: readonly LatencyLinePoint[][];
  readonly t0: number;
  readonly t1: number;
  /** Largest value on any line (the y axis' top), 0 when nothing was measured. */
  readonly top: number;
}

/**
 * The latency history chart's three lines, each point at its bucket's middle. A bucket without a
 * figure breaks its line (no probe timed then), so a gap is drawn as a gap.
 */
export function latencyLines(series: readonly UptimeBucket[]): LatencyLines {
  const sorted = [...series]
    .map((b) => ({ b, s: Date.parse(b.start), e: Date.parse(b.end) }))
    .filter((x) => !Number.isNaN(x.s) && !Number.isNaN(x.e))
    .sort((a, b) => a.s - b.s);
  const lines = {
    p50: [] as LatencyLinePoint[][],
    p95: [] as LatencyLinePoint[][],
    max: [] as LatencyLinePoint[][],
  };
  let top = 0;
  for (const key of ['p50', 'p95', 'max'] as const) {
    let current: LatencyLinePoint[] = [];
    for (const { b, s, e } of sorted) {
      const v = b.latency_ms[key];
      if (v === null || !Number.isFinite(v)) {
        if (current.length > 0) lines[key].push(current);
        current = [];
        continue;
      }
      top = Math.max(top, v);
      current.push({ t: (s + e) / 2, v });
    }
    if (current.length > 0) lines[key].push(current);
  }
  const t0 = sorted[0]?.s ?? 0;
  const t1 = Math.max(sorted[sorted.length - 1]?.e ?? 1, t0 + 1);
  return { ...lines, t0, t1, top };
}

/** "pay_*, search" → "pay_*,search" (the edge takes comma-separated globs, no spaces). */
export function patternList(s: string): string {
  return s
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .join(',');
}
