// The admin API end to end on a real edge and a real Redis: writes become commands on the
// worker streams and are answered with the resulting event's offset (a stand-in worker appends
// real events through the event log); validation, auth and timeouts fail with clear errors.
import type { SystemMetricsMessage } from '@beacon/protocol';
import { uniquePrefix } from '@beacon/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mcpName, statusChange } from './bench/seed.js';
import { startFakeWorker } from './fake-worker.js';
import {
  mintToken,
  record,
  startEdge,
  startTestBed,
  type InProcessEdge,
  type TestBed,
  checkRestAnswer,
} from './test-support.js';

let bed: TestBed;
let edge: InProcessEdge;
let admin: string;

beforeAll(async () => {
  bed = await startTestBed('edge-admin', 3);
  edge = await bed.edge({ maxBodyBytes: 8 * 1024 });
  const worker = startFakeWorker(bed.writer.log, bed.redis.url);
  bed.cleanups.push(() => worker.stop());
  admin = await mintToken({ sub: 'ada', role: 'admin' });
});
afterAll(async () => {
  await bed.stop();
});

async function call(
  method: string,
  path: string,
  body?: unknown,
  options: { token?: string; contentType?: string; raw?: string } = {},
): Promise<{ status: number; json: Record<string, unknown> }> {
  const headers: Record<string, string> = { authorization: `Bearer ${options.token ?? admin}` };
  if (body !== undefined || options.raw !== undefined) {
    headers['content-type'] = options.contentType ?? 'application/json';
  }
  const res = await fetch(`${edge.http}${path}`, {
    method,
    headers,
    ...(options.raw !== undefined
      ? { body: options.raw }
      : body === undefined
        ? {}
        : { body: JSON.stringify(body) }),
  });
  const json = (await res.json()) as Record<string, unknown>;
  return { status: res.status, json: checkRestAnswer(method, path, res.status, json) };
}

const billing = {
  name: 'billing_mcp',
  transport: {
    type: 'streamable-http',
    url: 'http://127.0.0.1:7200/mcp',
    headers: { authorization: 'Bearer top-secret' },
  },
  probe_interval_ms: 1000,
  timeout_ms: 500,
  failure_cycles_to_disable: 3,
};

describe('fleet writes through commands', () => {
  it('register, update, disable, force a circuit open, remove: each answered with its offset', async () => {
    const watcher = record(edge.ws, { token: admin });
    await watcher.waitFor((x) => x.of('initial_status').length === 1, 'initial_status');

    const created = await call('POST', '/api/mcps', billing);
    expect(created.status).toBe(201);
    expect(created.json.offset).toMatch(/^\d+-\d+$/);
    const mcp = created.json.mcp as {
      name: string;
      config: { transport: { headers: Record<string, string> } };
    };
    expect(mcp.name).toBe('billing_mcp');
    expect(mcp.config.transport.headers).toEqual({ authorization: '***' });
    const registered = await watcher.waitFor(
      (x) => x.of('mcp_registered')[0],
      'mcp_registered on the socket',
    );
    expect(registered).toMatchObject({ offset: created.json.offset, actor: 'ada' });
    expect(JSON.stringify(registered)).not.toContain('top-secret');

    const again = await call('POST', '/api/mcps', billing);
    expect(again.status).toBe(409);

    const updated = await call('PATCH', '/api/mcps/billing_mcp', { timeout_ms: 900 });
    expect(updated.status).toBe(200);
    expect(updated.json.mcp).toMatchObject({ config: { timeout_ms: 900 } });

    const disabled = await call('PATCH', '/api/mcps/billing_mcp', { enabled: false });
    expect(disabled.status).toBe(200);
    expect(disabled.json.mcp).toMatchObject({ enabled: false });

    const rejected = await call('PATCH', '/api/mcps/billing_mcp', { timeout_ms: 600_000 });
    expect(rejected.status).toBe(400);
    expect(rejected.json).toMatchObject({ error: { code: 'invalid', message: /timeout_ms/ } });

    const opened = await call('POST', '/api/mcps/billing_mcp/circuit', { action: 'force_open' });
    expect(opened.status).toBe(200);
    expect(opened.json.mcp).toMatchObject({ circuit_state: 'open' });

    const removed = await call('DELETE', '/api/mcps/billing_mcp');
    expect(removed.status).toBe(200);
    expect(removed.json.mcp).toBeNull();
    expect((await call('GET', '/api/mcps/billing_mcp')).status).toBe(404);
    watcher.close();
  });
});

describe('bad requests', () => {
  it('are refused with a JSON error naming the problem', async () => {
    const empty = await call('POST', '/api/mcps', {});
    expect(empty.status).toBe(400);
    const paths = ((empty.json.error as { issues: { path: string }[] }).issues ?? []).map(
      (i) => i.path,
    );
    expect(paths).toEqual(expect.arrayContaining(['name', 'transport']));
    expect((await call('POST', '/api/mcps', undefined, { raw: '{"name":' })).json).toMatchObject({
      error: { code: 'invalid', message: /not valid JSON/ },
    });
    expect(
      (await call('POST', '/api/mcps', undefined, { raw: 'x', contentType: 'text/plain' })).status,
    ).toBe(415);
    expect((await call('POST', '/api/mcps', undefined, { raw: 'x'.repeat(20_000) })).status).toBe(
      413,
    );
    expect((await call('PATCH', `/api/mcps/${mcpName(0)}`, { name: 'other' })).status).toBe(400);
    expect((await call('PATCH', `/api/mcps/${mcpName(0)}`, {})).status).toBe(400);
    expect((await call('PATCH', '/api/mcps/nope', { enabled: true })).status).toBe(404);
    expect((await call('DELETE', '/api/mcps/bad%20name')).status).toBe(400);
    expect(
      (await call('POST', `/api/mcps/${mcpName(0)}/circuit`, { action: 'explode' })).status,
    ).toBe(400);
    expect((await call('GET', '/api/nothing-here')).status).toBe(404);
    expect((await call('GET', '/api/events?limit=0')).status).toBe(400);
  });

  it('an admin token limited by mcps cannot manage other MCPs', async () => {
    const scoped = await mintToken({ role: 'admin', mcps: ['team-*'] });
    const res = await call(
      'POST',
      '/api/mcps',
      { ...billing, name: 'other_mcp' },
      { token: scoped },
    );
    expect(res.status).toBe(403);
  });
});

describe('reads', () => {
  it('serves the session, the fleet, one MCP, events (tail, since, mcp filter) and metrics', async () => {
    const session = await call('GET', '/api/session');
    expect(session.json).toMatchObject({ sub: 'ada', role: 'admin', mcps: null, auth: true });
    for (let s = 0; s < 6; s++) await bed.writer.log.append(statusChange(mcpName(s % 3), s));
    const fleet = await call('GET', '/api/mcps');
    expect((fleet.json.mcps as { name: string }[]).map((m) => m.name)).toEqual([
      mcpName(0),
      mcpName(1),
      mcpName(2),
    ]);
    expect((await call('GET', `/api/mcps/${mcpName(1)}`)).json).toMatchObject({ name: mcpName(1) });

    const tail = await call('GET', `/api/events?limit=4&mcp=${mcpName(0)}`);
    const tailEvents = tail.json.events as { mcp_name: string; offset: string }[];
    expect(tailEvents.length).toBeGreaterThanOrEqual(2);
    expect(tailEvents.every((e) => e.mcp_name === mcpName(0))).toBe(true);
    const first = await call('GET', '/api/events?since=0-0&limit=2');
    const page = first.json.events as { offset: string }[];
    expect(page).toHaveLength(2);
    expect(first.json.more).toBe(true);
    const next = await call('GET', `/api/events?since=${first.json.next as string}&limit=2`);
    expect(
      ((next.json.events as { offset: string }[])[0]?.offset ?? '') > (page[1]?.offset ?? ''),
    ).toBe(true);

    expect((await call('GET', '/api/metrics')).status).toBe(404);
    const socket = record(edge.ws, { token: admin });
    await socket.waitFor((x) => x.of('initial_status').length === 1, 'initial_status');
    const metrics: SystemMetricsMessage = {
      type: 'system_metrics',
      timestamp: new Date().toISOString(),
      metrics: {
        total_mcps: 3,
        healthy_mcps: 1,
        unhealthy_mcps: 1,
        disconnected_mcps: 1,
        inactive_mcps: 0,
        unknown_mcps: 0,
        open_circuits: 0,
        half_open_circuits: 0,
        auto_disabled_mcps: 0,
        edges: 1,
        connections: 1,
        events_per_second: 2,
      },
    };
    await bed.writer.log.publishSide(metrics);
    await socket.waitFor(
      (x) => x.of('system_metrics').length === 1,
      'system_metrics on the socket',
    );
    const got = await call('GET', '/api/metrics');
    expect(got.json).toMatchObject({ type: 'system_metrics', metrics: { total_mcps: 3 } });
    socket.close();
  });
});

describe('no worker', () => {
  it('answers 504 with a clear error when no worker replies in time', async () => {
    const lonely = await startEdge(bed.redis.url, uniquePrefix('edge-admin-lonely'), {
      commandTimeoutMs: 400,
    });
    bed.cleanups.push(() => lonely.stop());
    const res = await fetch(`${lonely.http}/api/mcps`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify(billing),
    });
    expect(res.status).toBe(504);
    expect(await res.json()).toMatchObject({
      error: { code: 'timeout', message: /no registry worker answered/ },
    });
  });
});
