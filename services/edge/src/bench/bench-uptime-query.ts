// `pnpm bench:uptime [-- --mcps 1000 --days 90 --requests 200 --fleet-requests 30 --listpack-value 128]`: a benchmark
// program, not a test. Starts a private redis-server, registers the fleet, seeds the uptime
// projector's keys (hourly and daily buckets for every MCP and day, a state per MCP, a few
// incidents each; pipelined), starts an edge process and prints p50/p99/max latency of
// `GET /api/mcps/:name/uptime` (24h, 30d, 90d) and `GET /api/uptime` (24h, 30d), plus Redis
// used_memory for the seeded data.
import { fileURLToPath } from 'node:url';
import { createEventLog } from '@beacon/event-log';
import {
  DAY_MS,
  HOUR_MS,
  UPTIME_KEY,
  addProbe,
  addTime,
  dayKey,
  dayStart,
  emptyBucket,
  encodeBucket,
  hourField,
  mergeBucket,
  type Bucket,
  type Incident,
} from '@beacon/protocol';
import { freePort, startProcess, startRedis, uniquePrefix } from '@beacon/testing';
import { Redis } from 'ioredis';
import { SignJWT } from 'jose';
import { flags, num, percentile } from './args.js';
import { ensureFleet } from './bench-emit.js';
import { mcpName } from './seed.js';

const SECRET = 'bench-secret-0123456789abcdef';
const MAIN = fileURLToPath(new URL('../main.js', import.meta.url));
const out = (line: string): void => void process.stdout.write(`${line}\n`);

const f = flags(process.argv.slice(2));
const mcps = Math.max(1, Math.floor(num(f, 'mcps', 1000)));
const days = Math.max(2, Math.floor(num(f, 'days', 90)));
const requests = Math.max(1, Math.floor(num(f, 'requests', 200)));
const fleetRequests = Math.max(1, Math.floor(num(f, 'fleet-requests', 30)));
/** Redis hash-max-listpack-value: infra/redis/redis.conf sets 128; Redis's default is 64. */
const listpackValue = Math.max(1, Math.floor(num(f, 'listpack-value', 128)));

/** A plausible hour: mostly healthy, a short outage now and then, probes every 10 s. */
function hourBucket(m: number, h: number): Bucket {
  const b = emptyBucket();
  const n = h / HOUR_MS + m;
  const down = n % 23 === 0 ? 120_000 : 0;
  addTime(b, 'healthy', HOUR_MS - down);
  if (down > 0) addTime(b, 'unhealthy', down);
  for (let i = 0; i < 360; i++) addProbe(b, !(down > 0 && i < 12), 15 + ((n * 7 + i * 13) % 400));
  return b;
}

async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? NaN);
}

async function main(): Promise<void> {
  out(`bench:uptime — ${mcps} MCPs × ${days} days of hourly and daily buckets`);
  const redisHandle = await startRedis({ private: true });
  const redis = new Redis(redisHandle.url, { maxRetriesPerRequest: null });
  redis.on('error', () => undefined);
  try {
    await redis.config('SET', 'hash-max-listpack-value', String(listpackValue));
    out(`hash-max-listpack-value ${listpackValue}`);
    const prefix = uniquePrefix('bench-uptime');
    const log = createEventLog(redis, { prefix });
    await ensureFleet(log, mcps);
    const k = (s: string): string => log.keys.uptime(s);
    const before = await usedMemory(redis);
    const now = Date.now();
    const first = dayStart(now) - (days - 1) * DAY_MS;
    const t0 = performance.now();
    let p = redis.pipeline();
    let queued = 0;
    const flush = async (force = false): Promise<void> => {
      if (queued === 0 || (!force && queued < 2_000)) return;
      await p.exec();
      p = redis.pipeline();
      queued = 0;
    };
    for (let m = 0; m < mcps; m++) {
      const name = mcpName(m);
      const dayFields: string[] = [];
      for (let d = first; d < now; d += DAY_MS) {
        const day = emptyBucket();
        const fields: string[] = [];
        for (let h = d; h < Math.min(d + DAY_MS, now); h += HOUR_MS) {
          const b = hourBucket(m, h);
          mergeBucket(day, b);
          fields.push(hourField(h), encodeBucket(b));
        }
        p.hset(k(UPTIME_KEY.hours(name, dayKey(d))), ...fields);
        dayFields.push(dayKey(d), encodeBucket(day));
        queued++;
      }
      p.hset(k(UPTIME_KEY.days(name)), ...dayFields);
      p.hset(
        k(UPTIME_KEY.state),
        name,
        JSON.stringify({ category: 'healthy', since: now - 60_000, incident: null, tags: [] }),
      );
      // An incident every ~5 days.
      for (let d = first + (m % 5) * DAY_MS; d < now - DAY_MS; d += 5 * DAY_MS) {
        const start = d + 3 * HOUR_MS;
        const inc: Incident = {
          id: `${name}@${start}-0`,
          mcp_name: name,
          started_at: new Date(start).toISOString(),
          ended_at: new Date(start + 120_000).toISOString(),
          duration_s: 120,
          state: 'resolved',
          end_reason: 'recovered',
          statuses: ['unhealthy'],
          first_error: 'MCP error -32603: upstream timed out',
          health_reason: null,
          circuit_openings: 0,
          auto_disabled: false,
          actions: [],
        };
        p.hset(k(UPTIME_KEY.incident), inc.id, JSON.stringify(inc));
        p.zadd(k(UPTIME_KEY.incidents), start, inc.id);
        p.zadd(k(UPTIME_KEY.incidentsOf(name)), start, inc.id);
        queued += 3;
      }
      queued += 2;
      await flush();
    }
    await flush(true);
    const seeded = await usedMemory(redis);
    const dbsize = await redis.dbsize();
    out(
      `seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${dbsize} keys, ` +
        `Redis used_memory +${((seeded - before) / 1024 / 1024).toFixed(1)} MiB ` +
        `(${((seeded - before) / mcps / 1024).toFixed(1)} KiB per MCP)`,
    );

    const startEdge = async (cacheMs: number) => {
      const port = await freePort();
      const proc = await startProcess(process.execPath, [MAIN], {
        name: 'edge',
        env: {
          REDIS_URL: redisHandle.url,
          BEACON_REDIS_PREFIX: prefix,
          BEACON_EDGE_PORT: String(port),
          BEACON_EDGE_HOST: '127.0.0.1',
          BEACON_JWT_SECRET: SECRET,
          BEACON_UPTIME_CACHE_MS: String(cacheMs),
          LOG_LEVEL: 'info',
        },
        readyLine: /"msg":"edge ready"/,
      });
      return { proc, port };
    };
    // Cold: every request computed (no reuse of fleet answers).
    let { proc: edge, port } = await startEdge(0);
    try {
      const token = await new SignJWT({ role: 'viewer' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('bench')
        .setExpirationTime(Math.floor(Date.now() / 1000) + 3600)
        .sign(new TextEncoder().encode(SECRET));
      let base = `http://127.0.0.1:${port}`;
      const timed = async (path: string): Promise<{ ms: number; bytes: number }> => {
        const t = performance.now();
        const res = await fetch(`${base}${path}`, {
          headers: { authorization: `Bearer ${token}` },
        });
        const body = await res.text();
        if (res.status !== 200) throw new Error(`${path}: ${res.status} ${body.slice(0, 200)}`);
        return { ms: performance.now() - t, bytes: body.length };
      };
      /** Redis busy time so far (µs, every command), from INFO commandstats. */
      const redisUsec = async (): Promise<number> => {
        let sum = 0;
        for (const m of (await redis.info('commandstats')).matchAll(/,usec=(\d+),/g))
          sum += Number(m[1]);
        return sum;
      };
      const run = async (label: string, n: number, path: (i: number) => string): Promise<void> => {
        for (let i = 0; i < Math.min(5, n); i++) await timed(path(i)); // warm-up
        const busy0 = await redisUsec();
        const ms: number[] = [];
        let bytes = 0;
        for (let i = 0; i < n; i++) {
          const r = await timed(path(i));
          ms.push(r.ms);
          bytes = r.bytes;
        }
        const busy = await redisUsec();
        ms.sort((a, b) => a - b);
        out(
          `${label.padEnd(34)} n=${String(n).padStart(4)}  p50 ${percentile(ms, 50).toFixed(1).padStart(6)} ms` +
            `  p99 ${percentile(ms, 99).toFixed(1).padStart(6)} ms  max ${(ms[ms.length - 1] ?? NaN).toFixed(1).padStart(6)} ms` +
            `  (${(bytes / 1024).toFixed(1)} KiB; Redis busy ${((busy - busy0) / n / 1000).toFixed(2)} ms/request)`,
        );
      };
      const some = (i: number): string => mcpName((i * 7919) % mcps);
      for (const w of ['24h', '30d', '90d'] as const) {
        await run(
          `GET /api/mcps/:name/uptime ${w}`,
          requests,
          (i) => `/api/mcps/${some(i)}/uptime?window=${w}`,
        );
      }
      for (const w of ['24h', '30d'] as const) {
        await run(
          `GET /api/uptime ${w} (computed)`,
          fleetRequests,
          () => `/api/uptime?window=${w}`,
        );
      }
      await run('GET /api/incidents (100)', requests, () => '/api/incidents');
      await edge.kill('SIGTERM');
      // The default edge: fleet answers reused for BEACON_UPTIME_CACHE_MS (30 s).
      ({ proc: edge, port } = await startEdge(30_000));
      base = `http://127.0.0.1:${port}`;
      for (const w of ['24h', '30d'] as const) {
        await run(
          `GET /api/uptime ${w} (5 s reuse)`,
          fleetRequests,
          () => `/api/uptime?window=${w}`,
        );
      }
    } finally {
      await edge.kill('SIGTERM');
    }
  } finally {
    await redis.quit();
    await redisHandle.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(
    `bench:uptime failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
