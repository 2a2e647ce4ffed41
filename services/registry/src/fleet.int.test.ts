// Registration through the fleet file (with an invalid entry beside valid ones) and through
// admin commands; updates and removals; the file only removes what it still owns; a restart
// re-reads the file without appending anything new.
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
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
import { brokenTransitions, kinds, readLog, startHarness, type Harness } from './test-support.js';

let redis: RedisHandle;
let fleet: McpFleet;
beforeAll(async () => {
  redis = await startRedis();
  fleet = await startMcpFleet({ count: 3, names: ['billing_mcp', 'search_mcp', 'admin_mcp'] });
});
afterAll(async () => {
  await fleet?.close();
  await redis?.stop();
});

const entry = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  transport: { type: 'streamable-http' as const, url: fleet.get(name)!.url },
  probe_interval_ms: 300,
  timeout_ms: 500,
  ...extra,
});

/** Replace the file the way editors and deploy tools do (write elsewhere, rename over). */
function writeFleet(path: string, mcps: unknown[]): void {
  writeFileSync(`${path}.tmp`, stringify({ mcps }));
  renameSync(`${path}.tmp`, path);
}

it('file and commands register, update and remove; invalid entries are refused by name', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'beacon-fleet-'));
  const file = join(dir, 'fleet.yaml');
  writeFleet(file, [
    entry('billing_mcp', { tags: ['payments'] }),
    { name: 'broken_mcp', transport: { type: 'streamable-http', url: 'nope' } },
    entry('search_mcp'),
  ]);
  const prefix = uniquePrefix('fleet');
  let h: Harness = await startHarness({ url: redis.url, prefix, fleetFile: file });
  try {
    await h.waitRow('billing_mcp', (r) => r.health_status === 'healthy', 'healthy from the file');
    await h.waitRow('search_mcp', (r) => r.health_status === 'healthy', 'healthy from the file');
    expect(await h.row('broken_mcp')).toBeUndefined();
    expect(h.metrics.invalidEntries.value).toBe(1);
    expect((await h.events('billing_mcp'))[0]).toMatchObject({
      type: 'mcp_registered',
      actor: 'fleet-file',
    });

    // Admin registration beside the file's entries.
    const reg = await h.command({ type: 'register', config: entry('admin_mcp') }, 'carol');
    expect(reg).toMatchObject({ ok: true, offset: expect.any(String) as unknown });
    await h.waitRow('admin_mcp', (r) => r.health_status === 'healthy', 'healthy from a command');

    // The file changes: billing updated, search dropped. admin_mcp is not the file's to remove.
    writeFleet(file, [entry('billing_mcp', { tags: ['payments'], timeout_ms: 700 })]);
    await h.waitRow('billing_mcp', (r) => r.config?.timeout_ms === 700, 'updated by the file');
    await waitFor(async () => (await h.row('search_mcp')) === undefined, {
      timeoutMs: 10_000,
      message: 'search_mcp removed by the file',
    });
    expect(await h.row('admin_mcp')).toBeDefined();
    const billing = await h.events('billing_mcp');
    expect(billing.find((e) => e.type === 'mcp_updated')).toMatchObject({
      changes: ['timeout_ms'],
      actor: 'fleet-file',
    });

    // Admin update and removal through commands.
    const upd = await h.command(
      { type: 'update', name: 'admin_mcp', patch: { tags: ['ops'], timeout_ms: 600 } },
      'carol',
    );
    expect(upd.ok).toBe(true);
    const updated = await h.row('admin_mcp');
    expect(updated).toMatchObject({
      tags: ['ops'],
      config: { timeout_ms: 600, probe_interval_ms: 300 },
    });
    const bad = await h.command({
      type: 'update',
      name: 'admin_mcp',
      patch: { probe_interval_ms: 5 },
    });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid' } });
    expect(bad.error?.message).toMatch(/probe_interval_ms/);
    const same = await h.command({
      type: 'register',
      config: entry('admin_mcp', { tags: ['ops'], timeout_ms: 600 }),
    });
    expect(same).toEqual({ type: 'command_result', command_id: same.command_id, ok: true });
    const rm = await h.command({ type: 'remove', name: 'admin_mcp' }, 'carol');
    expect(rm.ok).toBe(true);
    expect(await h.row('admin_mcp')).toBeUndefined();
    const admin = await h.events('admin_mcp');
    expect(kinds(admin).filter((k) => k.startsWith('mcp_'))).toEqual([
      'mcp_registered',
      'mcp_updated',
      'mcp_removed',
    ]);
    expect(
      admin
        .filter((e) => e.type.startsWith('mcp_') && e.type !== 'mcp_status_change')
        .map((e) => e.actor),
    ).toEqual(['carol', 'carol', 'carol']);
    expect(brokenTransitions(await h.events())).toEqual([]);
  } finally {
    await h.stop();
  }

  // A new registry on the same log and file: nothing to reconcile, nothing appended.
  const fleetEvents = async () =>
    (await readLog(redis.url, prefix)).filter(
      (e) => e.type !== 'mcp_status_change' && e.type !== 'health_event',
    );
  const before = await fleetEvents();
  h = await startHarness({ url: redis.url, prefix, fleetFile: file });
  try {
    await waitFor(() => h.metrics.fileReloads.labels('ok').value >= 1, {
      timeoutMs: 15_000,
      message: 'fleet file reconciled by the new registry',
    });
    expect(await fleetEvents()).toEqual(before);
  } finally {
    await h.stop();
  }
});

it('an unparseable fleet file keeps the current fleet', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'beacon-fleet-'));
  const file = join(dir, 'fleet.json');
  writeFileSync(file, JSON.stringify([entry('billing_mcp')]));
  const h = await startHarness({ url: redis.url, prefix: uniquePrefix('fleet'), fleetFile: file });
  try {
    await h.waitRow('billing_mcp', (r) => r.health_status === 'healthy', 'healthy');
    writeFileSync(file, '[{"name": ');
    await waitFor(() => h.metrics.fileReloads.labels('invalid').value >= 1, {
      timeoutMs: 10_000,
      message: 'broken file noticed',
    });
    expect(await h.row('billing_mcp')).toBeDefined();
  } finally {
    await h.stop();
  }
});
