// `pnpm bench:log`: append throughput (1 and 8 writers) and append→subscriber latency at a fixed
// rate, against a private redis-server (or BENCH_REDIS_URL). Prints figures; asserts nothing.
import { performance } from 'node:perf_hooks';
import { startRedis, uniquePrefix } from '@beacon/testing';
import { Redis } from 'ioredis';
import { createEventLog } from '../index.js';
import { registration, statusChange } from '../test-support.js';

const args = new Map(
  process.argv
    .slice(2)
    .flatMap((a, i, all) => (a.startsWith('--') ? [[a.slice(2), all[i + 1] ?? '']] : [])),
);
const seconds = Number(args.get('seconds') ?? 5);
const rate = Number(args.get('rate') ?? 1000);

const handle = process.env.BENCH_REDIS_URL ? null : await startRedis({ private: true });
const url = process.env.BENCH_REDIS_URL ?? handle!.url;
const connections: Redis[] = [];
const connect = (): Redis => {
  const r = new Redis(url, { maxRetriesPerRequest: null });
  connections.push(r);
  return r;
};

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function throughput(writers: number): Promise<number> {
  const prefix = uniquePrefix('bench');
  const logs = Array.from({ length: writers }, () => createEventLog(connect(), { prefix }));
  for (let i = 0; i < 16; i++) await logs[0]!.append(registration(`m${i}`));
  const deadline = performance.now() + seconds * 1000;
  let count = 0;
  await Promise.all(
    logs.map(async (log, w) => {
      // Each writer keeps 32 appends in flight on its own connection.
      await Promise.all(
        Array.from({ length: 32 }, async () => {
          let seq = 0;
          while (performance.now() < deadline) {
            await log.append(statusChange(`m${(w + seq) % 16}`, w, seq++));
            count++;
          }
        }),
      );
    }),
  );
  return count / seconds;
}

async function latency(
  writers: number,
): Promise<{ p50: number; p99: number; p999: number; n: number }> {
  const prefix = uniquePrefix('lat');
  const logs = Array.from({ length: writers }, () => createEventLog(connect(), { prefix }));
  await logs[0]!.append(registration('m'));
  const sent = new Map<number, number>();
  const samples: number[] = [];
  const sub = await createEventLog(connect(), { prefix }).subscribe({
    onSnapshot: () => undefined,
    onEvent: (e) => {
      if (e.event.type !== 'mcp_status_change') return;
      const seq = e.event.metadata['seq'] as number;
      const t = sent.get(seq);
      if (t !== undefined) samples.push(performance.now() - t);
    },
  });
  const total = rate * seconds;
  const start = performance.now();
  let seq = 0;
  const pending: Promise<unknown>[] = [];
  while (seq < total) {
    const due = start + (seq * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const s = seq++;
    sent.set(s, performance.now());
    pending.push(logs[s % writers]!.append(statusChange('m', s % writers, s)));
  }
  await Promise.all(pending);
  const until = performance.now() + 5_000;
  while (samples.length < total && performance.now() < until)
    await new Promise((r) => setTimeout(r, 10));
  await sub.close();
  samples.sort((a, b) => a - b);
  return {
    p50: pct(samples, 50),
    p99: pct(samples, 99),
    p999: pct(samples, 99.9),
    n: samples.length,
  };
}

const fmt = (n: number): string => n.toFixed(2);
try {
  console.log(
    `redis: ${url} (${handle ? 'private redis-server' : 'BENCH_REDIS_URL'}), ${seconds}s per phase`,
  );
  for (const w of [1, 8]) {
    const perSec = await throughput(w);
    console.log(`throughput  writers=${w}  appends/s=${Math.round(perSec)}`);
  }
  for (const w of [1, 8]) {
    const l = await latency(w);
    console.log(
      `latency     writers=${w}  rate=${rate}/s  delivered=${l.n}/${rate * seconds}  ` +
        `p50=${fmt(l.p50)}ms  p99=${fmt(l.p99)}ms  p999=${fmt(l.p999)}ms`,
    );
  }
} finally {
  await Promise.all(connections.map((c) => c.quit()));
  await handle?.stop();
}
