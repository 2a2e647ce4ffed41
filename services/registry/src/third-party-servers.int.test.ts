// The MCP servers published on the npm registry still probe healthy through the registry process
// (dist/main.js) on a real Redis: @modelcontextprotocol/server-everything over stdio, HTTP+SSE
// and streamable HTTP, server-filesystem and server-memory over stdio. They are 2025-revision
// servers: the probe's server/discover is refused and it falls back to initialize + ping.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startProcess, startRegistryProcess, uniquePrefix, waitFor } from '@beacon/testing';
import { describe, expect, it } from 'vitest';
import { readLog, fileRedis } from './test-support.js';

const redis = fileRedis();
const { cleanups } = redis;

const require = createRequire(import.meta.url);
/** A package's bin script (its package.json sits next to dist/). */
function binOf(pkg: string): string {
  const root = dirname(require.resolve(`${pkg}/package.json`));
  return join(root, 'dist', 'index.js');
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

async function everythingOverHttp(mode: 'sse' | 'streamableHttp'): Promise<number> {
  const port = await freePort();
  const proc = await startProcess(
    process.execPath,
    [binOf('@modelcontextprotocol/server-everything'), mode],
    {
      name: `everything-${mode}`,
      env: { PORT: String(port) },
      readyLine: new RegExp(`port ${port}`),
    },
  );
  cleanups.push(() => (proc.running ? proc.kill('SIGKILL') : Promise.resolve()));
  return port;
}

describe('third-party MCP servers from the npm registry', () => {
  it('server-everything (stdio, sse, streamableHttp), server-filesystem and server-memory probe healthy', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'reg-third-party-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const [ssePort, httpPort] = await Promise.all([
      everythingOverHttp('sse'),
      everythingOverHttp('streamableHttp'),
    ]);
    const common = { probe_interval_ms: 1_000, timeout_ms: 10_000 };
    const stdio = (args: string[], env?: Record<string, string>) => ({
      type: 'stdio',
      command: process.execPath,
      args,
      ...(env === undefined ? {} : { env }),
    });
    const mcps = [
      {
        name: 'everything_stdio',
        transport: stdio([binOf('@modelcontextprotocol/server-everything'), 'stdio']),
      },
      {
        name: 'everything_sse',
        transport: { type: 'sse', url: `http://127.0.0.1:${ssePort}/sse` },
      },
      {
        name: 'everything_http',
        transport: { type: 'streamable-http', url: `http://127.0.0.1:${httpPort}/mcp` },
      },
      {
        name: 'filesystem',
        transport: stdio([binOf('@modelcontextprotocol/server-filesystem'), dir]),
      },
      {
        name: 'memory',
        transport: stdio([binOf('@modelcontextprotocol/server-memory')], {
          MEMORY_FILE_PATH: join(dir, 'memory.jsonl'),
        }),
      },
    ].map((m) => ({ ...m, ...common }));
    const fleetFile = join(dir, 'fleet.json');
    await writeFile(fleetFile, JSON.stringify({ mcps }));
    const prefix = uniquePrefix('reg-third-party');
    const registry = await startRegistryProcess(redis.url, prefix, {
      BEACON_FLEET_FILE: fleetFile,
    });
    cleanups.push(() => (registry.running ? registry.kill('SIGKILL') : Promise.resolve()));

    const healthy = new Map<string, { protocol_version?: unknown; tools_count?: unknown }>();
    await waitFor(
      async () => {
        for (const e of await readLog(redis.url, prefix)) {
          if (e.type === 'mcp_status_change' && e.status === 'healthy')
            healthy.set(e.mcp_name, e.metadata);
        }
        return mcps.every((m) => healthy.has(m.name));
      },
      { timeoutMs: 60_000, message: 'every third-party server healthy' },
    ).catch((err: unknown) => {
      throw new Error(
        `${String(err)}; healthy: ${[...healthy.keys()].join(', ')}; ${registry.output().slice(-2_000)}`,
      );
    });
    for (const m of mcps) {
      const meta = healthy.get(m.name)!;
      expect(meta.protocol_version, m.name).toMatch(/^20\d\d-\d\d-\d\d$/);
      expect(meta.tools_count, m.name).toBeGreaterThan(0);
    }
    expect((await registry.kill('SIGTERM')).code).toBe(0);
  });
});
