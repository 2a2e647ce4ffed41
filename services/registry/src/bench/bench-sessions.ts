// bench:sessions — what one kept MCP session costs the registry. N MCP test servers run in this
// process; a child process (the measured one, nothing else in it) opens one probe session per
// server with the registry's own prober, pings every session a few rounds, then reports RSS / heap
// / external / ArrayBuffers per session after a GC, and optionally writes a heap snapshot and
// prints the biggest retainers by constructor (self size).
// Usage: pnpm bench:sessions [-- --mcps 500 --rounds 3 --snapshot]
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8';
import { McpConfig } from '@beacon/protocol';
import { startMcpFleet } from '@beacon/testing';
import { pino } from 'pino';
import { createProbeSession, type ProbeSession } from '../prober.js';

const { values } = parseArgs({
  options: {
    mcps: { type: 'string', default: '500' },
    rounds: { type: 'string', default: '3' },
    snapshot: { type: 'boolean', default: false },
    child: { type: 'boolean', default: false },
  },
});

interface Figures {
  readonly rssMb: number;
  readonly heapMb: number;
  readonly heapTotalMb: number;
  readonly rssAnonMb: number;
  readonly externalMb: number;
  readonly arrayBuffersMb: number;
}

const MB = 1024 * 1024;

function figures(): Figures {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return {
    rssMb: m.rss / MB,
    heapMb: m.heapUsed / MB,
    heapTotalMb: m.heapTotal / MB,
    rssAnonMb:
      Number(/RssAnon:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]) / 1024,
    externalMb: m.external / MB,
    arrayBuffersMb: m.arrayBuffers / MB,
  };
}

/** Self size and count per constructor name from a .heapsnapshot, biggest first. */
function byConstructor(file: string, top: number): string[] {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
    nodes: number[];
    strings: string[];
  };
  const fields = snap.snapshot.meta.node_fields;
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const types = snap.snapshot.meta.node_types[0];
  const agg = new Map<string, { count: number; bytes: number }>();
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt]!]!;
    const key =
      type === 'object' || type === 'closure'
        ? `${type}:${snap.strings[snap.nodes[i + nameAt]!]}`
        : type;
    const a = agg.get(key) ?? { count: 0, bytes: 0 };
    a.count++;
    a.bytes += snap.nodes[i + sizeAt]!;
    agg.set(key, a);
  }
  return [...agg.entries()]
    .sort((a, b) => b[1].bytes - a[1].bytes)
    .slice(0, top)
    .map(
      ([k, v]) =>
        `${(v.bytes / MB).toFixed(2).padStart(8)} MB ${String(v.count).padStart(8)}  ${k}`,
    );
}

async function child(urls: readonly string[]): Promise<void> {
  const logger = pino({ level: 'warn' });
  const rounds = Number(values.rounds);
  const before = figures();
  const sessions: ProbeSession[] = [];
  const configs = urls.map((url, i) =>
    McpConfig.parse({
      name: `m${i}`,
      transport: { type: 'streamable-http', url },
      timeout_ms: 10_000,
    }),
  );
  for (const c of configs) {
    sessions.push(
      createProbeSession(c.name, { logger, onToolsChanged: () => undefined, onDropped: () => {} }),
    );
  }
  let failures = 0;
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) {
    // 64 in flight, like the registry's default concurrency.
    let next = 0;
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (next < sessions.length) {
          const i = next++;
          const res = await sessions[i]!.probe(configs[i]!);
          if (!res.ok) failures++;
        }
      }),
    );
  }
  const probeMs = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 500));
  const after = figures();
  const n = sessions.length;
  const per = (k: keyof Figures): string =>
    `${after[k].toFixed(1)} MB (+${(after[k] - before[k]).toFixed(1)}; ${(((after[k] - before[k]) * 1024) / n).toFixed(1)} KB per session)`;
  const lines = [
    `sessions ${n}, rounds ${rounds}, failed probes ${failures}, ${(probeMs / 1000).toFixed(1)} s`,
    `rss           ${per('rssMb')}`,
    `rssAnon       ${per('rssAnonMb')}`,
    `heapTotal     ${per('heapTotalMb')}`,
    `heapUsed      ${per('heapMb')}`,
    `external      ${per('externalMb')}`,
    `arrayBuffers  ${per('arrayBuffersMb')}`,
  ];
  for (const sp of getHeapSpaceStatistics()) {
    lines.push(
      `  ${sp.space_name.padEnd(24)} size ${(sp.space_size / MB).toFixed(1)} MB, used ${(sp.space_used_size / MB).toFixed(1)} MB`,
    );
  }
  if (values.snapshot) {
    const file = writeHeapSnapshot(join(tmpdir(), `beacon-sessions-${process.pid}.heapsnapshot`));
    lines.push(`heap snapshot ${file}`, ...byConstructor(file, 30));
  }
  await Promise.all(sessions.map((s) => s.close()));
  process.send?.(lines.join('\n'));
}

async function parent(): Promise<void> {
  const mcps = Number(values.mcps);
  const fleet = await startMcpFleet({ count: mcps, maxSessions: 4 });
  try {
    const args = ['--child', '--rounds', String(values.rounds)];
    if (values.snapshot) args.push('--snapshot');
    const proc = fork(fileURLToPath(import.meta.url), args, {
      execArgv: ['--expose-gc'],
      env: { ...process.env, BENCH_URLS: JSON.stringify(fleet.servers.map((s) => s.url)) },
    });
    const report = await new Promise<string>((resolve, reject) => {
      proc.once('message', (m) => resolve(typeof m === 'string' ? m : JSON.stringify(m)));
      proc.once('exit', (code) => reject(new Error(`child exited ${code}`)));
    });
    process.stdout.write(`bench:sessions — ${mcps} MCP sessions in one process\n${report}\n`);
    await new Promise((r) => proc.once('exit', r));
  } finally {
    await fleet.close();
  }
}

const main = values.child
  ? child(JSON.parse(process.env.BENCH_URLS ?? '[]') as string[])
  : parent();
main.then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(
      `bench:sessions failed: ${err instanceof Error ? err.stack : String(err)}\n`,
    );
    process.exit(1);
  },
);
