// A client that resumes on an edge which has not yet mirrored what the client saw (it came from
// an edge that was ahead): the edge waits, briefly and boundedly, for its mirror to get there and
// then resumes without loss instead of answering `recovered: false`. The lagging edge is made
// real by pausing the socket of its pub/sub connection: published events wait in the kernel.
import { waitFor, withinBudget } from '@beacon/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mcpName, statusChange } from './bench/seed.js';
import { AHEAD_WAIT_MS } from './resume.js';
import {
  mintToken,
  record,
  startTestBed,
  type InProcessEdge,
  type TestBed,
} from './test-support.js';
import { McpListResponse } from '@beacon/protocol';

let bed: TestBed;
let token: string;

beforeAll(async () => {
  bed = await startTestBed('edge-ahead', 3);
  token = await mintToken({ role: 'viewer' });
});
afterAll(async () => {
  await bed.stop();
});

/** An edge whose live feed can be held back (pause) and let through (resume). */
async function laggingEdge(): Promise<{ edge: InProcessEdge; hold(): void; release(): void }> {
  const subscriber = new Redis(bed.redis.url, { maxRetriesPerRequest: null });
  subscriber.on('error', () => undefined);
  const edge = await bed.edge({}, { subscriber });
  return {
    edge,
    hold: () => subscriber.stream.pause(),
    release: () => subscriber.stream.resume(),
  };
}

const connects = (edge: InProcessEdge, kind: string): number =>
  Number(
    new RegExp(`beacon_edge_connects_total\\{kind="${kind}"\\} (\\d+)`).exec(
      edge.metricsText(),
    )?.[1] ?? 0,
  );

describe('resume from an offset this edge has not mirrored yet', () => {
  it('waits for the mirror, then replays from there and continues live: nothing lost, no resync', async () => {
    const fast = await bed.edge();
    const slow = await laggingEdge();

    const first = record(fast.ws, { token });
    const initial = await first.waitFor((x) => x.of('initial_status')[0], 'initial_status');
    slow.hold();
    const e1 = await bed.writer.log.append(statusChange(mcpName(0), 1));
    const e2 = await bed.writer.log.append(statusChange(mcpName(1), 2));
    await first.waitFor((x) => x.events().length === 2, 'both events on the fast edge');
    first.close();

    // The client saw e1 (say its connection dropped before e2) and resumes on the slow edge.
    const startedAt = Date.now();
    const resumed = record(`${slow.edge.ws}?since=${e1.offset}&epoch=${initial.epoch ?? ''}`, {
      token,
    });
    await resumed.opened;
    await waitFor(() => slow.edge.edge.connections === 1, { message: 'resume accepted' });
    // The resume was planned in the turn after the open; this later request shows the mirror
    // still behind e1, so the edge is waiting, not replaying.
    const behind = await fetch(`${slow.edge.http}/api/mcps`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(McpListResponse.parse(await behind.json()).offset).toBe(initial.offset);
    expect(resumed.messages).toEqual([]);
    slow.release();

    await resumed.waitFor((x) => x.events().length === 1, 'e2 replayed from the slow edge');
    const e3 = await bed.writer.log.append(statusChange(mcpName(2), 3));
    await resumed.waitFor((x) => x.events().length === 2, 'e3 live');
    expect(resumed.events().map((m) => m.offset)).toEqual([e2.offset, e3.offset]);
    expect(resumed.of('initial_status')).toEqual([]);
    withinBudget(
      'resume from an edge behind the client',
      Date.now() - startedAt,
      AHEAD_WAIT_MS + 5_000,
    );
    // Served from memory once the mirror got there (the ring, or nothing to replay when e2 came
    // after the handoff): never a fresh state.
    expect(connects(slow.edge, 'resume_ring') + connects(slow.edge, 'resume_current')).toBe(1);
    expect(connects(slow.edge, 'resume_failed')).toBe(0);
    resumed.close();
  });

  it('gives up after the bound: fresh initial_status with recovered:false, then live', async () => {
    const edge = await bed.edge();
    const head = await bed.writer.log.head();
    // An offset this log never reached (e.g. written to a Redis since restored without it).
    const lost = `${Date.now() + 3_600_000}-0`;
    const startedAt = Date.now();
    const client = record(`${edge.ws}?since=${lost}&epoch=${head.epoch}`, { token });
    const fresh = await client.waitFor(
      (x) => x.of('initial_status')[0],
      'fresh initial_status after the wait',
      AHEAD_WAIT_MS + 10_000,
    );
    const waited = Date.now() - startedAt;
    expect(fresh).toMatchObject({ recovered: false, offset: head.offset, epoch: head.epoch });
    expect(waited).toBeGreaterThanOrEqual(AHEAD_WAIT_MS - 100);
    withinBudget('giving up on an offset ahead of the log', waited, AHEAD_WAIT_MS + 5_000);
    expect(connects(edge, 'resume_failed')).toBe(1);

    const next = await bed.writer.log.append(statusChange(mcpName(0), 4));
    await client.waitFor((x) => x.events()[0], 'live after the fresh state');
    expect(client.events().map((m) => m.offset)).toEqual([next.offset]);
    client.close();
  });
});
