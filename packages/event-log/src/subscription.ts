// Live subscription: subscribe first, then snapshot (or resume), then deliver every later event
// exactly once, in order. Each bus message names its predecessor; a mismatch means a hole (e.g.
// messages lost while the subscriber connection was down), which is filled from the stream
// before anything newer is delivered. When the hole cannot be filled (trimmed, or a new epoch),
// the handler gets a fresh snapshot instead.
//
// The bus is not authenticated: anyone who can PUBLISH on it can send `{o, p, e}` with `p` equal
// to our offset. Checking every message against the stream would cost a round trip per event,
// so trust is layered instead (see README, Security):
// - `verified` is the newest offset known to be in the stream (snapshot, XRANGE, head). Events
//   from the bus move `offset` on; they are proven later, by the chain or by the head.
// - An offset implausibly far ahead (its ms part more than `maxAheadMs` past both the local clock
//   and `verified`) is looked up by exact id before delivery; absent → dropped (onInvalid).
// - Redis publishes a message once, and every duplicate of a stream/snapshot event is at or
//   below `verified`: a message at or below `offset` but above `verified` contradicts what the
//   bus told us, so it triggers a repair, which finds a delivered offset past the log's head (or
//   off the chain) and resynchronises from the snapshot, dropping the forged state.
import {
  BeaconError,
  backoffDelay,
  CommandResult,
  ProbeDigestMessage,
  SystemMetricsMessage,
  compareOffsets,
  type StoredEvent,
} from '@beacon/protocol';
import { sleep } from '@beacon/runtime';
import type { Cluster } from 'ioredis';
import type { Logger } from 'pino';
import { z } from 'zod';
import { decodeBus } from './codec.js';
import type {
  EventLog,
  RedisClient,
  SideMessage,
  SubscribeOptions,
  Subscription,
  SubscriptionHandler,
  SubscriptionState,
} from './types.js';

const SideSchema = z.discriminatedUnion('type', [
  SystemMetricsMessage,
  CommandResult,
  ProbeDigestMessage,
]);

type Task = { readonly kind: 'bus'; readonly raw: string } | { readonly kind: 'catchup' };

export interface InternalSubscribeOptions extends SubscribeOptions {
  readonly sharded: boolean;
  readonly logger?: Logger | undefined;
  /** How often to compare our offset with the log head when idle (safety net). Default 10 s. */
  readonly checkIntervalMs?: number;
  /** Bus offsets further ahead than this (of the clock and of `verified`) are checked first. */
  readonly maxAheadMs?: number;
}

/** Default for `maxAheadMs`: well above clock skew between Redis and its subscribers. */
export const MAX_AHEAD_MS = 10_000;

/** The ms part of a validated offset (precise enough to compare with Date.now()). */
const msOf = (offset: string): number => Number(offset.slice(0, offset.indexOf('-')));

function openSubscriber(redis: RedisClient, sharded: boolean): RedisClient {
  if (sharded) return (redis as Cluster).duplicate(undefined, { shardedSubscribers: true });
  return redis.duplicate();
}

export async function createSubscription(
  log: EventLog,
  handler: SubscriptionHandler,
  options: InternalSubscribeOptions,
): Promise<Subscription> {
  const logger = options.logger?.child({ component: 'subscription' });
  const ownSubscriber = options.subscriber === undefined;
  const sub = options.subscriber ?? openSubscriber(log.redis, options.sharded);
  const { live, side } = log.keys;
  const queue: Task[] = [];
  let epoch = '';
  let offset = '';
  /** Newest offset known to be in the stream; `offset` may run ahead of it with bus events. */
  let verified = '';
  const maxAheadMs = options.maxAheadMs ?? MAX_AHEAD_MS;
  let state: SubscriptionState = 'connecting';
  let synced = false;
  let closed = false;
  let pumping: Promise<void> | null = null;

  const setState = (next: SubscriptionState): void => {
    if (state === next || state === 'closed') return;
    state = next;
    safely(() => handler.onState?.(next));
  };

  function safely(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      logger?.error({ err }, 'subscription handler threw');
    }
  }

  function deliver(event: StoredEvent, fromStream: boolean): void {
    offset = event.offset;
    if (fromStream) verified = event.offset;
    safely(() => handler.onEvent(event));
  }

  async function resync(reason: 'initial' | 'epoch_changed' | 'gap_unrepairable'): Promise<void> {
    const snap = await log.snapshot();
    epoch = snap.epoch;
    offset = snap.offset;
    verified = snap.offset;
    if (reason !== 'initial')
      logger?.warn({ reason, offset, epoch }, 'resynchronised from snapshot');
    safely(() => handler.onSnapshot(snap, reason));
  }

  /**
   * Deliver every event after `offset` (and before `before`, when given) from the stream.
   * Retries until Redis answers or the subscription closes.
   */
  async function repair(before?: string): Promise<void> {
    for (let attempt = 0; !closed; attempt++) {
      try {
        setState('repairing');
        const head = await log.head();
        if (head.epoch !== epoch) {
          await resync('epoch_changed');
          setState('live');
          return;
        }
        // Append moves the head before it publishes, so a real delivered offset is never past
        // it: ours came from a forged bus message. The snapshot replaces what it told us.
        if (compareOffsets(offset, head.offset) > 0) {
          logger?.warn(
            { offset, head: head.offset },
            'delivered offset is not in the stream (forged bus message?)',
          );
          await resync('gap_unrepairable');
          setState('live');
          return;
        }
        if (offset === head.offset) verified = offset;
        const from = offset;
        let repaired = 0;
        const range = before === undefined ? {} : { until: before };
        for await (const event of log.history(offset, { batch: 1000, ...range })) {
          if (closed) return;
          if (event.prev !== offset) {
            await resync('gap_unrepairable');
            setState('live');
            return;
          }
          deliver(event, true);
          repaired++;
        }
        if (repaired > 0) {
          logger?.info({ after: from, repaired }, 'gap repaired from stream');
          safely(() => handler.onGap?.({ after: from, before: before ?? head.offset, repaired }));
        }
        setState('live');
        return;
      } catch (err) {
        logger?.warn({ err, attempt }, 'repair failed; retrying');
        await sleep(backoffDelay(attempt, 50, 2_000));
      }
    }
  }

  async function handleBus(raw: string): Promise<void> {
    let event: StoredEvent;
    try {
      event = decodeBus(raw);
    } catch (err) {
      // The handler counts and logs (throttled); without one, say it here.
      if (handler.onInvalid === undefined) {
        logger?.warn({ err, raw: raw.slice(0, 200) }, 'dropped invalid bus message');
      }
      safely(() => handler.onInvalid?.(raw, err as Error));
      return;
    }
    if (compareOffsets(event.offset, offset) <= 0) {
      // At or below `verified`: already delivered from the stream or in the snapshot. Above it,
      // only a forged or replayed message can be a duplicate: check our offset with the stream.
      if (compareOffsets(event.offset, verified) > 0) await repair();
      return;
    }
    if (msOf(event.offset) > Math.max(Date.now(), msOf(verified)) + maxAheadMs) {
      // Implausibly far ahead: take whatever the stream has after us instead (a real event was
      // appended before it was published, so the stream has it). Rare, so the round trip is ok.
      await repair();
      if (compareOffsets(event.offset, offset) > 0) {
        const err = new BeaconError('invalid', `bus event at ${event.offset} is not in the stream`);
        if (handler.onInvalid === undefined) {
          logger?.warn({ err, offset: event.offset }, 'dropped bus event not in the stream');
        }
        safely(() => handler.onInvalid?.(raw, err));
      }
      return;
    }
    if (event.prev !== offset) {
      await repair(event.offset);
      if (compareOffsets(event.offset, offset) <= 0) return;
      if (event.prev !== offset) {
        await resync('gap_unrepairable');
        if (compareOffsets(event.offset, offset) <= 0) return;
      }
    }
    deliver(event, false);
  }

  function pump(): void {
    if (pumping !== null || !synced || closed) return;
    pumping = (async () => {
      while (queue.length > 0 && !closed) {
        const task = queue.shift() as Task;
        if (task.kind === 'bus') await handleBus(task.raw);
        else await repair();
      }
    })()
      .catch((err: unknown) => logger?.error({ err }, 'subscription pump failed'))
      .finally(() => {
        pumping = null;
        if (queue.length > 0) pump();
      });
  }

  function onSide(raw: string): void {
    let message: SideMessage;
    try {
      message = SideSchema.parse(JSON.parse(raw));
    } catch (err) {
      safely(() => handler.onInvalid?.(raw, err as Error));
      return;
    }
    safely(() => handler.onSide?.(message));
  }

  const onMessage = (channel: string, raw: string): void => {
    if (closed) return;
    if (channel === live) {
      queue.push({ kind: 'bus', raw });
      pump();
    } else if (channel === side) {
      onSide(raw);
    }
  };

  sub.on(options.sharded ? 'smessage' : 'message', onMessage);
  sub.on('error', (err: Error) => logger?.warn({ err }, 'subscriber connection error'));
  sub.on('close', () => {
    if (!closed && synced) setState('down');
  });
  // After a reconnect ioredis resubscribes by itself; events published meanwhile were lost on the
  // wire, so compare with the head at once rather than waiting for the next event to show a hole.
  sub.on('ready', () => {
    if (closed || !synced) return;
    queue.push({ kind: 'catchup' });
    pump();
  });

  if (options.sharded) await (sub as Cluster).ssubscribe(live, side);
  else await sub.subscribe(live, side);

  try {
    const after = options.after;
    if (after === undefined) {
      await resync('initial');
    } else {
      const head = await log.head();
      if (head.epoch !== after.epoch || compareOffsets(after.offset, head.offset) > 0) {
        await resync(head.epoch !== after.epoch ? 'epoch_changed' : 'gap_unrepairable');
      } else {
        epoch = after.epoch;
        offset = after.offset;
        // At or below the head; the catch-up below checks that it is on the chain.
        verified = after.offset;
        queue.unshift({ kind: 'catchup' });
      }
    }
  } catch (err) {
    closed = true;
    if (ownSubscriber) sub.disconnect();
    throw err;
  }
  synced = true;
  setState('live');
  pump();

  const interval = setInterval(() => {
    if (queue.length === 0 && pumping === null) {
      safely(() => handler.onCheck?.());
      queue.push({ kind: 'catchup' });
      pump();
    }
  }, options.checkIntervalMs ?? 10_000);
  interval.unref();

  return {
    get offset() {
      return offset;
    },
    get epoch() {
      return epoch;
    },
    get state() {
      return state;
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(interval);
      setState('closed');
      state = 'closed';
      sub.removeListener(options.sharded ? 'smessage' : 'message', onMessage);
      await pumping;
      if (ownSubscriber) {
        await sub.quit().catch(() => sub.disconnect());
      } else if (options.sharded) {
        await (sub as Cluster).sunsubscribe(live, side).catch(() => undefined);
      } else {
        await sub.unsubscribe(live, side).catch(() => undefined);
      }
    },
  };
}
