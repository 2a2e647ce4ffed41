// The live store's rendering contract: however many events arrive between two frames, React is
// notified once per frame with one new snapshot; the timeline stays bounded; a state replacement
// is marked. Driven by a scripted WebSocket server on a real local socket and a hand-cranked
// frame scheduler.
import type { WebSocketConstructor } from '@beacon/client';
import { waitFor } from '@beacon/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { createLiveStore, type LiveStore } from './live.js';

const TS = '2025-01-01T00:00:00.000Z';
const EPOCH = 'e1';
const row = (name: string): Record<string, unknown> => ({
  name,
  health_status: 'healthy',
  circuit_state: 'closed',
  last_health_check: TS,
  enabled: true,
  latency_ms: 5,
  tools_count: 1,
  failure_cycles: 0,
  last_error: null,
  auto_disabled: false,
  tags: [],
});
const initial = (offset: string, names: string[], recovered?: boolean): string =>
  JSON.stringify({
    type: 'initial_status',
    mcps: names.map(row),
    timestamp: TS,
    offset,
    epoch: EPOCH,
    ...(recovered === undefined ? {} : { recovered }),
  });
const change = (seq: number, name: string): string =>
  JSON.stringify({
    type: 'mcp_status_change',
    mcp_name: name,
    status: seq % 2 ? 'unhealthy' : 'healthy',
    metadata: { latency_ms: seq, error: seq % 2 ? `boom ${seq}` : null },
    timestamp: TS,
    offset: `${100 + seq}-0`,
    epoch: EPOCH,
  });

const until = async (cond: () => boolean, what: string): Promise<void> => {
  await waitFor(cond, { timeoutMs: 5_000, intervalMs: 5, message: what });
};

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(
  onConnect: (socket: WebSocket, index: number) => void,
  timelineLimit = 100,
): Promise<{ store: LiveStore; frame: () => void; notified: () => number }> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  let n = 0;
  wss.on('connection', (s) => onConnect(s, n++));
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => r());
      }),
  );
  const address = wss.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const queue: (() => void)[] = [];
  const store = createLiveStore({
    url: `ws://127.0.0.1:${port}/ws/mcp-status`,
    getToken: () => null,
    timelineLimit,
    probePointsLimit: 4,
    WebSocket: WebSocket as unknown as WebSocketConstructor,
    schedule: (fn) => queue.push(fn),
  });
  let notifications = 0;
  store.subscribe(() => notifications++);
  cleanups.push(() => store.stop());
  store.start();
  return {
    store,
    frame: () => {
      for (const fn of queue.splice(0)) fn();
    },
    notified: () => notifications,
  };
}

describe('live store', () => {
  it('publishes one snapshot per frame however many events arrived', async () => {
    const { store, frame, notified } = await setup((s) => {
      s.send(initial('100-0', ['a', 'b', 'c']));
      for (let i = 1; i <= 50; i++) s.send(change(i, ['a', 'b', 'c'][i % 3]!));
    });
    await until(() => store.client.stats.events === 50, '50 events folded');
    const before = store.getSnapshot();
    expect(notified()).toBe(0); // nothing rendered until the frame
    frame();
    const after = store.getSnapshot();
    expect(notified()).toBe(1);
    expect(after).not.toBe(before);
    expect(after.rows).toHaveLength(3);
    expect(after.eventsApplied).toBe(50);
    expect(after.timeline.map((e) => e.offset)).toEqual(
      Array.from({ length: 50 }, (_, i) => `${101 + i}-0`),
    );
    expect(after.connection).toBe('live');
    // No new events: the next frame has nothing to publish.
    frame();
    expect(notified()).toBe(1);
  });

  it('keeps the timeline bounded to the newest entries', async () => {
    const { store, frame } = await setup((s) => {
      s.send(initial('100-0', ['a']));
      for (let i = 1; i <= 60; i++) s.send(change(i, 'a'));
    }, 20);
    await until(() => store.client.stats.events === 60, 'events folded');
    frame();
    const snap = store.getSnapshot();
    expect(snap.timeline).toHaveLength(20);
    expect(snap.timeline.at(-1)?.offset).toBe('160-0');
    expect(snap.eventsApplied).toBe(60);
  });

  it('marks a state replacement (resume not served) in the timeline', async () => {
    const { store, frame } = await setup((s, i) => {
      if (i === 0) {
        s.send(initial('100-0', ['a', 'b']));
        s.close(4008, 'slow consumer');
      } else s.send(initial('900-0', ['b'], false));
    });
    await until(() => store.client.offset === '900-0', 'resynced');
    frame();
    const snap = store.getSnapshot();
    expect(snap.rows.map((r) => r.name)).toEqual(['b']);
    expect(snap.resyncedAt).not.toBeNull();
    expect(snap.timeline.at(-1)).toMatchObject({ type: 'marker', what: 'resynced', offset: null });
  });

  it('applies probe digests at the frame: rows move, samples join a bounded ring per MCP', async () => {
    const digest = (seconds: number[]): string =>
      JSON.stringify({
        type: 'probe_digest',
        probes: seconds.map((sec, i) => ({
          name: ['a', 'b'][i % 2],
          checked_at: new Date(Date.parse(TS) + sec * 1000).toISOString(),
          latency_ms: sec,
          ok: true,
        })),
        timestamp: TS,
      });
    const { store, frame, notified } = await setup((s) => {
      s.send(initial('100-0', ['a', 'b']));
      for (let sec = 1; sec <= 8; sec++) s.send(digest([sec, sec]));
      s.send(change(1, 'a'));
    });
    await until(() => store.client.stats.events === 1, 'digests then an event');
    const before = store.getSnapshot();
    // Nothing published (and no sample in the rings) before the frame.
    expect(store.probePoints('a')).toEqual([]);
    frame();
    const after = store.getSnapshot();
    expect(notified()).toBe(1);
    expect(after.probesVersion).toBe(before.probesVersion + 1);
    expect(after.byName.get('b')).toMatchObject({
      last_health_check: '2025-01-01T00:00:08.000Z',
      latency_ms: 8,
    });
    expect(store.probePoints('a').map((p) => p.latency)).toEqual([5, 6, 7, 8]);
    expect(store.probePoints('b')).toHaveLength(4);
    // A frame without digests leaves the rings (and their arrays) as they were.
    const points = store.probePoints('a');
    frame();
    expect(store.probePoints('a')).toBe(points);
  });
});
