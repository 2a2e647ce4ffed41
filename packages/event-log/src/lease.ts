// Leases elect one active writer per worker role. The token (a Redis counter + holder id) is the
// fence: the append script refuses events whose token no longer holds the lease, so a paused or
// partitioned ex-leader can never write after a standby took over.
import { randomUUID } from 'node:crypto';
import type { Keyspace } from '@beacon/protocol';
import type { Logger } from 'pino';
import { LEASE_ACQUIRE, LEASE_RELEASE } from './scripts.js';
import type { Fence, Lease, LeaseOptions, RedisClient } from './types.js';

interface LeaseCommands {
  beaconLeaseAcquire(
    lease: string,
    fence: string,
    token: string,
    ttl: string,
    holder: string,
  ): Promise<string | null>;
  beaconLeaseRelease(lease: string, token: string): Promise<number>;
}

export function createLease(
  redis: RedisClient,
  keys: Keyspace,
  role: string,
  options: LeaseOptions = {},
  logger?: Logger,
): Lease {
  const ttlMs = options.ttlMs ?? 5_000;
  const holder = (options.holder ?? randomUUID()).replace(/[^A-Za-z0-9_.:-]/g, '_');
  const r = redis as RedisClient & Partial<LeaseCommands>;
  if (r.beaconLeaseAcquire === undefined) {
    redis.defineCommand('beaconLeaseAcquire', { numberOfKeys: 2, lua: LEASE_ACQUIRE });
    redis.defineCommand('beaconLeaseRelease', { numberOfKeys: 1, lua: LEASE_RELEASE });
  }
  const cmds = redis as unknown as LeaseCommands;
  const log = logger?.child({ component: 'lease', role, holder });
  let fence: Fence | null = null;
  let stopped = false;
  let loop: Promise<void> | null = null;
  let wake: (() => void) | null = null;

  async function tryAcquire(): Promise<Fence | null> {
    const token = await cmds.beaconLeaseAcquire(
      keys.lease(role),
      keys.fence(role),
      fence?.token ?? '',
      String(ttlMs),
      holder,
    );
    fence = token ? { role, token } : null;
    return fence;
  }

  const pause = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(t);
        resolve();
      };
    });

  function campaign(callbacks: Parameters<Lease['campaign']>[0]): void {
    if (loop !== null) throw new Error(`lease ${role}: campaign already running`);
    loop = (async () => {
      let held: { fence: Fence; abort: AbortController; since: number } | null = null;
      const lose = async (): Promise<void> => {
        if (held === null) return;
        const lost = held;
        held = null;
        lost.abort.abort();
        log?.warn({ token: lost.fence.token }, 'lease lost');
        await callbacks.onLost?.(lost.fence);
      };
      while (!stopped) {
        let got: Fence | null = null;
        const attemptAt = Date.now();
        try {
          got = await tryAcquire();
        } catch (err) {
          log?.warn({ err }, 'lease attempt failed');
          // Without a confirmed renewal we must assume the lease may expire: give it up once the
          // time since our last successful renewal nears the ttl.
          if (held !== null && Date.now() - held.since > ttlMs * 0.8) await lose();
        }
        if (got !== null) {
          if (held !== null && held.fence.token !== got.token) await lose();
          if (held === null) {
            held = { fence: got, abort: new AbortController(), since: attemptAt };
            log?.info({ token: got.token }, 'lease acquired');
            // Not awaited: renewals must keep their rhythm while the leader starts its work.
            const signal = held.abort.signal;
            void Promise.resolve()
              .then(() => callbacks.onAcquired(got, signal))
              .catch((err: unknown) => log?.error({ err }, 'onAcquired failed'));
          } else {
            held.since = attemptAt;
          }
        } else if (held !== null) {
          await lose();
        }
        if (!stopped) await pause(held !== null ? Math.floor(ttlMs / 3) : Math.floor(ttlMs / 4));
      }
      if (held !== null) {
        const h: { fence: Fence; abort: AbortController } = held;
        h.abort.abort();
        await callbacks.onLost?.(h.fence);
      }
    })();
  }

  async function stop(): Promise<void> {
    stopped = true;
    wake?.();
    await loop;
    const f = fence;
    fence = null;
    if (f !== null) {
      await cmds.beaconLeaseRelease(keys.lease(role), f.token).catch((err: unknown) => {
        log?.warn({ err }, 'lease release failed');
      });
    }
  }

  return {
    get fence() {
      return fence;
    },
    tryAcquire,
    campaign,
    stop,
  };
}
