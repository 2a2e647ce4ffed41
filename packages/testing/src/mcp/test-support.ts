// Steps the MCP test-server tests repeat for each transport (streamable HTTP and HTTP+SSE): the
// SDK client they connect, and the checks that the slow and flap faults mean the same on both.
// Test-only: not exported from the package.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { expect } from 'vitest';
import { waitFor } from '../helpers.js';
import type { McpTestServer } from '@beacon/mcp-fixtures';

/** An SDK client, told of tools/list_changed through `onToolsChanged` when given. */
export function sdkClient(onToolsChanged?: () => void): Client {
  return new Client(
    { name: 'test', version: '1.0.0' },
    onToolsChanged === undefined
      ? {}
      : {
          listChanged: { tools: { autoRefresh: false, debounceMs: 0, onChanged: onToolsChanged } },
        },
  );
}

/** slow delays every answer beyond the threshold: a short request timeout then fails. */
export async function expectSlow(server: McpTestServer, client: Client): Promise<void> {
  await server.setFault({ mode: 'slow', slow_ms: 300 });
  const t0 = performance.now();
  await client.ping();
  expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
  await expect(client.ping({ timeout: 100 })).rejects.toThrow(/timed out/i);
}

/** flap alternates error and ok: pings see both outcomes. */
export async function expectFlap(server: McpTestServer, client: Client): Promise<void> {
  await server.setFault({ mode: 'flap', flap_ms: 200 });
  const seen = new Set<string>();
  await waitFor(
    async () => {
      seen.add(
        await client.ping().then(
          () => 'ok',
          () => 'error',
        ),
      );
      return seen.size === 2;
    },
    { timeoutMs: 5_000, message: 'flap never produced both outcomes' },
  );
}
