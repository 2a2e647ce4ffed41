// Uptime end to end: history with known down periods appended to the log (past timestamps, as
// the registry appends them), folded by the real notifier's uptime projector (dist/main.js),
// answered by a real edge — exact availability and downtime for 24h and 7d windows ending at
// `end=`, the MCP's incidents, the fleet CSV, and a scoped token that may not see the MCP.
import {
  DAY_MS,
  FleetUptimeResponse,
  HOUR_MS,
  IncidentsResponse,
  UPTIME_KEY,
  UptimeResponse,
  dayStart,
  type LogEventInput,
} from '@beacon/protocol';
import { startService, waitFor, type ProcessHandle } from '@beacon/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken, startTestBed, type InProcessEdge, type TestBed } from './test-support.js';

let bed: TestBed;
let edge: InProcessEdge;
let notifier: ProcessHandle;
let admin: string;
let scoped: string;
const base = dayStart(Date.now()) - 5 * DAY_MS;
const at = (t: number): string => new Date(t).toISOString();
const status = (name: string, t: number, s: string, error: string | null = null): LogEventInput =>
  ({
    type: 'mcp_status_change',
    mcp_name: name,
    status: s,
    timestamp: at(t),
    actor: 'registry',
    metadata: { error, health_reason: error === null ? null : 'error' },
  }) as LogEventInput;

async function get(path: string, token: string, accept = 'application/json') {
  const res = await fetch(`${edge.http}${path}`, {
    headers: { authorization: `Bearer ${token}`, accept },
  });
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
}

beforeAll(async () => {
  bed = await startTestBed('uptime-e2e', 0);
  const log = bed.writer.log;
  await log.appendBatch([
    {
      type: 'mcp_registered',
      mcp_name: 'pay',
      timestamp: at(base),
      actor: 'fleet-file',
      config: {
        name: 'pay',
        transport: { type: 'streamable-http', url: 'http://127.0.0.1:9/mcp' },
      },
    },
    status('pay', base, 'healthy'),
    status('pay', base + 26 * HOUR_MS, 'unhealthy', 'HTTP 503 Service Unavailable'),
    status('pay', base + 28 * HOUR_MS, 'healthy'),
    status('pay', base + 50 * HOUR_MS, 'disconnected', 'connection failed'),
    status('pay', base + 50 * HOUR_MS + 30 * 60_000, 'healthy'),
  ]);
  const head = await log.lastOffset();
  notifier = await startService('notifier', {
    name: 'notifier',
    env: {
      REDIS_URL: bed.redis.url,
      BEACON_REDIS_PREFIX: bed.prefix,
      BEACON_NOTIFIER_HTTP_PORT: '0',
      BEACON_NOTIFIER_HTTP_HOST: '127.0.0.1',
      BEACON_NOTIFIER_LEASE_TTL_MS: '1000',
      LOG_LEVEL: 'info',
    },
    readyLine: /notifier ready/,
    readyTimeoutMs: 30_000,
  });
  await waitFor(
    async () =>
      ((await bed.writer.redis.hget(log.keys.uptime(UPTIME_KEY.position), 'p')) ?? '').split(
        '|',
      )[1] === head,
    { timeoutMs: 30_000, message: 'the projector reaches the head of the log' },
  );
  edge = await bed.edge();
  admin = await mintToken({ sub: 'ada', role: 'admin' });
  scoped = await mintToken({ sub: 'sam', role: 'viewer', mcps: ['billing-*'] });
}, 90_000);

afterAll(async () => {
  await notifier?.kill('SIGTERM');
  await bed?.stop();
});

describe('uptime from the log to the API', () => {
  it('24h and 7d windows ending at `end` have the exact availability of the seeded history', async () => {
    const day = await get(`/api/mcps/pay/uptime?window=24h&end=${at(base + 48 * HOUR_MS)}`, admin);
    expect(day.status).toBe(200);
    const d = UptimeResponse.parse(JSON.parse(day.body));
    expect(d).toMatchObject({
      from: at(base + 24 * HOUR_MS),
      to: at(base + 48 * HOUR_MS),
      availability: 91.667, // 22 h of 24 h
      downtime_s: 7_200,
      observed_s: 86_400,
      incidents: 1,
      bucket: 'hour',
    });
    expect(d.series).toHaveLength(24);
    expect(d.series[2]).toMatchObject({ availability: 0, downtime_s: 3_600 });

    const week = await get(`/api/mcps/pay/uptime?window=7d&end=${at(base + 72 * HOUR_MS)}`, admin);
    const w = UptimeResponse.parse(JSON.parse(week.body));
    // The MCP exists for 72 h of the window; 2.5 h of them down.
    expect(w).toMatchObject({ observed_s: 72 * 3_600, downtime_s: 9_000, incidents: 2 });
    expect(w.availability).toBe(96.528);
    expect(w.seconds).toMatchObject({ unhealthy: 7_200, disconnected: 1_800 });
  });

  it("lists the MCP's incidents newest first, with the first error", async () => {
    const res = await get('/api/mcps/pay/incidents', admin);
    const { incidents } = IncidentsResponse.parse(JSON.parse(res.body));
    expect(incidents.map((i) => [i.started_at, i.duration_s, i.first_error, i.statuses])).toEqual([
      [at(base + 50 * HOUR_MS), 1_800, 'connection failed', ['disconnected']],
      [at(base + 26 * HOUR_MS), 7_200, 'HTTP 503 Service Unavailable', ['unhealthy']],
    ]);
  });

  it('exports the fleet as CSV, and a scoped token cannot see the MCP', async () => {
    const csv = await get(
      `/api/uptime?window=24h&end=${at(base + 48 * HOUR_MS)}`,
      admin,
      'text/csv',
    );
    expect(csv.type).toContain('text/csv');
    const rows = csv.body.trim().split(/\r?\n/);
    expect(rows).toHaveLength(2);
    expect(rows[1]).toContain('pay');
    expect(rows[1]).toContain('91.667');

    const fleet = FleetUptimeResponse.parse(
      JSON.parse((await get('/api/uptime?window=24h', scoped)).body),
    );
    expect(fleet.mcps).toEqual([]);
    expect((await get('/api/mcps/pay/uptime', scoped)).status).toBe(404);
    expect((await get('/api/mcps/pay/incidents', scoped)).status).toBe(404);
  });
});
