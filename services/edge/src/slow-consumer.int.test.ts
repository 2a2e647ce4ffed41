// A client that stops reading is closed with 4008 once its buffer passes the limit, then
// resumes with `since` and ends with the complete sequence; a fast client on the same edge gets
// every event meanwhile, unaffected.
import type { Socket } from 'node:net';
import { startRedis, uniquePrefix, waitFor, type RedisHandle } from '@beacon/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mcpName, registration, statusChange } from './bench/seed.js';
import {
  logFor,
  logOffsets,
  mintToken,
  record,
  resumingClient,
  startEdge,
  type InProcessEdge,
} from './test-support.js';

let redis: RedisHandle;
let edge: InProcessEdge;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  await redis.stop();
});

const socketOf = (ws: unknown): Socket => (ws as { _socket: Socket })._socket;

describe('slow consumers', () => {
  it('are closed with 4008 and recover fully; a fast client beside them is unaffected', async () => {
    const prefix = uniquePrefix('edge-slow');
    const { log, redis: conn } = logFor(redis.url, prefix);
    cleanups.push(async () => conn.quit());
    for (let i = 0; i < 4; i++) await log.append(registration(mcpName(i)));
    edge = await startEdge(redis.url, prefix, { maxBufferBytes: 64 * 1024 });
    cleanups.push(() => edge.stop());
    const token = await mintToken({ role: 'viewer' });

    const slow = resumingClient([edge.ws], { token });
    cleanups.push(() => Promise.resolve(slow.stop()));
    const fast = record(edge.ws, { token });
    await fast.opened;
    await waitFor(() => slow.initials.length === 1 && slow.current !== null, {
      message: 'slow connected',
    });
    const slowSocket = socketOf(slow.current?.ws);
    slowSocket.pause();

    // ~24 MB of events: far more than the kernel buffers of a loopback connection hold.
    const big = 'x'.repeat(8 * 1024);
    for (let s = 0; s < 3000; s++) {
      const e = statusChange(mcpName(s % 4), s) as { metadata: Record<string, unknown> };
      e.metadata.error = `${s}:${big}`;
      await log.append(e as Parameters<typeof log.append>[0]);
    }
    const head = await log.lastOffset();
    await fast.waitFor(
      (r) => r.events().at(-1)?.offset === head,
      'fast client to get everything',
      60_000,
    );
    await waitFor(
      () => /beacon_edge_closes_total\{reason="slow_consumer"\} 1/.test(edge.metricsText()),
      {
        timeoutMs: 30_000,
        message: 'the edge to close the slow consumer',
      },
    );
    // The fast client got everything while the slow one was still stalled, and was never closed.
    expect(slow.offsets.length).toBeLessThan(3000);
    expect(fast.closed).toBeNull();
    const all = await logOffsets(log, fast.of('initial_status')[0]?.offset as string);
    expect(fast.events().map((m) => m.offset)).toEqual(all);

    slowSocket.resume();
    await waitFor(() => slow.lastOffset === head, {
      timeoutMs: 60_000,
      message: 'slow client to recover',
    });
    expect(slow.closeCodes[0]).toBe(4008);
    expect(slow.initials).toHaveLength(1);
    expect(slow.offsets).toEqual(await logOffsets(log, slow.initials[0]?.offset as string));
    fast.close();
  });
});
