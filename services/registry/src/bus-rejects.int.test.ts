// Malformed bus messages reaching a real registry (a garbage command-stream entry, a garbage
// live-channel message) are dropped, counted on /metrics, and the registry keeps working.
import { PROCESS_METRICS } from '@beacon/runtime';
import { startRedis, uniquePrefix, waitFor, type RedisHandle } from '@beacon/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startLeadingHarness, type Harness } from './test-support.js';
import { STREAM_FIELD } from '@beacon/protocol';

let redis: RedisHandle;
let h: Harness;
let raw: Redis;

beforeAll(async () => {
  redis = await startRedis();
  h = await startLeadingHarness({ url: redis.url, prefix: uniquePrefix('reg-rejects') });
  raw = new Redis(redis.url);
});
afterAll(async () => {
  await h.stop();
  await raw.quit();
  await redis.stop();
});

const rejected = (source: string): number =>
  Number(
    new RegExp(`beacon_bus_messages_rejected_total\\{source="${source}"\\} (\\d+)`).exec(
      h.metrics.registry.render(),
    )?.[1] ?? 0,
  );

it('counts a garbage command entry and a garbage live message, and still answers commands', async () => {
  await raw.xadd(h.eventLog.keys.registryCommands, '*', STREAM_FIELD.command, '{not json');
  await raw.xadd(h.eventLog.keys.registryCommands, '*', STREAM_FIELD.command, '{"type":"explode"}');
  await waitFor(() => rejected('commands') === 2, { message: 'two command rejects counted' });
  await raw.publish(h.eventLog.keys.live, '{"o":"x"}');
  await waitFor(() => rejected('live') === 1, { message: 'live reject counted' });
  const result = await h.command({ type: 'remove', name: 'no_such_mcp' });
  expect(result.type).toBe('command_result');
  // The same registry the health server renders on /metrics.
  const text = h.metrics.registry.render();
  for (const name of PROCESS_METRICS) expect(text).toContain(`\n# TYPE ${name} `);
});
