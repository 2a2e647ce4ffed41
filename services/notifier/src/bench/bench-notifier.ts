// `pnpm bench:notifier [-- --mcps 1000 --rounds 5 --clients 200 --rate 500]`: a benchmark
// program, not a test. A private redis-server, the real notifier (dist/main.js) with one rule
// over every MCP and one webhook channel to an HTTP receiver on loopback, and the real edge with
// WebSocket clients. N MCPs flap (down, then up) for R rounds at a fixed event rate; prints the
// notification latency from the event's append to the receiver (p50/p99/max), notifications/s,
// and the edge's append→client latency and deliveries/s with the notifier stopped and running.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createEventLog } from '@beacon/event-log';
import { STREAM_FIELD } from '@beacon/protocol';
import { freePort, startProcess, startRedis, uniquePrefix, waitFor } from '@beacon/testing';
import { Redis } from 'ioredis';
import WebSocket from 'ws';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    mcps: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '5' },
    clients: { type: 'string', default: '200' },
    rate: { type: 'string', default: '500' },
  },
});
const int = (v: string | undefined, name: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer`);
  return n;
};
const MCPS = int(values.mcps, 'mcps');
const ROUNDS = int(values.rounds, 'rounds');
const CLIENTS = int(values.clients, 'clients');
const RATE = int(values.rate, 'rate');
const out = (line: string): void => void process.stdout.write(`${line}\n`);
const root = fileURLToPath(new URL('../../../../', import.meta.url));
const main = (service: string): string => `${root}services/${service}/dist/main.js`;

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}
const fmt = (xs: number[]): string => {
  const s = [...xs].sort((a, b) => a - b);
  return `p50 ${pct(s, 50).toFixed(1)} ms, p99 ${pct(s, 99).toFixed(1)} ms, max ${(s.at(-1) ?? NaN).toFixed(1)} ms (n=${s.length})`;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const redis = await startRedis({ private: true });
const prefix = uniquePrefix('bench-notifier');
const conn = new Redis(redis.url, { maxRetriesPerRequest: null });
const log = createEventLog(conn, { prefix });
const names = Array.from({ length: MCPS }, (_, i) => `flap_${String(i).padStart(4, '0')}`);

// The receiver: latency = arrival − the causing event's append time (its offset's ms part).
const notified: number[] = [];
let received = 0;
const receiver = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const n = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { offset: string };
    notified.push(Date.now() - Number(n.offset.split('-')[0]));
    received++;
    res.writeHead(200).end('ok');
  });
});
await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

const edgePort = await freePort();
const edge = await startProcess(process.execPath, [main('edge')], {
  name: 'edge',
  env: {
    REDIS_URL: redis.url,
    BEACON_REDIS_PREFIX: prefix,
    BEACON_EDGE_PORT: String(edgePort),
    BEACON_EDGE_HOST: '127.0.0.1',
    BEACON_AUTH: 'off',
    BEACON_HEARTBEAT_MS: '60000',
    LOG_LEVEL: 'info',
  },
  readyLine: /edge ready/,
  readyTimeoutMs: 30_000,
});

for (let i = 0; i < names.length; i += 200) {
  await log.appendBatch(
    names.slice(i, i + 200).map((name) => ({
      type: 'mcp_registered',
      mcp_name: name,
      timestamp: new Date().toISOString(),
      actor: 'bench',
      config: { name, transport: { type: 'streamable-http', url: 'http://127.0.0.1:9/mcp' } },
    })),
  );
}

// Edge clients: append→client latency of every status change they receive.
const edgeLatency: number[] = [];
let delivered = 0;
const sockets: WebSocket[] = [];
for (let i = 0; i < CLIENTS; i++) {
  const ws = new WebSocket(`ws://127.0.0.1:${edgePort}/ws/mcp-status`, {
    headers: { origin: `http://127.0.0.1:${edgePort}` },
  });
  ws.on('message', (data: Buffer) => {
    const m = JSON.parse(data.toString('utf8')) as { type: string; offset?: string };
    if (m.type !== 'mcp_status_change' || m.offset === undefined) return;
    delivered++;
    if (delivered % 16 === 0) edgeLatency.push(Date.now() - Number(m.offset.split('-')[0]));
  });
  sockets.push(ws);
}
await waitFor(() => sockets.every((s) => s.readyState === WebSocket.OPEN), {
  timeoutMs: 30_000,
  message: 'edge clients connected',
});

async function flap(rounds: number): Promise<{ events: number; seconds: number }> {
  const start = performance.now();
  let events = 0;
  const perTick = Math.max(1, Math.round(RATE / 100));
  for (let r = 0; r < rounds; r++) {
    for (const [status, previous] of [
      ['unhealthy', 'healthy'],
      ['healthy', 'unhealthy'],
    ] as const) {
      for (let i = 0; i < names.length; i += perTick) {
        const t0 = performance.now();
        await Promise.all(
          names.slice(i, i + perTick).map((name) =>
            log.append({
              type: 'mcp_status_change',
              mcp_name: name,
              status,
              timestamp: new Date().toISOString(),
              actor: 'bench',
              metadata: {
                previous_status: previous,
                error: status === 'healthy' ? null : 'down',
                reason: 'probe',
              },
            }),
          ),
        );
        events += Math.min(perTick, names.length - i);
        const wait = 10 - (performance.now() - t0);
        if (wait > 0) await sleep(wait);
      }
    }
  }
  return { events, seconds: (performance.now() - start) / 1000 };
}

out(
  `bench:notifier — ${MCPS} MCPs flapping, ${ROUNDS} round(s), ${RATE} events/s, ${CLIENTS} edge clients`,
);

// 1. Edge alone.
const alone = await flap(ROUNDS);
await sleep(500);
const aloneLatency = edgeLatency.splice(0);
const aloneDelivered = delivered;
delivered = 0;
out(
  `edge, notifier stopped: ${(aloneDelivered / alone.seconds).toFixed(0)} deliveries/s, append→client ${fmt(aloneLatency)}`,
);

// 2. With the notifier running and delivering every transition.
const notifier = await startProcess(process.execPath, [main('notifier')], {
  name: 'notifier',
  env: {
    REDIS_URL: redis.url,
    BEACON_REDIS_PREFIX: prefix,
    BEACON_NOTIFIER_HTTP_PORT: '0',
    BEACON_NOTIFIER_HTTP_HOST: '127.0.0.1',
    BEACON_NOTIFIER_TICK_MS: '50',
    LOG_LEVEL: 'info',
  },
  readyLine: /notifier ready/,
  readyTimeoutMs: 30_000,
});
const command = async (body: Record<string, unknown>): Promise<void> => {
  await conn.xadd(
    log.keys.notifierCommands,
    '*',
    STREAM_FIELD.command,
    JSON.stringify({
      ...body,
      command_id: `${Date.now()}-${Math.random()}`,
      actor: 'bench',
      issued_at: Date.now(),
    }),
  );
};
await command({ type: 'put_channel', channel: { id: 'hook', type: 'webhook', url: hook } });
await sleep(1_000);
await command({
  type: 'put_rule',
  rule: { id: 'all', channels: ['hook'], on: ['down'], send_resolved: true },
});
await sleep(1_500);

const running = await flap(ROUNDS);
const expected = running.events; // one firing per down, one resolved per up
await waitFor(() => (received >= expected ? true : undefined), {
  timeoutMs: 120_000,
  message: `${expected} notifications`,
}).catch(() => undefined);
const withLatency = edgeLatency.splice(0);
out(
  `edge, notifier running: ${(delivered / running.seconds).toFixed(0)} deliveries/s, append→client ${fmt(withLatency)}`,
);
out(
  `notifications: ${received}/${expected} delivered, ${(received / running.seconds).toFixed(0)}/s during the run`,
);
out(`notification latency (append → receiver): ${fmt(notified)}`);

for (const s of sockets) s.terminate();
await notifier.kill('SIGTERM');
await edge.kill('SIGTERM');
conn.disconnect();
receiver.close();
await redis.stop();
