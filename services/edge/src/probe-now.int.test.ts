// Recheck now (`POST /api/mcps/:name/probe`) end to end: a private Redis, a real MCP server over
// streamable HTTP, the real registry and edge processes. The probe runs at once (the MCP's
// interval is a minute), its decision is applied like any probe's, and the answer carries the
// probe's result and the row after it. Refusals: viewers, scoped admins outside their claim,
// unknown and disabled MCPs, request bodies with options.
import { ProbeNowResponse } from '@beacon/protocol';
import {
  startMcpTestServer,
  startRedis,
  startRegistryProcess,
  uniquePrefix,
  type McpTestServer,
  type ProcessHandle,
  type RedisHandle,
} from '@beacon/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRestAnswer, mintToken, startEdgeProcess, type EdgeProcess } from './test-support.js';

const NAME = 'recheck_mcp';
let redis: RedisHandle;
let mcp: McpTestServer;
let edge: EdgeProcess;
let admin: string;
const procs: ProcessHandle[] = [];

beforeAll(async () => {
  redis = await startRedis();
  const prefix = uniquePrefix('edge-probe-now');
  mcp = await startMcpTestServer({ name: NAME, fault: 'ok' });
  procs.push(await startRegistryProcess(redis.url, prefix));
  edge = await startEdgeProcess(redis.url, prefix);
  procs.push(edge.proc);
  admin = await mintToken({ sub: 'ada', role: 'admin' });
}, 120_000);

afterAll(async () => {
  for (const p of procs.reverse()) await p.kill('SIGTERM').catch(() => undefined);
  await mcp?.close();
  await redis?.stop();
});

async function call(method: string, path: string, body?: string, token = admin) {
  const res = await fetch(`${edge.http}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body }),
  });
  const json = (await res.json()) as Record<string, unknown>;
  return { status: res.status, json: checkRestAnswer(method, path, res.status, json) };
}

const probeNow = async (name = NAME, token = admin, body?: string) => {
  const r = await call('POST', `/api/mcps/${name}/probe`, body, token);
  return {
    status: r.status,
    json: r.json,
    answer: r.status === 200 ? ProbeNowResponse.parse(r.json) : null,
  };
};

describe('POST /api/mcps/:name/probe', () => {
  it('probes at once and answers with the result; a failing probe changes the status now', async () => {
    const reg = await call(
      'POST',
      '/api/mcps',
      JSON.stringify({
        name: NAME,
        transport: { type: 'streamable-http', url: mcp.url },
        probe_interval_ms: 60_000,
        timeout_ms: 1_000,
      }),
    );
    expect(reg.status).toBe(201);

    const first = await probeNow();
    expect(first.status).toBe(200);
    expect(first.answer?.probe).toMatchObject({ mcp_name: NAME, ok: true, outcome: 'success' });
    expect(first.answer?.mcp?.health_status).toBe('healthy');

    // Healthy again: nothing to append.
    const again = await probeNow(NAME, admin, '{}');
    expect(again.status).toBe(200);
    expect(again.answer?.probe.ok).toBe(true);
    expect(again.answer?.offset).toBeNull();

    await mcp.setFault('error');
    const failing = await probeNow();
    expect(failing.status).toBe(200);
    expect(failing.answer?.probe).toMatchObject({
      ok: false,
      outcome: 'error',
      status: 'unhealthy',
    });
    expect(failing.answer?.offset).toMatch(/^\d+-\d+$/);
    // The answer waits for the edge's mirror: the row already shows the decision.
    expect(failing.answer?.mcp?.health_status).toBe('unhealthy');

    await mcp.setFault('ok');
    const back = await probeNow();
    expect(back.answer?.probe.ok).toBe(true);
    expect(back.answer?.mcp?.health_status).toBe('healthy');
  });

  it('is refused to viewers, to admins scoped elsewhere, for unknown or disabled MCPs and bodies', async () => {
    const viewer = await mintToken({ sub: 'vic', role: 'viewer' });
    expect((await probeNow(NAME, viewer)).status).toBe(403);
    const scoped = await mintToken({ sub: 'sam', role: 'admin', mcps: ['other_*'] });
    expect([403, 404]).toContain((await probeNow(NAME, scoped)).status);

    const unknown = await probeNow('ghost_mcp');
    expect(unknown.status).toBe(404);
    expect(JSON.stringify(unknown.json)).toMatch(/ghost_mcp/);

    const options = await probeNow(NAME, admin, '{"method":"tools_list"}');
    expect(options.status).toBe(400);
    expect((await probeNow(NAME, admin, 'not json')).status).toBe(400);

    expect((await call('PATCH', `/api/mcps/${NAME}`, '{"enabled":false}')).status).toBe(200);
    const disabled = await probeNow();
    expect(disabled.status).toBe(409);
    expect(JSON.stringify(disabled.json)).toMatch(/disabled/);
  });
});
