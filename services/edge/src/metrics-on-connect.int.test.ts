// A page that connects must not wait for the registry's next tick to show fleet figures: right
// after its initial_status (or its replayed events, on a resume) the edge sends the latest
// system_metrics it has — the last one it forwarded, or, for an edge that just started, the one
// kept in Redis.
import type { SystemMetricsMessage } from '@beacon/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mcpName, statusChange } from './bench/seed.js';
import { mintToken, record, startTestBed, type Recorder, type TestBed } from './test-support.js';

let bed: TestBed;
let token: string;

beforeAll(async () => {
  bed = await startTestBed('edge-metrics-connect', 3);
  token = await mintToken({ role: 'viewer' });
});
afterAll(async () => {
  await bed.stop();
});

function figures(total: number): SystemMetricsMessage {
  return {
    type: 'system_metrics',
    timestamp: new Date().toISOString(),
    metrics: {
      total_mcps: total,
      healthy_mcps: total,
      unhealthy_mcps: 0,
      disconnected_mcps: 0,
      inactive_mcps: 0,
      unknown_mcps: 0,
      open_circuits: 0,
      half_open_circuits: 0,
      auto_disabled_mcps: 0,
      edges: 1,
      connections: 1,
      events_per_second: 0,
    },
  };
}

/** Everything the socket got up to the `pong` answering our `ping` (i.e. what came first). */
async function firstMessages(rec: Recorder): Promise<unknown[]> {
  await rec.waitFor((x) => x.of('initial_status').length > 0 || x.events().length > 0, 'data');
  rec.ws.send('ping');
  await rec.waitFor((x) => x.messages.includes('pong'), 'pong');
  return rec.messages.slice(0, rec.messages.indexOf('pong'));
}

const type = (m: unknown): string => (m as { type: string }).type;

describe('system_metrics on connect', () => {
  it('nothing published yet: initial_status only', async () => {
    const edge = await bed.edge();
    const client = record(edge.ws, { token });
    expect((await firstMessages(client)).map(type)).toEqual(['initial_status']);
    client.close();
  });

  it('after initial_status, the latest figures the edge forwarded; also on resume and filtered', async () => {
    const edge = await bed.edge();
    const watcher = record(edge.ws, { token });
    await watcher.waitFor((x) => x.of('initial_status').length === 1, 'watcher connected');
    const latest = figures(3);
    await bed.writer.log.publishSide(figures(2));
    await bed.writer.log.publishSide(latest);
    await watcher.waitFor((x) => x.of('system_metrics').length === 2, 'figures forwarded');

    const fresh = record(edge.ws, { token });
    const got = await firstMessages(fresh);
    expect(got.map(type)).toEqual(['initial_status', 'system_metrics']);
    expect(got[1]).toEqual(latest);

    const scoped = record(edge.ws, {
      token: await mintToken({ role: 'viewer', mcps: ['none-*'] }),
    });
    expect((await firstMessages(scoped)).map(type)).toEqual(['initial_status', 'system_metrics']);

    // A resume gets its missed events first, then the figures; no initial_status.
    const initial = fresh.of('initial_status')[0];
    const missed = await bed.writer.log.append(statusChange(mcpName(0), 1));
    const resumed = record(
      `${edge.ws}?since=${initial?.offset ?? ''}&epoch=${initial?.epoch ?? ''}`,
      {
        token,
      },
    );
    const again = await firstMessages(resumed);
    expect(again.map(type)).toEqual(['mcp_status_change', 'system_metrics']);
    expect(again[0]).toMatchObject({ offset: missed.offset });
    expect(again[1]).toEqual(latest);
    for (const c of [watcher, fresh, scoped, resumed]) c.close();
  });

  it('an edge that just started sends the figures kept in Redis', async () => {
    const kept = figures(7);
    await bed.writer.log.publishSide(kept);
    const edge = await bed.edge();
    const client = record(edge.ws, { token });
    const got = await firstMessages(client);
    expect(got.map(type)).toEqual(['initial_status', 'system_metrics']);
    expect(got[1]).toEqual(kept);
    client.close();
  });
});
