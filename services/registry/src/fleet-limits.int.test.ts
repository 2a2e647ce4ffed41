// Fleet file bounds with a real registry process: a 50 MB file is refused before it is read (the
// registry keeps its lease and its fleet, and still loads a later valid file), an empty file
// keeps the fleet, an explicit `mcps: []` empties it, and a YAML alias bomb is refused quickly.
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type McpFleet,
  type ProcessHandle,
  type RedisHandle,
  startMcpFleet,
  startRedis,
  startRegistryProcess,
  uniquePrefix,
  waitFor,
  withinBudget,
} from '@beacon/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { readLog } from './test-support.js';

let redis: RedisHandle;
let fleet: McpFleet;
let proc: ProcessHandle | undefined;
beforeAll(async () => {
  redis = await startRedis();
  fleet = await startMcpFleet({ count: 2, names: ['billing_mcp', 'search_mcp'] });
});
afterAll(async () => {
  if (proc?.running) await proc.kill('SIGKILL');
  await fleet?.close();
  await redis?.stop();
});

const entry = (name: string) => ({
  name,
  transport: { type: 'streamable-http' as const, url: fleet.get(name)!.url },
  probe_interval_ms: 300,
  timeout_ms: 500,
});

function replace(path: string, text: string | Buffer): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

it('refuses oversized, empty and alias-bomb fleet files, keeping the lease and the fleet', async () => {
  const prefix = uniquePrefix('fleet-limits');
  const file = join(mkdtempSync(join(tmpdir(), 'beacon-fleet-')), 'fleet.yaml');
  replace(file, stringify({ mcps: [entry('billing_mcp')] }));
  proc = await startRegistryProcess(redis.url, prefix, {
    BEACON_REGISTRY_ID: 'reg-limits',
    BEACON_REGISTRY_LEASE_TTL_MS: '1000',
    BEACON_FLEET_FILE: file,
  });
  const p = proc;
  try {
    await p.waitForLine(/fleet file reconciled/, 15_000);
    const mcpEvents = async (type: string) =>
      (await readLog(redis.url, prefix)).filter((e) => e.type === type).map((e) => e.mcp_name);
    await waitFor(async () => (await mcpEvents('mcp_registered')).includes('billing_mcp'), {
      timeoutMs: 10_000,
      message: 'billing_mcp registered',
    });
    const refusals = () => p.lines().filter((l) => l.includes('fleet file not applied')).length;

    // 50 MB: refused from its size, before it is read or parsed.
    const big = Buffer.alloc(50 * 1024 * 1024, '#');
    replace(file, big);
    const line = await p.waitForLine(/fleet file not applied/, 10_000);
    expect(line).toContain(`${big.length} bytes, over BEACON_FLEET_FILE_MAX_BYTES (4194304)`);

    // A later valid file still loads (search_mcp added), and nothing was removed meanwhile.
    replace(file, stringify({ mcps: [entry('billing_mcp'), entry('search_mcp')] }));
    await waitFor(async () => (await mcpEvents('mcp_registered')).includes('search_mcp'), {
      timeoutMs: 10_000,
      message: 'search_mcp registered from the next valid file',
    });

    // Empty (0 bytes, then comments only): refused, the fleet stays.
    for (const text of ['', '# being written\n']) {
      const before = refusals();
      replace(file, text);
      await waitFor(() => refusals() > before, { timeoutMs: 10_000, message: 'empty refused' });
    }
    expect(
      p
        .lines()
        .filter((l) => l.includes('fleet file not applied'))
        .at(-1),
    ).toContain(
      'empty (no \\"mcps\\" list); write \\"mcps: []\\" to remove every file-managed MCP',
    );

    // Alias bomb: refused by the alias cap, quickly, off the event loop.
    let bomb = 'a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n';
    let prev = 'a';
    for (const k of 'bcdefghi') {
      bomb += `${k}: &${k} [${Array(9).fill(`*${prev}`).join(', ')}]\n`;
      prev = k;
    }
    const beforeBomb = refusals();
    const t0 = Date.now();
    replace(file, `${bomb}mcps: []\n`);
    await waitFor(() => refusals() > beforeBomb, { timeoutMs: 10_000, message: 'bomb refused' });
    withinBudget('alias bomb refused', Date.now() - t0, 5_000);
    expect(
      p
        .lines()
        .filter((l) => l.includes('fleet file not applied'))
        .at(-1),
    ).toMatch(/resource exhaustion/);
    expect(await mcpEvents('mcp_removed')).toEqual([]);
    expect(p.lines().some((l) => /registry lease lost/.test(l))).toBe(false);

    // Only an explicit empty list empties the fleet.
    replace(file, 'mcps: []\n');
    await waitFor(async () => (await mcpEvents('mcp_removed')).length === 2, {
      timeoutMs: 10_000,
      message: 'mcps: [] removes both',
    });
    expect(p.lines().some((l) => /registry lease lost/.test(l))).toBe(false);
    expect((await p.kill('SIGTERM')).code).toBe(0);
  } catch (err) {
    p.dump();
    throw err;
  }
});
