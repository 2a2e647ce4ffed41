// The uptime projector run as the real notifier (dist/main.js, active + standby) against a
// private Redis with an AOF. History with known down periods is appended with past timestamps
// the way the registry appends it, probe results the way the registry writes them; the stored
// rollups are checked against exact figures and against a recomputation from the raw log
// (oracle.ts), across a kill -9 failover mid-rollup, a Redis restart, a rebuild and bad data.
import {
  Incident,
  UPTIME_KEY,
  UptimeState,
  compareOffsets,
  dayKey,
  decodeBucket,
  hourField,
  hourStart,
  type LogEventInput,
} from '@beacon/protocol';
import {
  startRedis,
  uniquePrefix,
  waitFor,
  type ProcessHandle,
  type RedisHandle,
} from '@beacon/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBus, startNotifier, type Bus } from './test-support.js';
import {
  readLog,
  recompute,
  storedDays,
  storedHours,
  type OracleSilence,
} from './uptime/oracle.js';

const H = 3_600_000;
const M = 60_000;
let redis: RedisHandle;
let bus: Bus;
const prefix = uniquePrefix('uptime');
const procs: ProcessHandle[] = [];
const base = hourStart(Date.now()) - 3 * 24 * H;
const silences: OracleSilence[] = [
  { mcps: ['billing_mcp'], from: base + 20 * H, to: base + 22 * H },
];
const key = (s: string): string => bus.log.keys.uptime(s);

const at = (ms: number): string => new Date(ms).toISOString();
const reg = (name: string, t: number, tags: string[] = []): LogEventInput => ({
  type: 'mcp_registered',
  mcp_name: name,
  timestamp: at(t),
  actor: 'fleet-file',
  config: { name, transport: { type: 'streamable-http', url: 'http://127.0.0.1:9/mcp' }, tags },
});
const st = (
  name: string,
  t: number,
  status: 'healthy' | 'unhealthy' | 'disconnected' | 'inactive',
  metadata: Record<string, unknown> = {},
): LogEventInput => ({
  type: 'mcp_status_change',
  mcp_name: name,
  status,
  timestamp: at(t),
  actor: 'registry',
  metadata: {
    error: status === 'healthy' ? null : 'connection refused',
    health_reason: status === 'healthy' ? null : 'error',
    ...metadata,
  },
});
const he = (
  name: string,
  t: number,
  event_type: string,
  actor: string,
  command_id?: string,
): LogEventInput =>
  ({
    type: 'health_event',
    mcp_name: name,
    event_type,
    timestamp: at(t),
    actor,
    ...(command_id === undefined ? {} : { command_id }),
    data: {},
  }) as LogEventInput;

async function settled(): Promise<void> {
  const head = await bus.log.lastOffset();
  const probes = (await bus.redis.xrevrange(bus.log.keys.probes, '+', '-', 'COUNT', 1))[0]?.[0];
  await waitFor(
    async () => {
      const p = (await bus.redis.hget(key(UPTIME_KEY.position), 'p')) ?? '';
      const [, log, pr] = p.split('|');
      return log === head && (probes === undefined || pr === probes);
    },
    { timeoutMs: 60_000, message: `uptime projector reaches ${head}` },
  );
}

async function states(): Promise<Map<string, UptimeState>> {
  const raw = await bus.redis.hgetall(key(UPTIME_KEY.state));
  return new Map(Object.entries(raw).map(([k, v]) => [k, UptimeState.parse(JSON.parse(v))]));
}

/** Every MCP's stored hours equal the recomputation up to where its time is credited. */
async function expectOracle(): Promise<number> {
  const s = await states();
  const events = await readLog(bus.log);
  let compared = 0;
  for (const [mcp, state] of s) {
    const want = recompute(events, silences, state.since).get(mcp) ?? new Map<number, number[]>();
    const got = await storedHours(bus.redis, key, mcp);
    const gotMs = new Map([...got].map(([h, b]) => [h, b.ms]));
    const wantNonZero = new Map([...want].filter(([, ms]) => ms.some((v) => v > 0)));
    const gotNonZero = new Map([...gotMs].filter(([, ms]) => ms.some((v) => v > 0)));
    const diff = [...new Set([...wantNonZero.keys(), ...gotNonZero.keys()])]
      .filter((h) => JSON.stringify(wantNonZero.get(h)) !== JSON.stringify(gotNonZero.get(h)))
      .map(
        (h) =>
          `${at(h)} want ${JSON.stringify(wantNonZero.get(h))} got ${JSON.stringify(gotNonZero.get(h))}`,
      );
    expect(diff, mcp).toEqual([]);
    // Day buckets are the sums of their hours.
    const days = await storedDays(bus.redis, key, mcp);
    for (const [day, b] of days) {
      const sum = new Array<number>(7).fill(0);
      for (const [h, hb] of got)
        if (h >= day && h < day + 24 * H) hb.ms.forEach((v, i) => (sum[i]! += v));
      expect(b.ms, `${mcp} day ${at(day)}`).toEqual(sum);
    }
    compared++;
  }
  return compared;
}

beforeAll(async () => {
  redis = await startRedis({ private: true, appendonly: true });
  bus = await openBus(redis.url, prefix);
  // A long tick: time is credited at status changes (and once per leadership start), so the
  // stored figures hold still while the test reads them.
  const env = { BEACON_UPTIME_TICK_MS: '3600000' };
  procs.push(await startNotifier(redis.url, prefix, 'u1', env));
  await procs[0]!.waitForLine(/uptime projector active/, 15_000);
  procs.push(await startNotifier(redis.url, prefix, 'u2', env));
  const put = await bus.command({
    type: 'put_silence',
    silence: {
      id: 'maint',
      mcps: ['billing_mcp'],
      starts_at: at(silences[0]!.from),
      ends_at: at(silences[0]!.to),
      comment: 'maintenance',
      tags: [],
    },
  });
  expect(put).toMatchObject({ ok: true });
}, 90_000);

afterAll(async () => {
  for (const p of procs) await p.kill('SIGTERM').catch(() => undefined);
  await bus?.close();
  await redis?.stop();
});

describe('uptime rollups from the log', () => {
  let incidentOffset = '';

  it('seeded history with known down periods gives exact hours, days and incidents', async () => {
    await bus.log.appendBatch([
      reg('billing_mcp', base, ['billing']),
      reg('search_mcp', base),
      reg('old_mcp', base),
      st('billing_mcp', base + 5 * M, 'healthy'),
      st('search_mcp', base + M, 'healthy'),
      st('old_mcp', base + M, 'healthy'),
    ]);
    incidentOffset = (await bus.log.append(st('billing_mcp', base + 10 * H, 'unhealthy'))).offset;
    await bus.log.appendBatch([
      he('billing_mcp', base + 10 * H + 10 * M, 'circuit_opened', 'breaker'),
      st('billing_mcp', base + 10 * H + 30 * M, 'disconnected', { health_reason: 'disconnected' }),
      st('billing_mcp', base + 11 * H, 'inactive', {
        auto_disabled: true,
        reason: 'auto_disabled',
        health_reason: 'auto_disabled',
      }),
      he('billing_mcp', base + 11 * H + 50 * M, 'manually_enabled', 'ada', 'c1'),
      st('billing_mcp', base + 12 * H, 'healthy'),
      { type: 'mcp_removed', mcp_name: 'old_mcp', timestamp: at(base + 5 * H), actor: 'ada' },
      // Down inside the maintenance window: an incident, but no downtime.
      st('billing_mcp', base + 20 * H + 30 * M, 'unhealthy'),
      st('billing_mcp', base + 21 * H, 'healthy'),
      st('search_mcp', base + 30 * H, 'healthy', { reason: 'probe' }),
    ]);
    // Probe results as the registry writes them (one failure, latencies 10…100 ms).
    for (let i = 0; i < 10; i++) {
      const r = {
        mcp_name: 'billing_mcp',
        ok: i !== 3,
        outcome: i === 3 ? 'error' : 'success',
        status: 'healthy',
        latency_ms: (i + 1) * 10,
        error: null,
        tools_count: 3,
        at: base + H + i * M,
      };
      await bus.redis.xadd(bus.log.keys.probes, '*', 'p', JSON.stringify(r));
    }
    await bus.redis.xadd(bus.log.keys.probes, '*', 'p', '{"not":"a probe"'); // passed over
    await settled();

    const hours = await storedHours(bus.redis, key, 'billing_mcp');
    const ms = (h: number) => hours.get(base + h * H)?.ms;
    //         healthy  unhealthy disconn  auto    inactive unknown  maint
    expect(ms(0)).toEqual([55 * M, 0, 0, 0, 0, 5 * M, 0]);
    expect(ms(10)).toEqual([0, 30 * M, 30 * M, 0, 0, 0, 0]);
    expect(ms(11)).toEqual([0, 0, 0, H, 0, 0, 0]);
    expect(ms(20)).toEqual([0, 0, 0, 0, 0, 0, H]);
    const probe = hours.get(base + H)!;
    expect(probe).toMatchObject({ probes: 10, failures: 1, latencyMax: 100 });

    const day = (await storedDays(bus.redis, key, 'billing_mcp')).get(base - (base % (24 * H)));
    expect(day).toBeDefined();

    const incidents = await bus.redis.zrange(key(UPTIME_KEY.incidentsOf('billing_mcp')), 0, -1);
    expect(incidents).toHaveLength(2);
    const first = Incident.parse(
      JSON.parse((await bus.redis.hget(key(UPTIME_KEY.incident), incidents[0]!))!),
    );
    expect(first).toMatchObject({
      id: `billing_mcp@${incidentOffset}`,
      started_at: at(base + 10 * H),
      ended_at: at(base + 12 * H),
      duration_s: 7200,
      state: 'resolved',
      end_reason: 'recovered',
      statuses: ['unhealthy', 'disconnected', 'auto_disabled'],
      first_error: 'connection refused',
      health_reason: 'error',
      circuit_openings: 1,
      auto_disabled: true,
      actions: [{ actor: 'ada', action: 'manually_enabled', command_id: 'c1' }],
    });
    expect(await bus.redis.zcard(key(UPTIME_KEY.incidents))).toBe(2);
    // old_mcp is gone from the state and credited nothing after its removal.
    expect((await states()).has('old_mcp')).toBe(false);
    const old = await storedHours(bus.redis, key, 'old_mcp');
    expect(Math.max(...old.keys())).toBe(base + 4 * H);

    expect(await expectOracle()).toBe(2);
  }, 90_000);

  it('a kill -9 of the active projector mid-rollup: the standby finishes, nothing counted twice', async () => {
    const events: LogEventInput[] = [];
    const mcps = Array.from({ length: 40 }, (_, i) => `fleet_${i}`);
    for (const m of mcps) events.push(reg(m, base + H));
    const kinds = ['healthy', 'unhealthy', 'healthy', 'disconnected'] as const;
    for (let step = 0; step < 150; step++) {
      for (const [i, m] of mcps.entries()) {
        events.push(st(m, base + H + step * 17 * M + i * 1_000, kinds[(step + i) % 4]!));
      }
    }
    const before = await bus.log.lastOffset();
    const logged = async (): Promise<string> =>
      ((await bus.redis.hget(key(UPTIME_KEY.position), 'p')) ?? '').split('|')[1] ?? '';
    // Kill the active projector once it has written part of the burst, not all of it.
    let last = '';
    const appending = (async () => {
      for (let i = 0; i < events.length; i += 500) {
        last = (await bus.log.appendBatch(events.slice(i, i + 500))).at(-1)!.offset;
      }
    })();
    await waitFor(async () => compareOffsets(await logged(), before) > 0, { timeoutMs: 20_000 });
    const killedAt = await logged();
    await procs[0]!.kill('SIGKILL');
    await appending;
    expect(compareOffsets(killedAt, last)).toBeLessThan(0);
    await settled();
    expect(await expectOracle()).toBe(42);
  }, 120_000);

  it('survives a Redis restart: the position and buckets come back, nothing is counted twice', async () => {
    await redis.restart();
    // Stamped ahead: such an event counts from when Redis appended it (see eventTime), which is
    // after anything the projector credited before it, whenever the append gets through.
    const ahead = (s: 'healthy' | 'unhealthy') => st('billing_mcp', Date.now() + H, s);
    await waitFor(
      () =>
        bus.log
          .append(ahead('unhealthy'))
          .then(() => true)
          .catch(() => false),
      { timeoutMs: 20_000, message: 'an append after the restart' },
    );
    await new Promise((r) => setTimeout(r, 50));
    await bus.log.append(ahead('healthy'));
    await settled();
    expect(await expectOracle()).toBe(42);
  }, 90_000);

  it('a rebuild (position deleted) recomputes the same rollups from the log', async () => {
    const before = await storedHours(bus.redis, key, 'fleet_7');
    const since = (await states()).get('fleet_7')!.since;
    await bus.redis.del(key(UPTIME_KEY.position));
    await bus.log.append(st('search_mcp', Date.now() + H, 'healthy'));
    await settled();
    const after = await storedHours(bus.redis, key, 'fleet_7');
    for (const [h, b] of before) {
      if (h < hourStart(since)) expect(after.get(h)?.ms, at(h)).toEqual(b.ms);
    }
    expect(await expectOracle()).toBe(42);
  }, 90_000);

  it('corrupt stored buckets and state are passed over when loaded, not fatal', async () => {
    const now = Date.now();
    const hourKey = key(UPTIME_KEY.hours('fleet_3', dayKey(now)));
    await bus.redis.hset(hourKey, hourField(now), 'garbage;;;');
    await bus.redis.hset(key(UPTIME_KEY.state), 'fleet_3', '{"category":"nope"');
    // A new projector loads the corrupt state (the active one is killed, a fresh one takes over).
    procs.push(await startNotifier(redis.url, prefix, 'u3', { BEACON_UPTIME_TICK_MS: '3600000' }));
    await procs[1]!.kill('SIGKILL');
    await procs[2]!.waitForLine(/uptime projector active/, 15_000);
    await bus.log.append(st('fleet_3', Date.now() + H, 'healthy'));
    // A probe result in the corrupt hour: its bucket is read (garbage → empty) and rewritten.
    const probe = { mcp_name: 'fleet_3', ok: true, outcome: 'success', status: 'healthy' };
    await bus.redis.xadd(
      bus.log.keys.probes,
      '*',
      'p',
      JSON.stringify({ ...probe, latency_ms: 5, error: null, tools_count: 1, at: now }),
    );
    await settled();
    expect((await states()).get('fleet_3')?.category).toBe('healthy');
    const stored = await bus.redis.hget(hourKey, hourField(now));
    expect(decodeBucket(stored ?? '')).not.toBeNull();
    expect(procs[2]!.output()).toContain('unreadable uptime state');
  }, 60_000);
});
