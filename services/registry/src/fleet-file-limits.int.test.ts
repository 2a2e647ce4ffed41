// Hostile or broken fleet files: one far over the size cap is refused unread (the registry keeps
// its lease and its fleet, and still loads a later good file); an empty file (a truncated write)
// keeps the fleet; only an explicit `mcps: []` empties it.
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  startMcpFleet,
  startRedis,
  uniquePrefix,
  waitFor,
  type McpFleet,
  type RedisHandle,
} from '@beacon/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startHarness } from './test-support.js';

let redis: RedisHandle;
let fleet: McpFleet;
beforeAll(async () => {
  redis = await startRedis();
  fleet = await startMcpFleet({ count: 2, names: ['billing_mcp', 'search_mcp'] });
});
afterAll(async () => {
  await fleet?.close();
  await redis?.stop();
});

const entry = (name: string) => ({
  name,
  transport: { type: 'streamable-http' as const, url: fleet.get(name)!.url },
  probe_interval_ms: 300,
  timeout_ms: 500,
});

/** Valid YAML that, parsed, would empty the fleet, padded with comments to `bytes`. */
async function writeHugeEmptyingFile(path: string, bytes: number): Promise<void> {
  // Written asynchronously in chunks: the registry under test shares this process's event loop.
  const handle = await open(`${path}.tmp`, 'w');
  try {
    await handle.write('mcps: []\n');
    const chunk = Buffer.alloc(1024 * 1024, '#');
    for (let written = 0; written < bytes; written += chunk.length) await handle.write(chunk);
    await handle.write('\n');
  } finally {
    await handle.close();
  }
  await rename(`${path}.tmp`, path);
}

function replace(path: string, text: string | Buffer): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

it('a 50 MB fleet file is refused unread; the lease and the fleet stay; a later good file loads', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'beacon-fleet-'));
  const file = join(dir, 'fleet.yaml');
  replace(file, stringify({ mcps: [entry('billing_mcp')] }));
  const h = await startHarness({
    url: redis.url,
    prefix: uniquePrefix('fleet-big'),
    fleetFile: file,
  });
  try {
    await h.waitRow('billing_mcp', (r) => r.health_status === 'healthy', 'healthy from the file');
    // Only the cap keeps the fleet: parsed, this file would remove every MCP.
    await writeHugeEmptyingFile(file, 50 * 1024 * 1024);
    await waitFor(() => h.metrics.fileReloads.labels('too_large').value >= 1, {
      timeoutMs: 15_000,
      message: 'the 50 MB file refused',
    });
    expect(h.registry.leader).toBe(true);
    expect(await h.row('billing_mcp')).toBeDefined();

    replace(file, stringify({ mcps: [entry('billing_mcp'), entry('search_mcp')] }));
    await h.waitRow('search_mcp', (r) => r.health_status === 'healthy', 'the later good file');
    expect(h.registry.leader).toBe(true);
  } finally {
    await h.stop();
  }
});

it('an empty fleet file keeps the fleet; an explicit "mcps: []" empties it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'beacon-fleet-'));
  const file = join(dir, 'fleet.yaml');
  replace(file, stringify({ mcps: [entry('billing_mcp')] }));
  const h = await startHarness({
    url: redis.url,
    prefix: uniquePrefix('fleet-empty'),
    fleetFile: file,
  });
  try {
    await h.waitRow('billing_mcp', (r) => r.health_status === 'healthy', 'healthy from the file');
    replace(file, '');
    await waitFor(() => h.metrics.fileReloads.labels('invalid').value >= 1, {
      timeoutMs: 10_000,
      message: 'the empty file refused',
    });
    expect(await h.row('billing_mcp')).toBeDefined();

    replace(file, 'mcps: []\n');
    await waitFor(async () => (await h.row('billing_mcp')) === undefined, {
      timeoutMs: 10_000,
      message: 'explicit empty list removes the file-managed MCP',
    });
  } finally {
    await h.stop();
  }
});
