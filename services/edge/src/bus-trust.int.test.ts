// The live channel is not authenticated: a forged PUBLISH must not make an edge drop the real
// events that follow. A far-future offset is checked against the stream before delivery; a
// forged offset the edge did deliver is contradicted by the next real event and repaired.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mcpName, statusChange } from './bench/seed.js';
import { mintToken, record, startTestBed, type TestBed } from './test-support.js';
import { McpListResponse } from '@beacon/protocol';

let bed: TestBed;
let token: string;
let attacker: Redis;

beforeAll(async () => {
  bed = await startTestBed('edge-bus-trust', 2);
  token = await mintToken({ role: 'viewer' });
  attacker = new Redis(bed.redis.url);
  attacker.on('error', () => undefined);
  bed.cleanups.push(() => attacker.quit());
});
afterAll(async () => {
  await bed.stop();
});

const forged = (offset: string, prev: string): string =>
  JSON.stringify({
    o: offset,
    p: prev,
    e: {
      type: 'mcp_status_change',
      mcp_name: mcpName(0),
      status: 'unhealthy',
      timestamp: new Date().toISOString(),
      metadata: { forged: true },
    },
  });

describe('forged events on the live channel', () => {
  it('a far-future offset with p = the head is dropped; the real events that follow reach clients', async () => {
    const edge = await bed.edge();
    const client = record(edge.ws, { token });
    await client.waitFor((x) => x.of('initial_status')[0], 'initial_status');
    const head = await bed.writer.log.lastOffset();
    const far = `${Date.now() + 10 * 365 * 24 * 3600 * 1000}-0`;
    expect(await attacker.publish(bed.writer.log.keys.live, forged(far, head))).toBe(1);
    await client.waitFor(
      () => /beacon_edge_bus_invalid_total 1\b/.test(edge.metricsText()),
      'forged event counted as invalid',
    );
    const e1 = await bed.writer.log.append(statusChange(mcpName(1), 1));
    const e2 = await bed.writer.log.append(statusChange(mcpName(1), 2));
    await client.waitFor((x) => x.events().length >= 2, 'real events delivered');
    expect(client.events().map((m) => m.offset)).toEqual([e1.offset, e2.offset]);
    expect(client.events().some((m) => m.offset === far)).toBe(false);
    client.close();
  });

  it('a forged offset just ahead is contradicted by the next real event: the edge resyncs and real events flow', async () => {
    const edge = await bed.edge();
    const client = record(edge.ws, { token });
    await client.waitFor((x) => x.of('initial_status')[0], 'initial_status');
    const head = await bed.writer.log.lastOffset();
    // Plausible (a few seconds ahead), so delivered first; the stream never had it.
    const ahead = `${Date.now() + 5_000}-0`;
    await attacker.publish(bed.writer.log.keys.live, forged(ahead, head));
    await client.waitFor((x) => x.events().find((m) => m.offset === ahead), 'forged delivered');
    const e1 = await bed.writer.log.append(statusChange(mcpName(1), 3));
    // The edge resynchronises from the snapshot (which holds e1), then real events flow live.
    await client.waitFor((x) => x.of('initial_status')[1], 'resync initial_status');
    const resynced = client.of('initial_status')[1];
    expect(resynced?.offset).toBe(e1.offset);
    expect(resynced?.mcps?.find((r) => r.name === mcpName(0))?.health_status).not.toBe('unhealthy');
    const e2 = await bed.writer.log.append(statusChange(mcpName(1), 4));
    await client.waitFor((x) => x.events().find((m) => m.offset === e2.offset), 'e2 live');
    const res = await fetch(`${edge.http}/api/mcps`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(McpListResponse.parse(await res.json()).offset).toBe(e2.offset);
    client.close();
  });
});
