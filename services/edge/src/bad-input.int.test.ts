// Nothing a client (or a broken publisher on the bus) sends can crash or stall the edge: bad
// frames get an `error` message with a code, repeated ones and oversized ones close the socket
// with the proper close code, floods are cut off, and bystanders keep receiving events.
import { keyspace } from '@beacon/protocol';
import { waitFor } from '@beacon/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mcpName, statusChange } from './bench/seed.js';
import {
  mintToken,
  record,
  startTestBed,
  type InProcessEdge,
  type TestBed,
} from './test-support.js';

let bed: TestBed;
let edge: InProcessEdge;
let token: string;

beforeAll(async () => {
  bed = await startTestBed('edge-bad-input', 1);
  edge = await bed.edge({ maxFrameBytes: 4096, maxBadFrames: 5, rateLimit: 50 });
  token = await mintToken({});
});
afterAll(async () => {
  await bed.stop();
});

async function open(): Promise<ReturnType<typeof record>> {
  const r = record(edge.ws, { token });
  await r.waitFor((x) => x.of('initial_status').length === 1, 'initial_status');
  return r;
}

describe('client frames', () => {
  it('answers pings and reports each kind of bad frame with its code, staying open', async () => {
    const r = await open();
    r.ws.send('ping');
    r.ws.send(JSON.stringify({ type: 'ping' }));
    await r.waitFor((x) => x.messages.filter((m) => m === 'pong').length === 2, 'two pongs');
    r.ws.send('{"type": "subscribe", ');
    r.ws.send(JSON.stringify({ type: 'hello' }));
    r.ws.send(JSON.stringify({ type: 'subscribe', mcps: 'all' }));
    r.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    await r.waitFor((x) => x.of('error').length === 4, 'four errors');
    expect(r.of('error').map((m) => m.code)).toEqual([
      'invalid_json',
      'unknown_type',
      'invalid_message',
      'binary_not_supported',
    ]);
    expect(r.of('error')[2]?.message).toMatch(/mcps/);
    expect(r.closed).toBeNull();
    r.close();
  });

  it('closes after repeated bad frames: 1008 for garbage, 1003 for binary', async () => {
    const garbage = await open();
    for (let i = 0; i < 5; i++) garbage.ws.send(`nope ${i}`);
    expect((await garbage.done).code).toBe(1008);
    const binary = await open();
    for (let i = 0; i < 5; i++) binary.ws.send(Buffer.alloc(10), { binary: true });
    expect((await binary.done).code).toBe(1003);
  });

  it('closes a frame over the limit with 1009, and a far bigger one at once', async () => {
    const big = await open();
    big.ws.send(JSON.stringify({ type: 'subscribe', mcps: ['x'.repeat(6000)] }));
    expect((await big.done).code).toBe(1009);
    const huge = await open();
    huge.ws.send('x'.repeat(1024 * 1024));
    expect([1006, 1009]).toContain((await huge.done).code);
  });

  it('cuts off a flood while a bystander keeps getting events and the edge keeps answering', async () => {
    const bystander = await open();
    const flooder = await open();
    const flood = (): void => {
      for (let i = 0; i < 2000 && flooder.ws.readyState === flooder.ws.OPEN; i++)
        flooder.ws.send('ping');
    };
    flood();
    await bed.writer.log.append(statusChange(mcpName(0), 1));
    const head = await bed.writer.log.lastOffset();
    await bystander.waitFor((x) => x.events().at(-1)?.offset === head, 'bystander event');
    expect((await flooder.done).code).toBe(1008);
    expect(flooder.of('error').some((m) => m.code === 'rate_limited')).toBe(true);
    expect((await fetch(`${edge.http}/healthz`)).status).toBe(200);
    expect(bystander.closed).toBeNull();
    bystander.close();
  });
});

describe('the bus', () => {
  it('drops, logs and counts malformed bus messages; clients see only real events', async () => {
    const r = await open();
    const live = keyspace({ prefix: bed.prefix }).live;
    await bed.writer.redis.publish(live, 'not json at all');
    await bed.writer.redis.publish(
      live,
      JSON.stringify({ o: '1-1', p: '0-0', e: { type: 'mcp_status_change' } }),
    );
    await waitFor(() => /beacon_edge_bus_invalid_total 2/.test(edge.metricsText()), {
      message: 'two invalid bus messages counted',
    });
    await bed.writer.log.append(statusChange(mcpName(0), 2));
    const head = await bed.writer.log.lastOffset();
    await r.waitFor((x) => x.events().at(-1)?.offset === head, 'the real event');
    expect(r.events()).toHaveLength(1);
    expect(r.of('error')).toEqual([]);
    r.close();
  });
});
