// `pnpm bench:emit -- --rate R --seconds S [--mcps N]`: the load source for benchmarks. Appends
// seed-shaped mcp_status_change events through the real append path (createEventLog().append)
// into the log at REDIS_URL / BEACON_REDIS_PREFIX, at R events/s for S seconds, after
// registering any of the N MCPs that are missing. Prints the achieved rate and append latency.
import { createEventLog, type EventLog } from '@beacon/event-log';
import { Redis } from 'ioredis';
import { flags, num, percentile } from './args.js';
import { mcpName, registration, statusChange } from './seed.js';

export interface EmitOptions {
  readonly rate: number;
  readonly seconds: number;
  readonly mcps: number;
  /** Appends in flight at most (the pacing keeps it far lower at sane rates). */
  readonly concurrency?: number;
  readonly signal?: AbortSignal;
}

export interface EmitResult {
  readonly appended: number;
  readonly failed: number;
  readonly seconds: number;
  readonly latencyMs: { readonly p50: number; readonly p99: number; readonly max: number };
}

export async function ensureFleet(log: EventLog, count: number): Promise<void> {
  const snap = await log.snapshot();
  const have = new Set(snap.mcps.map((m) => m.name));
  for (let i = 0; i < count; i++) {
    const name = mcpName(i);
    if (!have.has(name)) await log.append(registration(name));
  }
}

/** Paced appends: every 5 ms tick appends what the schedule says is due. */
export async function emit(log: EventLog, o: EmitOptions): Promise<EmitResult> {
  await ensureFleet(log, o.mcps);
  const latencies: number[] = [];
  const started = performance.now();
  const total = Math.round(o.rate * o.seconds);
  const limit = o.concurrency ?? 256;
  let issued = 0;
  let done = 0;
  let failed = 0;
  let inFlight = 0;
  let firstError: unknown = null;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      if (o.signal?.aborted === true) {
        if (inFlight === 0) resolve();
        else setTimeout(tick, 5);
        return;
      }
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * o.rate));
      while (issued < due && inFlight < limit) {
        const seq = issued++;
        const t0 = performance.now();
        inFlight++;
        const event = statusChange(mcpName(seq % o.mcps), Math.floor(seq / o.mcps));
        // Epoch ms with sub-ms precision, for publish→receive latency (metadata is open).
        (event as { metadata: Record<string, unknown> }).metadata.emitted_at =
          performance.timeOrigin + performance.now();
        log.append(event).then(
          () => {
            latencies.push(performance.now() - t0);
            inFlight--;
            done++;
          },
          (err: unknown) => {
            firstError ??= err;
            inFlight--;
            failed++;
          },
        );
      }
      if (done + failed >= total) resolve();
      else setTimeout(tick, 5);
    };
    tick();
  });
  if (firstError !== null)
    process.stderr.write(
      `first append error: ${firstError instanceof Error ? firstError.message : JSON.stringify(firstError)}\n`,
    );
  latencies.sort((a, b) => a - b);
  return {
    appended: done,
    failed,
    seconds: (performance.now() - started) / 1000,
    latencyMs: {
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      max: latencies[latencies.length - 1] ?? NaN,
    },
  };
}

async function main(): Promise<void> {
  const f = flags(process.argv.slice(2));
  const rate = num(f, 'rate', 100);
  const seconds = num(f, 'seconds', 10);
  const mcps = Math.max(1, Math.floor(num(f, 'mcps', 100)));
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = process.env.BEACON_REDIS_PREFIX ?? 'beacon';
  const redis = new Redis(url, { maxRetriesPerRequest: 3 });
  redis.on('error', (err) => process.stderr.write(`redis: ${err.message}\n`));
  const log = createEventLog(redis, { prefix });
  const ac = new AbortController();
  process.once('SIGINT', () => ac.abort());
  process.stdout.write(
    `bench:emit → ${url} prefix=${prefix}: ${rate} events/s for ${seconds} s over ${mcps} MCPs\n`,
  );
  const r = await emit(log, { rate, seconds, mcps, signal: ac.signal });
  process.stdout.write(
    `appended ${r.appended} (${r.failed} failed) in ${r.seconds.toFixed(2)} s = ${(r.appended / r.seconds).toFixed(0)}/s; ` +
      `append latency p50 ${r.latencyMs.p50.toFixed(2)} ms, p99 ${r.latencyMs.p99.toFixed(2)} ms, max ${r.latencyMs.max.toFixed(2)} ms\n`,
  );
  await redis.quit();
  if (r.failed > 0) process.exitCode = 1;
}

// Run only as a program, not when imported by the edge benchmark.
if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  main().catch((err: unknown) => {
    process.stderr.write(
      `bench:emit failed: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    process.exit(1);
  });
}
