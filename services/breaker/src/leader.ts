// What the active breaker does while it holds the lease. Takeover: load the saved states, re-apply
// the batch the previous leader read but never acked (its events that already reached the log
// are recognised by their per-breaker `seq` and not appended again), then adopt the log's word
// for any breaker the log shows ahead of us. Then, per batch: read the three streams, apply the
// entries in time order plus the OPEN waits that fell due, append the events (fenced), and in one
// fenced script save the touched states, due times and acks. Ack after append means a crash
// re-delivers a batch; saving states with the acks makes that re-delivery reproduce, not redo.
import {
  BeaconError,
  BreakerCommand,
  backoffDelay,
  type CommandResult,
  type HealthEvent,
} from '@beacon/protocol';
import {
  createCommandInbox,
  runUntilFenced,
  type CommandAnswer,
  type EventLog,
  type Fence,
} from '@beacon/event-log';
import type { Logger } from 'pino';
import { createBreakers } from './breakers.js';
import type { Fleet } from './fleet.js';
import { STREAMS, byTime, decodeEntry, type GoodEntry, type StreamName } from './inputs.js';
import type { BreakerMetrics } from './metrics.js';
import type { BreakerDefaults } from './settings.js';
import { adoptFromProjection } from './state.js';
import { EPOCH_FIELD, GROUP, type BreakerStore, type ReadReply } from './store.js';

export interface LeaderOptions {
  readonly batch: number;
  readonly blockMs: number;
  readonly commandTtlMs: number;
  /** How often to look for entries a deposed leader read but never processed. */
  readonly pendingCheckMs?: number;
}

export interface LeaderDeps {
  readonly log: EventLog;
  readonly store: BreakerStore;
  readonly fleet: Fleet;
  readonly defaults: BreakerDefaults;
  readonly options: LeaderOptions;
  readonly logger: Logger;
  readonly metrics: BreakerMetrics;
}

export interface Leader {
  /** Work until the signal aborts or the fence is refused. */
  run(fence: Fence, signal: AbortSignal): Promise<void>;
  /** Reload from Redis before the next batch (e.g. the log's epoch changed). */
  invalidate(): void;
  circuitCounts(): Record<'closed' | 'open' | 'half_open', number>;
}

interface PendingReply {
  readonly command: BreakerCommand;
  readonly result: CommandAnswer;
  readonly lastEvent: HealthEvent | null;
}

class ReloadNeeded extends Error {
  override readonly name = 'ReloadNeeded';
}

export function createLeader(deps: LeaderDeps): Leader {
  const { log, store, fleet, options, metrics } = deps;
  const logger = deps.logger.child({ component: 'leader' });
  const breakers = createBreakers(deps.defaults);
  const pendingCheckMs = options.pendingCheckMs ?? 1_000;
  // The command stream is read and acked with probes and outcomes (store.ts: one read, one fenced
  // commit for states and acks); the inbox gives the TTL answer and publishes the answers.
  const inbox = createCommandInbox({
    redis: log.redis,
    eventLog: log,
    stream: store.streamKey('commands'),
    group: GROUP,
    schema: BreakerCommand,
    ttlMs: options.commandTtlMs,
  });
  /** Per MCP, the seq of the last event the log already holds (only during takeover replay). */
  let suppress = new Map<string, number>();
  /** Names with inputs but no registration: do not wait for the fleet again before this time. */
  const unknownUntil = new Map<string, number>();
  let epoch = '';
  let reload = false;
  let badLogged = 0;
  let badWindowStart = 0;

  function logBad(stream: StreamName, id: string, reason: string): void {
    const now = Date.now();
    if (now - badWindowStart > 60_000) {
      badWindowStart = now;
      badLogged = 0;
    }
    if (badLogged++ < 20) logger.warn({ stream, id, reason }, 'dropped a bad stream entry');
  }

  async function recover(fence: Fence): Promise<void> {
    await store.ensureGroups();
    const snap = await log.snapshot();
    // Registrations up to the snapshot must be known before states are loaded, or a late
    // mcp_registered would reset a breaker that already moved on.
    if (!(await fleet.reached(snap.offset, 15_000))) {
      throw new Error(`log subscription has not reached ${snap.offset} yet`);
    }
    fleet.drain();
    breakers.clear();
    epoch = snap.epoch;
    const stored = await store.loadStates();
    const storedEpoch = stored.get(EPOCH_FIELD);
    const sameEpoch = storedEpoch === undefined || storedEpoch === snap.epoch;
    if (!sameEpoch)
      logger.warn({ storedEpoch, epoch }, 'saved states belong to another log; dropped');
    const stale: string[] = [];
    for (const [name, json] of stored) {
      if (name === EPOCH_FIELD) continue;
      if (!sameEpoch || !fleet.has(name)) {
        stale.push(name);
        continue;
      }
      try {
        breakers.load(name, json, fleet.get(name));
      } catch (err) {
        logger.warn({ err, name }, 'saved breaker state unreadable; starting it afresh');
        metrics.error('bad_state');
        stale.push(name);
      }
    }
    for (const [name, at] of await store.loadDue()) breakers.persistedDue(name, at);
    for (const name of stale) breakers.fleetChange({ kind: 'removed', name }, undefined);

    suppress = new Map();
    for (const row of snap.mcps) {
      const seq = row.breaker?.['seq'];
      if (typeof seq === 'number') suppress.set(row.name, seq);
    }
    for (;;) {
      const pending = await store.readPending(options.batch);
      if (STREAMS.every((s) => pending[s].length === 0)) break;
      logger.info(
        { entries: STREAMS.reduce((n, s) => n + pending[s].length, 0) },
        're-applying the unacknowledged batch of the previous leader',
      );
      await cycle(pending, fence);
    }
    for (const row of snap.mcps) {
      const logSeq = suppress.get(row.name);
      if (logSeq === undefined || row.breaker === null || row.breaker === undefined) continue;
      const b = breakers.get(row.name);
      if (b !== undefined && b.state.seq >= logSeq) continue;
      const base = breakers.ensure(row.name, row.config).state;
      breakers.replace(row.name, adoptFromProjection(base, row.circuit_state, row.breaker));
      metrics.recovery('adopted');
      logger.warn(
        { name: row.name, logSeq, ourSeq: b?.state.seq ?? 0 },
        'adopted breaker from the log',
      );
    }
    suppress = new Map();
    await commit(fence, { commands: [], probes: [], outcomes: [] }, true);
    logger.info({ breakers: breakers.size, epoch }, 'breakers loaded; processing');
  }

  /** Wait (once per name per 5 s) for the subscription to catch up when inputs name unknown MCPs. */
  async function awaitUnknown(entries: readonly GoodEntry[]): Promise<void> {
    const now = Date.now();
    let wait = false;
    for (const e of entries) {
      if (fleet.has(e.name)) continue;
      const until = unknownUntil.get(e.name);
      if (until === undefined || until < now) {
        wait = true;
        unknownUntil.set(e.name, now + 5_000);
      }
    }
    if (!wait) return;
    if (unknownUntil.size > 100_000) unknownUntil.clear();
    await fleet.reached(await log.lastOffset(), 2_000);
  }

  async function append(
    events: Map<string, HealthEvent[]>,
    fence: Fence,
    offsets: Map<HealthEvent, string>,
  ): Promise<void> {
    const tasks: Promise<void>[] = [];
    for (const [name, list] of events) {
      const already = suppress.get(name) ?? 0;
      tasks.push(
        (async () => {
          // One MCP's events in order; different MCPs in parallel (pipelined on one connection).
          for (const ev of list) {
            const seq = ev.data.breaker?.['seq'];
            if (typeof seq === 'number' && seq <= already) {
              metrics.recovery('suppressed');
              continue;
            }
            try {
              offsets.set(ev, (await log.append(ev, fence)).offset);
              metrics.event(ev.event_type);
            } catch (err) {
              if (err instanceof BeaconError && err.code === 'invalid') {
                logger.error({ err, event: ev }, 'breaker produced an invalid event; skipped');
                metrics.error('invalid_event');
                continue;
              }
              throw err;
            }
          }
        })(),
      );
    }
    const settled = await Promise.allSettled(tasks);
    for (const s of settled) if (s.status === 'rejected') throw s.reason;
  }

  async function commit(
    fence: Fence,
    acks: Record<StreamName, string[]>,
    always = false,
  ): Promise<void> {
    const c = breakers.takeChanges();
    const idle =
      c.set.size === 0 &&
      c.del.length === 0 &&
      c.dueAdd.size === 0 &&
      c.dueRem.length === 0 &&
      STREAMS.every((s) => acks[s].length === 0);
    if (idle && !always) return; // an empty poll: nothing to save
    c.set.set(EPOCH_FIELD, epoch);
    await store.commit(fence.token, { ...c, acks });
  }

  async function cycle(reply: ReadReply, fence: Fence): Promise<void> {
    const started = performance.now();
    const acks: Record<StreamName, string[]> = { commands: [], probes: [], outcomes: [] };
    const good: GoodEntry[] = [];
    const refused: CommandResult[] = [];
    for (const stream of STREAMS) {
      for (const raw of reply[stream]) {
        acks[stream].push(raw[0]);
        const e = decodeEntry(stream, raw);
        if (e.ok) good.push(e);
        else {
          metrics.entry(stream, 'invalid');
          metrics.rejected(stream);
          logBad(stream, e.id, e.reason);
          if (e.answer) refused.push(e.answer);
        }
      }
    }
    await awaitUnknown(good);
    for (const change of fleet.drain()) {
      if (change.kind === 'registered') unknownUntil.delete(change.name);
      breakers.fleetChange(change, fleet.get(change.name));
    }
    good.sort(byTime);
    const now = Date.now();
    const events = new Map<string, HealthEvent[]>();
    const push = (name: string, evs: readonly HealthEvent[]): void => {
      if (evs.length === 0) return;
      const list = events.get(name);
      if (list === undefined) events.set(name, [...evs]);
      else list.push(...evs);
    };
    const replies: PendingReply[] = [];
    for (const e of good) {
      const mcp = fleet.get(e.name);
      if (mcp === undefined) {
        metrics.entry(e.stream, 'unknown_mcp');
        if (e.command) {
          const message = `no MCP named ${e.name}`;
          replies.push({
            command: e.command,
            result: { ok: false, error: { code: 'not_found', message } },
            lastEvent: null,
          });
        }
        continue;
      }
      const timeout = e.command === undefined ? null : inbox.expired(e.command, now);
      if (e.command && timeout !== null) {
        metrics.entry(e.stream, 'expired');
        replies.push({ command: e.command, result: timeout, lastEvent: null });
        continue;
      }
      const evs = breakers.apply(e.name, mcp, e.input, e.time);
      metrics.entry(e.stream, 'applied');
      push(e.name, evs);
      if (e.command)
        replies.push({ command: e.command, result: { ok: true }, lastEvent: evs.at(-1) ?? null });
    }
    for (const name of breakers.due.takeDue(now)) {
      if (breakers.get(name) === undefined) continue;
      push(name, breakers.apply(name, fleet.get(name), { type: 'tick' }, now));
    }

    const offsets = new Map<HealthEvent, string>();
    await append(events, fence, offsets);
    await commit(fence, acks);

    const done = Date.now();
    for (const e of good) metrics.delay(Math.max(0, done - e.time) / 1000);
    metrics.batch();
    metrics.cycle((performance.now() - started) / 1000);
    for (const r of replies) {
      const offset = r.lastEvent === null ? undefined : offsets.get(r.lastEvent);
      const answer = { ...r.result, ...(offset === undefined ? {} : { offset }) };
      await inbox.answer(r.command.command_id, answer).catch((err: unknown) => {
        logger.warn({ err, command_id: r.command.command_id }, 'could not publish command result');
      });
    }
    for (const answer of refused) {
      const { type: _type, command_id, ...rest } = answer;
      await inbox.answer(command_id, rest).catch((err: unknown) => {
        logger.warn({ err, command_id }, 'could not publish command result');
      });
    }
  }

  async function loop(fence: Fence, signal: AbortSignal): Promise<void> {
    let lastPendingCheck = Date.now();
    let lastLagCheck = 0;
    while (!signal.aborted) {
      if (reload) {
        reload = false;
        throw new ReloadNeeded('reload requested');
      }
      const now = Date.now();
      const next = breakers.due.next();
      const block = next === null ? options.blockMs : Math.min(options.blockMs, next - now);
      let reply: ReadReply | null = null;
      if (now - lastPendingCheck >= pendingCheckMs) {
        lastPendingCheck = now;
        const pending = await store.readPending(options.batch);
        if (STREAMS.some((s) => pending[s].length > 0)) reply = pending;
      }
      reply ??= await store.readNew(options.batch, Math.max(1, block));
      await cycle(reply, fence);
      if (now - lastLagCheck >= 5_000) {
        lastLagCheck = now;
        void store
          .lag()
          .then((lag) => {
            for (const s of STREAMS) if (lag[s] !== null) metrics.lag(s, lag[s]);
          })
          .catch(() => undefined);
      }
    }
  }

  return {
    async run(fence, signal) {
      let attempt = 0;
      await runUntilFenced(
        async () => {
          await recover(fence);
          attempt = 0;
          await loop(fence, signal);
        },
        {
          signal,
          onFenced: (err) => logger.warn({ err }, 'fenced out: another breaker holds the lease'),
          onError(err) {
            if (err instanceof ReloadNeeded) return 0;
            metrics.error('batch');
            logger.error({ err }, 'breaker batch failed; reloading from Redis');
            return backoffDelay(attempt++, 100, 5_000);
          },
        },
      );
    },
    invalidate() {
      reload = true;
    },
    circuitCounts() {
      const counts = { closed: 0, open: 0, half_open: 0 };
      for (const b of breakers.values()) counts[b.state.circuit]++;
      return counts;
    },
  };
}
