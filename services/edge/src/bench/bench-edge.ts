// `pnpm bench:edge [-- --clients 10000 --rate 100 --seconds 10 --mcps 100 --workers 2]`:
// a benchmark program, not a test. Starts a private redis-server and one edge pinned to core 0,
// runs the load generator (raw WebSocket clients in worker threads) pinned to core 1, emits
// seed-shaped events through the real append path, and prints connections held, deliveries/s,
// publish→receive latency, edge RSS per 1,000 idle connections and a reconnect storm with
// resume (duration, loss, Redis reads by the edge).
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { createEventLog } from '@beacon/event-log';
import { freePort, startProcess, startRedis, uniquePrefix, waitFor } from '@beacon/testing';
import { Redis } from 'ioredis';
import { SignJWT } from 'jose';
import { flags, num, percentile } from './args.js';
import { emit, ensureFleet } from './bench-emit.js';
import type { WorkerInit, WorkerRequest } from './load-worker.js';

const SECRET = 'bench-secret-0123456789abcdef';
const MAIN = fileURLToPath(new URL('../main.js', import.meta.url));
const WORKER = fileURLToPath(new URL('./load-worker.js', import.meta.url));
const out = (line: string): void => void process.stdout.write(`${line}\n`);

const f = flags(process.argv.slice(2));
const clients = Math.floor(num(f, 'clients', 10_000));
const rate = num(f, 'rate', 100);
const seconds = num(f, 'seconds', 10);
const mcps = Math.max(1, Math.floor(num(f, 'mcps', 100)));
const workers = Math.max(1, Math.floor(num(f, 'workers', 2)));
const sampleEvery = Math.max(1, Math.floor(num(f, 'sample-every', 16)));
const concurrency = Math.max(1, Math.floor(num(f, 'concurrency', 1024)));
const storm = f.get('storm') !== 'false';
/** Events/s appended while the storm runs (default: the main rate). */
const stormRate = num(f, 'storm-rate', rate);
const edgeCore = f.get('edge-core') ?? '0';
const loadCore = f.get('load-core') ?? '1';
const hasTaskset = spawnSync('taskset', ['-V']).status === 0;

// Pin the load generator (this process and its worker threads) by re-running under taskset.
if (hasTaskset && process.env.BEACON_BENCH_PINNED !== '1') {
  const child = spawn('taskset', ['-c', loadCore, process.execPath, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, BEACON_BENCH_PINNED: '1' },
  });
  child.on('exit', (code) => process.exit(code ?? 1));
} else {
  await main();
}

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

async function settledRss(pid: number): Promise<number> {
  // RSS after allocation stops moving (allocator and V8 settle), at most ~10 s.
  let last = rssKb(pid);
  for (let i = 0; i < 20; i++) {
    await new Promise((r) => setTimeout(r, 500));
    const now = rssKb(pid);
    if (Math.abs(now - last) < last * 0.002) return now;
    last = now;
  }
  return last;
}

function metric(text: string, name: string): number {
  const m = new RegExp(`^${name.replace(/[{}"=]/g, (c) => `\\${c}`)} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

async function commandCalls(redis: Redis, cmd: string): Promise<number> {
  const info = await redis.info('commandstats');
  const m = new RegExp(`cmdstat_${cmd}:calls=(\\d+)`).exec(info);
  return m ? Number(m[1]) : 0;
}

async function main(): Promise<void> {
  out(
    `bench:edge — ${clients} clients, ${rate} events/s for ${seconds} s over ${mcps} MCPs, ${workers} load threads; ` +
      (hasTaskset
        ? `edge on core ${edgeCore}, load on core ${loadCore}`
        : 'taskset missing: not pinned'),
  );
  const redisHandle = await startRedis({ private: true });
  const redis = new Redis(redisHandle.url, { maxRetriesPerRequest: null });
  redis.on('error', () => undefined);
  const prefix = uniquePrefix('bench-edge');
  const log = createEventLog(redis, { prefix });
  await ensureFleet(log, mcps);
  const port = await freePort();
  const edgeCmd = hasTaskset ? 'taskset' : process.execPath;
  const edgeArgs = hasTaskset ? ['-c', edgeCore, process.execPath, MAIN] : [MAIN];
  const edge = await startProcess(edgeCmd, edgeArgs, {
    name: 'edge',
    env: {
      REDIS_URL: redisHandle.url,
      BEACON_REDIS_PREFIX: prefix,
      BEACON_EDGE_PORT: String(port),
      BEACON_EDGE_HOST: '127.0.0.1',
      BEACON_JWT_SECRET: SECRET,
      BEACON_RING_SIZE: '100000',
      LOG_LEVEL: 'info',
    },
    readyLine: /"msg":"edge ready"/,
  }).catch(async (err: unknown) => {
    await redisHandle.stop();
    throw err;
  });
  const scrape = async (): Promise<string> =>
    (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const token = await new SignJWT({ role: 'viewer' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('bench')
    .setExpirationTime(Math.floor(Date.now() / 1000) + 3600)
    .sign(new TextEncoder().encode(SECRET));

  const rssBase = await settledRss(edge.pid);
  const threads = Array.from({ length: workers }, (_, i) => {
    const count = Math.floor(clients / workers) + (i < clients % workers ? 1 : 0);
    const init: WorkerInit = {
      port,
      token,
      count,
      sampleEvery,
      concurrency: Math.ceil(concurrency / workers),
    };
    return new Worker(WORKER, { workerData: init });
  });
  // Replies are matched to requests by id: stats polls and commands overlap.
  let nextId = 1;
  const waiting = new Map<number, (reply: unknown) => void>();
  for (const t of threads) {
    t.on('message', (r: { id: number }) => {
      waiting.get(r.id)?.(r);
      waiting.delete(r.id);
    });
  }
  const ask = <T>(w: Worker, m: WorkerRequest): Promise<T> =>
    new Promise((resolve) => {
      const id = nextId++;
      waiting.set(id, (r) => resolve(r as T));
      w.postMessage({ ...m, id });
    });
  const askAll = <T>(m: WorkerRequest): Promise<T[]> =>
    Promise.all(threads.map((w) => ask<T>(w, m)));
  type Stats = { events: number; open: number; samples: number[] };
  const stats = async (): Promise<{ events: number; open: number; samples: number[] }> => {
    const all = await askAll<Stats>({ cmd: 'stats' });
    return {
      events: all.reduce((a, s) => a + s.events, 0),
      open: all.reduce((a, s) => a + s.open, 0),
      samples: all.flatMap((s) => s.samples),
    };
  };

  try {
    // 1. Connect everyone.
    const t0 = performance.now();
    const connected = await askAll<{ failed: number }>({ cmd: 'connect' });
    const failed = connected.reduce((a, c) => a + c.failed, 0);
    const held = metric(await scrape(), 'beacon_edge_connections');
    out(
      `connections held: ${held} (${failed} failed) — all connected with initial_status in ${((performance.now() - t0) / 1000).toFixed(2)} s`,
    );

    // 2. Idle memory.
    const rssIdle = await settledRss(edge.pid);
    out(
      `edge RSS: ${(rssBase / 1024).toFixed(1)} MB before, ${(rssIdle / 1024).toFixed(1)} MB with ${held} idle connections = ` +
        `${((((rssIdle - rssBase) / Math.max(1, held)) * 1000) / 1024).toFixed(2)} MB per 1,000 (${(((rssIdle - rssBase) * 1024) / Math.max(1, held) / 1024).toFixed(2)} KB per connection)`,
    );

    // 3. Fan-out under load.
    const before = (await stats()).events;
    const emitting = emit(log, { rate, seconds, mcps });
    const tEmit = performance.now();
    const latencies: number[] = [];
    let last = before;
    let tLast = tEmit;
    let peak = 0;
    const ticker = setInterval(() => {
      void stats().then((s) => {
        latencies.push(...s.samples);
        const now = performance.now();
        const perSec = ((s.events - last) * 1000) / (now - tLast);
        peak = Math.max(peak, perSec);
        last = s.events;
        tLast = now;
      });
    }, 1000);
    const emitted = await emitting;
    const expected = emitted.appended * held;
    let deliveredAt = performance.now();
    await waitFor(
      async () => {
        const s = await stats();
        latencies.push(...s.samples);
        if (s.events - before >= expected) {
          deliveredAt = performance.now();
          return true;
        }
        return false;
      },
      { timeoutMs: 60_000, intervalMs: 100, message: 'all deliveries' },
    ).catch(() => undefined);
    clearInterval(ticker);
    const final = await stats();
    latencies.push(...final.samples);
    const delivered = final.events - before;
    latencies.sort((a, b) => a - b);
    out(
      `emitted ${emitted.appended} events in ${emitted.seconds.toFixed(2)} s (${(emitted.appended / emitted.seconds).toFixed(0)}/s; append p50 ${emitted.latencyMs.p50.toFixed(2)} ms)`,
    );
    out(
      `deliveries: ${delivered} of ${expected} (${expected - delivered} lost) = ${((delivered * 1000) / (deliveredAt - tEmit)).toFixed(0)}/s average, peak 1-s window ${peak.toFixed(0)}/s`,
    );
    out(
      `publish→receive latency (${latencies.length} samples): p50 ${percentile(latencies, 50).toFixed(2)} ms, p99 ${percentile(latencies, 99).toFixed(2)} ms, p999 ${percentile(latencies, 99.9).toFixed(2)} ms`,
    );

    // 4. Reconnect storm with resume, while events keep flowing.
    if (storm) {
      const m0 = await scrape();
      const xrange0 = await commandCalls(redis, 'xrange');
      const ac = new AbortController();
      const background = emit(log, { rate: stormRate, seconds: 120, mcps, signal: ac.signal });
      const head = await log.lastOffset();
      const results = await askAll<{
        failed: number;
        upgradedMs: number;
        caughtUpMs: number;
        caughtUp: number;
        clients: number;
        freshInitials: number;
      }>({ cmd: 'storm', head });
      const stormed = results.reduce((a, r) => a + r.clients, 0);
      const caughtUp = results.reduce((a, r) => a + r.caughtUp, 0);
      ac.abort();
      const more = await background;
      const m1 = await scrape();
      const xrange1 = await commandCalls(redis, 'xrange');
      const finalHead = await log.lastOffset();
      const total = emitted.appended + more.appended;
      const checks = await waitFor(
        async () => {
          const c = await askAll<{ good: number; bad: string[] }>({
            cmd: 'check',
            expected: total,
            head: finalHead,
          });
          return c.reduce((a, x) => a + x.good, 0) === held ? c : null;
        },
        { timeoutMs: 30_000, intervalMs: 200, message: 'clients caught up' },
      ).catch(async () =>
        askAll<{ good: number; bad: string[] }>({ cmd: 'check', expected: total, head: finalHead }),
      );
      const good = checks.reduce((a, x) => a + x.good, 0);
      const resumes = (kind: string) =>
        metric(m1, `beacon_edge_connects_total{kind="${kind}"}`) -
        metric(m0, `beacon_edge_connects_total{kind="${kind}"}`);
      out(
        `reconnect storm (${stormRate} events/s flowing): ${stormed} clients dropped and resumed with since — ${caughtUp} caught up; all upgraded in ${(Math.max(...results.map((r) => r.upgradedMs)) / 1000).toFixed(2)} s, ` +
          `all caught up in ${(Math.max(...results.map((r) => r.caughtUpMs)) / 1000).toFixed(2)} s; ` +
          `${results.reduce((a, r) => a + r.failed, 0)} failed, ${results.reduce((a, r) => a + r.freshInitials, 0)} fell back to initial_status`,
      );
      out(
        `  resumes: ring ${resumes('resume_ring')}, current ${resumes('resume_current')}, stream ${resumes('resume_stream')}, failed ${resumes('resume_failed')}; ` +
          `Redis stream reads for resumes ${metric(m1, 'beacon_edge_resume_stream_reads_total') - metric(m0, 'beacon_edge_resume_stream_reads_total')} ` +
          `(all XRANGE calls on the Redis meanwhile: ${xrange1 - xrange0}, incl. the subscription's 10 s head checks)`,
      );
      out(
        `  loss check: ${good}/${held} clients have exactly all ${total} events, ending at ${finalHead}` +
          (good === held
            ? ''
            : `; e.g. ${checks
                .flatMap((c) => c.bad)
                .slice(0, 3)
                .join(', ')}`),
      );
    }
    const closes = (await scrape())
      .split('\n')
      .filter((l) => l.startsWith('beacon_edge_closes_total'));
    out(`edge closes: ${closes.join('; ') || 'none'}`);
  } finally {
    await askAll({ cmd: 'close' }).catch(() => undefined);
    await Promise.all(threads.map((t) => t.terminate()));
    await edge.kill('SIGTERM');
    redis.disconnect();
    await redisHandle.stop();
  }
}
