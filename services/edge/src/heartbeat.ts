// Periodically writes this edge's figures to Redis (a TTL'd key per edge plus a field in the
// edges hash), so the registry's system_metrics can count live edges and clients fleet-wide.
import type { RedisClient } from '@beacon/event-log';
import type { Keyspace } from '@beacon/protocol';
import type { Logger } from 'pino';

export interface EdgeFigures {
  readonly id: string;
  readonly connections: number;
  readonly messages_out: number;
  readonly bytes_out: number;
  readonly drops: number;
  readonly ready: boolean;
  readonly started_at: string;
}

export interface Heartbeat {
  start(): void;
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
  let failing = false;

  async function beat(): Promise<void> {
    const value = JSON.stringify({ ...options.figures(), at: new Date().toISOString() });
    try {
      await redis.multi().set(keys.edge(id), value, 'PX', ttlMs).hset(keys.edges, id, value).exec();
      if (failing) log.info('heartbeat written again');
      failing = false;
    } catch (err) {
      if (!failing) log.warn({ err }, 'heartbeat failed');
      failing = true;
    }
  }

  return {
    beat,
    start() {
      if (timer !== null) return;
      void beat();
      timer = setInterval(() => void beat(), intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer !== null) clearInterval(timer);
      timer = null;
      try {
        await redis.multi().del(keys.edge(id)).hdel(keys.edges, id).exec();
      } catch (err) {
        log.warn({ err }, 'could not remove heartbeat');
      }
    },
  };
}
