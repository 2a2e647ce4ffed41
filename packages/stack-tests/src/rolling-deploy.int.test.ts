// A rolling deploy behind a real load balancer: 3 edges behind HAProxy, 2,000 WebSocket clients,
// events appended through the real event log the whole time. Each edge in turn gets SIGTERM
// (drain: /readyz goes 503, clients are closed with 1012), exits, and is started again; clients
// come back through HAProxy with `since`/`epoch` on another edge. Every client must end with
// exactly the appended sequence: nothing lost, nothing twice, in order, no resync.
import { randomBytes } from 'node:crypto';
import { createEventLog, type EventLog } from '@beacon/event-log';
import {
  freePort,
  mintToken,
  startRedis,
  startService,
  uniquePrefix,
  waitFor,
  type ProcessHandle,
  type RedisHandle,
} from '@beacon/testing';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { startHaproxy, type Haproxy } from './haproxy.js';
import { createClientFleet, type ClientFleet, type FleetClient } from './ws-fleet.js';

const CLIENTS = Number(process.env.BEACON_ROLLING_CLIENTS ?? 2000);
const EDGES = 3;
const APPENDS_PER_SECOND = 20;

const began = Date.now();
/** Progress on stderr, so a slow or stuck run shows where it is. */
const progress = (msg: string) =>
  process.stderr.write(`[rolling +${((Date.now() - began) / 1000).toFixed(1)}s] ${msg}\n`);

interface Edge {
  readonly name: string;
  readonly port: number;
  proc: ProcessHandle;
}

describe('rolling deploy of 3 edges behind HAProxy', () => {
  let redis: RedisHandle | undefined;
  let conn: Redis | undefined;
  let lb: Haproxy | undefined;
  let fleet: ClientFleet | undefined;
  const edges: Edge[] = [];

  let stopAppending = (): void => undefined;

  afterAll(async () => {
    stopAppending();
    await fleet?.closeAll();
    await lb?.stop();
    await Promise.all(edges.map((e) => e.proc.kill('SIGKILL')));
    conn?.disconnect();
    await redis?.stop();
  });

  it(`keeps every event for ${CLIENTS} clients while each edge is restarted`, async () => {
    redis = await startRedis();
    const prefix = uniquePrefix('rolling');
    conn = new Redis(redis.url, { maxRetriesPerRequest: null });
    const log: EventLog = createEventLog(conn, { prefix });
    const names = Array.from({ length: 10 }, (_, i) => `svc_${i}`);
    for (const name of names) {
      await log.append({
        type: 'mcp_registered',
        mcp_name: name,
        config: { name, transport: { type: 'streamable-http', url: `http://127.0.0.1:9/${name}` } },
        timestamp: new Date().toISOString(),
      });
    }

    const secret = randomBytes(24).toString('hex');
    const startEdge = async (name: string, port: number): Promise<ProcessHandle> => {
      const proc = await startService('edge', {
        name,
        env: {
          REDIS_URL: redis!.url,
          BEACON_REDIS_MODE: 'standalone',
          BEACON_REDIS_PREFIX: prefix,
          BEACON_EDGE_PORT: String(port),
          BEACON_EDGE_HOST: '127.0.0.1',
          BEACON_EDGE_ID: name,
          BEACON_JWT_SECRET: secret,
          LOG_LEVEL: 'warn',
        },
      });
      await waitFor(
        async () => {
          if (!proc.running) throw new Error(`${name} exited:\n${proc.output()}`);
          const res = await fetch(`http://127.0.0.1:${port}/readyz`);
          return res.status === 200;
        },
        { timeoutMs: 30_000, intervalMs: 50, message: `${name} /readyz` },
      );
      return proc;
    };
    for (let i = 0; i < EDGES; i++) {
      const name = `edge${i + 1}`;
      const port = await freePort();
      edges.push({ name, port, proc: await startEdge(name, port) });
    }
    lb = await startHaproxy({
      port: await freePort(),
      statsPort: await freePort(),
      backends: edges.map((e) => ({ name: e.name, port: e.port })),
    });
    for (const e of edges) await lb.waitStatus(e.name, 'UP');
    progress('3 edges up behind haproxy');

    const token = await mintToken({ sub: 'rolling-test', role: 'viewer' }, secret);
    const wsUrl = `${lb.url.replace('http', 'ws')}/ws/mcp-status?token=${token}`;
    fleet = createClientFleet({ url: wsUrl, count: CLIENTS });
    const t0 = Date.now();
    await fleet.connectAll(120_000);
    const connectMs = Date.now() - t0;
    progress(`${CLIENTS} clients connected through haproxy in ${connectMs} ms`);

    // Appends through the real log at a steady rate until the deploy is over.
    const appended: string[] = [];
    let appending = true;
    stopAppending = () => {
      appending = false;
    };
    const appender = (async () => {
      let i = 0;
      const started = Date.now();
      while (appending) {
        const due = started + (i * 1000) / APPENDS_PER_SECOND;
        if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
        const { offset } = await log.append({
          type: 'mcp_status_change',
          mcp_name: names[i % names.length]!,
          status: i % 2 === 0 ? 'unhealthy' : 'healthy',
          metadata: { reason: 'rolling-test', failure_cycles: i },
          timestamp: new Date().toISOString(),
        });
        appended.push(offset);
        i++;
      }
    })();

    const rounds: { edge: string; drainMs: number; backMs: number; reconnectMs: number }[] = [];
    for (const edge of edges) {
      // Let some events flow through this edge's clients first.
      const mark = appended.length;
      await waitFor(() => appended.length >= mark + 20, { timeoutMs: 30_000 });
      const start = Date.now();
      progress(`SIGTERM ${edge.name} (${appended.length} events so far)`);
      const exit = await edge.proc.kill('SIGTERM');
      expect(exit.code, `${edge.name} drained and exited cleanly`).toBe(0);
      const drainMs = Date.now() - start;
      progress(`${edge.name} exited after ${drainMs} ms; ${fleet.connectedCount()} clients live`);
      await lb.waitStatus(edge.name, 'DOWN');
      // Every client is live again on the two remaining edges.
      await waitFor(() => fleet!.connectedCount() === CLIENTS, {
        timeoutMs: 60_000,
        intervalMs: 50,
        message: `all ${CLIENTS} clients reconnected after ${edge.name} left (${describeStragglers(fleet)})`,
      }).catch((err: unknown) => {
        throw new Error(`${String(err)}; stragglers: ${describeStragglers(fleet!)}`);
      });
      const reconnectMs = Date.now() - start;
      progress(`all clients live again ${reconnectMs} ms after SIGTERM; restarting ${edge.name}`);
      edge.proc = await startEdge(edge.name, edge.port);
      await lb.waitStatus(edge.name, 'UP');
      rounds.push({ edge: edge.name, drainMs, backMs: Date.now() - start, reconnectMs });
    }

    appending = false;
    await appender;
    progress(`deploy done; ${appended.length} events appended`);
    const final = appended.at(-1)!;
    await waitFor(() => fleet!.clients.every((c) => c.last === final), {
      timeoutMs: 60_000,
      intervalMs: 100,
      message: `every client to reach the last appended offset ${final}`,
    });

    // The verdict, per client: exactly the appended sequence.
    const bad: { client: number; problem: string }[] = [];
    for (const c of fleet.clients) {
      const problem = sequenceProblem(c, appended);
      if (problem !== null) bad.push({ client: c.id, problem });
    }
    const closes1012 = fleet.clients.reduce((n, c) => n + (c.closes.get(1012) ?? 0), 0);
    const reconnects = fleet.clients.reduce((n, c) => n + c.connects - 1, 0);
    process.stdout.write(
      `rolling deploy: ${CLIENTS} clients connected in ${connectMs} ms; ${appended.length} events; ` +
        `${closes1012} closes with 1012, ${reconnects} reconnects; rounds ${JSON.stringify(rounds)}\n`,
    );
    expect(bad.slice(0, 5)).toEqual([]);
    expect(closes1012, 'drained clients were told 1012').toBeGreaterThan(0);
    expect(fleet.clients.every((c) => c.resyncs === 0)).toBe(true);
  }, 600_000);
});

function describeStragglers(fleet: ClientFleet): string {
  const out = fleet.clients.filter((c) => !c.connected).slice(0, 3);
  return out
    .map(
      (c) =>
        `#${c.id} closes ${JSON.stringify([...c.closes])} errors ${c.errors.slice(-3).join(' | ')}`,
    )
    .join('; ');
}

/** null when `c` received exactly `appended` (after its initial_status), else what is wrong. */
function sequenceProblem(c: FleetClient, appended: readonly string[]): string | null {
  if (c.base === null) return 'never got initial_status';
  // Clients connected before the first append, so they must have every appended event.
  const got = c.offsets;
  if (got.length === appended.length && got.every((o, i) => o === appended[i])) return null;
  const seen = new Set<string>();
  const dups = got.filter((o) => (seen.has(o) ? true : (seen.add(o), false))).length;
  const missing = appended.filter((o) => !seen.has(o)).length;
  const firstDiff = got.findIndex((o, i) => o !== appended[i]);
  return (
    `got ${got.length} of ${appended.length} events: ${missing} missing, ${dups} duplicated, ` +
    `first difference at #${firstDiff} (got ${got[firstDiff]}, want ${appended[firstDiff]}); ` +
    `errors: ${c.errors.slice(0, 3).join(' | ')}`
  );
}
