// Admin commands on the breaker command stream (answered on the side channel), bad entries on
// every input stream (dropped, counted, acked: never a crash, never a stuck group), and breaker
// settings changed by an mcp_updated event.
import { PROCESS_METRICS } from '@beacon/runtime';
import type { EventLog } from '@beacon/event-log';
import type { BreakerCommand } from '@beacon/protocol';
import { STREAM_FIELD } from '@beacon/protocol';
import { startRedis, uniquePrefix, waitFor, type RedisHandle } from '@beacon/testing';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BreakerWorker } from './worker.js';
import {
  consumed,
  openLog,
  recordEvents,
  register,
  startBreakerInProcess,
  type EventRecorder,
} from './test-support.js';

describe('breaker commands and bad input', () => {
  let redisServer: RedisHandle;
  let redis: Redis;
  let log: EventLog;
  let breaker: BreakerWorker;
  let events: EventRecorder;
  const prefix = uniquePrefix('brk-cmd');
  const name = 'inventory_mcp';
  let n = 0;

  const command = async (
    type: BreakerCommand['type'],
    target = name,
    issuedAt = Date.now(),
  ): Promise<string> => {
    const c: BreakerCommand = {
      type,
      name: target,
      command_id: `cmd-${++n}`,
      actor: 'alice',
      issued_at: issuedAt,
    };
    await redis.xadd(log.keys.breakerCommands, '*', STREAM_FIELD.command, JSON.stringify(c));
    return c.command_id;
  };
  const fail = (mcp = name) =>
    redis.xadd(
      log.keys.outcomes,
      '*',
      STREAM_FIELD.outcome,
      JSON.stringify({ mcp_name: mcp, outcome: 'failure', latency_ms: 3, at: Date.now() }),
    );
  const metrics = () => fetch(`http://127.0.0.1:${breaker.port}/metrics`).then((r) => r.text());

  beforeAll(async () => {
    redisServer = await startRedis();
    ({ redis, log } = openLog(redisServer.url, prefix));
    await register(log, name, { consecutive_failures: 2, wait_open_ms: 60_000 });
    events = await recordEvents(log);
    breaker = await startBreakerInProcess({ url: redisServer.url, prefix });
  });

  afterAll(async () => {
    await breaker?.stop();
    await events?.close();
    redis?.disconnect();
    await redisServer?.stop();
  });

  it('force_open / reset / force_closed change the circuit and answer with the event offset', async () => {
    const openId = await command('force_open');
    const opened = await events.waitForHealth(name, 'circuit_opened');
    expect(opened).toMatchObject({
      actor: 'alice',
      command_id: openId,
      data: { reason: 'forced', circuit_state: 'open' },
    });
    expect(await events.waitForResult(openId)).toMatchObject({ ok: true, offset: opened.offset });

    const resetId = await command('reset');
    const closed = await events.waitForHealth(name, 'circuit_closed');
    expect(await events.waitForResult(resetId)).toMatchObject({ ok: true, offset: closed.offset });

    const pinId = await command('force_closed');
    await events.waitForResult(pinId);
    for (let i = 0; i < 5; i++) await fail();
    await waitFor(() => consumed(redis, log.keys.outcomes));
    const row = (await log.snapshot()).mcps.find((m) => m.name === name);
    expect(row).toMatchObject({ circuit_state: 'closed', breaker: { forced: 'closed' } });

    await command('reset');
    await fail();
    await fail();
    await events.waitForHealth(name, 'circuit_opened', 2);
  });

  it('answers not_found for an unknown MCP and timeout for a stale command', async () => {
    const ghost = await command('force_open', 'ghost_mcp');
    expect(await events.waitForResult(ghost)).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    const stale = await command('force_open', name, Date.now() - 10 * 60_000);
    expect(await events.waitForResult(stale)).toMatchObject({
      ok: false,
      error: { code: 'timeout' },
    });
  });

  it('drops, counts and acks bad entries on every stream and keeps working', async () => {
    await command('reset');
    await redis.xadd(log.keys.outcomes, '*', STREAM_FIELD.outcome, 'not json');
    await redis.xadd(log.keys.outcomes, '*', 'x', '{}');
    await redis.xadd(
      log.keys.outcomes,
      '*',
      STREAM_FIELD.outcome,
      JSON.stringify({ mcp_name: 'a b', outcome: 'meh' }),
    );
    await redis.xadd(log.keys.probes, '*', STREAM_FIELD.probe, JSON.stringify({ mcp_name: name }));
    await redis.xadd(
      log.keys.breakerCommands,
      '*',
      STREAM_FIELD.command,
      JSON.stringify({ type: 'explode' }),
    );
    await fail();
    await fail();
    const opened = await events.waitForHealth(name, 'circuit_opened', 3);
    expect(opened.data).toMatchObject({ reason: 'consecutive_failures' });
    for (const key of [log.keys.outcomes, log.keys.probes, log.keys.breakerCommands]) {
      await waitFor(() => consumed(redis, key), { message: `${key} consumed` });
    }
    const text = await metrics();
    expect(text).toMatch(/beacon_breaker_entries_total\{stream="outcomes",result="invalid"\} 3/);
    expect(text).toMatch(/beacon_breaker_entries_total\{stream="probes",result="invalid"\} 1/);
    expect(text).toMatch(/beacon_breaker_entries_total\{stream="commands",result="invalid"\} 1/);
    for (const name of PROCESS_METRICS) expect(text).toContain(`\n# TYPE ${name} `);
  });

  it('answers a bad command that names its command_id with invalid, as the registry does', async () => {
    await redis.xadd(
      log.keys.breakerCommands,
      '*',
      STREAM_FIELD.command,
      JSON.stringify({
        type: 'force_sideways',
        name,
        command_id: 'bad-1',
        actor: 'alice',
        issued_at: Date.now(),
      }),
    );
    const answer = await events.waitForResult('bad-1');
    expect(answer).toMatchObject({ ok: false, error: { code: 'invalid' } });
    expect(answer.error?.message).toMatch(/^invalid command: type/);
  });

  it('applies breaker settings changed by mcp_updated', async () => {
    const other = 'ledger_mcp';
    await register(log, other, { consecutive_failures: 10 });
    const row = (await log.snapshot()).mcps.find((m) => m.name === other);
    await log.append({
      type: 'mcp_updated',
      mcp_name: other,
      timestamp: new Date().toISOString(),
      config: { ...row!.config!, breaker: { consecutive_failures: 1 } },
      changes: ['breaker'],
    });
    // The breaker learns the update from its log subscription, a moment after the append: keep
    // failing until it opens. The old threshold (10) would need ten failures.
    let sent = 0;
    const opened = await waitFor(
      async () => {
        const got = events.health(other).find((e) => e.event_type === 'circuit_opened');
        if (got === undefined && sent < 5) {
          sent++;
          await fail(other);
        }
        return got;
      },
      { intervalMs: 200 },
    );
    expect(opened.data).toMatchObject({ reason: 'consecutive_failures', threshold: 1 });
    expect(opened.data['consecutive_failures']).toBeLessThan(10);
  });
});
