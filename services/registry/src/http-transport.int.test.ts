// The lean streamable-HTTP transport against a real SDK MCP server (@beacon/testing): initialize
// and requests over POST, the standalone GET stream carrying tools/list_changed, DELETE ending
// the server session, HTTP failures as StreamableHTTPError and a stopped server as a
// connection error.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startMcpTestServer, waitFor, type McpTestServer } from '@beacon/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createLeanHttpTransport } from './http-transport.js';
import { classify } from './probe-errors.js';

let server: McpTestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('lean streamable-HTTP transport', () => {
  it('initializes, lists tools, hears list_changed on its stream, ends the session', async () => {
    server = await startMcpTestServer({ name: 'lean_mcp', toolCount: 2 });
    const transport = createLeanHttpTransport(new URL(server.url), {
      headers: { 'x-probe': 'beacon' },
    });
    let changed = 0;
    const client = new Client(
      { name: 'lean-test', version: '1.0.0' },
      { listChanged: { tools: { autoRefresh: false, onChanged: () => changed++ } } },
    );
    await client.connect(transport);
    expect(transport.sessionId).toMatch(/\S/);
    expect((await client.listTools()).tools).toHaveLength(2);
    await client.ping();
    const s = server;
    await waitFor(() => s.info().streams === 1, { timeoutMs: 5_000, message: 'GET stream' });

    s.tools.add({ name: 'extra', description: 'One more.' });
    await waitFor(() => changed > 0, { timeoutMs: 5_000, message: 'tools/list_changed' });
    expect((await client.listTools()).tools).toHaveLength(3);

    expect(s.info().sessions).toBe(1);
    await transport.terminateSession();
    await waitFor(() => s.info().sessions === 0, { timeoutMs: 5_000, message: 'session ended' });
    await client.close();
    await waitFor(() => s.info().streams === 0, { timeoutMs: 5_000, message: 'stream closed' });
  });

  it('reports HTTP failures with their status and a stopped server as disconnected', async () => {
    server = await startMcpTestServer({ name: 'lean_mcp' });
    const wrongPath = new URL('/nope', server.url);
    const refused = createLeanHttpTransport(wrongPath);
    const err = await new Client({ name: 't', version: '1' }).connect(refused).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StreamableHTTPError);
    expect((err as StreamableHTTPError).code).toBe(404);

    const url = new URL(server.url);
    await server.close();
    server = undefined;
    const gone = await new Client({ name: 't', version: '1' })
      .connect(createLeanHttpTransport(url))
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(classify(gone).outcome).toBe('disconnected');
  });
});
