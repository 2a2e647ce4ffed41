// A gateway reporting call outcomes through @beacon/client's reporter drives the circuit on its
// own (no probe anywhere), and asks the projection whether calls are permitted.
import { createOutcomeReporter, type OutcomeReporter } from '@beacon/client/node';
import { startRedis, uniquePrefix, waitFor, type RedisHandle } from '@beacon/testing';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventLog } from '@beacon/event-log';
import type { BreakerWorker } from './worker.js';
import {
  consumed,
  openLog,
  recordEvents,
  register,
  startBreakerInProcess,
  type EventRecorder,
} from './test-support.js';

describe('gateway outcomes through the reporter', () => {
  let redisServer: RedisHandle;
  let redis: Redis;
  let log: EventLog;
  let breaker: BreakerWorker;
  let events: EventRecorder;
  let reporter: OutcomeReporter;
  const prefix = uniquePrefix('brk-rep');

  beforeAll(async () => {
    redisServer = await startRedis();
    ({ redis, log } = openLog(redisServer.url, prefix));
    events = await recordEvents(log);
    breaker = await startBreakerInProcess({ url: redisServer.url, prefix });
    reporter = createOutcomeReporter({
      url: redisServer.url,
      prefix,
      gateway: 'gw-test',
      permitCacheMs: 0,
    });
  });

  afterAll(async () => {
    await reporter?.close();
    await breaker?.stop();
    await events?.close();
    redis?.disconnect();
    await redisServer?.stop();
  });

  it('opens on reported failures, half-opens on time, hands out trials, closes on success', async () => {
    const name = 'billing_mcp';
    await register(log, name, {
      consecutive_failures: 3,
      wait_open_ms: 2000,
      half_open_successes: 1,
    });
    await waitFor(() => reporter.circuitState(name).then((s) => s === 'closed'));
    expect(await reporter.isCallPermitted(name)).toBe(true);

    for (let i = 0; i < 3; i++)
      reporter.report({ mcp_name: name, outcome: 'failure', latency_ms: 12 });
    await reporter.flush();
    const opened = await events.waitForHealth(name, 'circuit_opened');
    expect(opened.data).toMatchObject({
      reason: 'consecutive_failures',
      source: 'gateway',
      consecutive_failures: 3,
      circuit_state: 'open',
      wait_ms: 2000,
    });
    expect(await redis.xlen(log.keys.probes)).toBe(0); // no probe was involved
    expect(await reporter.isCallPermitted(name)).toBe(false);

    const half = await events.waitForHealth(name, 'circuit_half_open', 1, 10_000);
    const openedAt = Date.parse(opened.timestamp);
    expect(Date.parse(half.timestamp) - openedAt).toBe(2000);
    expect(half.receivedAt - (openedAt + 2000)).toBeLessThan(1500);

    // HALF_OPEN: the default budget is 3 trials, shared through Redis.
    const permits = [];
    for (let i = 0; i < 4; i++) permits.push(await reporter.isCallPermitted(name));
    expect(permits).toEqual([true, true, true, false]);

    reporter.report({ mcp_name: name, outcome: 'success', latency_ms: 8 });
    await reporter.flush();
    const closed = await events.waitForHealth(name, 'circuit_closed');
    expect(closed.data).toMatchObject({
      reason: 'trial_successes',
      source: 'gateway',
      trial_successes: 1,
    });
    expect(await reporter.isCallPermitted(name)).toBe(true);

    const row = (await log.snapshot()).mcps.find((m) => m.name === name);
    expect(row?.circuit_state).toBe('closed');
    expect(row?.breaker?.['seq']).toBe(closed.data.breaker?.['seq']);
    expect(events.health(name).map((e) => e.event_type)).toEqual([
      'failure',
      'circuit_opened',
      'circuit_half_open',
      'circuit_closed',
    ]);
  });

  it('ignores outcomes for MCPs nobody registered, and acks them', async () => {
    reporter.report({ mcp_name: 'ghost_mcp', outcome: 'failure', latency_ms: 1 });
    await reporter.flush();
    await waitFor(() => consumed(redis, log.keys.outcomes), {
      message: 'the ghost outcome consumed and acked',
    });
    expect(events.health('ghost_mcp')).toEqual([]);
  });
});
