// The same breaker against a local 3-master Redis Cluster: the three input streams, the state
// hash, the due set and the lease share one hash tag, so multi-stream XREADGROUP and the commit
// script run unchanged; the reporter's pipelined XADDs and trial-permit script too.
import { createOutcomeReporter, type OutcomeReporter } from '@beacon/client/node';
import { createEventLog, type EventLog } from '@beacon/event-log';
import { createLogger, createRedis, type RedisClient } from '@beacon/runtime';
import { startRedisCluster, uniquePrefix, type RedisClusterHandle } from '@beacon/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BreakerWorker } from './worker.js';
import {
  recordEvents,
  register,
  startBreakerInProcess,
  type EventRecorder,
} from './test-support.js';

describe('breaker on Redis Cluster', () => {
  let cluster: RedisClusterHandle;
  let redis: RedisClient;
  let log: EventLog;
  let breaker: BreakerWorker;
  let events: EventRecorder;
  let reporter: OutcomeReporter;
  const prefix = uniquePrefix('brk-cl');

  beforeAll(async () => {
    cluster = await startRedisCluster({ masters: 3 });
    const config = { REDIS_URL: cluster.urls, BEACON_REDIS_MODE: 'cluster' as const };
    redis = createRedis(config, 'test', createLogger({ name: 'test', level: 'silent' }));
    log = createEventLog(redis, { prefix });
    events = await recordEvents(log);
    breaker = await startBreakerInProcess({
      url: cluster.urls,
      prefix,
      env: { BEACON_REDIS_MODE: 'cluster' },
    });
    reporter = createOutcomeReporter({ redis, prefix, permitCacheMs: 0 });
  });

  afterAll(async () => {
    await reporter?.close();
    await breaker?.stop();
    await events?.close();
    await redis?.quit();
    await cluster?.stop();
  });

  it('opens, half-opens on time, hands out trials and closes', async () => {
    const name = 'billing_mcp';
    await register(log, name, {
      consecutive_failures: 2,
      wait_open_ms: 1000,
      half_open_successes: 1,
    });
    for (let i = 0; i < 2; i++)
      reporter.report({ mcp_name: name, outcome: 'failure', latency_ms: 4 });
    await reporter.flush();
    const opened = await events.waitForHealth(name, 'circuit_opened');
    expect(await reporter.isCallPermitted(name)).toBe(false);
    const half = await events.waitForHealth(name, 'circuit_half_open');
    expect(Date.parse(half.timestamp) - Date.parse(opened.timestamp)).toBe(1000);
    expect(await reporter.isCallPermitted(name)).toBe(true);
    reporter.report({ mcp_name: name, outcome: 'success', latency_ms: 4 });
    await reporter.flush();
    await events.waitForHealth(name, 'circuit_closed');
    expect(events.health(name).map((e) => e.data.breaker?.['seq'])).toEqual([1, 2, 3, 4]);
  });
});
