// The whole probe path, with nothing simulated: a real MCP server (streamable HTTP) with a fault
// switch, the real registry process probing it over MCP and publishing probe results, and the
// breaker turning those into circuit transitions in the log. Shared by probes.int.test.ts (what
// happens, in order) and probes.slo.test.ts (how fast). Test-only.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventLog } from '@beacon/event-log';
import { startMcpTestServer, startRedis, startRegistryProcess, waitFor } from '@beacon/testing';
import type { Redis } from 'ioredis';
import { expect } from 'vitest';
import {
  openLog,
  recordEvents,
  startBreakerInProcess,
  type EventRecorder,
} from './test-support.js';

export const PROBE_MS = 300;

export interface ProbeBed {
  readonly redis: Redis;
  readonly log: EventLog;
  readonly events: EventRecorder;
  readonly mcp: Awaited<ReturnType<typeof startMcpTestServer>>;
  readonly name: string;
  stop(): Promise<void>;
}

export async function startProbeBed(prefix: string, name = 'billing_mcp'): Promise<ProbeBed> {
  const redisServer = await startRedis();
  const { redis, log } = openLog(redisServer.url, prefix);
  const events = await recordEvents(log);
  const mcp = await startMcpTestServer({ name, fault: 'ok' });
  const dir = await mkdtemp(join(tmpdir(), 'beacon-breaker-'));
  const fleetFile = join(dir, 'fleet.json');
  await writeFile(
    fleetFile,
    JSON.stringify([
      {
        name,
        transport: { type: 'streamable-http', url: mcp.url },
        probe_interval_ms: PROBE_MS,
        timeout_ms: 250,
        // Keep probing while failing: auto-disable would pause probes on a backoff.
        failure_cycles_to_disable: 1000,
        breaker: { consecutive_failures: 3, wait_open_ms: 2000, half_open_successes: 1 },
      },
    ]),
  );
  const breaker = await startBreakerInProcess({ url: redisServer.url, prefix });
  const registry = await startRegistryProcess(redisServer.url, prefix, {
    BEACON_FLEET_FILE: fleetFile,
  });
  return {
    redis,
    log,
    events,
    mcp,
    name,
    async stop() {
      await registry.kill('SIGTERM');
      await breaker.stop();
      await events.close();
      await mcp.close();
      redis.disconnect();
      await redisServer.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A failing MCP opens, half-opens at its due time and closes on a good probe; asserts all of that
 * and returns how long each step took.
 */
export async function probePath({ redis, log, events, mcp, name }: ProbeBed): Promise<{
  openedAfterMs: number;
  halfOpenLagMs: number;
  closedAfterMs: number;
}> {
  await waitFor(
    async () =>
      (await log.snapshot()).mcps.find((m) => m.name === name)?.health_status === 'healthy',
    { timeoutMs: 20_000, message: `${name} healthy` },
  );
  const faultAt = Date.now();
  await mcp.setFault('error');

  // Three failed probes in a row: about three probe intervals after the fault.
  const opened = await events.waitForHealth(name, 'circuit_opened', 1, 15_000);
  expect(opened.data).toMatchObject({
    reason: 'consecutive_failures',
    source: 'probe',
    consecutive_failures: 3,
    wait_ms: 2000,
  });
  const openedAfterMs = opened.receivedAt - faultAt;
  await mcp.setFault('ok');

  const half = await events.waitForHealth(name, 'circuit_half_open', 1, 10_000);
  const dueAt = Date.parse(opened.timestamp) + 2000;
  expect(Date.parse(half.timestamp)).toBe(dueAt);
  const halfOpenLagMs = half.receivedAt - dueAt;

  const closed = await events.waitForHealth(name, 'circuit_closed', 1, 10_000);
  expect(closed.data).toMatchObject({ reason: 'trial_successes', source: 'probe' });
  const closedAfterMs = closed.receivedAt - half.receivedAt;

  console.info(
    `probe path: opened ${opened.receivedAt - faultAt} ms after the fault; ` +
      `half-open ${half.receivedAt - dueAt} ms after its due time; ` +
      `closed ${closed.receivedAt - half.receivedAt} ms after half-open`,
  );
  expect(await redis.xlen(log.keys.outcomes)).toBe(0); // probes only, no gateway
  expect(await redis.xlen(log.keys.probes)).toBeGreaterThan(4);
  const transitions = events
    .health(name)
    .map((e) => e.event_type)
    .filter((t) => t.startsWith('circuit_'));
  expect(transitions).toEqual(['circuit_opened', 'circuit_half_open', 'circuit_closed']);
  await waitFor(
    async () =>
      (await log.snapshot()).mcps.find((m) => m.name === name)?.circuit_state === 'closed',
    { message: 'projection shows the circuit closed' },
  );
  return { openedAfterMs, halfOpenLagMs, closedAfterMs };
}
