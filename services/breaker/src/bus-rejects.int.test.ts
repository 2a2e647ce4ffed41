// Malformed bus messages reaching a real breaker (a garbage entry on each input stream, garbage on
// the live channel) are counted in beacon_bus_messages_rejected_total on /metrics and acked (not
// left pending for every later leader), and the breaker keeps applying valid input afterwards.
import type { EventLog } from '@beacon/event-log';
import { STREAM_FIELD, type BreakerCommand } from '@beacon/protocol';
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

describe('malformed bus messages on the breaker', () => {
  let redisServer: RedisHandle;
  let redis: Redis;
  let log: EventLog;
  let breaker: BreakerWorker;
  let events: EventRecorder;
  const prefix = uniquePrefix('brk-rejects');
  const name = 'payments_mcp';

  const metrics = () => fetch(`http://127.0.0.1:${breaker.port}/metrics`).then((r) => r.text());
  const rejected = (text: string, source: string): number =>
    Number(
      new RegExp(`beacon_bus_messages_rejected_total\\{source="${source}"\\} (\\d+)`).exec(
        text,
      )?.[1] ?? 0,
    );
  const counts = async (): Promise<Record<string, number>> => {
    const text = await metrics();
    return {
      commands: rejected(text, 'commands'),
      probes: rejected(text, 'probes'),
      outcomes: rejected(text, 'outcomes'),
      live: rejected(text, 'live'),
    };
  };

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

  it('counts garbage on every stream and the live channel, acks it, and still applies valid input', async () => {
    expect(await counts()).toEqual({ commands: 0, probes: 0, outcomes: 0, live: 0 });
    await redis.xadd(log.keys.breakerCommands, '*', STREAM_FIELD.command, '{not json');
    await redis.xadd(
      log.keys.probes,
      '*',
      STREAM_FIELD.probe,
      JSON.stringify({ mcp_name: name, ok: 'maybe' }),
    );
    await redis.xadd(log.keys.outcomes, '*', 'x', '{}'); // not even the right field
    await redis.publish(log.keys.live, '{"o":"x"}');
    const want = { commands: 1, probes: 1, outcomes: 1, live: 1 };
    await waitFor(async () => JSON.stringify(await counts()) === JSON.stringify(want), {
      message: 'one reject counted per source',
    });
    // Acked in the batch that read them: nothing pending for this or a later leader to re-read.
    for (const key of [log.keys.breakerCommands, log.keys.probes, log.keys.outcomes]) {
      await waitFor(() => consumed(redis, key), { message: `${key} consumed` });
    }

    // A valid failed probe and a valid failed gateway outcome: two consecutive failures open it.
    await redis.xadd(
      log.keys.probes,
      '*',
      STREAM_FIELD.probe,
      JSON.stringify({
        mcp_name: name,
        ok: false,
        outcome: 'error',
        status: 'unhealthy',
        latency_ms: 5,
        error: 'boom',
        at: Date.now(),
      }),
    );
    await redis.xadd(
      log.keys.outcomes,
      '*',
      STREAM_FIELD.outcome,
      JSON.stringify({ mcp_name: name, outcome: 'failure', latency_ms: 3, at: Date.now() }),
    );
    const opened = await events.waitForHealth(name, 'circuit_opened');
    expect(opened.data).toMatchObject({
      reason: 'consecutive_failures',
      consecutive_failures: 2,
      source: 'gateway',
    });

    // And a valid command is still answered, with the offset of the event it caused.
    const reset: BreakerCommand = {
      type: 'reset',
      name,
      command_id: 'cmd-after-garbage',
      actor: 'alice',
      issued_at: Date.now(),
    };
    await redis.xadd(log.keys.breakerCommands, '*', STREAM_FIELD.command, JSON.stringify(reset));
    const closed = await events.waitForHealth(name, 'circuit_closed');
    expect(await events.waitForResult(reset.command_id)).toMatchObject({
      ok: true,
      offset: closed.offset,
    });
    for (const key of [log.keys.breakerCommands, log.keys.probes, log.keys.outcomes]) {
      await waitFor(() => consumed(redis, key), { message: `${key} consumed` });
    }
    // Valid input is not counted as rejected, and with nothing pending no garbage is re-counted.
    expect(await counts()).toEqual(want);
  });
});
