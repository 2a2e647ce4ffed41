// The MCP test server over the older HTTP+SSE transport speaks real MCP (SDK SSEClientTransport)
// and its fault switch means what it means over streamable HTTP.
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers.js';
import { startMcpTestServer, type McpTestServer } from '@beacon/mcp-fixtures';
import { expectFlap, expectSlow, sdkClient } from './test-support.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function serve(name: string): Promise<McpTestServer> {
  const s = await startMcpTestServer({ name, transport: 'sse' });
  cleanups.push(() => s.close());
  return s;
}

async function connectSse(url: string, onToolsChanged?: () => void): Promise<Client> {
  const client = sdkClient(onToolsChanged);
  // Closed even when connect fails: a failed SSE transport's EventSource keeps retrying otherwise.
  cleanups.push(() => client.close());
  await client.connect(new SSEClientTransport(new URL(url)), { timeout: 5_000 });
  return client;
}

describe('SSE MCP test server', () => {
  it('serves initialize, ping, tools over GET /sse + POST /messages; list_changed on the stream', async () => {
    const server = await serve('billing_mcp');
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/sse$/);
    let notified = 0;
    const client = await connectSse(server.url, () => notified++);
    expect(server.info()).toMatchObject({ transport: 'sse', sessions: 1, streams: 1 });
    await client.ping();
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(['echo', 'billing_lookup', 'billing_search']);
    const result = await client.callTool({ name: 'echo', arguments: { text: 'hi' } });
    expect(result.content).toEqual([{ type: 'text', text: 'billing_mcp/echo: hi' }]);

    server.tools.add({ name: 'billing_refund', description: 'Refund an invoice.' });
    await waitFor(() => notified >= 1, { timeoutMs: 5_000, message: 'no list_changed after add' });
    expect((await client.listTools()).tools).toHaveLength(4);

    // Messages for a session that does not exist are refused, not accepted into the void.
    const stray = await fetch(server.url.replace(/\/sse$/, '/messages?sessionId=nope'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });
    expect(stray.status).toBe(404);
    await client.close();
    await waitFor(() => server.info().sessions === 0, {
      timeoutMs: 5_000,
      message: 'session gone with its stream',
    });
  });

  it('down refuses connections and drops sessions; ok serves fresh sessions', async () => {
    const server = await serve('search_mcp');
    const client = await connectSse(server.url);
    await server.setFault('down');
    expect(server.info()).toMatchObject({ listening: false, sessions: 0 });
    await expect(client.ping({ timeout: 2_000 })).rejects.toThrow(/fetch failed/);
    await expect(connectSse(server.url)).rejects.toThrow(/ECONNREFUSED/);
    await server.setFault('ok');
    const fresh = await connectSse(server.url);
    await fresh.ping();
  });

  it('error answers JSON-RPC errors on the stream; slow delays; flap alternates', async () => {
    const server = await serve('crm_mcp');
    const client = await connectSse(server.url);
    await server.setFault('error');
    const err = await client.ping().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(McpError);
    expect((err as McpError).message).toMatch(/crm_mcp is in error mode/);
    // A fresh session cannot even initialize.
    await expect(connectSse(server.url)).rejects.toThrow(/error mode/);

    await expectSlow(server, client);

    await expectFlap(server, client);
  });
});
