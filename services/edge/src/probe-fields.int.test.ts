// What the probe reports reaches GET /api/mcps through the real registry and edge processes
// (built dist): protocol_version for a 2026-07-28 server and a 2025 one, health_reason
// auth_failed for a server refusing credentials, health_check_disabled for one never probed, and
// probe_method / health_check in the (masked) config.
import {
  type ProcessHandle,
  type RedisHandle,
  startMcpTestServer,
  startModernMcpServer,
  startRedis,
  startRegistryProcess,
  uniquePrefix,
  waitFor,
  type McpTestServer,
  type ModernMcpServer,
} from '@beacon/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken, startEdgeProcess, type EdgeProcess } from './test-support.js';

let redis: RedisHandle;
let edge: EdgeProcess;
let admin: string;
let modern: ModernMcpServer;
let locked: ModernMcpServer;
let legacy: McpTestServer;
const procs: ProcessHandle[] = [];

beforeAll(async () => {
  redis = await startRedis();
  const prefix = uniquePrefix('edge-probe-fields');
  modern = await startModernMcpServer({ name: 'modern_mcp' });
  locked = await startModernMcpServer({
    name: 'locked_mcp',
    auth: { header: 'authorization', value: 'Bearer right', status: 403 },
  });
  legacy = await startMcpTestServer({ name: 'legacy_mcp' });
  procs.push(await startRegistryProcess(redis.url, prefix));
  edge = await startEdgeProcess(redis.url, prefix);
  procs.push(edge.proc);
  admin = await mintToken({ sub: 'ada', role: 'admin' });
}, 180_000);

afterAll(async () => {
  for (const p of procs.reverse()) await p.kill('SIGTERM').catch(() => undefined);
  await Promise.all([modern?.close(), locked?.close(), legacy?.close()]);
  await redis?.stop();
});

async function call(method: string, path: string, body?: unknown) {
  const res = await fetch(`${edge.http}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${admin}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe('probe fields in /api/mcps', () => {
  it('protocol_version, health_reason, probe_method and health_check', async () => {
    const common = { probe_interval_ms: 300, timeout_ms: 2_000, failure_cycles_to_disable: 1_000 };
    const http = (url: string) => ({ type: 'streamable-http', url });
    for (const body of [
      { name: 'modern_mcp', transport: http(modern.url), probe_method: 'discover', ...common },
      { name: 'legacy_mcp', transport: http(legacy.url), ...common },
      { name: 'locked_mcp', transport: http(locked.url), ...common },
      { name: 'quiet_mcp', transport: http(modern.url), health_check: false, ...common },
    ]) {
      expect((await call('POST', '/api/mcps', body)).status).toBe(201);
    }
    expect(
      (
        await call('POST', '/api/mcps', {
          name: 'bad_mcp',
          transport: http(modern.url),
          probe_method: 'head',
        })
      ).status,
    ).toBe(400);

    type Row = Record<string, unknown> & { name: string; config?: Record<string, unknown> };
    const rows = await waitFor(
      async () => {
        const list = (await call('GET', '/api/mcps')).json.mcps as Row[];
        const by = new Map(list.map((r) => [r.name, r]));
        const ready =
          by.get('modern_mcp')?.health_status === 'healthy' &&
          by.get('legacy_mcp')?.health_status === 'healthy' &&
          by.get('locked_mcp')?.health_status === 'unhealthy';
        return ready ? by : undefined;
      },
      { timeoutMs: 30_000, message: 'probed rows' },
    );
    expect(rows.get('modern_mcp')).toMatchObject({
      protocol_version: '2026-07-28',
      health_reason: null,
      config: { probe_method: 'discover' },
    });
    expect(rows.get('legacy_mcp')?.protocol_version).toMatch(/^2025-/);
    expect(rows.get('locked_mcp')).toMatchObject({
      health_reason: 'auth_failed',
      last_error: 'HTTP 403 Forbidden',
    });
    expect(rows.get('quiet_mcp')).toMatchObject({
      health_status: 'unknown',
      enabled: true,
      health_reason: 'health_check_disabled',
      config: { health_check: false },
    });
    const one = await call('GET', '/api/mcps/modern_mcp');
    expect(one.json).toMatchObject({ protocol_version: '2026-07-28' });
  });
});
