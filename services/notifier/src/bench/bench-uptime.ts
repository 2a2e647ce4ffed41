// `pnpm bench:uptime-rollup [-- --mcps 1000 --days 90 --every-hours 6 --probes 200000]`: a
// benchmark program, not a test. A private redis-server holds a log with N MCPs' history over D
// days (a status change every few hours, with past timestamps, as a seeded history); then the
// real notifier (dist/main.js) starts and its uptime projector folds the whole log into hourly and
// daily buckets. Prints the rollup cost per event (wall and the notifier's CPU), then the cost per
// probe result with the projector live, a rebuild from the log, and the memory the rollups use.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createEventLog } from '@beacon/event-log';
import { STREAM_FIELD, UPTIME_KEY, hourStart, type LogEventInput } from '@beacon/protocol';
import { startProcess, startRedis, uniquePrefix, waitFor } from '@beacon/testing';
import { Redis } from 'ioredis';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    mcps: { type: 'string', default: '1000' },
    days: { type: 'string', default: '90' },
    'every-hours': { type: 'string', default: '6' },
    probes: { type: 'string', default: '200000' },
    /** Redis hash-max-listpack-value (infra/redis/redis.conf sets 128; Redis's default is 64). */
    'listpack-value': { type: 'string', default: '64' },
  },
});
const int = (v: string | undefined, name: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer`);
  return n;
};
const MCPS = int(values.mcps, 'mcps');
const DAYS = int(values.days, 'days');
const EVERY = int(values['every-hours'], 'every-hours');
const PROBES = int(values.probes, 'probes');
const H = 3_600_000;
const out = (line: string): void => void process.stdout.write(`${line}\n`);
const root = fileURLToPath(new URL('../../../../', import.meta.url));

/** User + system CPU ms of a process so far (Linux /proc). */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // clock ticks of 10 ms
}

const redis = await startRedis({ private: true });
const LISTPACK = int(values['listpack-value'], 'listpack-value');
const prefix = uniquePrefix('bench-uptime');
const conn = new Redis(redis.url, { maxRetriesPerRequest: null });
await conn.config('SET', 'hash-max-listpack-value', String(LISTPACK));
const log = createEventLog(conn, { prefix });
const key = (s: string): string => log.keys.uptime(s);
const names = Array.from({ length: MCPS }, (_, i) => `svc_${String(i).padStart(4, '0')}`);
const start = hourStart(Date.now()) - DAYS * 24 * H;
const at = (t: number): string => new Date(t).toISOString();

// ---- the seeded history --------------------------------------------------------------------
const t0 = performance.now();
let events = 0;
let batch: LogEventInput[] = [];
const flush = async (): Promise<void> => {
  if (batch.length === 0) return;
  await log.appendBatch(batch);
  events += batch.length;
  batch = [];
};
for (const [i, name] of names.entries()) {
  batch.push({
    type: 'mcp_registered',
    mcp_name: name,
    timestamp: at(start),
    actor: 'fleet-file',
    config: { name, transport: { type: 'streamable-http', url: 'http://127.0.0.1:9/mcp' } },
  });
  if (i % 500 === 499) await flush();
}
const statuses = ['healthy', 'healthy', 'unhealthy', 'healthy', 'disconnected', 'healthy'] as const;
for (let t = start + 60_000, step = 0; t < Date.now() - H; t += EVERY * H, step++) {
  for (const [i, name] of names.entries()) {
    batch.push({
      type: 'mcp_status_change',
      mcp_name: name,
      status: statuses[(step + i) % statuses.length]!,
      timestamp: at(t + i * 1_000),
      actor: 'registry',
      metadata: { error: step % 2 === 0 ? null : 'connection refused', reason: 'probe' },
    });
    if (batch.length >= 1_000) await flush();
  }
}
await flush();
out(
  `seeded ${events} events (${MCPS} MCPs × ${DAYS} days, a change every ${EVERY} h) in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
);

const position = async (): Promise<string[]> =>
  ((await conn.hget(key(UPTIME_KEY.position), 'p')) ?? '').split('|');
const head = await log.lastOffset();

// ---- the projector folds the whole log ------------------------------------------------------
// BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the notifier.
const nodeArgs = (process.env['BENCH_NODE_ARGS'] ?? '').split(' ').filter((a) => a !== '');
const notifier = await startProcess(
  process.execPath,
  [...nodeArgs, `${root}services/notifier/dist/main.js`],
  {
    name: 'notifier',
    env: {
      REDIS_URL: redis.url,
      BEACON_REDIS_PREFIX: prefix,
      BEACON_NOTIFIER_HTTP_PORT: '0',
      BEACON_NOTIFIER_HTTP_HOST: '127.0.0.1',
      BEACON_UPTIME_TICK_MS: '10000',
      LOG_LEVEL: 'warn',
    },
  },
);
void notifier.exited.then((e) => {
  if (e.code !== 0 && e.signal !== 'SIGTERM') {
    process.stderr.write(`notifier exited ${JSON.stringify(e)}\n${notifier.output()}\n`);
    process.exit(1);
  }
});
const cpu0 = cpuMs(notifier.pid);
const w0 = performance.now();
await waitFor(async () => (await position())[1] === head, {
  timeoutMs: 1_800_000,
  intervalMs: 200,
  message: 'the projector reaches the head of the log',
});
const wall = performance.now() - w0;
const cpu = cpuMs(notifier.pid) - cpu0;
out(
  `rollup of the log: ${events} events in ${(wall / 1000).toFixed(1)} s wall = ${((wall * 1000) / events).toFixed(1)} µs/event wall, ${((cpu * 1000) / events).toFixed(1)} µs/event notifier CPU (${Math.round(events / (wall / 1000))} events/s; includes process start)`,
);

// ---- probe results with the projector live --------------------------------------------------
const p0 = performance.now();
const pcpu0 = cpuMs(notifier.pid);
let last = '';
for (let i = 0; i < PROBES; i += 1_000) {
  const pipe = conn.pipeline();
  for (let j = i; j < Math.min(PROBES, i + 1_000); j++) {
    const r = {
      mcp_name: names[j % MCPS]!,
      ok: j % 50 !== 0,
      outcome: j % 50 !== 0 ? 'success' : 'error',
      status: 'healthy',
      latency_ms: 5 + (j % 300),
      error: null,
      tools_count: 3,
      at: Date.now(),
    };
    pipe.xadd(
      log.keys.probes,
      'MAXLEN',
      '~',
      '1000000',
      '*',
      STREAM_FIELD.probe,
      JSON.stringify(r),
    );
  }
  const res = (await pipe.exec()) ?? [];
  const id = res.at(-1)?.[1];
  if (typeof id === 'string') last = id;
}
await waitFor(async () => (await position())[2] === last, {
  timeoutMs: 600_000,
  intervalMs: 100,
  message: 'the projector reaches the last probe',
});
const pwall = performance.now() - p0;
const pcpu = cpuMs(notifier.pid) - pcpu0;
out(
  `probe results: ${PROBES} in ${(pwall / 1000).toFixed(1)} s (written and folded) = ${Math.round(PROBES / (pwall / 1000))} probes/s, ${((pcpu * 1000) / PROBES).toFixed(1)} µs/probe notifier CPU`,
);

// ---- memory ----------------------------------------------------------------------------------
let hourKeys = 0;
let sampled = 0;
let sampledBytes = 0;
let cursor = '0';
do {
  const [next, keys] = await conn.scan(cursor, 'MATCH', `${key('hours:')}*`, 'COUNT', 5000);
  cursor = next;
  hourKeys += keys.length;
  for (const k of keys.slice(0, 5)) {
    sampledBytes += (await conn.call('MEMORY', 'USAGE', k)) as number;
    sampled++;
  }
} while (cursor !== '0');
const daysBytes = (await conn.call('MEMORY', 'USAGE', key(UPTIME_KEY.days(names[0]!)))) as number;
const info = await conn.info('memory');
const used = /used_memory:(\d+)/.exec(info)?.[1];
out(
  `memory: ${hourKeys} hour keys (one per MCP and day) ≈ ${Math.round(sampledBytes / Math.max(1, sampled))} B each → ≈ ${((hourKeys * sampledBytes) / Math.max(1, sampled) / 1048576).toFixed(0)} MiB; days hash ≈ ${daysBytes} B per MCP (hash-max-listpack-value ${LISTPACK}); Redis used_memory ${(Number(used) / 1048576).toFixed(0)} MiB in all (log included)`,
);

// ---- a rebuild from the log -----------------------------------------------------------------
const r0 = performance.now();
await conn.del(key(UPTIME_KEY.position));
await log.append({
  type: 'mcp_status_change',
  mcp_name: names[0]!,
  status: 'healthy',
  timestamp: new Date().toISOString(),
  actor: 'registry',
  metadata: {},
});
const head2 = await log.lastOffset();
await waitFor(async () => (await position())[1] === head2, {
  timeoutMs: 1_800_000,
  intervalMs: 200,
  message: 'the rebuild reaches the head of the log',
});
out(
  `rebuild (position deleted → wiped → whole log re-read): ${((performance.now() - r0) / 1000).toFixed(1)} s`,
);

await notifier.kill('SIGTERM');
conn.disconnect();
await redis.stop();
