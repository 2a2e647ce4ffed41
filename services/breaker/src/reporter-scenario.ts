// The gateway-reporter scenario, shared by reporter.int.test.ts (what happens, in order) and
// reporter.slo.test.ts (how late the circuit half-opens): a private Redis, an in-process breaker
// and a reporter. Test-only.
import { createOutcomeReporter, type OutcomeReporter } from '@beacon/client/node';
import type { EventLog } from '@beacon/event-log';
import { startRedis, waitFor, type RedisHandle } from '@beacon/testing';
import type { Redis } from 'ioredis';
import { expect } from 'vitest';
import {
  openLog,
  recordEvents,
  register,
  startBreakerInProcess,
  type EventRecorder,
} from './test-support.js';
import type { BreakerWorker } from './worker.js';

export interface ReporterBed {
  readonly redis: Redis;
  readonly log: EventLog;
  readonly events: EventRecorder;
  readonly reporter: OutcomeReporter;
  stop(): Promise<void>;
}

export async function startReporterBed(prefix: string): Promise<ReporterBed> {
  const redisServer: RedisHandle = await startRedis();
  const { redis, log } = openLog(redisServer.url, prefix);
  const events = await recordEvents(log);
  const breaker: BreakerWorker = await startBreakerInProcess({ url: redisServer.url, prefix });
  const reporter = createOutcomeReporter({
    url: redisServer.url,
    prefix,
    gateway: 'gw-test',
    permitCacheMs: 0,
  });
  return {
    redis,
    log,
    events,
    reporter,
    async stop() {
      await reporter.close();
      await breaker.stop();
      await events.close();
      redis.disconnect();
      await redisServer.stop();
    },
  };
}

/**
 * Reported failures open the circuit, it half-opens at its due time, hands out the trial budget
 * and closes on a success; asserts all of that and returns how late the half-open came.
 */
export async function opensHalfOpensCloses(
  { log, events, reporter, redis }: ReporterBed,
  name = 'billing_mcp',
): Promise<{ halfOpenLagMs: number }> {
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
  // How late it half-opens after its due time is a budget: reporter.slo.test.ts.
  const halfOpenLagMs = half.receivedAt - (openedAt + 2000);

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
  return { halfOpenLagMs };
}
