// BEACON_MAX_AUTO_DISABLED_PERCENT against real MCP test servers and a real Redis: with four
// MCPs failing at once and a 50 % cap, exactly two are auto-disabled; the other two keep failing
// visibly and say so once (auto_disable_capped); when a disabled one recovers, a capped one takes
// its place on its next failed cycle.
import {
  startMcpTestServer,
  startRedis,
  uniquePrefix,
  waitFor,
  type McpTestServer,
  type RedisHandle,
} from '@beacon/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLeadingHarness, type Harness } from './test-support.js';

let redis: RedisHandle;
let h: Harness;
const servers: McpTestServer[] = [];
beforeAll(async () => {
  redis = await startRedis();
  h = await startLeadingHarness({
    url: redis.url,
    prefix: uniquePrefix('reg-cap'),
    engine: { maxAutoDisabledPercent: 50, reprobeBaseMs: 200, reprobeMaxMs: 400 },
  });
});
afterAll(async () => {
  await h?.stop();
  for (const s of servers) await s.close();
  await redis?.stop();
});

const names = ['cap_a', 'cap_b', 'cap_c', 'cap_d'];

describe('fleet-wide auto-disable cap', () => {
  it('never auto-disables more than the share of the fleet; capped MCPs keep failing', async () => {
    for (const name of names) {
      const s = await startMcpTestServer({ name });
      servers.push(s);
      const r = await h.command({
        type: 'register',
        config: {
          name,
          transport: { type: 'streamable-http', url: s.url },
          probe_interval_ms: 150,
          timeout_ms: 1_000,
          failure_cycles_to_disable: 2,
        },
      });
      expect(r.ok).toBe(true);
    }
    for (const name of names) {
      await h.waitRow(name, (r) => r.health_status === 'healthy', `${name} healthy`);
    }
    await Promise.all(servers.map((s) => s.setFault('error')));

    const rows = async () =>
      (await h.eventLog.snapshot()).mcps.filter((m) => names.includes(m.name));
    await waitFor(
      async () => {
        const all = await rows();
        return all.filter((r) => r.auto_disabled).length === 2 &&
          all.filter((r) => r.health_status === 'unhealthy').length === 2
          ? all
          : undefined;
      },
      { timeoutMs: 15_000, message: 'two auto-disabled, two capped' },
    );
    // Several more failed cycles later, still two (the cap holds, nothing flips).
    await new Promise((r) => setTimeout(r, 1_000));
    const later = await rows();
    const disabled = later.filter((r) => r.auto_disabled).map((r) => r.name);
    const capped = later.filter((r) => !r.auto_disabled).map((r) => r.name);
    expect(disabled).toHaveLength(2);
    for (const r of later.filter((x) => !x.auto_disabled)) {
      expect(r.health_status).toBe('unhealthy');
      expect(r.enabled).toBe(true);
    }
    for (const name of capped) {
      const told = (await h.events(name)).filter(
        (e) => e.type === 'health_event' && e.event_type === 'auto_disable_capped',
      );
      expect(told).toHaveLength(1);
      expect(told[0]).toMatchObject({ data: { max_auto_disabled: 2, auto_disabled: 2 } });
    }

    // One disabled MCP recovers: its place goes to a capped one on that one's next failed cycle.
    const recovering = servers.find((s) => s.name === disabled[0]);
    await recovering?.setFault('ok');
    await h.waitRow(disabled[0] ?? '', (r) => r.health_status === 'healthy', 're-enabled');
    await waitFor(
      async () => {
        const all = await rows();
        return capped.some((n) => all.find((r) => r.name === n)?.auto_disabled === true)
          ? all
          : undefined;
      },
      { timeoutMs: 10_000, message: 'a capped MCP auto-disabled once there was room' },
    );
    expect((await rows()).filter((r) => r.auto_disabled)).toHaveLength(2);
  });
});
