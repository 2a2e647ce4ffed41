// Probing streamable-HTTP MCP servers over https signed by a private CA (a throwaway one made with
// openssl), against a real Redis: with the CA trusted (as BEACON_MCP_CA_FILE does) the server is
// healthy with latency and tools, hears tools/list_changed, goes disconnected when down and
// recovers; without it every probe fails the TLS handshake and the MCP is `disconnected` with an
// error that says so (no MCP exchange happened: the transport could not connect securely).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  createTestCa,
  startMcpTestServer,
  startRedis,
  startRegistryProcess,
  uniquePrefix,
  waitFor,
  type McpTestServer,
  type McpTestTransport,
  type RedisHandle,
  type TestCa,
} from '@beacon/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHttpAgents, type HttpAgents } from './http-transport.js';
import {
  brokenTransitions,
  kinds,
  readLog,
  startLeadingHarness,
  type Harness,
} from './test-support.js';
import { readCaFile } from './tls-trust.js';

let redis: RedisHandle;
let ca: TestCa;
const cleanups: (() => Promise<unknown>)[] = [];
beforeAll(async () => {
  [redis, ca] = await Promise.all([startRedis(), createTestCa()]);
});
afterAll(async () => {
  await Promise.allSettled([redis?.stop(), ca?.remove()]);
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function harness(httpAgents?: HttpAgents): Promise<Harness> {
  const h = await startLeadingHarness({
    url: redis.url,
    prefix: uniquePrefix('reg-tls'),
    // Auto-disable is not under test: statuses must stay put while the test looks at them.
    engine: { failureCyclesToDisable: 1_000 },
    ...(httpAgents === undefined ? {} : { httpAgents }),
  });
  cleanups.push(() => h.stop());
  return h;
}
async function httpsServer(
  name: string,
  signer: TestCa = ca,
  transport: McpTestTransport = 'streamable-http',
): Promise<McpTestServer> {
  const s = await startMcpTestServer({
    name,
    transport,
    tls: { key: signer.key, cert: signer.cert },
  });
  cleanups.push(() => s.close());
  return s;
}
const config = (s: McpTestServer) => ({
  name: s.name,
  transport: { type: s.transport, url: s.url },
  probe_interval_ms: 200,
  // Generous: TLS handshakes on a busy 2-core box.
  timeout_ms: 2_000,
});

describe('probing over https with a private CA', () => {
  it('trusted CA: healthy with latency and tools, list_changed, down → disconnected, back → recovery', async () => {
    // What main.ts builds from BEACON_MCP_CA_FILE.
    const agents = createHttpAgents({ extraCa: readCaFile(ca.caFile) });
    cleanups.push(() => Promise.resolve(agents.destroy()));
    const h = await harness(agents);
    const s = await httpsServer('vault_mcp');
    expect(s.url).toMatch(/^https:/);
    await h.command({ type: 'register', config: config(s) });

    const healthy = await h.waitRow('vault_mcp', (r) => r.health_status === 'healthy', 'healthy');
    expect(healthy.tools_count).toBe(3);
    expect(healthy.latency_ms).toBeGreaterThan(0);

    // tools/list_changed travels on the standalone GET stream, over TLS too.
    await waitFor(() => s.info().streams >= 1, { timeoutMs: 5_000, message: 'https stream' });
    s.tools.add({ name: 'vault_rotate', description: 'Rotate a secret.' });
    await h.waitRow('vault_mcp', (r) => r.tools_count === 4, 'tools_count 4');

    await s.setFault('down');
    const down = await h.waitRow(
      'vault_mcp',
      (r) => r.health_status === 'disconnected',
      'disconnected',
    );
    expect(down.last_error).toBe('connection failed');
    await s.setFault('ok');
    await h.waitRow('vault_mcp', (r) => r.health_status === 'healthy', 'healthy again');

    const events = await h.waitTail('vault_mcp', ['status:healthy', 'recovery']);
    expect(brokenTransitions(events)).toEqual([]);
    expect(kinds(events)).toEqual([
      'mcp_registered',
      'status:healthy',
      'tools_changed',
      'failure',
      'status:disconnected',
      'status:healthy',
      'recovery',
    ]);
  });

  it('untrusted CA: every probe fails the TLS handshake → disconnected with a clear error', async () => {
    const h = await harness(); // Node's default roots only: the throwaway CA is unknown.
    const s = await httpsServer('private_mcp');
    await h.command({ type: 'register', config: config(s) });

    const row = await h.waitRow(
      'private_mcp',
      (r) => r.health_status === 'disconnected',
      'disconnected (TLS)',
    );
    expect(row.last_error).toBe('TLS: untrusted certificate (is its CA in BEACON_MCP_CA_FILE?)');
    expect(row.tools_count).toBeNull();
    // The server saw connections but no MCP request: nothing got past the handshake.
    expect(s.info().requests).toBe(0);
    const probes = (await h.probes()).filter((p) => p.mcp_name === 'private_mcp');
    expect(probes.length).toBeGreaterThan(0);
    expect(probes.every((p) => p.outcome === 'disconnected' && /^TLS: /.test(p.error ?? ''))).toBe(
      true,
    );
  });
});

describe('the registry process and its CA settings', () => {
  it('BEACON_MCP_CA_FILE trusts streamable-HTTP servers; NODE_EXTRA_CA_CERTS every transport', async () => {
    // Two unrelated private CAs: one given to the registry, one to Node.
    const other = await createTestCa();
    cleanups.push(() => other.remove());
    const servers = await Promise.all([
      httpsServer('beacon_ca_http', ca),
      httpsServer('node_ca_http', other),
      httpsServer('node_ca_sse', other, 'sse'),
      httpsServer('beacon_ca_sse', ca, 'sse'),
    ]);
    const fleetFile = join(other.dir, 'fleet.json');
    await writeFile(fleetFile, JSON.stringify({ mcps: servers.map(config) }));
    const prefix = uniquePrefix('reg-tls-main');
    const registry = await startRegistryProcess(redis.url, prefix, {
      BEACON_FLEET_FILE: fleetFile,
      BEACON_MCP_CA_FILE: ca.caFile,
      NODE_EXTRA_CA_CERTS: other.caFile,
      // beacon_ca_sse stays disconnected (not auto-disabled) while the others come up.
      BEACON_FAILURE_CYCLES_TO_DISABLE: '1000',
    });
    cleanups.push(() => (registry.running ? registry.kill('SIGKILL') : Promise.resolve()));

    const expected: Record<string, string> = {
      beacon_ca_http: 'healthy',
      // Kept although the agents are given their own `ca` list (trustedCas re-adds it).
      node_ca_http: 'healthy',
      node_ca_sse: 'healthy',
      // The SDK's SSE transport uses Node's global fetch: BEACON_MCP_CA_FILE does not reach it.
      beacon_ca_sse: 'disconnected',
    };
    const last = new Map<string, string>();
    await waitFor(
      async () => {
        for (const e of await readLog(redis.url, prefix)) {
          if (e.type === 'mcp_status_change') last.set(e.mcp_name, e.status);
        }
        return Object.entries(expected).every(([name, status]) => last.get(name) === status);
      },
      { timeoutMs: 20_000, message: 'the expected statuses' },
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}; got ${JSON.stringify(Object.fromEntries(last))}`);
    });
    expect((await registry.kill('SIGTERM')).code).toBe(0);
  });
});
