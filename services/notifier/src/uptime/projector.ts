// The uptime projector: while it holds the `uptime` lease, it reads the log and the probes stream
// from its stored position, folds them into the model (model.ts) and writes the changed hour and
// day buckets, states, incidents and the new position in one fenced step. Every round it also
// advances every MCP's credited time to Redis's clock, so stored buckets lag the present by at
// most one tick. It keeps the buckets it wrote in memory (it is the only writer while leading)
// and reads the others once. Any failure ends the run; the next run reloads from Redis, so the
// memory never drifts from what was committed.
import type { EventLog, Fence, RedisClient } from '@beacon/event-log';
import { parseCommandEntry } from '@beacon/event-log';
import {
  DAY_MS,
  HOUR_MS,
  ProbeResult,
  STREAM_FIELD,
  cloneBucket,
  compareOffsets,
  dayStart,
  emptyBucket,
  mergeBucket,
  offsetTime,
  type Bucket,
  type Incident,
  type Silence,
} from '@beacon/protocol';
import { sleep, type Logger } from '@beacon/runtime';
import { UptimeModel, type UptimeChanges } from './model.js';
import {
  PositionMoved,
  decodePosition,
  encodePosition,
  type UptimePosition,
  type UptimeStore,
} from './store.js';

/** Log events and probe results read per round. */
const BATCH = 500;
/** A step is committed once it holds this many hour buckets (a long gap credits many hours). */
const MAX_HOURS_PER_WRITE = 4_000;
/** Buckets kept in memory; beyond this the cache starts over (they are re-read once). */
const CACHE_CAP = 50_000;
/** Incidents kept per MCP (the oldest beyond go), besides the daily retention. */
export const INCIDENTS_PER_MCP = 1_000;

export interface UptimeSettings {
  /** Hourly buckets are kept this many days (BEACON_UPTIME_RETENTION_DAYS). */
  readonly retentionDays: number;
  /** Daily buckets and incidents are kept this many days. */
  readonly dailyRetentionDays: number;
  /** How often every MCP's time is advanced to now (and idle rounds poll the probes stream). */
  readonly tickMs: number;
}

export interface UptimeProjectorMetrics {
  readonly events: { inc(n?: number): void };
  readonly probes: { inc(n?: number): void };
  readonly writes: { inc(n?: number): void };
  readonly invalid: { inc(n?: number): void };
}

export interface UptimeProjector {
  /** Runs until the signal aborts or the fence is lost (rejects with the fencing error). */
  run(fence: Fence, signal: AbortSignal): Promise<void>;
  /** New events may be in the log. */
  wake(): void;
}

export function createUptimeProjector(o: {
  readonly log: EventLog;
  readonly redis: RedisClient;
  readonly store: UptimeStore;
  readonly settings: UptimeSettings;
  readonly metrics: UptimeProjectorMetrics;
  readonly logger: Logger;
  /** The silences in force, as the notifier stores them (NotifierStore.silences). */
  readonly silences: () => Promise<ReadonlyMap<string, Silence>>;
}): UptimeProjector {
  const { log, redis, store, settings, metrics } = o;
  const logger = o.logger.child({ component: 'uptime' });
  let wakeUp: (() => void) | null = null;

  // Silences (maintenance windows): the notifier's config, re-read each round.
  let silences: Silence[] = [];
  async function refreshSilences(): Promise<void> {
    silences = [...(await o.silences()).values()];
  }

  async function redisNow(): Promise<number> {
    const [s, us] = await redis.time();
    return Number(s) * 1000 + Math.floor(Number(us) / 1000);
  }

  /** Probe results after `after` (unreadable entries counted and passed over), and the last id. */
  async function readProbes(
    after: string,
  ): Promise<{ results: Array<{ appended: number; result: ProbeResult }>; last: string | null }> {
    const raw = (await redis.xrange(log.keys.probes, `(${after}`, '+', 'COUNT', BATCH)) as Array<
      [string, string[]]
    >;
    const results: Array<{ appended: number; result: ProbeResult }> = [];
    for (const entry of raw) {
      const r = parseCommandEntry(ProbeResult, entry, { field: STREAM_FIELD.probe });
      if (r.ok) results.push({ appended: offsetTime(r.id), result: r.command });
      else metrics.invalid.inc();
    }
    return { results, last: raw.length === 0 ? null : raw[raw.length - 1]![0] };
  }

  async function run(fence: Fence, signal: AbortSignal): Promise<void> {
    const cache = new Map<string, Bucket>();
    const model = new UptimeModel({
      silences: () => silences,
      horizonMs: (settings.dailyRetentionDays + 1) * DAY_MS,
    });
    await refreshSilences();

    // ---- where to start ----------------------------------------------------------------------
    let expected = await store.position();
    let pos = decodePosition(expected === '' ? null : expected);
    const head = await log.head();
    if (pos === null) {
      // First start, or a rebuild was asked for (the position deleted): start over from the
      // beginning of the log with nothing credited.
      const wiped = await store.wipe();
      if (wiped > 0)
        logger.warn({ keys: wiped }, 'uptime position missing: rebuilding from the log');
      expected = '';
      pos = { epoch: head.epoch, log: '0-0', probes: '0-0' };
    } else if (pos.epoch !== head.epoch) {
      // The log was reset: the history so far stays; the new log is read from its start.
      logger.warn(
        { was: pos.epoch, now: head.epoch },
        'the log has a new epoch; reading it from its start',
      );
      pos = { ...pos, epoch: head.epoch, log: '0-0' };
    }
    const loaded = await store.states();
    if (loaded.bad.length > 0) {
      metrics.invalid.inc(loaded.bad.length);
      logger.warn(
        { mcps: loaded.bad.slice(0, 20) },
        'unreadable uptime state; those MCPs start over',
      );
    }
    const openIds = [...loaded.items.values()].flatMap((s) =>
      s.incident === null ? [] : [s.incident],
    );
    const open = new Map<string, Incident>();
    for (const i of (await store.incidents(openIds)).values()) open.set(i.mcp_name, i);
    model.load(loaded.items, open);

    const lastPrune = new Map<string, number>();

    async function commit(changes: UptimeChanges, to: UptimePosition, now: number): Promise<void> {
      const hourPairs: Array<[string, number]> = [];
      const dayPairs: Array<[string, number]> = [];
      const dayDeltas = new Map<string, Map<number, Bucket>>();
      for (const [mcp, hours] of changes.hours) {
        const days = new Map<number, Bucket>();
        dayDeltas.set(mcp, days);
        for (const [hour, delta] of hours) {
          if (!cache.has(`${mcp} ${hour}`)) hourPairs.push([mcp, hour]);
          const d = dayStart(hour);
          let db = days.get(d);
          if (db === undefined) days.set(d, (db = emptyBucket()));
          mergeBucket(db, delta);
        }
        for (const d of days.keys()) if (!cache.has(`d ${mcp} ${d}`)) dayPairs.push([mcp, d]);
      }
      const [hoursRead, daysRead] = await Promise.all([
        store.hours(hourPairs),
        store.days(dayPairs),
      ]);
      const fresh = new Map<string, Bucket>();
      hourPairs.forEach(([m, h], i) => fresh.set(`${m} ${h}`, hoursRead[i]!));
      dayPairs.forEach(([m, d], i) => fresh.set(`d ${m} ${d}`, daysRead[i]!));

      const b = store.batch(fence, expected);
      const written = new Map<string, Bucket>();
      const hourCutoff = now - settings.retentionDays * DAY_MS;
      const dayCutoff = dayStart(now) - settings.dailyRetentionDays * DAY_MS;
      for (const [mcp, hours] of changes.hours) {
        for (const [hour, delta] of hours) {
          const id = `${mcp} ${hour}`;
          const next = mergeBucket(cloneBucket(cache.get(id) ?? fresh.get(id)!), delta);
          written.set(id, next);
          const expireAt = dayStart(hour) + DAY_MS + settings.retentionDays * DAY_MS;
          if (hour + HOUR_MS > hourCutoff) b.hour(mcp, hour, next, expireAt);
        }
        for (const [day, delta] of dayDeltas.get(mcp)!) {
          const id = `d ${mcp} ${day}`;
          const next = mergeBucket(cloneBucket(cache.get(id) ?? fresh.get(id)!), delta);
          written.set(id, next);
          if (day >= dayCutoff) b.day(mcp, day, next, dayCutoff, settings.dailyRetentionDays + 1);
        }
      }
      for (const [mcp, s] of changes.states) b.state(mcp, s);
      for (const i of changes.incidents.values()) {
        b.incident(i);
        const last = lastPrune.get(i.mcp_name) ?? 0;
        if (now - last > HOUR_MS) {
          lastPrune.set(i.mcp_name, now);
          b.prune(i.mcp_name, dayCutoff, INCIDENTS_PER_MCP);
        }
      }
      await b.commit(to);
      expected = encodePosition(to);
      metrics.writes.inc();
      if (cache.size + written.size > CACHE_CAP) cache.clear();
      for (const [k, v] of written) cache.set(k, v);
    }

    let lastAdvance = 0;
    let lastEpochCheck = Date.now();
    while (!signal.aborted) {
      let worked = false;
      await refreshSilences();
      // Redis's clock before the log is read: every event this round does not see is appended
      // after it, so advancing to it never credits time past an event still to come.
      const now = await redisNow();
      let to: UptimePosition = pos;
      const events = await log.replay(pos.log, BATCH);
      for (const e of events) {
        if (compareOffsets(e.offset, to.log) <= 0) continue;
        const refused = model.refused;
        model.event(e);
        if (model.refused > refused) metrics.invalid.inc();
        metrics.events.inc();
        to = { ...to, log: e.offset };
        worked = true;
        if (model.pendingHours > MAX_HOURS_PER_WRITE) {
          await commit(model.take(), to, await redisNow());
          pos = to;
        }
      }
      const probes = await readProbes(to.probes);
      for (const p of probes.results) model.probe(p.result, p.appended);
      metrics.probes.inc(probes.results.length);
      if (probes.last !== null) {
        to = { ...to, probes: probes.last };
        worked = true;
      }
      // Only once caught up with the log: advancing past a backlog would clamp its events.
      const caughtUp = events.length < BATCH;
      if (caughtUp && now - lastAdvance >= settings.tickMs) {
        model.advance(now);
        lastAdvance = now;
      }
      const changes = model.take();
      if (
        worked ||
        changes.hours.size > 0 ||
        changes.states.size > 0 ||
        changes.incidents.size > 0
      ) {
        await commit(changes, to, now);
        pos = to;
      }
      if (events.length >= BATCH || probes.results.length >= BATCH) continue;
      if (Date.now() - lastEpochCheck > 5_000) {
        lastEpochCheck = Date.now();
        const h = await log.head();
        if (h.epoch !== pos.epoch) throw new PositionMoved('the log has a new epoch');
      }
      await new Promise<void>((resolve) => {
        const done = (): void => {
          wakeUp = null;
          resolve();
        };
        wakeUp = done;
        void sleep(Math.min(settings.tickMs, 1_000), signal)
          .catch(() => undefined)
          .then(done);
      });
    }
  }

  return {
    run,
    wake() {
      wakeUp?.();
    },
  };
}
