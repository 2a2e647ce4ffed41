// `pnpm bench:hostile [-- --mcps 1000 --seconds 15 --rate 100 --frame-patterns 256
// --pattern-length 240]`: a benchmark program, not a test. Starts a private redis-server and one
// edge process, keeps events (and a probe digest every second) flowing to a bystander viewer,
// and measures the edge's /healthz latency (p50/p99/max) twice: quiet, and while a hostile
// viewer sends worst-case subscribe frames at the edge's rate limit (BEACON_WS_RATE_LIMIT):
// `subscribe` with --frame-patterns distinct star-heavy globs of --pattern-length characters
// (a new view each time, so nothing is served from a cache), alternating with `unsubscribe *`
// so the per-connection cap never refuses it (256 × 240 characters is about the most that fits the
// default 64 KiB frame). Old edges (RegExp globs, patterns <= 130
// characters) take `--frame-patterns 1 --pattern '********************x'` (the 21 bytes).
import { createEventLog } from '@beacon/event-log';
import { freePort, startProcess, startRedis, uniquePrefix } from '@beacon/testing';
import { Redis } from 'ioredis';
import { SignJWT } from 'jose';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { flags, num, percentile } from './args.js';
import { emit, ensureFleet } from './bench-emit.js';
import { mcpName } from './seed.js';

const SECRET = 'bench-secret-0123456789abcdef';
const MAIN = fileURLToPath(new URL('../main.js', import.meta.url));
const out = (line: string): void => void process.stdout.write(`${line}\n`);

const f = flags(process.argv.slice(2));
const mcps = Math.max(1, Math.floor(num(f, 'mcps', 1000)));
const seconds = num(f, 'seconds', 15);
const rate = num(f, 'rate', 100);
const rateLimit = Math.max(1, Math.floor(num(f, 'rate-limit', 50)));
const framePatterns = Math.max(1, Math.floor(num(f, 'frame-patterns', 256)));
const patternLength = Math.max(8, Math.floor(num(f, 'pattern-length', 240)));
/** A fixed pattern for every subscribe instead (e.g. the issue's `********************x`). */
const fixed = f.get('pattern');

/**
 * The n-th hostile pattern: `*m*c*p*-*<tag>*x` (what seed names almost match: the anchored `x`
 * fails last) padded with leading stars to `patternLength`. As a RegExp every `*` is a `.*` to
 * backtrack through; for a glob the stars collapse.
 */
function hostilePattern(n: number): string {
  if (fixed !== undefined) return fixed;
  const core = `*m*c*p*-*${n.toString(36).split('').join('*')}*x`;
  return `${'*'.repeat(Math.max(0, patternLength - core.length))}${core}`.slice(-patternLength);
}

interface Phase {
  readonly latencies: number[];
  /** Probes still unanswered when the phase ended (ms waited so far). */
  readonly unanswered: number[];
}

/** Sequential /healthz probes until `until`; each waits for its answer (or the phase end). */
async function probeHealth(url: string, until: number): Promise<Phase> {
  const latencies: number[] = [];
  const unanswered: number[] = [];
  while (performance.now() < until) {
    const t0 = performance.now();
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(Math.ceil(until - t0) + 2_000) });
      await res.text();
      latencies.push(performance.now() - t0);
    } catch (err) {
      if (!(err instanceof Error && err.name === 'TimeoutError')) throw err;
      unanswered.push(performance.now() - t0);
      break;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return { latencies, unanswered };
}

function describe(p: Phase): string {
  const s = [...p.latencies].sort((a, b) => a - b);
  const max = Math.max(s.at(-1) ?? 0, ...p.unanswered);
  const missing = p.unanswered.length === 0 ? '' : `; ${p.unanswered.length} never answered`;
  return (
    `${s.length} answers: p50 ${percentile(s, 50).toFixed(2)} ms, p99 ${percentile(s, 99).toFixed(2)} ms, ` +
    `max ${max.toFixed(2)} ms${missing}`
  );
}

async function main(): Promise<void> {
  out(
    `bench:hostile — ${mcps} MCPs, ${rate} events/s, ${seconds} s per phase; hostile viewer at ` +
      `${rateLimit} frames/s, ${framePatterns} patterns × ` +
      (fixed === undefined ? `${patternLength} chars` : JSON.stringify(fixed)) +
      ' per subscribe',
  );
  const redisHandle = await startRedis({ private: true });
  const redis = new Redis(redisHandle.url, { maxRetriesPerRequest: null });
  redis.on('error', () => undefined);
  const prefix = uniquePrefix('bench-hostile');
  const log = createEventLog(redis, { prefix });
  await ensureFleet(log, mcps);
  const port = await freePort();
  const edge = await startProcess(process.execPath, [MAIN], {
    name: 'edge',
    env: {
      REDIS_URL: redisHandle.url,
      BEACON_REDIS_PREFIX: prefix,
      BEACON_EDGE_PORT: String(port),
      BEACON_EDGE_HOST: '127.0.0.1',
      BEACON_JWT_SECRET: SECRET,
      BEACON_WS_RATE_LIMIT: String(rateLimit),
      LOG_LEVEL: 'info',
    },
    readyLine: /"msg":"edge ready"/,
  }).catch(async (err: unknown) => {
    await redisHandle.stop();
    throw err;
  });
  const token = await new SignJWT({ role: 'viewer' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('bench')
    .setExpirationTime(Math.floor(Date.now() / 1000) + 3600)
    .sign(new TextEncoder().encode(SECRET));
  const wsUrl = `ws://127.0.0.1:${port}/ws/mcp-status`;
  const connect = (): Promise<WebSocket> =>
    new Promise((resolve, reject) => {
      const ws = new WebSocket(wsUrl, { headers: { authorization: `Bearer ${token}` } });
      ws.once('open', () => resolve(ws));
      ws.once('error', reject);
    });
  const healthz = `http://127.0.0.1:${port}/healthz`;

  const bystander = await connect();
  let seen = 0;
  const lag: number[] = [];
  bystander.on('message', (data) => {
    const text = (data as Buffer).toString('utf8');
    if (!text.includes('"mcp_status_change"')) return;
    seen++;
    const m = /"emitted_at":([\d.]+)/.exec(text);
    if (m) lag.push(performance.timeOrigin + performance.now() - Number(m[1]));
  });
  const probes = setInterval(() => {
    const now = new Date().toISOString();
    const samples = Array.from({ length: mcps }, (_, i) => ({
      name: mcpName(i),
      checked_at: now,
      latency_ms: 20 + (i % 50),
      ok: true,
    }));
    void log.publishSide({ type: 'probe_digest', probes: samples, timestamp: now });
  }, 1000);

  async function phase(label: string, hostile: boolean): Promise<void> {
    seen = 0;
    lag.length = 0;
    const replies = new Map<string, number>();
    let sent = 0;
    let attacker: WebSocket | null = null;
    let timer: NodeJS.Timeout | null = null;
    if (hostile) {
      attacker = await connect();
      attacker.on('message', (data) => {
        const m = /"type":"(\w+)"(?:,"code":"(\w+)")?/.exec((data as Buffer).toString('utf8'));
        const key = m?.[2] ?? m?.[1] ?? 'other';
        replies.set(key, (replies.get(key) ?? 0) + 1);
      });
      const ws = attacker;
      let n = 0;
      // Slightly under the limit so no frame is dropped as rate_limited.
      timer = setInterval(
        () => {
          if (ws.readyState !== WebSocket.OPEN) return;
          if (sent % 2 === 1) ws.send(JSON.stringify({ type: 'unsubscribe', mcps: ['*'] }));
          else {
            const mcpsList = Array.from({ length: framePatterns }, () => hostilePattern(n++));
            ws.send(JSON.stringify({ type: 'subscribe', mcps: mcpsList }));
          }
          sent++;
        },
        Math.ceil(1000 / rateLimit) + 1,
      );
    }
    const until = performance.now() + seconds * 1000;
    const [health, emitted] = await Promise.all([
      probeHealth(healthz, until),
      emit(log, { rate, seconds, mcps }),
    ]);
    if (timer !== null) clearInterval(timer);
    attacker?.terminate();
    const sortedLag = [...lag].sort((a, b) => a - b);
    out(`${label}: /healthz ${describe(health)}`);
    out(
      `  bystander: ${seen} of ${emitted.appended} events during the phase; publish→receive p50 ` +
        `${percentile(sortedLag, 50).toFixed(2)} ms, p99 ${percentile(sortedLag, 99).toFixed(2)} ms`,
    );
    if (hostile) {
      const shown = [...replies].map(([k, v]) => `${k} ${v}`).join(', ');
      out(`  hostile: ${sent} frames sent; replies: ${shown || 'none'}`);
    }
  }

  try {
    await phase('quiet', false);
    await phase('hostile', true);
  } finally {
    clearInterval(probes);
    bystander.terminate();
    // SIGKILL: an edge stuck in a backtracking RegExp never gets to its SIGTERM handler.
    await edge.kill('SIGKILL');
    redis.disconnect();
    await redisHandle.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(
    `bench:hostile failed: ${err instanceof Error ? err.message : String(err)}\n`,
  );
  process.exit(1);
});
