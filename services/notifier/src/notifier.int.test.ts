// The notifier against a private Redis and a real HTTP receiver on loopback, run as the real
// service (dist/main.js, active + standby). Log events are appended the way the registry and the
// breaker append them. Covers: `for` suppressing a flap, firing then resolved, reminders,
// silences (recorded, not sent; sent once lifted), a receiver down then up (retried, delivered,
// channel reported failing meanwhile), kill -9 of the active notifier mid-delivery (nothing lost;
// any duplicate carries the same idempotency key), a Redis restart, and bad commands.
import { ChannelStatus, DeliveryRecord, NOTIFIER_KEY } from '@beacon/protocol';
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
  registered,
  startNotifier,
  startReceiver,
  status,
  type Bus,
  type Receiver,
} from './test-support.js';

let redis: RedisHandle;
let receiver: Receiver;
let bus: Bus;
const prefix = uniquePrefix('notifier');
const procs: ProcessHandle[] = [];
let active: ProcessHandle;

beforeAll(async () => {
  redis = await startRedis({ private: true, appendonly: true });
  receiver = await startReceiver();
  bus = await openBus(redis.url, prefix);
  active = await startNotifier(redis.url, prefix, 'n1');
  procs.push(active);
  await leading(active);
  procs.push(await startNotifier(redis.url, prefix, 'n2'));
  const put = await bus.command({
    type: 'put_channel',
    channel: { id: 'hook', type: 'webhook', url: receiver.url, enabled: true },
  });
  expect(put).toMatchObject({ ok: true });
}, 90_000);

afterAll(async () => {
  for (const p of procs) await p.kill('SIGTERM').catch(() => undefined);
  await bus?.close();
  await receiver?.close();
  await redis?.stop();
});

const sent = (mcp: string) => receiver.received.filter((r) => r.notification.mcp_name === mcp);
const history = async (): Promise<DeliveryRecord[]> =>
  (await bus.redis.lrange(bus.log.keys.notifier(NOTIFIER_KEY.history), 0, -1)).map((j) =>
    DeliveryRecord.parse(JSON.parse(j)),
  );
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function rule(id: string, body: Record<string, unknown>): Promise<void> {
  const r = await bus.command({
    type: 'put_rule',
    rule: { id, channels: ['hook'], on: ['down'], ...body } as never,
  });
  expect(r).toMatchObject({ ok: true });
}

async function down(name: string, previous = 'healthy'): Promise<string> {
  return bus.append(status(name, 'unhealthy', previous));
}
async function up(name: string, previous = 'unhealthy'): Promise<string> {
  return bus.append(status(name, 'healthy', previous));
}

describe('notifier', () => {
  it('a flap inside `for` is not sent; a lasting outage fires once, then resolves', async () => {
    await rule('flaps', { mcps: ['flap_*'], for: 1, send_resolved: true });
    await bus.append(registered('flap_a'));
    await down('flap_a');
    await pause(300);
    await up('flap_a');
    await pause(1_500);
    expect(sent('flap_a')).toEqual([]);
    await waitFor(async () =>
      (await history()).find((h) => h.mcp_name === 'flap_a' && h.result === 'suppressed'),
    );

    const opened = await down('flap_a');
    const firing = await waitFor(() => sent('flap_a')[0], {
      timeoutMs: 10_000,
      message: 'the firing notification',
    });
    expect(firing.at - Number(opened.split('-')[0])).toBeGreaterThanOrEqual(900);
    expect(firing.notification).toMatchObject({
      state: 'firing',
      kind: 'down',
      rule_id: 'flaps',
      idempotency_key: `${opened}:flaps`,
      status: 'unhealthy',
      error: 'connection refused',
    });
    expect(firing.headers['idempotency-key']).toBe(`${opened}:flaps`);
    const closed = await up('flap_a');
    const resolved = await waitFor(() => sent('flap_a')[1], { message: 'resolved' });
    expect(resolved.notification).toMatchObject({
      state: 'resolved',
      idempotency_key: `${closed}:flaps:resolved`,
      incident_key: firing.notification.incident_key,
    });
    await pause(500);
    expect(sent('flap_a')).toHaveLength(2);
  });

  it('reminds while still down, and stops once resolved', async () => {
    await rule('reminders', { mcps: ['remind_*'], repeat_every: 1 });
    const opened = await down('remind_a');
    await waitFor(() => (sent('remind_a').length >= 3 ? true : undefined), {
      timeoutMs: 10_000,
      message: 'firing and two reminders',
    });
    const [first, r1, r2] = sent('remind_a');
    expect(first?.notification.idempotency_key).toBe(`${opened}:reminders`);
    expect(r1?.notification).toMatchObject({
      state: 'reminder',
      idempotency_key: `${opened}:reminders:r1`,
    });
    expect(r2?.notification.idempotency_key).toBe(`${opened}:reminders:r2`);
    await up('remind_a');
    await waitFor(() => sent('remind_a').find((r) => r.notification.state === 'resolved'));
    const count = sent('remind_a').length;
    await pause(1_800);
    expect(sent('remind_a')).toHaveLength(count);
  });

  it('silences: recorded, not sent; what still fires goes out once the silence is lifted', async () => {
    await rule('quiet', { mcps: ['quiet_*'] });
    const s = await bus.command({
      type: 'put_silence',
      silence: {
        id: 'maint',
        mcps: ['quiet_*'],
        starts_at: new Date(Date.now() - 60_000).toISOString(),
        ends_at: new Date(Date.now() + 3_600_000).toISOString(),
        comment: 'planned maintenance',
      } as never,
    });
    expect(s).toMatchObject({ ok: true });
    const opened = await down('quiet_a');
    const record = await waitFor(async () =>
      (await history()).find((h) => h.mcp_name === 'quiet_a' && h.result === 'silenced'),
    );
    expect(record).toMatchObject({ silence_id: 'maint', idempotency_key: `${opened}:quiet` });
    await pause(500);
    expect(sent('quiet_a')).toEqual([]);
    expect(await bus.command({ type: 'delete_silence', id: 'maint' })).toMatchObject({ ok: true });
    const late = await waitFor(() => sent('quiet_a')[0], { message: 'sent after the silence' });
    expect(late.notification.idempotency_key).toBe(`${opened}:quiet`);
  });

  it('a receiver down then up: retried with backoff, delivered, the channel reported meanwhile', async () => {
    await rule('retry', { mcps: ['retry_*'] });
    receiver.answer(503);
    const opened = await down('retry_a');
    const failing = await waitFor(
      async () => {
        const raw = await bus.redis.hget(bus.log.keys.notifier(NOTIFIER_KEY.channelStatus), 'hook');
        const s = raw === null ? null : ChannelStatus.parse(JSON.parse(raw));
        return s !== null && !s.ok && s.consecutive_failures >= 2 ? s : undefined;
      },
      { timeoutMs: 10_000, message: 'the channel reported failing' },
    );
    expect(failing.last_error).toMatch(/503/);
    expect((await history()).some((h) => h.mcp_name === 'retry_a' && h.result === 'retrying')).toBe(
      true,
    );
    receiver.answer(200);
    const got = await waitFor(() => sent('retry_a')[0], {
      timeoutMs: 10_000,
      message: 'delivered',
    });
    expect(got.notification.idempotency_key).toBe(`${opened}:retry`);
    await waitFor(async () => {
      const raw = await bus.redis.hget(bus.log.keys.notifier(NOTIFIER_KEY.channelStatus), 'hook');
      return raw !== null && ChannelStatus.parse(JSON.parse(raw)).ok ? true : undefined;
    });
  });

  it('kill -9 of the active notifier mid-delivery: the standby delivers; duplicates share the key', async () => {
    await rule('crash', { mcps: ['crash_*'] });
    receiver.delay(1_500);
    const offsets: string[] = [];
    for (const name of ['crash_a', 'crash_b', 'crash_c']) offsets.push(await down(name));
    await pause(300); // the first delivery is in flight, held by the receiver
    await active.kill('SIGKILL');
    receiver.delay(0);
    const expected = ['crash_a', 'crash_b', 'crash_c'].map((n, i) => `${offsets[i]}:crash`);
    await waitFor(
      () =>
        expected.every((k) => receiver.received.some((r) => r.notification.idempotency_key === k))
          ? true
          : undefined,
      { timeoutMs: 20_000, message: 'every notification delivered by the successor' },
    );
    await pause(1_600); // the killed notifier's held requests are answered (and recorded) too
    const keys = receiver.received
      .filter((r) => r.notification.mcp_name.startsWith('crash_'))
      .map((r) => r.notification.idempotency_key);
    expect(new Set(keys)).toEqual(new Set(expected));
  });

  it('survives a Redis restart: keeps its position, repeats nothing, sends what comes after', async () => {
    await rule('restart', { mcps: ['restart_*'] });
    await down('restart_a');
    await waitFor(() => sent('restart_a')[0]);
    const before = receiver.received.length;
    await pause(1_200); // AOF fsyncs every second: what was written is on disk
    await redis.kill();
    await pause(300);
    await redis.restart();
    const opened = await waitFor(
      () => bus.append(status('restart_b', 'unhealthy', 'healthy')).catch(() => undefined),
      { timeoutMs: 20_000, message: 'an append after the restart' },
    );
    const got = await waitFor(() => sent('restart_b')[0], {
      timeoutMs: 20_000,
      message: 'sent after restart',
    });
    expect(got.notification.idempotency_key).toBe(`${opened}:restart`);
    const keys = receiver.received.slice(0, before).map((r) => r.notification.idempotency_key);
    const again = receiver.received
      .slice(before)
      .filter((r) => keys.includes(r.notification.idempotency_key));
    expect(again.map((r) => r.notification.idempotency_key)).toEqual([]);
  });

  it('answers bad commands with a clear refusal and tests a channel with the receiver answer', async () => {
    const unknown = await bus.command({
      type: 'put_rule',
      rule: { id: 'orphan', channels: ['nope'], mcps: ['*'], on: ['down'] } as never,
    });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'invalid' } });
    expect(unknown.error?.message).toMatch(/unknown channel\(s\) nope/);
    const cron = await bus.command({
      type: 'put_silence',
      silence: { id: 'bad', cron: '61 * * * *', duration: 60 } as never,
    });
    expect(cron).toMatchObject({ ok: false, error: { code: 'invalid' } });
    expect(cron.error?.message).toMatch(/invalid cron/);
    expect(await bus.command({ type: 'delete_rule', id: 'ghost' })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    expect(await bus.command({ type: 'delete_channel', id: 'hook' })).toMatchObject({
      ok: false,
      error: { code: 'conflict' },
    });
    const test = await bus.command({ type: 'test_channel', id: 'hook' });
    expect(test).toMatchObject({ ok: true, delivery: { ok: true, status: 200, response: 'ok' } });
    const dead = await bus.command({
      type: 'put_channel',
      channel: { id: 'dead', type: 'webhook', url: 'http://127.0.0.1:9/x', enabled: true },
    });
    expect(dead.ok).toBe(true);
    const refused = await bus.command({ type: 'test_channel', id: 'dead' });
    expect(refused).toMatchObject({ ok: true, delivery: { ok: false, retryable: true } });
    // Garbage on the command stream is dropped and counted; the notifier keeps working.
    await bus.redis.xadd(bus.log.keys.notifierCommands, '*', 'c', '{not json');
    const after = await bus.command({ type: 'test_channel', id: 'hook' });
    expect(after.ok).toBe(true);
  });
});
