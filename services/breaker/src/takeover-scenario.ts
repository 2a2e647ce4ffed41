// kill -9 of the active breaker while a circuit is OPEN, shared by takeover.int.test.ts (what
// happens, in order) and takeover.slo.test.ts (how late the standby half-opens). Test-only.
import { createOutcomeReporter } from '@beacon/client/node';
import type { EventLog } from '@beacon/event-log';
import { waitFor, type ProcessHandle } from '@beacon/testing';
import type { Redis } from 'ioredis';
import { expect } from 'vitest';
import { recordEvents, register, startBreakerProcess, type EventRecorder } from './test-support.js';

/** Transitions of one MCP as [event_type, seq], to compare whole sequences. */
export const sequence = (events: EventRecorder, name: string) =>
  events.health(name).map((e) => [e.event_type, e.data.breaker?.['seq']]);

/**
 * Two breaker processes; the leader dies by SIGKILL while a circuit is OPEN; the standby
 * half-opens it at its due time and carries on. Asserts all of that and returns how late the
 * half-open came after the due time.
 */
export async function killWhileOpen(
  redisUrl: string,
  { prefix, redis, log }: { prefix: string; redis: Redis; log: EventLog },
  cleanups: (() => Promise<void> | void)[],
): Promise<{ halfOpenLagMs: number }> {
  const name = 'payments_mcp';
  await register(log, name, {
    consecutive_failures: 3,
    wait_open_ms: 4000,
    half_open_successes: 1,
  });
  const events = await recordEvents(log);
  cleanups.push(() => events.close());

  const procs = new Map<string, ProcessHandle>();
  for (const id of ['brk-a', 'brk-b']) {
    const p = await startBreakerProcess({ url: redisUrl, prefix, id });
    procs.set(id, p);
    cleanups.push(async () => {
      if (p.running) await p.kill('SIGTERM');
    });
  }
  const leaderId = await waitFor(async () => {
    const token = await redis.get(log.keys.lease('breaker'));
    return token?.slice(token.indexOf(':') + 1);
  });
  const standbyId = leaderId === 'brk-a' ? 'brk-b' : 'brk-a';

  const reporter = createOutcomeReporter({ redis, prefix, permitCacheMs: 0 });
  for (let i = 0; i < 3; i++)
    reporter.report({ mcp_name: name, outcome: 'timeout', latency_ms: 900 });
  await reporter.flush();
  const opened = await events.waitForHealth(name, 'circuit_opened');
  const dueAt = Date.parse(String(opened.data['open_until']));
  expect(dueAt - Date.parse(opened.timestamp)).toBe(4000);
  // The due time is in Redis, not only in the dying process.
  expect(Number(await redis.zscore(log.keys.due('breaker'), name))).toBe(dueAt);

  const leader = procs.get(leaderId);
  const exit = await leader?.kill('SIGKILL');
  expect(exit?.signal).toBe('SIGKILL');
  const killedAt = Date.now();
  expect(killedAt).toBeLessThan(dueAt - 1500); // the wait is still running when it dies

  const half = await events.waitForHealth(name, 'circuit_half_open', 1, 15_000);
  expect(Date.parse(half.timestamp)).toBe(dueAt);
  const halfOpenLagMs = half.receivedAt - dueAt; // a budget: takeover.slo.test.ts
  const holder = await redis.get(log.keys.lease('breaker'));
  expect(holder?.endsWith(`:${standbyId}`)).toBe(true);

  // The standby carries on: a successful trial closes the circuit.
  expect(await reporter.isCallPermitted(name)).toBe(true);
  reporter.report({ mcp_name: name, outcome: 'success', latency_ms: 20 });
  await reporter.flush();
  await events.waitForHealth(name, 'circuit_closed');
  await reporter.close();
  expect(sequence(events, name)).toEqual([
    ['failure', 1],
    ['circuit_opened', 2],
    ['circuit_half_open', 3],
    ['circuit_closed', 4],
  ]);

  // SIGTERM: a clean exit that hands the lease back at once.
  const stopped = await procs.get(standbyId)?.kill('SIGTERM');
  expect(stopped?.code).toBe(0);
  expect(await redis.get(log.keys.lease('breaker'))).toBeNull();
  return { halfOpenLagMs };
}
