// `pnpm bench:breaker`: one breaker process fed 10,000 gateway outcomes/s across 1,000 MCPs
// through @beacon/client's reporter. Every 10th MCP fails in bursts (5 failures every 3 s), so its
// circuit opens, half-opens and closes over and over. Prints the rate achieved, the consumer
// group's lag, the breaker's CPU, and outcome→event latency (the report() of the failure that
// trips the circuit → its circuit_opened arriving at a log subscriber) p50/p99.
// Env: BENCH_SECONDS (20), BENCH_RATE (10000), BENCH_MCPS (1000), REDIS_URL (else a private one).
import { readFile } from 'node:fs/promises';
import { createOutcomeReporter } from '@beacon/client/node';
import { startRedis, uniquePrefix, waitFor } from '@beacon/testing';
import { consumed, openLog, recordEvents, register, startBreakerProcess } from '../test-support.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const RATE = Number(process.env.BENCH_RATE ?? 10_000);
const MCPS = Number(process.env.BENCH_MCPS ?? 1_000);
const CYCLE = 30; // outcomes per flipping-MCP cycle (3 s at 10/s)
const BURST = 5; // failures at the start of each cycle = consecutive_failures

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function cpuTicks(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime + stime, in clock ticks (100/s)
}

async function main(): Promise<void> {
  const redisServer = await startRedis();
  const prefix = uniquePrefix('bench-brk');
  const { redis, log } = openLog(redisServer.url, prefix);
  const names = Array.from({ length: MCPS }, (_, i) => `mcp-${String(i).padStart(4, '0')}`);
  const flipping = new Set(names.filter((_, i) => i % 10 === 0));
  await Promise.all(
    names.map((n) =>
      register(log, n, { consecutive_failures: BURST, wait_open_ms: 1000, half_open_successes: 1 }),
    ),
  );

  const pendingOpen = new Map<string, number>();
  const openLatency: number[] = [];
  const halfOpenLateness: number[] = [];
  const counts = new Map<string, number>();
  const events = await recordEvents(log, (e, receivedAt) => {
    if (e.type !== 'health_event') return;
    counts.set(e.event_type, (counts.get(e.event_type) ?? 0) + 1);
    if (e.event_type === 'circuit_opened') {
      const sent = pendingOpen.get(e.mcp_name);
      if (sent !== undefined) openLatency.push(receivedAt - sent);
      pendingOpen.delete(e.mcp_name);
    } else if (e.event_type === 'circuit_half_open') {
      halfOpenLateness.push(receivedAt - Date.parse(e.timestamp));
    }
  });

  const breaker = await startBreakerProcess({
    url: redisServer.url,
    prefix,
    id: 'bench',
    env: { BEACON_BREAKER_BLOCK_MS: '500' },
  });
  const ready = await breaker.waitForLine(/breaker ready \(health on :(\d+)\)/);
  const port = Number(/:(\d+)\)/.exec(ready)?.[1]);
  const reporter = createOutcomeReporter({
    url: redisServer.url,
    prefix,
    gateway: 'bench',
    flushIntervalMs: 5,
    batchSize: 500,
    maxBuffered: 1_000_000,
  });

  console.log(
    `bench:breaker — ${RATE} outcomes/s across ${MCPS} MCPs for ${SECONDS}s ` +
      `(${flipping.size} of them failing in bursts); Redis ${redisServer.kind}; ` +
      'CPU shared with other work on this machine',
  );
  const perMcp = new Map<string, number>();
  const cpuStart = await cpuTicks(breaker.pid);
  const lagSamples: number[] = [];
  const started = Date.now();
  let sent = 0;
  let rr = 0;
  const lagTimer = setInterval(() => {
    void redis
      .call('XINFO', 'GROUPS', log.keys.outcomes)
      .then((groups) => {
        const g = (groups as unknown[][])[0] ?? [];
        const lag = g[g.indexOf('lag') + 1];
        const pending = g[g.indexOf('pending') + 1];
        if (typeof lag === 'number' && typeof pending === 'number') lagSamples.push(lag + pending);
      })
      .catch(() => undefined);
  }, 250);

  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      const now = Date.now();
      const elapsed = now - started;
      if (elapsed >= SECONDS * 1000) {
        clearInterval(tick);
        resolve();
        return;
      }
      const due = Math.floor((elapsed / 1000) * RATE) - sent;
      for (let i = 0; i < due; i++) {
        const name = names[rr++ % MCPS]!;
        const k = perMcp.get(name) ?? 0;
        perMcp.set(name, k + 1);
        const failing = flipping.has(name) && k % CYCLE < BURST;
        if (failing && k % CYCLE === BURST - 1) pendingOpen.set(name, now);
        reporter.report({
          mcp_name: name,
          outcome: failing ? 'failure' : 'success',
          latency_ms: failing ? 50 : 5 + (k % 20),
        });
      }
      sent += due;
    }, 5);
  });
  await reporter.flush();
  const sendEnd = Date.now();
  await waitFor(() => consumed(redis, log.keys.outcomes), { timeoutMs: 60_000, intervalMs: 10 });
  const drained = Date.now();
  clearInterval(lagTimer);
  const cpuEnd = await cpuTicks(breaker.pid);

  const metrics = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text());
  const applied = Number(
    /beacon_breaker_entries_total\{stream="outcomes",result="applied"\} (\d+)/.exec(metrics)?.[1] ??
      0,
  );
  const wall = (drained - started) / 1000;
  openLatency.sort((a, b) => a - b);
  halfOpenLateness.sort((a, b) => a - b);
  lagSamples.sort((a, b) => a - b);
  const stats = reporter.stats();
  console.log(`sent          ${sent} outcomes in ${((sendEnd - started) / 1000).toFixed(1)} s`);
  console.log(
    `processed     ${applied} outcomes applied, ${(applied / wall).toFixed(0)}/s; ` +
      `all acked ${drained - sendEnd} ms after the last report (dropped by reporter: ${stats.dropped})`,
  );
  console.log(
    `group lag     (undelivered + unacked) p50 ${percentile(lagSamples, 50)}, ` +
      `p99 ${percentile(lagSamples, 99)}, max ${lagSamples.at(-1)} entries`,
  );
  console.log(
    `breaker CPU   ${(((cpuEnd - cpuStart) / 100 / wall) * 100).toFixed(0)}% of one core`,
  );
  console.log(`events        ${JSON.stringify(Object.fromEntries(counts))}`);
  console.log(
    `outcome→event circuit_opened p50 ${percentile(openLatency, 50)} ms, ` +
      `p99 ${percentile(openLatency, 99)} ms (n=${openLatency.length}; includes reporter batching ≤5 ms)`,
  );
  console.log(
    `half-open     after due time p50 ${percentile(halfOpenLateness, 50)} ms, ` +
      `p99 ${percentile(halfOpenLateness, 99)} ms (n=${halfOpenLateness.length})`,
  );

  await reporter.close();
  await breaker.kill('SIGTERM');
  await events.close();
  redis.disconnect();
  await redisServer.stop();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
