// The demo-mcp service as operators run it: a real process serving real MCP servers, a control
// API the dashboard can call cross-origin, and a fleet file a registry can load.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { freePort, freePortRange, startService, waitFor } from '@beacon/testing';
import { afterAll, expect, it } from 'vitest';

const stops: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const s of stops.reverse()) await s();
});

it('starts N servers, writes the fleet file and switches faults over the control API', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'beacon-demo-'));
  const fleetFile = join(dir, 'fleet.json');
  // Three consecutive ports below the ephemeral range (a client socket could otherwise take one),
  // and a control port the OS picks (ephemeral, so never inside that range).
  const mcpPort = await freePortRange(3);
  const controlPort = await freePort();
  const proc = await startService('demo-mcp', {
    args: ['--write-fleet', fleetFile],
    env: {
      BEACON_DEMO_MCP_COUNT: '3',
      BEACON_DEMO_MCP_PORT: String(mcpPort),
      BEACON_DEMO_CONTROL_PORT: String(controlPort),
      BEACON_DEMO_ALLOWED_ORIGINS: 'http://localhost:3001',
    },
    readyLine: /demo MCP fleet up/,
  });
  stops.push(() => proc.kill('SIGTERM'));

  const fleet = JSON.parse(readFileSync(fleetFile, 'utf8')) as {
    mcps: { name: string; transport: { url: string } }[];
  };
  expect(fleet.mcps.map((m) => m.name)).toEqual(['billing_mcp', 'search_mcp', 'weather_mcp']);
  expect(fleet.mcps[0]?.transport.url).toBe(`http://127.0.0.1:${mcpPort}/mcp`);

  const client = new Client({ name: 'test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(fleet.mcps[0]!.transport.url)));
  stops.push(() => client.close());
  expect((await client.listTools()).tools.length).toBe(3);

  const control = `http://127.0.0.1:${controlPort}`;
  const preflight = await fetch(`${control}/servers/billing_mcp/fault`, {
    method: 'OPTIONS',
    headers: { origin: 'http://localhost:3001', 'access-control-request-method': 'POST' },
  });
  expect(preflight.status).toBe(204);
  expect(preflight.headers.get('access-control-allow-origin')).toBe('http://localhost:3001');

  const res = await fetch(`${control}/servers/billing_mcp/fault`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: 'http://localhost:3001' },
    body: JSON.stringify({ mode: 'error' }),
  });
  expect(res.status).toBe(200);
  await expect(client.ping()).rejects.toThrow(/error mode/);

  const list = (await (await fetch(`${control}/servers`)).json()) as {
    servers: { name: string; fault: { mode: string } }[];
  };
  expect(list.servers.map((s) => [s.name, s.fault.mode])).toEqual([
    ['billing_mcp', 'error'],
    ['search_mcp', 'ok'],
    ['weather_mcp', 'ok'],
  ]);

  const exit = await proc.kill('SIGTERM');
  expect(exit.code).toBe(0);
  await waitFor(
    async () =>
      fetch(control).then(
        () => false,
        () => true,
      ),
    {
      timeoutMs: 5_000,
      message: 'control API still up after SIGTERM',
    },
  );
});
