// The per-MCP Prometheus series (beacon_mcp_*) of an active registry, on a real Redis with real
// MCP test servers: exact values for a healthy and a failing MCP, the removed MCP's series gone,
// the breaker's circuit_opened event shown as state="open", and none on a standby.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  freePort,
  type McpTestServer,
  startMcpTestServer,
  startRegistryProcess,
  uniquePrefix,
  waitFor,
} from '@beacon/testing';
import { describe, expect, it } from 'vitest';
import { startHarness, startLeadingHarness, type Harness, fileRedis } from './test-support.js';

const redis = fileRedis();
const { cleanups } = redis;

async function server(name: string): Promise<McpTestServer> {
  const s = await startMcpTestServer({ name });
  cleanups.push(() => s.close());
  return s;
}
const http = (s: McpTestServer) => ({
  name: s.name,
  transport: { type: 'streamable-http' as const, url: s.url },
  probe_interval_ms: 200,
  timeout_ms: 1_500,
});

/** The gauge samples of the beacon_mcp_* families (the histogram apart). */
const gauges = (h: Harness): string[] =>
  h.metrics.registry
    .render()
    .split('\n')
    .filter((l) => l.startsWith('beacon_mcp_') && !l.startsWith('beacon_mcp_probe_duration'));
const histogram = (h: Harness, mcp: string): string[] =>
  h.metrics.registry
    .render()
    .split('\n')
    .filter((l) => l.startsWith('beacon_mcp_probe_duration') && l.includes(`mcp="${mcp}"`));

/** The exact gauge samples of one MCP with this status and circuit state. */
function expected(mcp: string, status: string, circuit: string): string[] {
  return [
    `beacon_mcp_up{mcp="${mcp}"} ${status === 'healthy' ? 1 : 0}`,
    ...['healthy', 'unhealthy', 'disconnected', 'inactive', 'unknown'].map(
      (s) => `beacon_mcp_status{mcp="${mcp}",status="${s}"} ${s === status ? 1 : 0}`,
    ),
    ...['closed', 'open', 'half_open'].map(
      (c) => `beacon_mcp_circuit_state{mcp="${mcp}",state="${c}"} ${c === circuit ? 1 : 0}`,
    ),
  ];
}
const ofMcp = (lines: readonly string[], mcp: string): string[] =>
  lines.filter((l) => l.includes(`{mcp="${mcp}"`));

describe('per-MCP Prometheus series', () => {
  it('healthy and failing MCPs → exact values; circuit_opened → state="open"; removed → gone', async () => {
    const prefix = uniquePrefix('prom');
    // Failing MCPs stay enabled (no auto-disable within the test).
    const h = await startLeadingHarness({
      url: redis.url,
      prefix,
      engine: { failureCyclesToDisable: 1_000 },
    });
    cleanups.push(() => h.stop());
    const good = await server('billing_mcp');
    const bad = await server('search_mcp');
    await bad.setFault('error');
    expect(await h.command({ type: 'register', config: http(good) })).toMatchObject({ ok: true });
    expect(await h.command({ type: 'register', config: http(bad) })).toMatchObject({ ok: true });

    await waitFor(
      () => {
        const g = gauges(h);
        return g.length === 18 &&
          ofMcp(g, 'billing_mcp').join('\n') ===
            ofMcp(expected('billing_mcp', 'healthy', 'closed'), 'billing_mcp').join('\n') &&
          ofMcp(g, 'search_mcp').join('\n') ===
            ofMcp(expected('search_mcp', 'unhealthy', 'closed'), 'search_mcp').join('\n')
          ? g
          : undefined;
      },
      { timeoutMs: 15_000, message: 'billing_mcp healthy and search_mcp unhealthy in /metrics' },
    );
    // Exactly one series set per MCP, in family order.
    const both = [
      ...expected('billing_mcp', 'healthy', 'closed'),
      ...expected('search_mcp', 'unhealthy', 'closed'),
    ];
    const byFamily = (lines: readonly string[]) =>
      ['beacon_mcp_up{', 'beacon_mcp_status{', 'beacon_mcp_circuit_state{'].flatMap((f) =>
        lines.filter((l) => l.startsWith(f)),
      );
    expect(gauges(h)).toEqual(byFamily(both));
    // Both were probed: one histogram (14 buckets + +Inf, sum, count) each.
    for (const mcp of ['billing_mcp', 'search_mcp']) {
      const lines = histogram(h, mcp);
      expect(lines).toHaveLength(17);
      const count = Number(lines.find((l) => l.includes('_count'))!.split(' ')[1]);
      expect(count).toBeGreaterThanOrEqual(1);
      expect(lines).toContain(
        `beacon_mcp_probe_duration_seconds_bucket{mcp="${mcp}",le="+Inf"} ${count}`,
      );
    }

    // The breaker opens search_mcp's circuit: it appends a health_event to the log.
    await h.eventLog.append({
      type: 'health_event',
      mcp_name: 'search_mcp',
      event_type: 'circuit_opened',
      timestamp: new Date().toISOString(),
      actor: 'breaker',
      data: { reason: 'consecutive_failures', circuit_state: 'open' },
    });
    await waitFor(
      () =>
        gauges(h).includes('beacon_mcp_circuit_state{mcp="search_mcp",state="open"} 1')
          ? true
          : undefined,
      { timeoutMs: 10_000, message: 'search_mcp circuit open in /metrics' },
    );
    const opened = gauges(h);
    expect(ofMcp(opened, 'search_mcp').filter((l) => l.startsWith('beacon_mcp_circuit'))).toEqual([
      'beacon_mcp_circuit_state{mcp="search_mcp",state="closed"} 0',
      'beacon_mcp_circuit_state{mcp="search_mcp",state="open"} 1',
      'beacon_mcp_circuit_state{mcp="search_mcp",state="half_open"} 0',
    ]);
    expect(ofMcp(opened, 'billing_mcp').filter((l) => l.startsWith('beacon_mcp_circuit'))).toEqual(
      ofMcp(expected('billing_mcp', 'healthy', 'closed'), 'billing_mcp').filter((l) =>
        l.startsWith('beacon_mcp_circuit'),
      ),
    );

    // Removing search_mcp drops every series of it (gauges and histogram).
    expect(await h.command({ type: 'remove', name: 'search_mcp' })).toMatchObject({ ok: true });
    await waitFor(() => (ofMcp(gauges(h), 'search_mcp').length === 0 ? true : undefined), {
      timeoutMs: 10_000,
      message: 'search_mcp series gone',
    });
    expect(histogram(h, 'search_mcp')).toEqual([]);
    expect(gauges(h)).toEqual(byFamily(expected('billing_mcp', 'healthy', 'closed')));
    expect(histogram(h, 'billing_mcp')).toHaveLength(17);
  });

  it('a standby exports no per-MCP series; after stepping down the leader exports none either', async () => {
    const prefix = uniquePrefix('prom');
    const leader = await startLeadingHarness({ url: redis.url, prefix });
    cleanups.push(() => leader.stop());
    const good = await server('billing_mcp');
    expect(await leader.command({ type: 'register', config: http(good) })).toMatchObject({
      ok: true,
    });
    await waitFor(
      () => (gauges(leader).includes('beacon_mcp_up{mcp="billing_mcp"} 1') ? true : undefined),
      { timeoutMs: 15_000, message: 'billing_mcp up on the leader' },
    );
    const standby = await startHarness({ url: redis.url, prefix });
    cleanups.push(() => standby.stop());
    await waitFor(() => (standby.registry.ready() ? true : undefined), {
      timeoutMs: 10_000,
      message: 'standby ready',
    });
    expect(standby.registry.leader).toBe(false);
    expect(gauges(standby)).toEqual([]);
    expect(histogram(standby, 'billing_mcp')).toEqual([]);

    // The leader stops: the standby takes over and exports the fleet; the old one exports none.
    await leader.stop();
    expect(gauges(leader)).toEqual([]);
    expect(histogram(leader, 'billing_mcp')).toEqual([]);
    await waitFor(
      () => (gauges(standby).includes('beacon_mcp_up{mcp="billing_mcp"} 1') ? true : undefined),
      { timeoutMs: 15_000, message: 'billing_mcp up on the new leader' },
    );
  });
});

describe('per-MCP series of the registry process', () => {
  it('GET /metrics on the health port: exact series of a healthy and a failing MCP', async () => {
    const good = await server('billing_mcp');
    const bad = await server('search_mcp');
    await bad.setFault('down');
    const dir = mkdtempSync(join(tmpdir(), 'beacon-prom-'));
    const fleetFile = join(dir, 'fleet.json');
    writeFileSync(fleetFile, JSON.stringify({ mcps: [http(good), http(bad)] }));
    const port = await freePort();
    const p = await startRegistryProcess(redis.url, uniquePrefix('prom'), {
      BEACON_REGISTRY_HEALTH_PORT: String(port),
      BEACON_FLEET_FILE: fleetFile,
      BEACON_FAILURE_CYCLES_TO_DISABLE: '1000',
    });
    cleanups.push(() => p.kill());
    const scrape = async (): Promise<{ type: string | null; lines: string[] }> => {
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      const text = await res.text();
      return {
        type: res.headers.get('content-type'),
        lines: text
          .split('\n')
          .filter((l) => l.startsWith('beacon_mcp_') && !l.startsWith('beacon_mcp_probe_duration')),
      };
    };
    const want = ['beacon_mcp_up{', 'beacon_mcp_status{', 'beacon_mcp_circuit_state{'].flatMap(
      (f) =>
        [
          ...expected('billing_mcp', 'healthy', 'closed'),
          ...expected('search_mcp', 'disconnected', 'closed'),
        ].filter((l) => l.startsWith(f)),
    );
    const got = await waitFor(
      async () => {
        const s = await scrape().catch(() => undefined);
        return s !== undefined && s.lines.join('\n') === want.join('\n') ? s : undefined;
      },
      { timeoutMs: 20_000, message: 'billing_mcp healthy and search_mcp disconnected on /metrics' },
    );
    expect(got.lines).toEqual(want);
    expect(got.type).toMatch(/^text\/plain; version=0\.0\.4/);
  });
});
