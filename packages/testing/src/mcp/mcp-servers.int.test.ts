// The MCP test servers speak real MCP (SDK client over streamable HTTP and stdio) and their fault
// switches do what a registry must be able to observe.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers.js';
import {
  startFleetControl,
  startMcpFleet,
  startMcpTestServer,
  stdioServerArgs,
  type McpFleet,
  type McpTestServer,
} from '@beacon/mcp-fixtures';
import { expectFlap, expectSlow, sdkClient } from './test-support.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function connectHttp(url: string, onToolsChanged?: () => void): Promise<Client> {
  const client = sdkClient(onToolsChanged);
  await client.connect(new StreamableHTTPClientTransport(new URL(url)), { timeout: 5_000 });
  cleanups.push(() => client.close());
  return client;
}

async function serve(name: string): Promise<McpTestServer> {
  const s = await startMcpTestServer({ name });
  cleanups.push(() => s.close());
  return s;
}

describe('HTTP MCP test server', () => {
  it('answers initialize, ping, tools/list and tools/call', async () => {
    const server = await serve('billing_mcp');
    const client = await connectHttp(server.url);
    await client.ping();
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(['echo', 'billing_lookup', 'billing_search']);
    const result = await client.callTool({ name: 'echo', arguments: { text: 'hi' } });
    expect(result.content).toEqual([{ type: 'text', text: 'billing_mcp/echo: hi' }]);
  });

  it('down refuses connections, ok serves again with a fresh session', async () => {
    const server = await serve('search_mcp');
    const client = await connectHttp(server.url);
    await server.setFault('down');
    await expect(client.ping({ timeout: 2_000 })).rejects.toThrow();
    await expect(fetch(server.faultUrl)).rejects.toThrow(/fetch failed/);
    await server.setFault('ok');
    // The old session died with the server, as it would with a real restart.
    await expect(client.ping({ timeout: 2_000 })).rejects.toThrow(/Session not found/);
    const fresh = await connectHttp(server.url);
    await fresh.ping();
  });

  it('error answers JSON-RPC errors; slow delays beyond the threshold', async () => {
    const server = await serve('crm_mcp');
    const client = await connectHttp(server.url);
    const res = await fetch(server.faultUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ mode: 'error' }),
    });
    expect(res.status).toBe(200);
    const err = await client.ping().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(McpError);
    expect((err as McpError).message).toMatch(/error mode/);

    await expectSlow(server, client);

    const bad = await fetch(server.faultUrl, { method: 'POST', body: '{"mode":"broken"}' });
    expect(bad.status).toBe(400);
  });

  it('flap alternates error and ok', async () => {
    const server = await serve('maps_mcp');
    const client = await connectHttp(server.url);
    await expectFlap(server, client);
  });

  it('adding and removing a tool notifies connected clients', async () => {
    const server = await serve('docs_mcp');
    let notified = 0;
    const client = await connectHttp(server.url, () => notified++);
    await waitFor(() => server.info().streams === 1, { timeoutMs: 5_000, message: 'SSE stream' });
    server.tools.add({ name: 'docs_summarize', description: 'Summarize a doc.' });
    await waitFor(() => notified >= 1, { timeoutMs: 5_000, message: 'no list_changed after add' });
    expect((await client.listTools()).tools).toHaveLength(4);
    server.tools.remove('echo');
    await waitFor(() => notified >= 2, {
      timeoutMs: 5_000,
      message: 'no list_changed after remove',
    });
    expect((await client.listTools()).tools).toHaveLength(3);
  });
});

describe('fleet control', () => {
  it('switches one server of many, also back from down', async () => {
    const fleet: McpFleet = await startMcpFleet({ count: 20 });
    cleanups.push(() => fleet.close());
    const control = await startFleetControl(fleet, { allowedOrigins: ['http://dash.test'] });
    cleanups.push(() => control.close());
    const post = (path: string, body: unknown): Promise<Response> =>
      fetch(control.url + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: 'http://dash.test' },
        body: JSON.stringify(body),
      });

    const down = await post('/servers/billing_mcp/fault', { mode: 'down' });
    expect(down.headers.get('access-control-allow-origin')).toBe('http://dash.test');
    expect(((await down.json()) as { listening: boolean }).listening).toBe(false);
    await expect(fetch(fleet.get('billing_mcp')!.url, { method: 'POST' })).rejects.toThrow();
    await (await connectHttp(fleet.get('search_mcp')!.url)).ping();

    expect((await post('/servers/billing_mcp/fault', { mode: 'ok' })).status).toBe(200);
    await (await connectHttp(fleet.get('billing_mcp')!.url)).ping();

    const list = (await (await fetch(`${control.url}/servers`)).json()) as { servers: unknown[] };
    expect(list.servers).toHaveLength(20);
    expect((await post('/servers/nope/fault', { mode: 'ok' })).status).toBe(404);
    expect((await post('/servers/billing_mcp/fault', { mode: 'sideways' })).status).toBe(400);
  });
});

describe('stdio MCP test server', () => {
  it('serves over stdio and follows its fault file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'beacon-stdio-'));
    const faultFile = join(dir, 'fault');
    writeFileSync(faultFile, 'ok');
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: stdioServerArgs({ name: 'local_mcp', tools: 4, faultFile }),
      stderr: 'pipe',
    });
    let closed = false;
    const client = new Client({ name: 'test', version: '1.0.0' });
    client.onclose = () => {
      closed = true;
    };
    await client.connect(transport, { timeout: 10_000 });
    cleanups.push(() => client.close());
    await client.ping();
    expect((await client.listTools()).tools).toHaveLength(4);

    writeFileSync(faultFile, 'error');
    await expect(client.ping()).rejects.toThrow(/error mode/);
    writeFileSync(faultFile, 'down');
    await client.ping({ timeout: 2_000 }).catch(() => undefined);
    await waitFor(() => closed, { timeoutMs: 5_000, message: 'stdio server did not exit on down' });
  });
});
