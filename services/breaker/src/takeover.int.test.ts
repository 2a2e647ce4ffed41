// Active/standby: a kill -9 of the active breaker while a circuit is OPEN, and a crash between
// appending a batch's events and acking its entries. Either way the log ends with every
// transition exactly once, and the OPEN wait still ends on time.
import type { EventLog } from '@beacon/event-log';
import { createLogger } from '@beacon/runtime';
import { startRedis, uniquePrefix, waitFor, type RedisHandle } from '@beacon/testing';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createFleet } from './fleet.js';
import { createLeader } from './leader.js';
import { createBreakerMetrics } from './metrics.js';
import { DEFAULTS } from './settings.js';
import { createBreakerStore, type BreakerStore } from './store.js';
import { killWhileOpen, sequence } from './takeover-scenario.js';
import {
  consumed,
  openLog,
  recordEvents,
  register,
  startBreakerInProcess,
} from './test-support.js';
import { STREAM_FIELD } from '@beacon/protocol';

describe('breaker takeover', () => {
  let redisServer: RedisHandle;
  const cleanups: (() => Promise<void> | void)[] = [];

  beforeAll(async () => {
    redisServer = await startRedis();
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  afterAll(async () => {
    await redisServer?.stop();
  });

  function setup(name: string): { prefix: string; redis: Redis; log: EventLog } {
    const prefix = uniquePrefix(name);
    const { redis, log } = openLog(redisServer.url, prefix);
    cleanups.push(() => redis.disconnect());
    return { prefix, redis, log };
  }

  it('kill -9 of the active breaker while OPEN: the standby half-opens it on time', async () => {
    await killWhileOpen(redisServer.url, setup('brk-kill'), cleanups);
  });

  it('a crash between append and ack: the next leader re-applies the batch without repeating it', async () => {
    const { prefix, redis, log } = setup('brk-crash');
    const name = 'search_mcp';
    await register(log, name, {
      consecutive_failures: 3,
      wait_open_ms: 3000,
      half_open_successes: 1,
    });
    const events = await recordEvents(log);
    cleanups.push(() => events.close());

    // Leader one: real Redis, real store, but it "dies" right after its events reached the log,
    // before the commit that saves states and acks the entries.
    const blocking = redis.duplicate();
    cleanups.push(() => blocking.disconnect());
    const store = createBreakerStore(redis, blocking, log.keys);
    const died = new AbortController();
    const crashing: BreakerStore = {
      ...store,
      async commit(token, c) {
        if (Object.values(c.acks).some((ids) => ids.length > 0)) {
          died.abort();
          throw new Error('injected crash after append, before ack');
        }
        return store.commit(token, c);
      },
    };
    const fleet = createFleet();
    const sub = await log.subscribe({
      onSnapshot: (s) => fleet.reset(s.mcps, s.offset),
      onEvent: (e) => fleet.apply(e),
    });
    cleanups.push(() => sub.close());
    const leaderOne = createLeader({
      log,
      store: crashing,
      fleet,
      defaults: DEFAULTS,
      options: { batch: 100, blockMs: 50, commandTtlMs: 60_000 },
      logger: createLogger({ name: 'leader-one', level: 'silent' }),
      metrics: createBreakerMetrics(),
    });
    const lease = log.lease('breaker', { ttlMs: 1000, holder: 'one' });
    const fence = await lease.tryAcquire();
    expect(fence).not.toBeNull();
    const running = leaderOne.run(fence!, died.signal);

    // One transaction, so the three arrive in one batch.
    const tx = redis.multi();
    for (let i = 0; i < 3; i++) {
      const o = { mcp_name: name, outcome: 'failure', latency_ms: 5, at: Date.now() };
      tx.xadd(log.keys.outcomes, '*', STREAM_FIELD.outcome, JSON.stringify(o));
    }
    await tx.exec();
    await running;
    expect(died.signal.aborted).toBe(true);
    const opened = await events.waitForHealth(name, 'circuit_opened');
    expect((await redis.xpending(log.keys.outcomes, 'breaker'))[0]).toBe(3);
    expect(await redis.hget(log.keys.state('breaker'), name)).toBeNull();
    await lease.stop(); // as if its lease had expired

    // Leader two: the real worker. It re-reads the three unacked outcomes and must not append
    // `failure` / `circuit_opened` again, yet must know the circuit is OPEN until the same time.
    const breaker = await startBreakerInProcess({ url: redisServer.url, prefix });
    cleanups.push(() => breaker.stop());
    await waitFor(() => consumed(redis, log.keys.outcomes), {
      message: 'batch re-applied and acked',
    });
    const half = await events.waitForHealth(name, 'circuit_half_open', 1, 10_000);
    expect(half.timestamp).toBe(String(opened.data['open_until']));
    expect(sequence(events, name)).toEqual([
      ['failure', 1],
      ['circuit_opened', 2],
      ['circuit_half_open', 3],
    ]);
    const metrics = await fetch(`http://127.0.0.1:${breaker.port}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/beacon_breaker_recovery_total\{what="suppressed"\} 2/);
  });
});
