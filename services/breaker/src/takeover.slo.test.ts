// Wall-clock budget of the breaker takeover (opt-in: `pnpm test:slo`): after kill -9 of the active
// breaker, the standby half-opens the circuit within 1 s of its due time. takeover.int.test.ts
// keeps what happens, in order.
import { startRedis, uniquePrefix, type RedisHandle } from '@beacon/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { killWhileOpen } from './takeover-scenario.js';
import { openLog } from './test-support.js';

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

  it('kill -9 of the active breaker while OPEN: the standby half-opens it on time', async () => {
    const prefix = uniquePrefix('brk-kill-slo');
    const { redis, log } = openLog(redisServer.url, prefix);
    cleanups.push(() => redis.disconnect());
    const { halfOpenLagMs } = await killWhileOpen(
      redisServer.url,
      { prefix, redis, log },
      cleanups,
    );
    expect(halfOpenLagMs).toBeLessThan(1000);
  });
});
