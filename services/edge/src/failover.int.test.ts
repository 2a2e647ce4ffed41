// Faults under load, with real edges, a real Redis and real sockets: an edge killed with -9, an
// edge drained with SIGTERM, and Redis itself killed and restarted. Clients behave like the SDK
// (reconnect with since/epoch, to the other edge) and must end with the complete sequence.
import { startRedis, startTcpGate, uniquePrefix, waitFor, type RedisHandle } from '@beacon/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventLog, type EventLog } from '@beacon/event-log';
import { mcpName, registration, statusChange } from './bench/seed.js';
import {
  logFor,
  logOffsets,
  mintToken,
  resumingClient,
  startEdge,
  startEdgeProcess,
  type EdgeProcess,
  type ResumingClient,
} from './test-support.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

/** Append status changes until stopped, retrying through Redis outages; returns acked offsets. */
function writer(log: EventLog, mcps: number): { acked: string[]; stop(): Promise<void> } {
  const acked: string[] = [];
  let stopped = false;
  let n = 0;
  const loop = (async () => {
    while (!stopped) {
      try {
        acked.push((await log.append(statusChange(mcpName(n % mcps), n))).offset);
        n++;
      } catch {
        await new Promise((r) => setTimeout(r, 5));
      }
      // ~a few hundred events/s: load, without starving the edges on a shared 2-core box.
      if (n % 10 === 0) await new Promise((r) => setTimeout(r, 10));
    }
  })();
  return {
    acked,
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

/** Each client saw, after its first initial_status, exactly the log's events, once, in order. */
async function expectComplete(log: EventLog, clients: readonly ResumingClient[]): Promise<void> {
  const head = await log.lastOffset();
  for (const c of clients) {
    await waitFor(() => c.lastOffset === head, {
      timeoutMs: 30_000,
      message: `client to reach ${head} (at ${c.lastOffset ?? 'nothing'})`,
    });
  }
  for (const c of clients) {
    expect(c.initials.length).toBe(1);
    const expected = await logOffsets(log, c.initials[0]?.offset as string);
    expect(c.offsets).toEqual(expected);
  }
}

/** A log on a fresh prefix with 10 MCPs registered, two edge processes on it and a viewer token. */
async function twoEdges(
  redis: RedisHandle,
  name: string,
): Promise<{ log: EventLog; a: EdgeProcess; b: EdgeProcess; token: string }> {
  const prefix = uniquePrefix(name);
  const { log, redis: conn } = logFor(redis.url, prefix);
  cleanups.push(async () => conn.quit());
  for (let i = 0; i < 10; i++) await log.append(registration(mcpName(i)));
  const [a, b] = await Promise.all([
    startEdgeProcess(redis.url, prefix),
    startEdgeProcess(redis.url, prefix),
  ]);
  cleanups.push(
    () => a.proc.kill('SIGKILL'),
    () => b.proc.kill('SIGKILL'),
  );
  return { log, a, b, token: await mintToken({ role: 'viewer' }) };
}

describe('edge failover', () => {
  let redis: RedisHandle;
  beforeAll(async () => {
    redis = await startRedis();
    cleanups.push(() => redis.stop());
  });

  it('kill -9 one edge under load: its clients resume on the other with since and miss nothing', async () => {
    const { log, a, b, token } = await twoEdges(redis, 'edge-kill');
    const onA = Array.from({ length: 12 }, () => resumingClient([a.ws, b.ws], { token }));
    const onB = Array.from({ length: 4 }, () => resumingClient([b.ws, a.ws], { token }));
    const clients = [...onA, ...onB];
    cleanups.push(() => Promise.resolve(clients.forEach((c) => c.stop())));
    await waitFor(() => clients.every((c) => c.initials.length === 1), {
      message: 'clients connected',
    });

    const w = writer(log, 10);
    await waitFor(() => w.acked.length > 300, { timeoutMs: 30_000, message: 'load flowing' });
    await a.proc.kill('SIGKILL');
    await waitFor(
      () =>
        onA.every((c) => c.reconnects >= 1 && c.current?.closed === null && c.offsets.length > 0),
      {
        timeoutMs: 30_000,
        message: 'clients of the killed edge resumed on the other',
      },
    );
    const atKill = w.acked.length;
    await waitFor(() => w.acked.length > atKill + 300, { timeoutMs: 30_000, message: 'more load' });
    await w.stop();
    await expectComplete(log, clients);
    expect(onA.every((c) => c.closeCodes[0] === 1006)).toBe(true);
    expect(onB.every((c) => c.reconnects === 0)).toBe(true);
    clients.forEach((c) => c.stop());
  });

  it('drain on SIGTERM: every client gets 1012 and resumes on the other edge without loss', async () => {
    const { log, a, b, token } = await twoEdges(redis, 'edge-drain');
    const clients = Array.from({ length: 12 }, () => resumingClient([a.ws, b.ws], { token }));
    cleanups.push(() => Promise.resolve(clients.forEach((c) => c.stop())));
    await waitFor(() => clients.every((c) => c.initials.length === 1), {
      message: 'clients connected',
    });

    const w = writer(log, 10);
    await waitFor(() => w.acked.length > 200, { timeoutMs: 30_000, message: 'load flowing' });
    const exit = await a.proc.kill('SIGTERM');
    expect(exit.code).toBe(0);
    expect(a.proc.output()).toMatch(/drained: stopped accepting/);
    await waitFor(() => clients.every((c) => c.reconnects === 1 && c.current?.closed === null), {
      timeoutMs: 30_000,
      message: 'clients resumed on the other edge',
    });
    const atDrain = w.acked.length;
    await waitFor(() => w.acked.length > atDrain + 200, {
      timeoutMs: 30_000,
      message: 'more load',
    });
    await w.stop();
    await expectComplete(log, clients);
    for (const c of clients) expect(c.closeCodes[0]).toBe(1012);
    clients.forEach((c) => c.stop());
  });
});

describe('Redis restarted under the edges', () => {
  it('edges repair the gap from the stream; clients see no hole', async () => {
    const redis = await startRedis({
      private: true,
      appendonly: true,
      args: ['--appendfsync', 'always'],
    });
    cleanups.push(() => redis.stop());
    const prefix = uniquePrefix('edge-redis-restart');
    // The writer reconnects fast. The edges' subscribers reach Redis through a gate the test
    // holds shut until events have landed after the restart, so those events are certainly
    // missed on the wire and must be repaired from the stream (two reconnect timers raced here
    // before, and sometimes no event fell between them).
    const writerConn = new Redis(redis.url, {
      maxRetriesPerRequest: null,
      retryStrategy: () => 20,
    });
    writerConn.on('error', () => undefined);
    cleanups.push(async () => writerConn.quit().catch(() => writerConn.disconnect()));
    const log = createEventLog(writerConn, { prefix });
    for (let i = 0; i < 5; i++) await log.append(registration(mcpName(i)));
    const gate = await startTcpGate({ host: '127.0.0.1', port: redis.port });
    cleanups.push(() => gate.stop());
    const edges = await Promise.all(
      [0, 1].map(async () => {
        const subscriber = new Redis(`redis://127.0.0.1:${gate.port}`, {
          retryStrategy: () => 100,
        });
        subscriber.on('error', () => undefined);
        return startEdge(redis.url, prefix, {}, { subscriber });
      }),
    );
    for (const e of edges) cleanups.push(() => e.stop());
    const token = await mintToken({ role: 'viewer' });
    const clients = edges.flatMap((e) =>
      Array.from({ length: 5 }, () => resumingClient([e.ws], { token })),
    );
    cleanups.push(() => Promise.resolve(clients.forEach((c) => c.stop())));
    await waitFor(() => clients.every((c) => c.initials.length === 1), {
      message: 'clients connected',
    });

    const w = writer(log, 5);
    await waitFor(() => w.acked.length > 200, { timeoutMs: 30_000, message: 'load flowing' });
    gate.close();
    await redis.kill();
    await redis.restart();
    const atRestart = w.acked.length;
    await waitFor(() => w.acked.length > atRestart + 200, {
      timeoutMs: 30_000,
      message: 'writes resumed',
    });
    gate.open();
    await w.stop();
    await expectComplete(log, clients);
    // The clients never noticed: same socket, no reconnect, no second initial_status.
    expect(clients.every((c) => c.reconnects === 0)).toBe(true);
    const gaps = edges.map((e) => /beacon_edge_bus_gaps_total (\d+)/.exec(e.metricsText())?.[1]);
    expect(gaps.every((g) => Number(g) > 0)).toBe(true);
    clients.forEach((c) => c.stop());
  });
});
