// BEACON_ALERTS_FILE with the real notifier: channels and rules from the file are applied at
// start and a notification goes out; a change to the file (a silence added) is picked up while
// running; a broken file is refused in the log and the notifier keeps working.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NOTIFIER_KEY } from '@beacon/protocol';
import {
  startRedis,
  uniquePrefix,
  waitFor,
  type ProcessHandle,
  type RedisHandle,
} from '@beacon/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  leading,
  openBus,
  startNotifier,
  startReceiver,
  status,
  type Bus,
  type Receiver,
} from './test-support.js';

let redis: RedisHandle;
let receiver: Receiver;
let bus: Bus;
let notifier: ProcessHandle;
const file = join(mkdtempSync(join(tmpdir(), 'beacon-alerts-')), 'alerts.yaml');

const doc = (url: string, silences = '[]') => `
channels:
  - { id: file-hook, type: webhook, url: '${url}' }
rules:
  - { id: from-file, mcps: ['file_*'], on: [down], channels: [file-hook] }
silences: ${silences}
`;

beforeAll(async () => {
  redis = await startRedis();
  receiver = await startReceiver();
  const prefix = uniquePrefix('notifier-file');
  bus = await openBus(redis.url, prefix);
  writeFileSync(file, doc(receiver.url));
  notifier = await startNotifier(redis.url, prefix, 'f1', { BEACON_ALERTS_FILE: file });
  await leading(notifier);
}, 60_000);

afterAll(async () => {
  await notifier?.kill('SIGTERM');
  await bus?.close();
  await receiver?.close();
  await redis?.stop();
});

describe('alerts file', () => {
  it('is applied at start, re-read when it changes, and a broken one is refused', async () => {
    await notifier.waitForLine(/alerts file applied/, 15_000);
    const first = await bus.append(status('file_a', 'unhealthy', 'healthy'));
    const got = await waitFor(() =>
      receiver.received.find((r) => r.notification.mcp_name === 'file_a'),
    );
    expect(got.notification.idempotency_key).toBe(`${first}:from-file`);

    const silence = `[{ id: quiet, mcps: ['file_*'], starts_at: '${new Date(Date.now() - 60_000).toISOString()}', ends_at: '${new Date(Date.now() + 3_600_000).toISOString()}' }]`;
    writeFileSync(file, doc(receiver.url, silence));
    await waitFor(
      async () =>
        (await bus.redis.hget(bus.log.keys.notifier(NOTIFIER_KEY.silences), 'quiet')) ?? undefined,
      { timeoutMs: 15_000, message: 'the silence from the changed file' },
    );
    await bus.append(status('file_b', 'unhealthy', 'healthy'));
    await new Promise((r) => setTimeout(r, 800));
    expect(receiver.received.some((r) => r.notification.mcp_name === 'file_b')).toBe(false);

    writeFileSync(file, '');
    await notifier.waitForLine(/alerts file not applied.*empty/, 15_000);
    const test = await bus.command({ type: 'test_channel', id: 'file-hook' });
    expect(test).toMatchObject({ ok: true, delivery: { ok: true } });
  });
});
