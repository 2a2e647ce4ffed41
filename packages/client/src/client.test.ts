// Reconnect logic of the client against a scripted WebSocket server on a real local socket: each
// test plays one edge behaviour (drain, slow-consumer kick, token expiry, policy close, silence,
// resume not served) and checks what the client does about it.
import { waitFor } from '@beacon/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { createBeaconClient } from './client.js';
import type { BeaconClient, ConnectionState } from './types.js';
import type { WebSocketConstructor } from './socket.js';
import { initial, probeDigest, row, statusChange } from './test-fixtures.js';

interface Conn {
  readonly socket: WebSocket;
  readonly url: URL;
  readonly received: string[];
}

async function scriptedEdge(
  onConnect: (c: Conn, index: number) => void,
  port = 0,
): Promise<{
  url: string;
  conns: Conn[];
  close(): Promise<void>;
}> {
  const wss = new WebSocketServer({ port, host: '127.0.0.1' });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const conns: Conn[] = [];
  wss.on('connection', (socket, req) => {
    const c: Conn = { socket, url: new URL(req.url ?? '/', 'http://x'), received: [] };
    socket.on('message', (data: Buffer) => c.received.push(data.toString()));
    conns.push(c);
    onConnect(c, conns.length - 1);
  });
  const address = wss.address();
  const bound = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `ws://127.0.0.1:${bound}/ws/mcp-status`,
    conns,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  };
}

const send = (c: Conn, m: Record<string, unknown>): void => c.socket.send(JSON.stringify(m));

const until = async (cond: () => boolean, message: string, timeoutMs = 5_000): Promise<void> => {
  await waitFor(cond, { timeoutMs, intervalMs: 5, message });
};

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function client(
  url: string,
  extra: Partial<Parameters<typeof createBeaconClient>[0]> = {},
): { c: BeaconClient; states: ConnectionState[] } {
  const c = createBeaconClient({
    url,
    WebSocket: WebSocket as unknown as WebSocketConstructor,
    backoff: { initialMs: 20, maxMs: 200, fastMs: 20 },
    ...extra,
  });
  const states: ConnectionState[] = [];
  c.on('state', (s) => states.push(s.state));
  cleanups.push(() => c.close());
  c.start();
  return { c, states };
}

describe('client reconnect logic', () => {
  it('goes live on initial_status, resumes with since/epoch after a drain (1012)', async () => {
    const edge = await scriptedEdge((conn, i) => {
      if (i === 0) {
        send(conn, initial('1-0', [row('a'), row('b')]));
        send(conn, statusChange('2-0', 'a', 'unhealthy', { error: 'down' }));
      } else {
        // The resumed connection replays one missed event and one it already has.
        send(conn, statusChange('2-0', 'a', 'unhealthy', { error: 'down' }));
        send(conn, statusChange('3-0', 'b', 'disconnected'));
      }
    });
    cleanups.push(edge.close);
    const offsets: string[] = [];
    const { c, states } = client(edge.url);
    c.on('event', (e) => offsets.push(e.message.offset));
    await until(() => c.offset === '2-0', 'first event');
    expect(c.state).toBe('live');

    edge.conns[0]?.socket.close(1012, 'draining');
    await until(() => c.offset === '3-0' && c.state === 'live', 'resumed');
    const resumeUrl = edge.conns[1]?.url;
    expect(resumeUrl?.searchParams.get('since')).toBe('2-0');
    expect(resumeUrl?.searchParams.get('epoch')).toBe('epoch-test-1');
    expect(offsets).toEqual(['2-0', '3-0']);
    expect(c.stats.duplicates).toBe(1);
    expect(c.fleet.get('b')?.health_status).toBe('disconnected');
    expect(states).toEqual(['connecting', 'live', 'reconnecting', 'resyncing', 'live']);
  });

  it('replaces its state when the edge cannot serve the resume (recovered:false)', async () => {
    const edge = await scriptedEdge((conn, i) => {
      if (i === 0) send(conn, initial('1-0', [row('a'), row('b')]));
      else send(conn, initial('90-0', [row('c')], { recovered: false }));
    });
    cleanups.push(edge.close);
    const reasons: string[] = [];
    const { c } = client(edge.url);
    c.on('snapshot', (s) => reasons.push(s.reason));
    await until(() => c.state === 'live', 'live');
    edge.conns[0]?.socket.close(4008, 'slow consumer');
    await until(() => c.offset === '90-0', 'resynced');
    expect([...c.fleet.keys()]).toEqual(['c']);
    expect(reasons).toEqual(['initial', 'not_recovered']);
  });

  it('applies probe digests to its fleet and emits them as typed probes events', async () => {
    const edge = await scriptedEdge((conn) => {
      send(conn, initial('1-0', [row('a'), row('b')]));
      send(
        conn,
        probeDigest([
          { name: 'a', checked_at: '2025-01-01T00:00:02.000Z', latency_ms: 8, ok: true },
        ]),
      );
      send(
        conn,
        probeDigest([
          { name: 'a', checked_at: '2025-01-01T00:00:04.000Z', latency_ms: 11, ok: true },
          { name: 'b', checked_at: '2025-01-01T00:00:04.000Z', latency_ms: null, ok: false },
        ]),
      );
      send(conn, { type: 'probe_digest', probes: [{ name: 'a', checked_at: 'soon' }] });
      send(
        conn,
        statusChange('2-0', 'b', 'disconnected', { checked_at: '2025-01-01T00:00:05.000Z' }),
      );
    });
    cleanups.push(edge.close);
    const got: { samples: string[]; rows: string[] }[] = [];
    const { c } = client(edge.url);
    c.on('probes', (p) =>
      got.push({
        samples: p.samples.map((x) => `${x.name}@${x.checked_at.slice(17, 19)}`),
        rows: p.rows.map((r) => r.name),
      }),
    );
    await until(() => c.offset === '2-0', 'event after the digests');
    expect(got).toEqual([
      { samples: ['a@02'], rows: ['a'] },
      { samples: ['a@04', 'b@04'], rows: ['a', 'b'] },
    ]);
    expect(c.fleet.get('a')).toMatchObject({
      last_health_check: '2025-01-01T00:00:04.000Z',
      latency_ms: 11,
    });
    expect(c.fleet.get('b')).toMatchObject({
      health_status: 'disconnected',
      last_health_check: '2025-01-01T00:00:05.000Z',
    });
    // The malformed digest was dropped and counted like any invalid frame.
    expect(c.stats.invalid).toBe(1);
    // Digests are not log events: the offset only moved with the status change.
    expect(c.stats.events).toBe(1);
  });

  it('asks for a fresh token when the edge closes with 4001, and sends auth before expiry', async () => {
    const b64 = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
    let n = 0;
    // Each token expires 2 s from issue: the refresh (1.9 s before expiry, at least 1 s) comes
    // within about a second of connecting.
    const getToken = (): string =>
      `h.${b64({ sub: 'ann', n: ++n, exp: Math.floor(Date.now() / 1000) + 2 })}.s`;
    const edge = await scriptedEdge((conn) => send(conn, initial('1-0', [row('a')])));
    cleanups.push(edge.close);
    const { c } = client(edge.url, { getToken, refreshBeforeMs: 1_900 });
    await until(() => c.state === 'live', 'live');
    const first = edge.conns[0];
    expect(first?.url.searchParams.get('token')).toContain('h.');
    await until(() => first?.received.some((m) => m.includes('"auth"')) === true, 'auth sent');
    expect(n).toBeGreaterThanOrEqual(2);

    const before = n;
    first?.socket.close(4001, 'token expired');
    await until(() => edge.conns.length === 2 && c.state === 'live', 'reconnected');
    expect(n).toBeGreaterThan(before);
    expect(edge.conns[1]?.url.searchParams.get('token')).not.toBe(
      first?.url.searchParams.get('token'),
    );
  });

  it('goes offline with a fatal error on a policy close (1008) and does not retry', async () => {
    const edge = await scriptedEdge((conn) => conn.socket.close(1008, 'origin not allowed'));
    cleanups.push(edge.close);
    const errors: { code: string; fatal: boolean }[] = [];
    const { c } = client(edge.url);
    c.on('error', (e) => errors.push(e));
    await until(() => c.state === 'offline', 'offline');
    expect(errors).toContainEqual(expect.objectContaining({ code: 'policy', fatal: true }));
    // Give a would-be retry far more than the backoff to show up; none must.
    const deadline = Date.now() + 300;
    await until(() => Date.now() > deadline, 'quiet period');
    expect(edge.conns).toHaveLength(1);
  });

  it('counts and reports invalid frames without dropping the connection', async () => {
    const edge = await scriptedEdge((conn) => {
      send(conn, initial('1-0', [row('a')]));
      conn.socket.send('{not json');
      send(conn, { type: 'mcp_status_change', mcp_name: 'a', status: 'on-fire', offset: '2-0' });
      conn.socket.send(Buffer.from([1, 2, 3]));
      send(conn, statusChange('3-0', 'a', 'unhealthy'));
    });
    cleanups.push(edge.close);
    const invalid: string[] = [];
    const { c } = client(edge.url);
    c.on('invalid', (e) => invalid.push(e.error));
    await until(() => c.offset === '3-0', 'valid event after invalid ones');
    expect(c.stats.invalid).toBe(3);
    expect(invalid[0]).toMatch(/invalid JSON/);
    expect(invalid[1]).toMatch(/status/);
    expect(edge.conns).toHaveLength(1);
  });

  it('answers the JSON keep-alive and reconnects when the connection goes silent', async () => {
    const edge = await scriptedEdge((conn, i) => {
      send(conn, initial('1-0', [row('a')]));
      if (i === 0) {
        send(conn, { type: 'ping', timestamp: new Date().toISOString() });
        // Then say nothing at all, not even pong: a half-open TCP connection.
      } else {
        conn.socket.on('message', (d: Buffer) => {
          if (d.toString() === 'ping') conn.socket.send('pong');
        });
      }
    });
    cleanups.push(edge.close);
    const errors: string[] = [];
    const { c } = client(edge.url, { keepAliveMs: 100, deadAfterMs: 300 });
    c.on('error', (e) => errors.push(e.code));
    await until(() => edge.conns[0]?.received.includes('ping') === true, 'ping answered');
    await until(() => edge.conns.length === 2 && c.state === 'live', 'reconnected after silence');
    expect(errors).toContain('dead_connection');
    // The healthy second connection is kept alive by ping/pong, not dropped.
    const deadline = Date.now() + 700;
    await until(() => Date.now() > deadline, 'quiet period');
    expect(edge.conns).toHaveLength(2);
  });

  it('keeps retrying with backoff while the edge is unreachable, then connects', async () => {
    const edge = await scriptedEdge((conn) => send(conn, initial('1-0', [row('a')])));
    const url = edge.url;
    await edge.close();
    const errors: string[] = [];
    const { c } = client(url);
    c.on('error', (e) => errors.push(e.code));
    await until(() => errors.length >= 3, 'several failed attempts');
    expect(c.state).toBe('connecting');
    expect(c.stats.connects).toBeGreaterThanOrEqual(3);
    const again = await scriptedEdge(
      (conn) => send(conn, initial('1-0', [row('a')])),
      Number(new URL(url).port),
    );
    cleanups.push(again.close);
    await until(() => c.state === 'live', 'live once the edge is back');
  });

  it('resets the backoff only after the connection has been stable', async () => {
    let accept = false;
    const edge = await scriptedEdge((conn) => {
      if (accept) send(conn, initial('1-0', [row('a')]));
      else conn.socket.close(1011, 'not yet');
    });
    cleanups.push(edge.close);
    const { c } = client(edge.url, { backoff: { initialMs: 20, maxMs: 200, stableMs: 400 } });
    await until(() => c.stats.attempts >= 3, 'failed attempts counted');
    accept = true;
    await until(() => c.state === 'live', 'live');
    expect(c.stats.attempts).toBeGreaterThanOrEqual(3);
    await until(() => c.stats.attempts === 0, 'backoff reset after stableMs');
    // A drain right after does not count as a failure.
    edge.conns.at(-1)?.socket.close(1012, 'draining');
    await until(() => c.state === 'live' && c.stats.connects > 4, 'resumed');
    expect(c.stats.attempts).toBe(0);
  });
});
