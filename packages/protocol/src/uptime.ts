// Uptime history: the rollups the notifier's uptime projector derives from the log (time in each
// status per MCP per UTC hour and day, probe counts and a latency histogram from the probes
// stream), incidents (down periods), their layout in Redis and the REST answers the edge builds
// from them (`/api/mcps/:name/uptime`, `/api/uptime`, `/api/mcps/:name/incidents`,
// `/api/incidents`). The projector alone writes these keys (fenced); the edge only reads.
import { z } from 'zod';
import { HealthStatus, McpName, type HealthReason } from './status.js';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/**
 * Where each millisecond of an MCP's life goes. They add up to the time observed; `maintenance`
 * (inside a silence that matches the MCP) is taken out of the others and out of availability.
 * `auto_disabled` is the registry's auto-disable (a down state); `inactive` an admin's disable or
 * `health_check: false` (neither up nor down); `unknown` before the first probe.
 */
export const UPTIME_CATEGORIES = [
  'healthy',
  'unhealthy',
  'disconnected',
  'auto_disabled',
  'inactive',
  'unknown',
  'maintenance',
] as const;
export const UptimeCategory = z.enum(UPTIME_CATEGORIES);
export type UptimeCategory = (typeof UPTIME_CATEGORIES)[number];
const INDEX = Object.fromEntries(UPTIME_CATEGORIES.map((c, i) => [c, i])) as Record<
  UptimeCategory,
  number
>;

/** The down categories: an incident is a period spent in these. */
export const DOWN_CATEGORIES: ReadonlySet<UptimeCategory> = new Set([
  'unhealthy',
  'disconnected',
  'auto_disabled',
]);

/** The category of a status as a status change reports it. */
export function categorize(
  status: HealthStatus,
  metadata: {
    readonly auto_disabled?: boolean | undefined;
    readonly health_reason?: HealthReason | null | undefined;
    readonly reason?: string | undefined;
  } = {},
): Exclude<UptimeCategory, 'maintenance'> {
  if (status === 'inactive') {
    const auto =
      metadata.auto_disabled === true ||
      metadata.health_reason === 'auto_disabled' ||
      metadata.reason === 'auto_disabled';
    return auto ? 'auto_disabled' : 'inactive';
  }
  return status;
}

/**
 * Upper bounds (ms) of the latency histogram's bins; one more bin holds what is above the last.
 * Percentiles are interpolated inside a bin, so they are estimates within one bin's width.
 */
export const LATENCY_BOUNDS_MS: readonly number[] = [
  1, 2, 3, 5, 7, 10, 15, 20, 30, 50, 70, 100, 150, 200, 300, 500, 700, 1_000, 1_500, 2_000, 3_000,
  5_000, 7_000, 10_000, 15_000, 20_000, 30_000, 60_000,
];
const BINS = LATENCY_BOUNDS_MS.length + 1;

/** One rollup bucket (an hour or a day of one MCP). */
export interface Bucket {
  /** Milliseconds per category, indexed like UPTIME_CATEGORIES. */
  readonly ms: number[];
  probes: number;
  failures: number;
  /** Largest probe latency seen (ms), or null with no timed probe. */
  latencyMax: number | null;
  /** Probe latency histogram, indexed like LATENCY_BOUNDS_MS (+1 overflow bin). */
  readonly bins: number[];
}

export function emptyBucket(): Bucket {
  return {
    ms: new Array<number>(UPTIME_CATEGORIES.length).fill(0),
    probes: 0,
    failures: 0,
    latencyMax: null,
    bins: new Array<number>(BINS).fill(0),
  };
}

export function binOf(latencyMs: number): number {
  let lo = 0;
  let hi = LATENCY_BOUNDS_MS.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (latencyMs <= LATENCY_BOUNDS_MS[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export function addTime(b: Bucket, category: UptimeCategory, ms: number): void {
  b.ms[INDEX[category]]! += ms;
}

export function timeIn(b: Bucket, category: UptimeCategory): number {
  return b.ms[INDEX[category]]!;
}

export function addProbe(b: Bucket, ok: boolean, latencyMs: number | null): void {
  b.probes += 1;
  if (!ok) b.failures += 1;
  if (latencyMs !== null && Number.isFinite(latencyMs) && latencyMs >= 0) {
    b.bins[binOf(latencyMs)]! += 1;
    b.latencyMax = b.latencyMax === null ? latencyMs : Math.max(b.latencyMax, latencyMs);
  }
}

export function cloneBucket(b: Bucket): Bucket {
  return {
    ms: b.ms.slice(),
    probes: b.probes,
    failures: b.failures,
    latencyMax: b.latencyMax,
    bins: b.bins.slice(),
  };
}

/** Adds `from` into `into` (in place) and returns `into`. */
export function mergeBucket(into: Bucket, from: Bucket): Bucket {
  for (let i = 0; i < into.ms.length; i++) into.ms[i]! += from.ms[i]!;
  for (let i = 0; i < into.bins.length; i++) into.bins[i]! += from.bins[i]!;
  into.probes += from.probes;
  into.failures += from.failures;
  if (from.latencyMax !== null) {
    into.latencyMax =
      into.latencyMax === null ? from.latencyMax : Math.max(into.latencyMax, from.latencyMax);
  }
  return into;
}

/** `ms…;probes,failures,max;bin:count…` — short, and parsed without any regular expression. */
export function encodeBucket(b: Bucket): string {
  const bins: string[] = [];
  for (let i = 0; i < b.bins.length; i++) if (b.bins[i]! > 0) bins.push(`${i}:${b.bins[i]}`);
  return `${b.ms.join(',')};${b.probes},${b.failures},${b.latencyMax ?? ''};${bins.join(',')}`;
}

/** A non-negative integer written as plain digits (no sign, exponent or spaces), or null. */
const count = (s: string): number | null => {
  if (s.length === 0 || s.length > 15) return null;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return null;
  }
  return Number(s);
};

/** The bucket a stored string holds, or null when it is not one (a hostile or torn write). */
export function decodeBucket(s: string): Bucket | null {
  if (s.length > 1_024) return null;
  const parts = s.split(';');
  if (parts.length !== 3) return null;
  const b = emptyBucket();
  const ms = parts[0]!.split(',');
  if (ms.length !== UPTIME_CATEGORIES.length) return null;
  for (let i = 0; i < ms.length; i++) {
    const n = count(ms[i]!);
    if (n === null) return null;
    b.ms[i] = n;
  }
  const p = parts[1]!.split(',');
  if (p.length !== 3) return null;
  const probes = count(p[0]!);
  const failures = count(p[1]!);
  if (probes === null || failures === null) return null;
  b.probes = probes;
  b.failures = failures;
  if (p[2] !== '') {
    const max = Number(p[2]);
    if (!Number.isFinite(max) || max < 0) return null;
    b.latencyMax = max;
  }
  if (parts[2] !== '') {
    for (const pair of parts[2]!.split(',')) {
      const kv = pair.split(':');
      if (kv.length !== 2) return null;
      const index = count(kv[0]!);
      const n = count(kv[1]!);
      if (index === null || n === null || index >= BINS) return null;
      b.bins[index] = n;
    }
  }
  return b;
}

/** Latency percentile (0 < q ≤ 1) estimated from the histogram; null with no samples. */
export function percentile(b: Bucket, q: number): number | null {
  let total = 0;
  for (const n of b.bins) total += n;
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (let i = 0; i < b.bins.length; i++) {
    const n = b.bins[i]!;
    if (n === 0) continue;
    if (seen + n >= rank) {
      const lower = i === 0 ? 0 : LATENCY_BOUNDS_MS[i - 1]!;
      const upper = i < LATENCY_BOUNDS_MS.length ? LATENCY_BOUNDS_MS[i]! : (b.latencyMax ?? lower);
      const value = lower + ((upper - lower) * (rank - seen)) / n;
      return Math.round(Math.min(value, b.latencyMax ?? value) * 100) / 100;
    }
    seen += n;
  }
  return b.latencyMax;
}

// ---- time ------------------------------------------------------------------------------------

export const hourStart = (ms: number): number => Math.floor(ms / HOUR_MS) * HOUR_MS;
export const dayStart = (ms: number): number => Math.floor(ms / DAY_MS) * DAY_MS;
/** `YYYYMMDD` (UTC) of the day holding `ms`. */
export function dayKey(ms: number): string {
  const d = new Date(ms);
  const m = d.getUTCMonth() + 1;
  const day = d.getUTCDate();
  return `${d.getUTCFullYear()}${m < 10 ? '0' : ''}${m}${day < 10 ? '0' : ''}${day}`;
}
/** `HH` (UTC) of the hour holding `ms`. */
export function hourField(ms: number): string {
  const h = new Date(ms).getUTCHours();
  return `${h < 10 ? '0' : ''}${h}`;
}
/** The start (epoch ms) of a `YYYYMMDD` day, or null when the string is not one. */
export function parseDayKey(s: string): number | null {
  if (s.length !== 8) return null;
  const y = count(s.slice(0, 4));
  const m = count(s.slice(4, 6));
  const d = count(s.slice(6, 8));
  if (y === null || m === null || d === null || m < 1 || m > 12 || d < 1 || d > 31) return null;
  return Date.UTC(y, m - 1, d);
}

/**
 * The projector's keys, as suffixes of `keys.uptime(…)`:
 *   position          hash: epoch, log offset and probes-stream id processed up to
 *   state             hash MCP → UptimeState JSON (its current category and open incident)
 *   hours:<mcp>:<day> hash `HH` → bucket, one key per MCP and UTC day, expiring after the
 *                     hourly retention (BEACON_UPTIME_RETENTION_DAYS)
 *   days:<mcp>        hash `YYYYMMDD` → bucket, days older than the daily retention pruned
 *   incident          hash incident id → Incident JSON
 *   incidents         sorted set of incident ids by start (epoch ms), the whole fleet
 *   incidents:<mcp>   the same, one MCP
 */
export const UPTIME_KEY = Object.freeze({
  position: 'position',
  state: 'state',
  hours: (mcp: string, day: string) => `hours:${mcp}:${day}`,
  days: (mcp: string) => `days:${mcp}`,
  incident: 'incident',
  incidents: 'incidents',
  incidentsOf: (mcp: string) => `incidents:${mcp}`,
} as const);

/** What the projector keeps per MCP: where its time is going now, and since when. */
export const UptimeState = z.object({
  category: UptimeCategory.exclude(['maintenance']),
  /** Epoch ms up to which time has been credited to the buckets. */
  since: z.number().int().nonnegative(),
  /** The open incident's id, or null. */
  incident: z.string().max(256).nullable(),
  tags: z.array(z.string().max(64)).max(64).default([]),
});
export type UptimeState = z.infer<typeof UptimeState>;

/** One admin (or fleet-file) action recorded during an incident. */
export const IncidentAction = z.object({
  at: z.string(),
  actor: z.string().max(256),
  /** The event: `manually_disabled`, `manually_enabled`, `mcp_updated`, `mcp_removed`, … */
  action: z.string().max(64),
  command_id: z.string().max(128).nullable().default(null),
});
export type IncidentAction = z.infer<typeof IncidentAction>;
export const MAX_INCIDENT_ACTIONS = 50;

/** A down period of one MCP (time in unhealthy / disconnected / auto-disabled). */
export const Incident = z.object({
  /** `<mcp>@<offset of the event that opened it>`: stable across rebuilds. */
  id: z.string().min(1).max(256),
  mcp_name: McpName,
  started_at: z.string(),
  /** Null while the incident is open. */
  ended_at: z.string().nullable(),
  /** Seconds (to now while open). */
  duration_s: z.number().nonnegative(),
  state: z.enum(['open', 'resolved']),
  /** How it ended: back to healthy, disabled by an admin, removed from the fleet; null while open. */
  end_reason: z.enum(['recovered', 'disabled', 'removed']).nullable(),
  /** The down statuses it went through, in order of first appearance. */
  statuses: z.array(z.enum(['unhealthy', 'disconnected', 'auto_disabled'])).max(3),
  first_error: z.string().max(1_024).nullable(),
  health_reason: z.string().max(64).nullable(),
  circuit_openings: z.number().int().nonnegative(),
  auto_disabled: z.boolean(),
  actions: z.array(IncidentAction).max(MAX_INCIDENT_ACTIONS),
});
export type Incident = z.infer<typeof Incident>;

// ---- REST ------------------------------------------------------------------------------------

export const UPTIME_WINDOWS = ['24h', '7d', '30d', '90d', '365d'] as const;
export const UptimeWindow = z.enum(UPTIME_WINDOWS);
export type UptimeWindow = (typeof UPTIME_WINDOWS)[number];
export const WINDOW_MS: Readonly<Record<UptimeWindow, number>> = {
  '24h': DAY_MS,
  '7d': 7 * DAY_MS,
  '30d': 30 * DAY_MS,
  '90d': 90 * DAY_MS,
  '365d': 365 * DAY_MS,
};

const Latency = z.object({
  p50: z.number().nullable(),
  p95: z.number().nullable(),
  max: z.number().nullable(),
});
const Seconds = z.object(
  Object.fromEntries(UPTIME_CATEGORIES.map((c) => [c, z.number().nonnegative()])) as Record<
    UptimeCategory,
    z.ZodNumber
  >,
);

/** Figures over a period: a window, or one bucket of its series. */
export const UptimeFigures = z.object({
  /** Percent of the up-or-down time spent healthy (3 decimals); null when none was observed. */
  availability: z.number().min(0).max(100).nullable(),
  uptime_s: z.number().nonnegative(),
  downtime_s: z.number().nonnegative(),
  maintenance_s: z.number().nonnegative(),
  /** Every second the MCP existed in the period (the sum of `seconds`). */
  observed_s: z.number().nonnegative(),
  seconds: Seconds,
  probes: z.number().int().nonnegative(),
  failures: z.number().int().nonnegative(),
  latency_ms: Latency,
});
export type UptimeFigures = z.infer<typeof UptimeFigures>;

export const UptimeSummary = UptimeFigures.extend({
  mcp_name: McpName,
  window: UptimeWindow,
  /** The period: from the start of the hour `window` before `to`, to `to` (now, or `?end=`). */
  from: z.string(),
  to: z.string(),
  /** Incidents that overlap the period. */
  incidents: z.number().int().nonnegative(),
});
export type UptimeSummary = z.infer<typeof UptimeSummary>;

export const UptimeBucket = UptimeFigures.extend({ start: z.string(), end: z.string() });
export type UptimeBucket = z.infer<typeof UptimeBucket>;

/** `GET /api/mcps/:name/uptime?window=…`: the summary and a series (hours for 24h/7d, else days). */
export const UptimeResponse = UptimeSummary.extend({
  bucket: z.enum(['hour', 'day']),
  series: z.array(UptimeBucket),
});
export type UptimeResponse = z.infer<typeof UptimeResponse>;

/** `GET /api/uptime?window=…`: one summary per MCP the token may see, sorted by name. */
export const FleetUptimeResponse = z.object({
  window: UptimeWindow,
  from: z.string(),
  to: z.string(),
  mcps: z.array(UptimeSummary),
});
export type FleetUptimeResponse = z.infer<typeof FleetUptimeResponse>;

/** `GET /api/incidents`, `GET /api/mcps/:name/incidents`: newest first, `next` continues. */
export const IncidentsResponse = z.object({
  incidents: z.array(Incident),
  next: z.string().nullable(),
});
export type IncidentsResponse = z.infer<typeof IncidentsResponse>;

/** The figures of a merged bucket (seconds rounded to ms precision). */
export function figuresOf(b: Bucket): UptimeFigures {
  const s = (c: UptimeCategory): number => timeIn(b, c) / 1000;
  let down = 0;
  for (const c of DOWN_CATEGORIES) down += timeIn(b, c);
  const up = timeIn(b, 'healthy');
  let observed = 0;
  for (const v of b.ms) observed += v;
  const seconds = Object.fromEntries(UPTIME_CATEGORIES.map((c) => [c, s(c)])) as Record<
    UptimeCategory,
    number
  >;
  return {
    availability: up + down === 0 ? null : Math.round((up / (up + down)) * 100_000) / 1000,
    uptime_s: up / 1000,
    downtime_s: down / 1000,
    maintenance_s: s('maintenance'),
    observed_s: observed / 1000,
    seconds,
    probes: b.probes,
    failures: b.failures,
    latency_ms: { p50: percentile(b, 0.5), p95: percentile(b, 0.95), max: b.latencyMax },
  };
}
