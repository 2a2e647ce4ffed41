// bench:registry — N in-process MCP test servers (real MCP over HTTP, one listener each) probed
// every 5 s by one registry process on a private Redis. Prints probe latency, how late probes
// start, how stale the oldest check gets (does the registry fall behind?), registry CPU and RSS.
// Usage: pnpm bench:registry [-- --mcps 500 --interval 5000 --seconds 60 --incident 50]
import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ProbeResult } from '@beacon/protocol';
import { freePort, startMcpFleet, startRedis, startService, waitFor } from '@beacon/testing';
import { Redis } from 'ioredis';

const { values } = parseArgs({
  options: {
    mcps: { type: 'string', default: '500' },
    interval: { type: 'string', default: '5000' },
    seconds: { type: 'string', default: '60' },
    /** Servers switched to `down` for one interval mid-run (0 = steady state only). */
    incident: { type: 'string', default: '50' },
  },
});
const MCPS = Number(values.mcps);
const INTERVAL = Number(values.interval);
const SECONDS = Number(values.seconds);
const INCIDENT = Number(values.incident);
const CLK_TCK = 100;
const LAG = 'beacon_registry_probe_lag_seconds';

const quantile = (sorted: readonly number[], q: number): number =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
const fmt = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : '-');

function procCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}
function procRssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

function buckets(text: string, name: string): [number, number][] {
  const out: [number, number][] = [];
  for (const line of text.split('\n')) {
    const m = new RegExp(`^${name}_bucket\\{le="([^"]+)"\\} (\\d+)`).exec(line);
    if (m) out.push([m[1] === '+Inf' ? Infinity : Number(m[1]), Number(m[2])]);
  }
  return out;
}

/** Quantile (bucket upper bound) of what a Prometheus histogram observed between two scrapes. */
function histogramQuantile(before: string, after: string, name: string, q: number): number {
  const b0 = buckets(before, name);
  const delta = buckets(after, name).map(([le, c], i): [number, number] => [
    le,
    c - (b0[i]?.[1] ?? 0),
  ]);
  const total = delta.at(-1)?.[1] ?? 0;
  return delta.find(([, c]) => c >= q * total)?.[0] ?? NaN;
}

async function run(): Promise<void> {
  process.stdout.write(
    `bench:registry — ${MCPS} MCP servers, probe every ${INTERVAL} ms, ${SECONDS} s\n`,
  );
  process.stdout.write('(2-core machine shared with other work: figures are under contention)\n');
  const redisHandle = await startRedis({ private: true });
  const fleet = await startMcpFleet({ count: MCPS, maxSessions: 4 });
  const dir = mkdtempSync(join(tmpdir(), 'beacon-bench-registry-'));
  const fleetFile = join(dir, 'fleet.json');
  writeFileSync(
    fleetFile,
    JSON.stringify({ mcps: fleet.entries({ probe_interval_ms: INTERVAL, timeout_ms: 2_000 }) }),
  );
  const healthPort = await freePort();
  const prefix = 'benchreg';
  const registry = await startService('registry', {
    env: {
      REDIS_URL: redisHandle.url,
      BEACON_REDIS_PREFIX: prefix,
      BEACON_FLEET_FILE: fleetFile,
      BEACON_REGISTRY_HEALTH_PORT: String(healthPort),
      BEACON_REGISTRY_ID: 'bench',
      LOG_LEVEL: 'warn',
    },
  }).catch(async (err: unknown) => {
    await fleet.close();
    await redisHandle.stop();
    throw err;
  });
  const redis = new Redis(redisHandle.url);
  const probesKey = `{${prefix}}:probes`;
  const metricsText = async (): Promise<string> =>
    (await fetch(`http://127.0.0.1:${healthPort}/metrics`)).text();

  try {
    await waitFor(
      () =>
        fetch(`http://127.0.0.1:${healthPort}/readyz`).then(
          (r) => r.ok,
          () => false,
        ),
      { timeoutMs: 30_000, message: 'registry ready' },
    );
    const t0 = Date.now();
    await waitFor(
      async () => {
        const raw = await redis.get(`{${prefix}}:metrics`);
        const m = raw === null ? null : (JSON.parse(raw) as { metrics: { healthy_mcps: number } });
        return m !== null && m.metrics.healthy_mcps === MCPS;
      },
      { timeoutMs: INTERVAL * 4 + 60_000, intervalMs: 250, message: `${MCPS} MCPs healthy` },
    );
    process.stdout.write(
      `all ${MCPS} healthy after ${((Date.now() - t0) / 1000).toFixed(1)} s (includes first-connect of every session)\n`,
    );

    // Measurement window starts now: one interval of settling first.
    await new Promise((r) => setTimeout(r, INTERVAL));
    const startId = `${Date.now()}-0`;
    const metricsBefore = await metricsText();
    const cpu0 = procCpuSeconds(registry.pid);
    const self0 = process.cpuUsage();
    const wall0 = Date.now();
    const lastSeen = new Map<string, number>();
    const staleness: number[] = [];
    let incidentDone = INCIDENT === 0;
    const incidentAt = wall0 + (SECONDS * 1000) / 2;
    const incidentNames = fleet.servers.slice(0, INCIDENT).map((s) => s.name);
    let cursor = startId;
    const results: ProbeResult[] = [];
    // Follow the probe stream; sample how long ago the least recently probed MCP was checked.
    while (Date.now() - wall0 < SECONDS * 1000) {
      const entries = (await redis.xrange(probesKey, `(${cursor}`, '+', 'COUNT', 5000)) as [
        string,
        string[],
      ][];
      for (const [id, f] of entries) {
        cursor = id;
        const p = ProbeResult.parse(JSON.parse(f[1]!));
        results.push(p);
        lastSeen.set(p.mcp_name, p.at);
      }
      const now = Date.now();
      if (lastSeen.size === MCPS && now - wall0 > INTERVAL) {
        let oldest = Infinity;
        for (const at of lastSeen.values()) oldest = Math.min(oldest, at);
        staleness.push(now - oldest);
      }
      if (!incidentDone && now >= incidentAt) {
        incidentDone = true;
        process.stdout.write(`incident: ${INCIDENT} servers down for one interval, then back\n`);
        await Promise.all(incidentNames.map((n) => fleet.setFault(n, 'down')));
        setTimeout(
          () => void Promise.all(incidentNames.map((n) => fleet.setFault(n, 'ok'))),
          INTERVAL + 500,
        );
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    const wall = (Date.now() - wall0) / 1000;
    const cpu = procCpuSeconds(registry.pid) - cpu0;
    const self = process.cpuUsage(self0);
    const metrics = await metricsText();

    const ok = results.filter((r) => r.ok);
    const lat = ok.map((r) => r.latency_ms ?? NaN).sort((a, b) => a - b);
    const perMcp = new Map<string, number[]>();
    for (const r of results) perMcp.set(r.mcp_name, [...(perMcp.get(r.mcp_name) ?? []), r.at]);
    const gaps: number[] = [];
    for (const [name, ats] of perMcp) {
      if (incidentNames.includes(name)) continue;
      for (let i = 1; i < ats.length; i++) gaps.push(ats[i]! - ats[i - 1]!);
    }
    gaps.sort((a, b) => a - b);
    staleness.sort((a, b) => a - b);
    const events = await redis.xlen(`{${prefix}}:log`);
    const expected = (MCPS * wall * 1000) / INTERVAL;

    const out = [
      [
        'probes in window',
        `${results.length} (expected ≈ ${Math.round(expected)}: ${fmt((100 * results.length) / expected)} %)`,
      ],
      ['probe rate', `${fmt(results.length / wall)} /s`],
      [
        'ping latency ms (healthy)',
        `p50 ${fmt(quantile(lat, 0.5), 2)}  p99 ${fmt(quantile(lat, 0.99), 2)}  max ${fmt(lat.at(-1) ?? NaN, 2)}`,
      ],
      [
        'interval between probes of one MCP ms',
        `p50 ${fmt(quantile(gaps, 0.5), 0)}  p99 ${fmt(quantile(gaps, 0.99), 0)}  max ${fmt(gaps.at(-1) ?? NaN, 0)}`,
      ],
      [
        'probe-cycle staleness ms (oldest check, sampled)',
        `p50 ${fmt(quantile(staleness, 0.5), 0)}  p99 ${fmt(quantile(staleness, 0.99), 0)}  max ${fmt(staleness.at(-1) ?? NaN, 0)}`,
      ],
      [
        'start lag vs due time (histogram bucket)',
        `p50 ≤ ${histogramQuantile(metricsBefore, metrics, LAG, 0.5) * 1000} ms  p99 ≤ ${histogramQuantile(metricsBefore, metrics, LAG, 0.99) * 1000} ms`,
      ],
      [
        'registry CPU',
        `${fmt((100 * cpu) / wall)} % of one core (${fmt(cpu, 2)} s over ${fmt(wall)} s)`,
      ],
      ['registry RSS', `${fmt(procRssMb(registry.pid))} MB`],
      [
        `bench process CPU (${MCPS} servers + reader)`,
        `${fmt((100 * (self.user + self.system)) / 1e6 / wall)} % of one core`,
      ],
      ['log events total (incl. registrations)', String(events)],
    ];
    for (const [k, v] of out) process.stdout.write(`  ${k!.padEnd(48)} ${v}\n`);
  } finally {
    await registry.kill('SIGTERM');
    await redis.quit();
    await fleet.close();
    await redisHandle.stop();
  }
}

run().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(
      `bench:registry failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
