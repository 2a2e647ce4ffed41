// Probing over the real MCP protocol (streamable HTTP and stdio test servers), against a real
// Redis: statuses, failure/recovery, auto-disable and re-enable, tools changes, probe results for
// the breaker, manual disable/enable and system_metrics.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type McpTestServer,
  startMcpTestServer,
  stdioServerArgs,
  uniquePrefix,
  waitFor,
  withinBudget,
} from '@beacon/testing';
import { describe, expect, it } from 'vitest';
import { parseStdioAllowList } from './stdio-commands.js';
import {
  brokenTransitions,
  kinds,
  startLeadingHarness,
  type HarnessOptions,
  type Harness,
  fileRedis,
} from './test-support.js';

const redis = fileRedis();
const { cleanups } = redis;

async function harness(
  engine: HarnessOptions['engine'] = {},
  extra: Partial<HarnessOptions> = {},
): Promise<Harness> {
  const h = await startLeadingHarness({
    url: redis.url,
    prefix: uniquePrefix('reg'),
    engine,
    ...extra,
  });
  cleanups.push(() => h.stop());
  return h;
}
async function server(name: string): Promise<McpTestServer> {
  const s = await startMcpTestServer({ name });
  cleanups.push(() => s.close());
  return s;
}
const http = (s: McpTestServer, extra: Record<string, unknown> = {}) => ({
  name: s.name,
  transport: { type: 'streamable-http' as const, url: s.url },
  probe_interval_ms: 200,
  // Generous: a first connect on a busy 2-core box can take a few hundred ms.
  timeout_ms: 1_500,
  ...extra,
});

describe('probing over streamable HTTP', () => {
  it('healthy → disconnected → recovery → unhealthy (error, slow) → recovery, tools changes', async () => {
    const h = await harness();
    const s = await server('billing_mcp');
    const registered = await h.command({ type: 'register', config: http(s, { slow_ms: 400 }) });
    expect(registered).toMatchObject({ ok: true, offset: expect.any(String) as unknown });

    const healthy = await h.waitRow('billing_mcp', (r) => r.health_status === 'healthy', 'healthy');
    expect(healthy.tools_count).toBe(3);
    expect(healthy.latency_ms).toBeGreaterThan(0);
    expect(healthy.last_health_check).not.toBeNull();

    await s.setFault('down');
    const down = await h.waitRow(
      'billing_mcp',
      (r) => r.health_status === 'disconnected',
      'disconnected',
    );
    expect(down.last_error).toBe('connection failed');

    await s.setFault('ok');
    await h.waitRow('billing_mcp', (r) => r.health_status === 'healthy', 'healthy again');

    await s.setFault('error');
    const erroring = await h.waitRow(
      'billing_mcp',
      (r) => r.health_status === 'unhealthy',
      'unhealthy (error)',
    );
    expect(erroring.last_error).toMatch(/error mode/);
    await s.setFault('ok');
    await h.waitRow('billing_mcp', (r) => r.health_status === 'healthy', 'healthy after error');

    await s.setFault({ mode: 'slow', slow_ms: 800 });
    const slow = await h.waitRow(
      'billing_mcp',
      (r) => r.health_status === 'unhealthy',
      'unhealthy (slow)',
    );
    expect(slow.last_error).toMatch(/slow: \d+ ms > 400 ms/);
    await s.setFault('ok');
    await h.waitRow('billing_mcp', (r) => r.health_status === 'healthy', 'healthy after slow');

    // A new tool reaches the registry as tools/list_changed, without a status change.
    await waitFor(() => s.info().streams >= 1, {
      timeoutMs: 5_000,
      message: 'notification stream',
    });
    s.tools.add({ name: 'billing_refund', description: 'Refund an invoice.' });
    await h.waitRow('billing_mcp', (r) => r.tools_count === 4, 'tools_count 4');

    const events = await h.events('billing_mcp');
    expect(brokenTransitions(events)).toEqual([]);
    expect(kinds(events)).toEqual([
      'mcp_registered',
      'status:healthy',
      'failure',
      'status:disconnected',
      'status:healthy',
      'recovery',
      'failure',
      'status:unhealthy',
      'status:healthy',
      'recovery',
      'failure',
      'status:unhealthy',
      'status:healthy',
      'recovery',
      'tools_changed',
    ]);
    const registeredEvent = events[0];
    expect(registeredEvent).toMatchObject({
      actor: 'alice',
      command_id: expect.any(String) as unknown,
    });
    const firstHealthy = events[1];
    expect(firstHealthy).toMatchObject({
      metadata: {
        previous_status: 'unknown',
        tools_count: 3,
        failure_cycles: 0,
      },
    });
    // The breaker owns circuit_state: a status change no longer stamps the registry's view.
    expect(firstHealthy).not.toHaveProperty('metadata.circuit_state');

    // Every probe went to the breaker's stream, valid and in order.
    const probes = await h.probes();
    expect(probes.length).toBeGreaterThanOrEqual(7);
    expect(new Set(probes.map((p) => p.outcome))).toEqual(
      new Set(['success', 'disconnected', 'error', 'slow']),
    );
  });

  it('one hung server does not delay the probes of others', async () => {
    const h = await harness({ concurrency: 2 });
    const hung = await server('hung_mcp');
    const fine = await server('fine_mcp');
    await hung.setFault({ mode: 'slow', slow_ms: 60_000 });
    await h.command({
      type: 'register',
      config: http(hung, { probe_interval_ms: 300, timeout_ms: 2_000 }),
    });
    await h.command({ type: 'register', config: http(fine, { probe_interval_ms: 300 }) });
    await h.waitRow('fine_mcp', (r) => r.health_status === 'healthy', 'healthy');
    await h.waitRow('hung_mcp', (r) => r.health_status === 'unhealthy', 'unhealthy (timeout)');
    // Keep probing `fine` while `hung` hangs: its checks stay about one interval apart.
    const seen: number[] = [];
    await waitFor(
      async () => {
        const probes = await h.probes();
        seen.length = 0;
        for (const p of probes) if (p.mcp_name === 'fine_mcp') seen.push(p.at);
        return seen.length >= 8;
      },
      { timeoutMs: 15_000, message: '8 probes of fine_mcp' },
    );
    // Were `fine` queued behind `hung`, its probes would be ≥ 2 s (hung's timeout) apart.
    const gaps = seen.slice(1).map((t, i) => t - seen[i]!);
    withinBudget(
      'gap between probes of fine_mcp while hung_mcp hangs',
      Math.max(...gaps.slice(2)),
      1_200,
    );
  });
});

describe('probing over stdio', () => {
  it('healthy with tools count, stopped → disconnected, back → recovery', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'beacon-reg-stdio-'));
    const faultFile = join(dir, 'fault');
    writeFileSync(faultFile, 'ok');
    // Registered by command, so through the host's allow-list (the entry holds the real command).
    const stdioCommands = parseStdioAllowList(
      JSON.stringify({
        local: {
          command: process.execPath,
          args: stdioServerArgs({ name: 'local_mcp', tools: 5, faultFile }),
        },
      }),
      'test',
    );
    const h = await harness({}, { stdioCommands });
    await h.command({
      type: 'register',
      config: {
        name: 'local_mcp',
        transport: { type: 'stdio', command: 'local' },
        probe_interval_ms: 300,
        timeout_ms: 2_000,
      },
    });
    const healthy = await h.waitRow('local_mcp', (r) => r.health_status === 'healthy', 'healthy');
    expect(healthy.tools_count).toBe(5);
    writeFileSync(faultFile, 'down');
    await h.waitRow('local_mcp', (r) => r.health_status === 'disconnected', 'disconnected');
    writeFileSync(faultFile, 'ok');
    await h.waitRow('local_mcp', (r) => r.health_status === 'healthy', 'healthy again');
    const events = await h.waitTail('local_mcp', ['status:healthy', 'recovery']);
    expect(brokenTransitions(events)).toEqual([]);
  });
});

describe('auto-disable and re-enable', () => {
  it('N failure cycles → auto_disabled + inactive; re-probed on backoff; recovery → re_enabled', async () => {
    const h = await harness({ reprobeBaseMs: 300, reprobeMaxMs: 600 });
    const s = await server('flaky_mcp');
    await h.command({ type: 'register', config: http(s, { failure_cycles_to_disable: 3 }) });
    await h.waitRow('flaky_mcp', (r) => r.health_status === 'healthy', 'healthy');
    await s.setFault('error');
    const off = await h.waitRow(
      'flaky_mcp',
      (r) => r.health_status === 'inactive',
      'auto-disabled',
    );
    expect(off).toMatchObject({ auto_disabled: true, enabled: false, failure_cycles: 3 });
    // The due time follows the events (same decision, written right after them).
    const due = await waitFor(
      () => h.eventLog.redis.zscore(h.eventLog.keys.due('registry'), 'flaky_mcp'),
      {
        timeoutMs: 5_000,
        message: 're-probe due time in Redis',
      },
    );
    expect(Number(due)).toBeGreaterThan(0);

    // Re-probes keep failing for a while: no new events, growing backoff.
    const before = (await h.waitTail('flaky_mcp', ['status:inactive', 'auto_disabled'])).length;
    await waitFor(
      async () =>
        Number(await h.eventLog.redis.zscore(h.eventLog.keys.due('registry'), 'flaky_mcp')) >
        Number(due),
      { timeoutMs: 5_000, message: 're-probe rescheduled' },
    );
    expect((await h.events('flaky_mcp')).length).toBe(before);

    await s.setFault('ok');
    await h.waitRow('flaky_mcp', (r) => r.health_status === 'healthy', 're-enabled');
    const events = await h.waitTail('flaky_mcp', ['recovery']);
    expect(kinds(events)).toEqual([
      'mcp_registered',
      'status:healthy',
      'failure',
      'status:unhealthy',
      'status:inactive',
      'auto_disabled',
      're_enabled',
      'status:healthy',
      'recovery',
    ]);
    expect(events[4]).toMatchObject({
      metadata: { reason: 'auto_disabled', auto_disabled: true, enabled: false, failure_cycles: 3 },
    });
    expect(brokenTransitions(events)).toEqual([]);
    expect(await h.eventLog.redis.zscore(h.eventLog.keys.due('registry'), 'flaky_mcp')).toBeNull();
    expect(await h.row('flaky_mcp')).toMatchObject({ auto_disabled: false, enabled: true });
  });

  it('manual disable/enable carry the actor; a disabled MCP is not probed', async () => {
    const h = await harness();
    const s = await server('crm_mcp');
    await h.command({ type: 'register', config: http(s) });
    await h.waitRow('crm_mcp', (r) => r.health_status === 'healthy', 'healthy');
    const off = await h.command({ type: 'disable', name: 'crm_mcp' }, 'bob');
    expect(off.ok).toBe(true);
    const row = await h.row('crm_mcp');
    expect(row).toMatchObject({ health_status: 'inactive', enabled: false, auto_disabled: false });
    const requests = s.info().requests;
    await s.setFault('down');
    // Down, but nobody probes it: the status stays `inactive` across several intervals.
    const probesBefore = await h.eventLog.redis.xlen(h.eventLog.keys.probes);
    await waitFor(
      async () => (await h.eventLog.redis.xlen(h.eventLog.keys.probes)) === probesBefore,
      {
        timeoutMs: 2_000,
        message: 'no probes',
      },
    );
    expect(s.info().requests).toBe(requests);
    await s.setFault('ok');
    const on = await h.command({ type: 'enable', name: 'crm_mcp' }, 'bob');
    expect(on.ok).toBe(true);
    await h.waitRow('crm_mcp', (r) => r.health_status === 'healthy', 'healthy after enable');
    const events = await h.events('crm_mcp');
    const manual = events.filter((e) => e.actor === 'bob');
    expect(kinds(manual)).toEqual([
      'mcp_updated',
      'manually_disabled',
      'status:inactive',
      'mcp_updated',
      'manually_enabled',
      'status:unknown',
    ]);
    expect(manual[2]).toMatchObject({ metadata: { reason: 'manual' }, command_id: off.command_id });
    expect(brokenTransitions(events)).toEqual([]);
    const unknownName = await h.command({ type: 'disable', name: 'nope_mcp' });
    expect(unknownName).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });
});

describe('system_metrics', () => {
  it('publishes totals by status, and edges/connections from edge heartbeats', async () => {
    const h = await harness();
    const a = await server('a_mcp');
    const b = await server('b_mcp');
    await b.setFault('error');
    // Heartbeats as services/edge writes them: a TTL key per edge plus a field in the hash.
    const { redis: r, keys } = h.eventLog;
    const beat = (connections: number) =>
      JSON.stringify({ connections, messages_out: 0, drops: 0, at: new Date().toISOString() });
    await r
      .multi()
      .set(keys.edge('edge-1'), beat(3), 'PX', 60_000)
      .hset(keys.edges, 'edge-1', beat(3))
      .exec();
    await r
      .multi()
      .set(keys.edge('edge-2'), beat(4), 'PX', 60_000)
      .hset(keys.edges, 'edge-2', beat(4))
      .exec();
    await r.hset(keys.edges, 'edge-dead', beat(50)); // its TTL key expired: not counted
    await h.command({ type: 'register', config: http(a) });
    await h.command({ type: 'register', config: http(b) });
    const metrics = await waitFor(
      async () => {
        const m = (await h.eventLog.latestMetrics())?.metrics;
        const ok = m?.total_mcps === 2 && m.healthy_mcps === 1 && m.unhealthy_mcps === 1;
        // Heartbeats are read on the periodic tick; wait for one after they were written.
        return ok && m.edges === 2 ? m : undefined;
      },
      { timeoutMs: 10_000, message: 'system_metrics with 1 healthy, 1 unhealthy, 2 edges' },
    );
    expect(metrics).toMatchObject({
      edges: 2,
      connections: 7,
      open_circuits: 0,
      auto_disabled_mcps: 0,
    });
    expect(metrics.events_per_second).toBeGreaterThanOrEqual(0);
    expect(h.sides.some((m) => m.type === 'system_metrics')).toBe(true);
  });
});
