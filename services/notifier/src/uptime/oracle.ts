// Test and benchmark support: what the hour buckets must hold, recomputed from the raw log by a
// different method than the projector's (each hour intersected with every status interval and
// every maintenance window, instead of intervals cut in sequence), and every stored bucket read
// back. Only one-off silences are modelled here.
import type { EventLog } from '@beacon/event-log';
import {
  HOUR_MS,
  UPTIME_CATEGORIES,
  UPTIME_KEY,
  categorize,
  dayKey,
  decodeBucket,
  hourStart,
  parseDayKey,
  type Bucket,
  type StoredEvent,
  type UptimeCategory,
} from '@beacon/protocol';
import type { Redis } from 'ioredis';
import { eventTime } from './model.js';

export interface OracleSilence {
  readonly mcps: readonly string[];
  readonly from: number;
  readonly to: number;
}

export async function readLog(log: EventLog): Promise<StoredEvent[]> {
  const out: StoredEvent[] = [];
  let after = '0-0';
  for (;;) {
    const page = await log.replay(after, 1_000);
    if (page.length === 0) return out;
    out.push(...page);
    after = page[page.length - 1]!.offset;
  }
}

const overlap = (a: number, b: number, c: number, d: number): number =>
  Math.max(0, Math.min(b, d) - Math.max(a, c));

/** MCP → hour start → ms per category (UPTIME_CATEGORIES order), for time before `until`. */
export function recompute(
  events: readonly StoredEvent[],
  silences: readonly OracleSilence[],
  until: number,
): Map<string, Map<number, number[]>> {
  const transitions = new Map<string, Array<{ t: number; c: UptimeCategory | null }>>();
  for (const e of events) {
    const ev = e.event;
    let c: UptimeCategory | null | undefined;
    if (ev.type === 'mcp_status_change') c = categorize(ev.status, ev.metadata);
    else if (ev.type === 'mcp_registered') c = undefined;
    else if (ev.type === 'mcp_removed') c = null;
    else continue;
    let list = transitions.get(ev.mcp_name);
    if (list === undefined) {
      if (ev.type === 'mcp_removed') continue;
      transitions.set(ev.mcp_name, (list = []));
    }
    const last = list[list.length - 1];
    const t = Math.max(eventTime(e), last?.t ?? 0);
    if (c === undefined) c = last === undefined || last.c === null ? 'unknown' : last.c;
    list.push({ t, c });
  }
  const out = new Map<string, Map<number, number[]>>();
  for (const [mcp, list] of transitions) {
    const hours = new Map<number, number[]>();
    const windows = silences.filter((s) => s.mcps.includes(mcp));
    for (let i = 0; i < list.length; i++) {
      const { t: a, c } = list[i]!;
      if (c === null) continue;
      const b = Math.min(until, list[i + 1]?.t ?? until);
      for (let h = hourStart(a); h < b; h += HOUR_MS) {
        const inHour = overlap(a, b, h, h + HOUR_MS);
        if (inHour === 0) continue;
        let maint = 0;
        for (const w of windows)
          maint += overlap(a, b, Math.max(h, w.from), Math.min(h + HOUR_MS, w.to));
        let ms = hours.get(h);
        if (ms === undefined)
          hours.set(h, (ms = new Array<number>(UPTIME_CATEGORIES.length).fill(0)));
        ms[UPTIME_CATEGORIES.indexOf(c)]! += inHour - maint;
        ms[UPTIME_CATEGORIES.indexOf('maintenance')]! += maint;
      }
    }
    out.set(mcp, hours);
  }
  return out;
}

/** Every stored hour bucket of `mcp`: hour start → bucket. */
export async function storedHours(
  redis: Redis,
  key: (suffix: string) => string,
  mcp: string,
): Promise<Map<number, Bucket>> {
  const out = new Map<number, Bucket>();
  const prefix = key(UPTIME_KEY.hours(mcp, ''));
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    found.push(...keys);
  } while (cursor !== '0');
  for (const k of found) {
    const day = parseDayKey(k.slice(prefix.length));
    if (day === null) continue;
    for (const [hh, v] of Object.entries(await redis.hgetall(k))) {
      const b = decodeBucket(v);
      if (b !== null) out.set(day + Number(hh) * HOUR_MS, b);
    }
  }
  return out;
}

/** Every stored day bucket of `mcp`: day start → bucket. */
export async function storedDays(
  redis: Redis,
  key: (suffix: string) => string,
  mcp: string,
): Promise<Map<number, Bucket>> {
  const out = new Map<number, Bucket>();
  for (const [d, v] of Object.entries(await redis.hgetall(key(UPTIME_KEY.days(mcp))))) {
    const day = parseDayKey(d);
    const b = decodeBucket(v);
    if (day !== null && b !== null && dayKey(day) === d) out.set(day, b);
  }
  return out;
}
