// Registered URLs as an attacker would use them (issue 10), against real MCP test servers on
// loopback addresses only and a real Redis: an HTTP error's body never reaches last_error; the
// destination policy refuses literal IPs, names that resolve to denied addresses (checked after
// DNS, on every connect) and destinations outside an allow list — before any TCP connection —
// over both transports that reach URLs; redirects are not followed; the registry process reads
// BEACON_MCP_DENY_CIDRS / BEACON_MCP_ALLOW_CIDRS and refuses a bad one at start.
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  startMcpTestServer,
  startRegistryProcess,
  startService,
  uniquePrefix,
  waitFor,
  type McpTestServer,
  type McpTestTransport,
} from '@beacon/testing';
import { describe, expect, it } from 'vitest';
import { createDestinationPolicy, parseCidrList } from './destination-policy.js';
import { createHttpAgents } from './http-transport.js';
import { readLog, startLeadingHarness, type Harness, fileRedis } from './test-support.js';

const SECRET = 'sk_live_INTERNAL_SECRET_42';
const redis = fileRedis();
const { cleanups } = redis;

async function harness(policy?: { deny?: string; allow?: string }): Promise<Harness> {
  const agents =
    policy === undefined
      ? undefined
      : createHttpAgents({
          policy: createDestinationPolicy({
            deny: parseCidrList(policy.deny ?? 'default'),
            allow: policy.allow === undefined ? undefined : parseCidrList(policy.allow, false),
          }),
        });
  if (agents !== undefined) cleanups.push(() => Promise.resolve(agents.destroy()));
  const h = await startLeadingHarness({
    url: redis.url,
    prefix: uniquePrefix('reg-policy'),
    ...(agents === undefined ? {} : { httpAgents: agents }),
  });
  cleanups.push(() => h.stop());
  return h;
}

async function server(
  name: string,
  transport: McpTestTransport,
  host = '127.0.0.1',
): Promise<McpTestServer> {
  const s = await startMcpTestServer({ name, transport, host });
  cleanups.push(() => s.close());
  return s;
}

const config = (name: string, transport: McpTestTransport, url: string) => ({
  name,
  transport: { type: transport, url },
  probe_interval_ms: 300,
  timeout_ms: 1_500,
  // Stays disconnected/unhealthy (not auto-disabled) while the test looks.
  failure_cycles_to_disable: 1_000,
});

async function registerAndWait(
  h: Harness,
  name: string,
  transport: McpTestTransport,
  url: string,
  status: string,
) {
  expect((await h.command({ type: 'register', config: config(name, transport, url) })).ok).toBe(
    true,
  );
  return h.waitRow(name, (r) => r.health_status === status, status);
}

/** Everything a viewer could read about the MCP: its log events and the probe stream. */
async function everythingSaid(h: Harness, name: string): Promise<string> {
  return JSON.stringify([await h.events(name), await h.probes()]);
}

const path = (t: McpTestTransport): string => (t === 'sse' ? '/sse' : '/mcp');

describe.each(['streamable-http', 'sse'] as const)('%s URLs', (transport) => {
  it('an HTTP error answer: last_error is the status and reason, never the body', async () => {
    const h = await harness();
    const s = await server('leaky_mcp', transport);
    await s.setFault({ mode: 'http_error', http_status: 405, http_body: `secret=${SECRET}` });
    const row = await registerAndWait(h, 'leaky_mcp', transport, s.url, 'unhealthy');
    expect(row.last_error).toBe('HTTP 405 Method Not Allowed');
    await waitFor(async () => (await h.probes()).length >= 2, { message: 'two probes' });
    expect(await everythingSaid(h, 'leaky_mcp')).not.toContain(SECRET);

    // A status change carries last_error; later probes of the same status carry their own.
    await s.setFault({ mode: 'http_error', http_status: 500, http_body: SECRET });
    await waitFor(
      async () =>
        (await h.probes()).some(
          (p) => p.mcp_name === 'leaky_mcp' && p.error === 'HTTP 500 Internal Server Error',
        ),
      { message: 'a probe answered HTTP 500' },
    );
    expect(await everythingSaid(h, 'leaky_mcp')).not.toContain(SECRET);
  });

  it('a refused port is `connection failed`, with no address or errno', async () => {
    const h = await harness();
    const s = await server('gone_mcp', transport);
    const url = s.url;
    await s.close();
    const row = await registerAndWait(h, 'gone_mcp', transport, url, 'disconnected');
    expect(row.last_error).toBe('connection failed');
  });

  it('a denied literal IP is refused before any TCP connection', async () => {
    const h = await harness({ deny: 'default,127.0.0.2/32' });
    const s = await server('meta_mcp', transport, '127.0.0.2');
    const row = await registerAndWait(h, 'meta_mcp', transport, s.url, 'disconnected');
    expect(row.last_error).toBe('destination not allowed by policy');
    expect(row.tools_count).toBeNull();
    await waitFor(
      async () => (await h.probes()).filter((p) => p.mcp_name === 'meta_mcp').length >= 3,
      { message: 'three probes' },
    );
    expect(s.info().connections).toBe(0);
    // The IPv4-mapped IPv6 spelling of the same address is refused too.
    const mapped = await registerAndWait(
      h,
      'mapped_mcp',
      transport,
      `http://[::ffff:127.0.0.2]:${s.port}${path(transport)}`,
      'disconnected',
    );
    expect(mapped.last_error).toBe('destination not allowed by policy');
    expect(s.info().connections).toBe(0);
  });

  it('a name resolving to a denied address is refused after DNS resolution', async () => {
    const h = await harness({ deny: '127.0.0.1/32,::1/128' });
    const s = await server('named_mcp', transport);
    const url = `http://localhost:${s.port}${path(transport)}`;
    const row = await registerAndWait(h, 'named_mcp', transport, url, 'disconnected');
    expect(row.last_error).toBe('destination not allowed by policy');
    expect(s.info().connections).toBe(0);
  });

  it('BEACON_MCP_ALLOW_CIDRS narrows: only destinations inside it are reached', async () => {
    const h = await harness({ allow: '127.0.0.1/32' });
    const [inside, outside] = await Promise.all([
      server('inside_mcp', transport),
      server('outside_mcp', transport, '127.0.0.3'),
    ]);
    await registerAndWait(h, 'inside_mcp', transport, inside.url, 'healthy');
    const row = await registerAndWait(h, 'outside_mcp', transport, outside.url, 'disconnected');
    expect(row.last_error).toBe('destination not allowed by policy');
    expect(outside.info().connections).toBe(0);
  });

  it('a redirect to another origin is not followed', async () => {
    const h = await harness({ deny: 'default,127.0.0.2/32' });
    const target = await server('target_mcp', transport, '127.0.0.2');
    const redirector: Server = createServer((req, res) => {
      req.resume();
      res.writeHead(307, { location: target.url }).end();
    });
    await new Promise<void>((r) => redirector.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => redirector.close(r)));
    const port = (redirector.address() as AddressInfo).port;
    const url = `http://127.0.0.1:${port}${path(transport)}`;
    const row = await registerAndWait(h, 'hop_mcp', transport, url, 'unhealthy');
    expect(row.last_error).toBe('HTTP 307 Temporary Redirect');
    expect(target.info().connections).toBe(0);
  });
});

describe('the registry process and its destination policy', () => {
  it('reads BEACON_MCP_DENY_CIDRS and BEACON_MCP_ALLOW_CIDRS; a bad CIDR stops it naming the variable', async () => {
    const bad = await startService('registry', {
      env: {
        REDIS_URL: redis.url,
        BEACON_REGISTRY_HEALTH_PORT: '0',
        BEACON_MCP_DENY_CIDRS: 'default,127.0.0.0/33',
      },
    });
    expect((await bad.exited).code).toBe(1);
    expect(bad.output()).toMatch(
      /invalid configuration \(BEACON_MCP_DENY_CIDRS\): .*"127\.0\.0\.0\/33": prefix length must be 0-32/,
    );

    const servers = await Promise.all([
      server('ok_http', 'streamable-http'),
      server('denied_http', 'streamable-http', '127.0.0.2'),
      server('ok_sse', 'sse'),
      server('outside_sse', 'sse', '127.0.0.3'),
    ]);
    const dir = await mkdtemp(join(tmpdir(), 'reg-policy-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const fleetFile = join(dir, 'fleet.json');
    await writeFile(
      fleetFile,
      JSON.stringify({ mcps: servers.map((s) => config(s.name, s.transport, s.url)) }),
    );
    const prefix = uniquePrefix('reg-policy-main');
    const registry = await startRegistryProcess(redis.url, prefix, {
      BEACON_FLEET_FILE: fleetFile,
      BEACON_MCP_DENY_CIDRS: 'default,127.0.0.2',
      BEACON_MCP_ALLOW_CIDRS: '127.0.0.1/31,127.0.0.2/32',
    });
    cleanups.push(() => (registry.running ? registry.kill('SIGKILL') : Promise.resolve()));
    expect(registry.output()).toContain('"mcp_allow_cidrs":["127.0.0.1/31","127.0.0.2/32"]');

    const expected: Record<string, [string, string | undefined]> = {
      ok_http: ['healthy', undefined],
      denied_http: ['disconnected', 'destination not allowed by policy'],
      ok_sse: ['healthy', undefined],
      outside_sse: ['disconnected', 'destination not allowed by policy'],
    };
    const last = new Map<string, [string, string | undefined]>();
    await waitFor(
      async () => {
        for (const e of await readLog(redis.url, prefix)) {
          if (e.type === 'mcp_status_change')
            last.set(e.mcp_name, [e.status, e.metadata.error ?? undefined]);
        }
        return Object.entries(expected).every(
          ([name, want]) => JSON.stringify(last.get(name)) === JSON.stringify(want),
        );
      },
      { timeoutMs: 20_000, message: 'the expected statuses' },
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}; got ${JSON.stringify(Object.fromEntries(last))}`);
    });
    expect(servers[1].info().connections).toBe(0);
    expect(servers[3].info().connections).toBe(0);
    expect((await registry.kill('SIGTERM')).code).toBe(0);
  });
});
