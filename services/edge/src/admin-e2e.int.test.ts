// The admin API end to end with nothing stood in: a private Redis, a real MCP server over
// streamable HTTP, and the real registry, breaker and edge processes (built dist). Every write
// goes edge → command stream → worker → log → edge mirror and is answered with the offset of the
// event it caused; refusals come from the layer that owns the decision (edge: auth and
// validation; workers: unknown MCPs).
import {
  type McpTestServer,
  type ProcessHandle,
  type RedisHandle,
  startMcpTestServer,
  startRedis,
  startRegistryProcess,
  startService,
  uniquePrefix,
  waitFor,
  withinBudget,
} from '@beacon/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  mintToken,
  record,
  startEdgeProcess,
  type EdgeProcess,
  checkRestAnswer,
} from './test-support.js';

const NAME = 'billing_mcp';
/** Long on purpose: the connection count must reach system_metrics without waiting for these. */
const SLOW_TICK_MS = 30_000;

let redis: RedisHandle;
let mcp: McpTestServer;
let edge: EdgeProcess;
let admin: string;
let viewer: string;
const procs: ProcessHandle[] = [];

beforeAll(async () => {
  redis = await startRedis();
  const prefix = uniquePrefix('edge-admin-e2e');
  mcp = await startMcpTestServer({ name: NAME, fault: 'ok' });
  const common = { REDIS_URL: redis.url, BEACON_REDIS_PREFIX: prefix, LOG_LEVEL: 'info' };
  procs.push(
    await startRegistryProcess(redis.url, prefix, {
      BEACON_METRICS_INTERVAL_MS: String(SLOW_TICK_MS),
    }),
    await startService('breaker', {
      env: {
        ...common,
        BEACON_BREAKER_HTTP_PORT: '0',
        BEACON_BREAKER_HTTP_HOST: '127.0.0.1',
        BEACON_BREAKER_BLOCK_MS: '100',
      },
      readyLine: /breaker ready/,
      readyTimeoutMs: 60_000,
    }),
  );
  edge = await startEdgeProcess(redis.url, prefix, {
    BEACON_HEARTBEAT_MS: String(SLOW_TICK_MS),
  });
  procs.push(edge.proc);
  admin = await mintToken({ sub: 'ada', role: 'admin' });
  viewer = await mintToken({ sub: 'vic', role: 'viewer' });
}, 180_000);

afterAll(async () => {
  for (const p of procs.reverse()) await p.kill('SIGTERM').catch(() => undefined);
  await mcp?.close();
  await redis?.stop();
});

interface Answer {
  readonly status: number;
  readonly json: Record<string, unknown>;
}

async function call(method: string, path: string, body?: unknown, token = admin): Promise<Answer> {
  const res = await fetch(`${edge.http}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await res.json()) as Record<string, unknown>;
  return { status: res.status, json: checkRestAnswer(method, path, res.status, json) };
}

interface LoggedEvent {
  readonly type: string;
  readonly offset: string;
  readonly mcp_name: string;
  readonly actor?: string;
  readonly status?: string;
  readonly event_type?: string;
  readonly changes?: string[];
  readonly metadata?: Record<string, unknown>;
}

/** The MCP's events in the log, oldest first, read through the edge. */
async function eventsOf(name: string): Promise<LoggedEvent[]> {
  const page = await call('GET', `/api/events?since=0-0&limit=1000&mcp=${name}`);
  expect(page.status).toBe(200);
  return page.json.events as LoggedEvent[];
}

async function eventAt(offset: unknown): Promise<LoggedEvent | undefined> {
  expect(offset).toMatch(/^\d+-\d+$/);
  return (await eventsOf(NAME)).find((e) => e.offset === offset);
}

const row = async (): Promise<Record<string, unknown> | null> => {
  const r = await call('GET', `/api/mcps/${NAME}`);
  return r.status === 200 ? r.json : null;
};

const waitRow = (check: (r: Record<string, unknown>) => boolean, what: string) =>
  waitFor(
    async () => {
      const r = await row();
      return r !== null && check(r) ? r : null;
    },
    { timeoutMs: 30_000, message: what },
  );

describe('admin API against the real registry and breaker', () => {
  it('registers, probes, updates, disables, enables, forces the circuit and removes', async () => {
    const body = {
      name: NAME,
      transport: { type: 'streamable-http', url: mcp.url },
      probe_interval_ms: 1000,
      timeout_ms: 500,
      failure_cycles_to_disable: 3,
      breaker: { consecutive_failures: 3, wait_open_ms: 2000, half_open_successes: 1 },
    };
    const created = await call('POST', '/api/mcps', body);
    expect(created.status).toBe(201);
    expect(await eventAt(created.json.offset)).toMatchObject({
      type: 'mcp_registered',
      mcp_name: NAME,
      actor: 'ada',
    });
    expect(created.json.mcp).toMatchObject({ name: NAME, config: { timeout_ms: 500 } });
    expect((await call('POST', '/api/mcps', body)).status).toBe(409);

    const healthy = await waitRow((r) => r.health_status === 'healthy', `${NAME} healthy`);
    expect(healthy).toMatchObject({ enabled: true, circuit_state: 'closed' });
    expect(healthy.tools_count).toBeGreaterThan(0);

    const updated = await call('PATCH', `/api/mcps/${NAME}`, { timeout_ms: 900 });
    expect(updated.status).toBe(200);
    expect(updated.json.mcp).toMatchObject({ config: { timeout_ms: 900 } });
    expect(await eventAt(updated.json.offset)).toMatchObject({
      type: 'mcp_updated',
      changes: ['timeout_ms'],
      actor: 'ada',
    });

    const disabled = await call('PATCH', `/api/mcps/${NAME}`, { enabled: false });
    expect(disabled.status).toBe(200);
    expect(disabled.json.mcp).toMatchObject({ enabled: false, health_status: 'inactive' });
    expect(await eventAt(disabled.json.offset)).toMatchObject({
      type: 'mcp_status_change',
      status: 'inactive',
      actor: 'ada',
      metadata: { reason: 'manual' },
    });
    const manual = (await eventsOf(NAME)).filter((e) => e.event_type === 'manually_disabled');
    expect(manual).toMatchObject([{ actor: 'ada' }]);

    const enabled = await call('PATCH', `/api/mcps/${NAME}`, { enabled: true });
    expect(enabled.status).toBe(200);
    expect(enabled.json.mcp).toMatchObject({ enabled: true });
    expect(await eventAt(enabled.json.offset)).toMatchObject({ actor: 'ada' });
    await waitRow((r) => r.health_status === 'healthy', `${NAME} healthy again after enable`);

    const opened = await call('POST', `/api/mcps/${NAME}/circuit`, { action: 'force_open' });
    expect(opened.status).toBe(200);
    expect(opened.json.mcp).toMatchObject({ circuit_state: 'open' });
    expect(await eventAt(opened.json.offset)).toMatchObject({
      type: 'health_event',
      event_type: 'circuit_opened',
      actor: 'ada',
    });
    const reset = await call('POST', `/api/mcps/${NAME}/circuit`, { action: 'reset' });
    expect(reset.status).toBe(200);
    expect(reset.json.mcp).toMatchObject({ circuit_state: 'closed' });
    expect(await eventAt(reset.json.offset)).toMatchObject({
      event_type: 'circuit_closed',
      actor: 'ada',
    });

    const removed = await call('DELETE', `/api/mcps/${NAME}`);
    expect(removed.status).toBe(200);
    expect(removed.json.mcp).toBeNull();
    expect(await eventAt(removed.json.offset)).toMatchObject({
      type: 'mcp_removed',
      actor: 'ada',
    });
    expect((await call('GET', `/api/mcps/${NAME}`)).status).toBe(404);
  });

  it('refuses viewers on every write, names the bad field, and relays the workers’ 404', async () => {
    const name = 'ledger_mcp';
    const body = { name, transport: { type: 'streamable-http', url: mcp.url } };
    const writes: [string, string, unknown][] = [
      ['POST', '/api/mcps', body],
      ['PATCH', `/api/mcps/${name}`, { timeout_ms: 900 }],
      ['PATCH', `/api/mcps/${name}`, { enabled: false }],
      ['DELETE', `/api/mcps/${name}`, undefined],
      ['POST', `/api/mcps/${name}/circuit`, { action: 'force_open' }],
    ];
    for (const [method, path, b] of writes) {
      const res = await call(method, path, b, viewer);
      expect(res.status, `${method} ${path} as a viewer`).toBe(403);
      expect(res.json).toMatchObject({ error: { code: 'forbidden' } });
    }

    const badUrl = await call('POST', '/api/mcps', {
      ...body,
      transport: { type: 'streamable-http', url: 'not a url' },
    });
    expect(badUrl.status).toBe(400);
    expect(badUrl.json).toMatchObject({
      error: { code: 'invalid', issues: [expect.objectContaining({ path: 'transport.url' })] },
    });
    const badInterval = await call('POST', '/api/mcps', { ...body, probe_interval_ms: 'often' });
    expect(badInterval.status).toBe(400);
    expect(JSON.stringify(badInterval.json)).toContain('probe_interval_ms');
    const badPatch = await call('PATCH', `/api/mcps/${name}`, { timeout_ms: -1 });
    expect(badPatch.status).toBe(400);
    expect(JSON.stringify(badPatch.json)).toContain('timeout_ms');
    const badAction = await call('POST', `/api/mcps/${name}/circuit`, { action: 'explode' });
    expect(badAction.status).toBe(400);
    expect(JSON.stringify(badAction.json)).toContain('action');

    // Nothing named ghost_mcp exists: the edge forwards the command and the owning worker says so.
    for (const [method, path, b] of [
      ['PATCH', '/api/mcps/ghost_mcp', { timeout_ms: 900 }],
      ['PATCH', '/api/mcps/ghost_mcp', { enabled: false }],
      ['DELETE', '/api/mcps/ghost_mcp', undefined],
      ['POST', '/api/mcps/ghost_mcp/circuit', { action: 'force_open' }],
    ] as [string, string, unknown][]) {
      const res = await call(method, path, b);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.json).toMatchObject({
        error: {
          code: 'not_found',
          message: expect.stringMatching(/no MCP named ghost_mcp/) as unknown,
        },
      });
    }
  });

  it('system_metrics counts a connected client without waiting for the next tick', async () => {
    const socket = record(edge.ws, { token: viewer });
    await socket.waitFor((x) => x.of('initial_status').length === 1, 'initial_status');
    const since = Date.now();
    // Edge heartbeats and the registry's periodic tick are both SLOW_TICK_MS apart: only a
    // heartbeat on connect and a registry that watches heartbeats can make this in time.
    const counted = await socket.waitFor(
      (x) =>
        x.of('system_metrics').find((m) => (m.metrics as { connections: number }).connections >= 1),
      'system_metrics counting the connection',
      10_000,
    );
    expect(counted.metrics).toMatchObject({ edges: 1, connections: 1 });
    // The wait above already gives up long before the next tick; the budget is a third of one.
    withinBudget('system_metrics after a connect', Date.now() - since, SLOW_TICK_MS / 3);

    const watcher = record(edge.ws, { token: viewer });
    await watcher.waitFor((x) => x.of('initial_status').length === 1, 'second client');
    await watcher.waitFor(
      (x) =>
        x
          .of('system_metrics')
          .find((m) => (m.metrics as { connections: number }).connections === 2),
      'system_metrics counting both connections',
      10_000,
    );
    socket.close();
    await watcher.waitFor(
      (x) =>
        x.of('system_metrics').at(-1)?.metrics !== undefined &&
        (x.of('system_metrics').at(-1)?.metrics as { connections: number }).connections === 1,
      'system_metrics after one client left',
      10_000,
    );
    watcher.close();
  });
});
