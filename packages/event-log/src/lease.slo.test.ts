// Wall-clock budget for lease handover (opt-in: `pnpm test:slo`), on a single Redis and a 3-master
// cluster like event-log.int.test.ts, which keeps the ordering.
import { startRedis, startRedisCluster, uniquePrefix } from '@beacon/testing';
import { Cluster, Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createEventLog } from './index.js';
import { leaseHandover } from './test-support.js';
import type { RedisClient } from './types.js';

async function handoverOn(client: RedisClient): Promise<void> {
  client.on('error', () => undefined);
  try {
    const log = createEventLog(client, { prefix: uniquePrefix('el-slo') });
    const { leaders, handoverMs } = await leaseHandover(log, 600);
    expect(leaders).toEqual(['a', 'b']);
    expect(handoverMs).toBeLessThan(600);
  } finally {
    await client.quit().catch(() => client.disconnect());
  }
}

describe('event log lease', () => {
  it('hands leadership over within one lease period when the leader stops (single Redis)', async () => {
    const redis = await startRedis();
    try {
      await handoverOn(new Redis(redis.url, { maxRetriesPerRequest: null }));
    } finally {
      await redis.stop();
    }
  });

  it('hands leadership over within one lease period when the leader stops (3-master cluster)', async () => {
    const cluster = await startRedisCluster({ masters: 3 });
    try {
      await handoverOn(
        new Cluster([...cluster.nodes], { redisOptions: { maxRetriesPerRequest: null } }),
      );
    } finally {
      await cluster.stop();
    }
  });
});
