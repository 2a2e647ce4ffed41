// Active/standby with real processes: kill -9 the active registry while MCPs change state; the
// standby takes over within a lease period and the log has no duplicate or missing transition.
import { mkdtempSync, writeFileSync } from 'node:fs';
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
import { brokenTransitions, readLog } from './test-support.js';

const LEASE_TTL_MS = 1_500;

let redis: RedisHandle;
let fleet: McpFleet;
const procs: ProcessHandle[] = [];
beforeAll(async () => {
  redis = await startRedis();
  fleet = await startMcpFleet({ count: 6 });
});
afterAll(async () => {
  for (const p of procs) if (p.running) await p.kill('SIGKILL');
  await fleet?.close();
  await redis?.stop();
});

it('kill -9 of the active registry: the standby takes over, transitions stay exact', async () => {
  const prefix = uniquePrefix('failover');
  const dir = mkdtempSync(join(tmpdir(), 'beacon-failover-'));
  const fleetFile = join(dir, 'fleet.json');
  writeFileSync(
    fleetFile,
    JSON.stringify({ mcps: fleet.entries({ probe_interval_ms: 200, timeout_ms: 300 }) }),
  );
  const start = (id: string): Promise<ProcessHandle> =>
    startRegistryProcess(
      redis.url,
      prefix,
      {
        BEACON_REGISTRY_ID: id,
        BEACON_REGISTRY_LEASE_TTL_MS: String(LEASE_TTL_MS),
        BEACON_FLEET_FILE: fleetFile,
        BEACON_FAILURE_CYCLES_TO_DISABLE: '1000',
      },
      `registry-${id}`,
    ).then((p) => {
      procs.push(p);
      return p;
    });

  const a = await start('reg-a');
  await a.waitForLine(/leading: fleet rebuilt/, 15_000);
  const b = await start('reg-b');
  const names = fleet.servers.map((s) => s.name);
  const allHealthy = async (): Promise<boolean> => {
    const log = await readLog(redis.url, prefix);
    const last = new Map<string, string>();
    for (const e of log) if (e.type === 'mcp_status_change') last.set(e.mcp_name, e.status);
    return names.every((n) => last.get(n) === 'healthy');
  };
  await waitFor(allHealthy, { timeoutMs: 20_000, message: 'every MCP healthy' });

  // Churn faults while the active registry dies.
  const modes = ['error', 'down', 'ok', 'slow'] as const;
  let step = 0;
  let churning = true;
  const churn = (async () => {
    while (churning) {
      const s = fleet.servers[step % fleet.servers.length]!;
      const mode = modes[(step * 7 + 3) % modes.length]!;
      await s.setFault(mode === 'slow' ? { mode, slow_ms: 1_000 } : mode);
      step++;
      await new Promise((r) => setTimeout(r, 150));
    }
  })();
  await waitFor(() => step >= 12, { timeoutMs: 10_000, message: 'churn under way' });
  const killedAt = Date.now();
  await a.kill('SIGKILL');
  await b.waitForLine(/leading: fleet rebuilt/, 10_000);
  const takeoverMs = Date.now() - killedAt;
  process.stdout.write(
    `standby took over ${takeoverMs} ms after kill -9 (lease ttl ${LEASE_TTL_MS} ms)\n`,
  );
  // Within one lease period, plus the standby's polling step and scheduling slack on a busy box.
  withinBudget('standby takeover after kill -9', takeoverMs, LEASE_TTL_MS * 2);
  await waitFor(() => step >= 36, {
    timeoutMs: 15_000,
    message: 'churn continues under the new leader',
  });
  churning = false;
  await churn;
  await fleet.setAll('ok');
  await waitFor(allHealthy, { timeoutMs: 20_000, message: 'every MCP healthy again' });

  const log = await readLog(redis.url, prefix);
  expect(brokenTransitions(log)).toEqual([]);
  const byActor = new Set(log.filter((e) => e.type === 'mcp_registered').map((e) => e.mcp_name));
  expect(byActor.size).toBe(names.length);
  expect(log.filter((e) => e.type === 'mcp_registered')).toHaveLength(names.length);
  // Both leaders wrote transitions: the test really crossed the failover.
  const changes = log.filter((e) => e.type === 'mcp_status_change').length;
  expect(changes).toBeGreaterThan(names.length * 3);
  // A graceful stop: lease released, sessions closed, exit 0.
  expect((await b.kill('SIGTERM')).code).toBe(0);
});
