// Periodically writes this edge's figures to Redis (a TTL'd key per edge plus a field in the
// edges hash), so the registry's system_metrics can count live edges and clients fleet-wide.
// A change in the connection count is written soon (nudge) rather than at the next interval:
// otherwise a page that just connected reads "0 connections" for up to a whole interval.
import type { RedisClient } from '@beacon/event-log';
import type { EdgeHeartbeat, Keyspace } from '@beacon/protocol';
import type { Logger } from 'pino';

/** The figures of one heartbeat (the contract `EdgeHeartbeat` in @beacon/protocol), less `at`. */
export type EdgeFigures = Readonly<Omit<EdgeHeartbeat, 'at'>>;

/** Delay of a nudged heartbeat: coalesces the connects and closes of a burst into one write. */
const NUDGE_MS = 250;

export interface Heartbeat {
  start(): void;
  /** The figures changed (a client connected or left): write them within NUDGE_MS. */
  nudge(): void;
  /** Stop beating and remove this edge's entries. */
  stop(): Promise<void>;
  beat(): Promise<void>;
}

export function createHeartbeat(options: {
  readonly redis: RedisClient;
  readonly keys: Keyspace;
  readonly id: string;
  readonly intervalMs: number;
  readonly figures: () => EdgeFigures;
  readonly logger: Logger;
}): Heartbeat {
  const { redis, keys, id, intervalMs } = options;
  const log = options.logger.child({ component: 'heartbeat' });
  const ttlMs = intervalMs * 3;
  let timer: NodeJS.Timeout | null = null;
  let soon: NodeJS.Timeout | null = null;
  let running = false;
  let inFlight: Promise<void> = Promise.resolve();
  let failing = false;

  async function write(): Promise<void> {
    const beat: EdgeHeartbeat = { ...options.figures(), at: new Date().toISOString() };
    const value = JSON.stringify(beat);
    try {
      await redis.multi().set(keys.edge(id), value, 'PX', ttlMs).hset(keys.edges, id, value).exec();
      if (failing) log.info('heartbeat written again');
      failing = false;
    } catch (err) {
      if (!failing) log.warn({ err }, 'heartbeat failed');
      failing = true;
    }
  }

  function beat(): Promise<void> {
    // One write at a time, in order, so stop() can wait for the last one before deleting.
    inFlight = inFlight.then(write);
    return inFlight;
  }

  return {
    beat,
    start() {
      if (timer !== null) return;
      running = true;
      void beat();
      timer = setInterval(() => void beat(), intervalMs);
      timer.unref();
    },
    nudge() {
      // At most one extra write per NUDGE_MS whatever the churn (a reconnect storm included).
      if (!running || soon !== null) return;
      soon = setTimeout(
        () => {
          soon = null;
          if (running) void beat();
        },
        Math.min(NUDGE_MS, intervalMs),
      );
      soon.unref();
    },
    async stop() {
      running = false;
      if (timer !== null) clearInterval(timer);
      if (soon !== null) clearTimeout(soon);
      timer = null;
      soon = null;
      // A write still in flight would otherwise bring the entries back after the delete.
      await inFlight;
      try {
        await redis.multi().del(keys.edge(id)).hdel(keys.edges, id).exec();
      } catch (err) {
        log.warn({ err }, 'could not remove heartbeat');
      }
    },
  };
}
