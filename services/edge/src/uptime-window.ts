// Which rollup fields one uptime window needs, and how they fold into its summary and series.
// Pure: uptime-read.ts fetches what a plan names (pipelined) and hands the raw strings back.
// Full UTC days come from `days:<mcp>`, the partial first and last days from their hour keys;
// the projector's open interval (state.since → to) is credited to state.category on top.
import {
  DAY_MS,
  HOUR_MS,
  WINDOW_MS,
  addTime,
  dayKey,
  dayStart,
  emptyBucket,
  figuresOf,
  hourField,
  hourStart,
  type Bucket,
  type Incident,
  type UptimeBucket,
  type UptimeState,
  type UptimeWindow,
} from '@beacon/protocol';
import { mergeEncoded } from './bucket-merge.js';

/** One point of the series: [start, end), within the window. */
export interface Slot {
  readonly start: number;
  readonly end: number;
}

/** The HH fields of one `hours:<mcp>:<day>` key to read, and the slot each feeds. */
export interface HourRead {
  readonly day: string;
  readonly fields: readonly string[];
  readonly slots: readonly number[];
}

export interface WindowPlan {
  readonly window: UptimeWindow;
  readonly from: number;
  readonly to: number;
  readonly bucket: 'hour' | 'day';
  readonly slots: readonly Slot[];
  /** Fields (`YYYYMMDD`) of `days:<mcp>` to read: the whole days inside the window. */
  readonly days: readonly string[];
  readonly daySlots: readonly number[];
  readonly hours: readonly HourRead[];
}

/** `to` = now, or `?end=` floored to the hour; the window starts on the hour. */
export function windowBounds(window: UptimeWindow, now: number, end: number | null) {
  const to = end === null ? now : hourStart(end);
  return { from: hourStart(to - WINDOW_MS[window]), to };
}

export function planWindow(window: UptimeWindow, now: number, end: number | null): WindowPlan {
  const { from, to } = windowBounds(window, now, end);
  const bucket = window === '24h' || window === '7d' ? 'hour' : 'day';
  const slots: Slot[] = [];
  const days: string[] = [];
  const daySlots: number[] = [];
  const byDay = new Map<string, { fields: string[]; slots: number[] }>();
  const readHour = (h: number, slot: number): void => {
    const day = dayKey(h);
    let r = byDay.get(day);
    if (r === undefined) byDay.set(day, (r = { fields: [], slots: [] }));
    r.fields.push(hourField(h));
    r.slots.push(slot);
  };
  if (bucket === 'hour') {
    for (let h = from; h < to; h += HOUR_MS) {
      readHour(h, slots.length);
      slots.push({ start: h, end: Math.min(h + HOUR_MS, to) });
    }
  } else {
    for (let d = dayStart(from); d < to; d += DAY_MS) {
      const start = Math.max(d, from);
      const end = Math.min(d + DAY_MS, to);
      const slot = slots.length;
      slots.push({ start, end });
      if (start === d && end === d + DAY_MS) {
        days.push(dayKey(d));
        daySlots.push(slot);
      } else {
        for (let h = start; h < end; h += HOUR_MS) readHour(h, slot);
      }
    }
  }
  const hours = [...byDay].map(([day, r]) => ({ day, fields: r.fields, slots: r.slots }));
  return { window, from, to, bucket, slots, days, daySlots, hours };
}

/** What was read for one MCP: `days` aligned with plan.days, `hours[i]` with plan.hours[i]. */
export interface WindowReads {
  readonly days: readonly (string | null)[];
  readonly hours: readonly (readonly (string | null)[])[];
  readonly state: UptimeState | null;
}

export interface Folded {
  readonly total: Bucket;
  /** One bucket per plan slot; empty unless asked for. */
  readonly slots: readonly Bucket[];
  /** Stored buckets that did not decode (skipped). */
  readonly bad: number;
}

/** Merge every bucket read, plus the open interval, into the total (and the slots). */
export function foldWindow(plan: WindowPlan, reads: WindowReads, withSlots: boolean): Folded {
  const total = emptyBucket();
  const slots = withSlots ? plan.slots.map(() => emptyBucket()) : [];
  let bad = 0;
  const add = (raw: string | null | undefined, slot: number): void => {
    if (raw === null || raw === undefined) return;
    if (!mergeEncoded(total, raw, withSlots ? slots[slot] : undefined)) bad++;
  };
  for (let i = 0; i < plan.days.length; i++) add(reads.days[i], plan.daySlots[i]!);
  for (let g = 0; g < plan.hours.length; g++) {
    const group = plan.hours[g]!;
    const got = reads.hours[g] ?? [];
    for (let i = 0; i < group.slots.length; i++) add(got[i], group.slots[i]!);
  }
  const state = reads.state;
  if (state !== null && state.since < plan.to) {
    const start = Math.max(state.since, plan.from);
    addTime(total, state.category, plan.to - start);
    if (withSlots) {
      plan.slots.forEach((s, i) => {
        const overlap = Math.min(s.end, plan.to) - Math.max(s.start, start);
        if (overlap > 0) addTime(slots[i]!, state.category, overlap);
      });
    }
  }
  return { total, slots, bad };
}

export const iso = (ms: number): string => new Date(ms).toISOString();

export function seriesOf(plan: WindowPlan, folded: Folded): UptimeBucket[] {
  return plan.slots.map((s, i) => ({
    ...figuresOf(folded.slots[i] ?? emptyBucket()),
    start: iso(s.start),
    end: iso(s.end),
  }));
}

/**
 * Incidents overlapping [from, to): those starting inside (`starting`), plus the last one that
 * started before `from` when it was still open at `from` (incidents of one MCP never overlap,
 * so no earlier one can reach into the window).
 */
export function overlapping(starting: number, before: Incident | null, from: number): number {
  if (before === null) return starting;
  const ended = before.ended_at === null ? Infinity : Date.parse(before.ended_at);
  return starting + (ended > from ? 1 : 0);
}
