// Auth at the door, against a real edge: refused upgrades get 401/403 before any data; the
// token's `mcps` claim is enforced server-side (also for MCPs registered later and against
// subscribe); viewers cannot write; an expired token closes the socket unless refreshed.
import { startRedis, uniquePrefix, waitFor, type RedisHandle } from '@beacon/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mcpName, registration, statusChange } from './bench/seed.js';
import { logFor, mintToken, record, startEdge, type InProcessEdge } from './test-support.js';
import { McpListResponse } from '@beacon/protocol';

let redis: RedisHandle;
let edge: InProcessEdge;
let log: ReturnType<typeof logFor>['log'];
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  redis = await startRedis();
  const prefix = uniquePrefix('edge-auth');
  const w = logFor(redis.url, prefix);
  log = w.log;
  cleanups.push(async () => w.redis.quit());
  for (let i = 0; i < 4; i++) await log.append(registration(mcpName(i)));
  await log.append(registration('billing-eu'));
  edge = await startEdge(redis.url, prefix, { allowedOrigins: ['https://beacon.example'] });
  cleanups.push(() => edge.stop());
});
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  await redis.stop();
});

async function refused(url: string, options: Parameters<typeof record>[1] = {}): Promise<string> {
  const r = record(url, options);
  const err = await r.opened.then(
    () => 'opened',
    (e: unknown) => String(e),
  );
  expect(r.messages).toEqual([]);
  return err;
}

describe('upgrade auth', () => {
  it('refuses a missing, invalid, wrongly signed or expired token with 401', async () => {
    expect(await refused(edge.ws)).toMatch(/HTTP 401.*missing token/);
    expect(await refused(edge.ws, { token: 'not-a-jwt' })).toMatch(/HTTP 401/);
    const forged = await mintToken({ role: 'admin' }, 'some-other-secret-0123456789');
    expect(await refused(edge.ws, { token: forged })).toMatch(/HTTP 401.*signature/);
    const expired = await mintToken({ exp: Math.floor(Date.now() / 1000) - 10 });
    expect(await refused(edge.ws, { token: expired })).toMatch(/HTTP 401.*expired/);
    const noRole = await mintToken({ role: 'root' as 'admin' });
    expect(await refused(edge.ws, { token: noRole })).toMatch(/HTTP 401.*role/);
  });

  it('accepts the token from the header, the query string or the beacon_token cookie', async () => {
    const token = await mintToken({});
    const viaQuery = record(`${edge.ws}?token=${token}`);
    const viaCookie = record(edge.ws, { headers: { cookie: `other=1; beacon_token=${token}` } });
    const viaHeader = record(edge.ws, { token });
    for (const r of [viaQuery, viaCookie, viaHeader]) {
      await r.opened;
      await r.waitFor((x) => x.of('initial_status').length === 1, 'initial_status');
      r.close();
    }
  });

  it('refuses a foreign Origin with 403 and allows the listed one and none', async () => {
    const token = await mintToken({});
    expect(await refused(edge.ws, { token, origin: 'https://evil.example' })).toMatch(
      /HTTP 403.*origin/,
    );
    const listed = record(edge.ws, { token, origin: 'https://beacon.example' });
    await listed.opened;
    listed.close();
  });
});

describe('the mcps claim', () => {
  it('limits initial_status and live events, also for MCPs registered later and after subscribe *', async () => {
    const token = await mintToken({ mcps: [mcpName(1), 'billing-*'] });
    const r = record(edge.ws, { token });
    await r.waitFor((x) => x.of('initial_status').length === 1, 'initial_status');
    const names = (r.of('initial_status')[0]?.mcps ?? []).map((m) => m.name);
    expect(names).toEqual(['billing-eu', mcpName(1)]);
    // Asking for everything cannot widen past the token.
    r.ws.send(JSON.stringify({ type: 'subscribe', mcps: ['*'] }));
    await r.waitFor(
      (x) => x.of('initial_status').length === 2,
      'fresh initial_status after subscribe',
    );
    expect((r.of('initial_status')[1]?.mcps ?? []).map((m) => m.name)).toEqual([
      'billing-eu',
      mcpName(1),
    ]);
    await log.append(registration('billing-us'));
    for (let i = 0; i < 4; i++) await log.append(statusChange(mcpName(i), i));
    await log.append(statusChange('billing-us', 1));
    await r.waitFor(
      (x) => x.events().some((m) => m.mcp_name === 'billing-us' && m.type === 'mcp_status_change'),
      'billing-us change',
    );
    const seen = new Set(r.events().map((m) => m.mcp_name));
    expect([...seen].sort()).toEqual(['billing-us', mcpName(1)]);
    // Narrowing with subscribe works within the claim.
    r.ws.send(JSON.stringify({ type: 'subscribe', mcps: ['billing-us'] }));
    await r.waitFor((x) => x.of('ack').length === 2, 'second ack');
    const ack = r.of('ack')[1];
    expect(ack).toMatchObject({ of: 'subscribe', mcps: ['billing-us'] });
    const before = r.events().length;
    await log.append(statusChange(mcpName(1), 9));
    await log.append(statusChange('billing-us', 9));
    await r.waitFor((x) => x.events().length === before + 1, 'only the subscribed MCP');
    expect(r.events().at(-1)?.mcp_name).toBe('billing-us');
    r.close();
  });
});

describe('probe digests', () => {
  it('update the mirror and reach each connection filtered by its claim', async () => {
    const filtered = record(edge.ws, { token: await mintToken({ mcps: ['billing-*'] }) });
    const everything = record(edge.ws, { token: await mintToken({}) });
    for (const r of [filtered, everything]) {
      await r.waitFor((x) => x.of('initial_status').length === 1, 'initial_status');
    }
    const checkedAt = new Date(Date.now() + 60_000).toISOString();
    await log.publishSide({
      type: 'probe_digest',
      timestamp: new Date().toISOString(),
      probes: [
        { name: 'billing-eu', checked_at: checkedAt, latency_ms: 12, ok: true },
        { name: mcpName(0), checked_at: checkedAt, latency_ms: 34, ok: true },
      ],
    });
    const whole = await everything.waitFor((x) => x.of('probe_digest')[0], 'digest');
    expect((whole.probes as { name: string }[]).map((p) => p.name)).toEqual([
      'billing-eu',
      mcpName(0),
    ]);
    const mine = await filtered.waitFor((x) => x.of('probe_digest')[0], 'filtered digest');
    expect((mine.probes as { name: string }[]).map((p) => p.name)).toEqual(['billing-eu']);
    const late = record(edge.ws, { token: await mintToken({}) });
    const initial = await late.waitFor((x) => x.of('initial_status')[0], 'initial_status');
    expect(initial.mcps?.find((m) => m.name === mcpName(0))).toMatchObject({
      last_health_check: checkedAt,
      latency_ms: 34,
    });
    for (const r of [filtered, everything, late]) r.close();
  });
});

describe('viewers and the admin API', () => {
  it('a viewer reads but cannot write; no token is 401', async () => {
    const viewer = await mintToken({ role: 'viewer' });
    const body = JSON.stringify({ name: 'x1', transport: { type: 'stdio', command: 'true' } });
    const post = await fetch(`${edge.http}/api/mcps`, {
      method: 'POST',
      headers: { authorization: `Bearer ${viewer}`, 'content-type': 'application/json' },
      body,
    });
    expect(post.status).toBe(403);
    expect(await post.json()).toMatchObject({ error: { code: 'forbidden' } });
    const del = await fetch(`${edge.http}/api/mcps/${mcpName(1)}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${viewer}` },
    });
    expect(del.status).toBe(403);
    const read = await fetch(`${edge.http}/api/mcps`, {
      headers: { authorization: `Bearer ${viewer}` },
    });
    expect(read.status).toBe(200);
    McpListResponse.parse(await read.json());
    const anon = await fetch(`${edge.http}/api/mcps`);
    expect(anon.status).toBe(401);
    expect(anon.headers.get('www-authenticate')).toMatch(/Bearer/);
  });
});

describe('token expiry', () => {
  it('closes the socket with 4001 at exp, unless an auth message refreshed the token', async () => {
    const exp = Math.floor(Date.now() / 1000) + 3;
    const short = await mintToken({ sub: 'alice', exp });
    const expiring = record(edge.ws, { token: short });
    const refreshed = record(edge.ws, { token: short });
    await Promise.all([expiring.opened, refreshed.opened]);
    const fresh = await mintToken({ sub: 'alice', expSeconds: 3600 });
    refreshed.ws.send(JSON.stringify({ type: 'auth', token: fresh }));
    await refreshed.waitFor((x) => x.of('ack').length === 1, 'auth ack');
    expect(refreshed.of('ack')[0]).toMatchObject({ of: 'auth' });
    const closed = await expiring.done;
    expect(closed.code).toBe(4001);
    expect(Date.now() / 1000).toBeGreaterThanOrEqual(exp - 0.2);
    // Still open, and still live, after the first token's expiry.
    await log.append(statusChange(mcpName(0), 77));
    const head = await log.lastOffset();
    await refreshed.waitFor((x) => x.events().at(-1)?.offset === head, 'event after expiry');
    expect(refreshed.closed).toBeNull();
    // A token for someone else is refused without closing.
    const mallory = await mintToken({ sub: 'mallory' });
    refreshed.ws.send(JSON.stringify({ type: 'auth', token: mallory }));
    await refreshed.waitFor((x) => x.of('error').length === 1, 'error');
    expect(refreshed.of('error')[0]).toMatchObject({ code: 'forbidden' });
    refreshed.close();
    await waitFor(() => edge.edge.connections === 0, { message: 'sockets cleaned up' });
  });
});
