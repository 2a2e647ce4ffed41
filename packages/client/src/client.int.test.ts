// The client against a real edge process on a private Redis: it goes live from initial_status,
// follows events appended through the real event log, survives an edge restart (drain 1012, then
// the edge is gone for a while) by resuming with since/epoch, ending with exactly the log's event
// sequence, and keeps one connection across token expiry by refreshing with an `auth` message.
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
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createBeaconClient } from './client.js';
import type { BeaconClient } from './types.js';
import type { WebSocketConstructor } from './socket.js';

const SECRET = 'client-int-test-secret-0123456789';

let redis: RedisHandle;
let conn: Redis;
let log: EventLog;
let prefix: string;
let port: number;
let edge: ProcessHandle | null = null;

const token = (sub: string, ttlS: number): Promise<string> =>
  mintToken({ sub, role: 'viewer', expSeconds: ttlS }, SECRET);

async function startEdge(): Promise<ProcessHandle> {
  return startService('edge', {
    env: {
      REDIS_URL: redis.url,
      BEACON_REDIS_PREFIX: prefix,
      BEACON_EDGE_PORT: String(port),
      BEACON_EDGE_HOST: '127.0.0.1',
      BEACON_JWT_SECRET: SECRET,
      BEACON_HEARTBEAT_MS: '1000',
      LOG_LEVEL: 'info',
    },
    readyLine: /edge listening/,
    readyTimeoutMs: 60_000,
  });
}

const register = (name: string) =>
  log.append({
    type: 'mcp_registered',
    mcp_name: name,
    config: { name, transport: { type: 'streamable-http', url: `http://127.0.0.1:9/${name}` } },
    timestamp: new Date().toISOString(),
  });
const status = (name: string, i: number) =>
  log.append({
    type: 'mcp_status_change',
    mcp_name: name,
    status: i % 2 === 0 ? 'healthy' : 'unhealthy',
    metadata: { latency_ms: i, error: i % 2 === 0 ? null : `failure ${i}` },
    timestamp: new Date().toISOString(),
  });

beforeAll(async () => {
  redis = await startRedis({ private: true });
  prefix = uniquePrefix('client-int');
  conn = new Redis(redis.url, { lazyConnect: false });
  conn.on('error', () => undefined);
  log = createEventLog(conn, { prefix });
  for (const n of ['alpha', 'beta', 'gamma']) await register(n);
  port = await freePort();
  edge = await startEdge();
});

afterAll(async () => {
  await edge?.kill('SIGTERM');
  await conn?.quit();
  await redis?.stop();
});

function client(getToken: () => Promise<string>, extra = {}): BeaconClient {
  return createBeaconClient({
    url: `ws://127.0.0.1:${port}/ws/mcp-status`,
    WebSocket: WebSocket as unknown as WebSocketConstructor,
    getToken,
    backoff: { initialMs: 100, maxMs: 1_000 },
    ...extra,
  });
}

describe('client against a real edge', () => {
  it('resumes across an edge restart with exactly the log sequence', async () => {
    const c = client(() => token('reader', 600));
    const applied: string[] = [];
    const states: string[] = [];
    c.on('event', (e) => applied.push(e.message.offset));
    c.on('state', (s) => states.push(s.state));
    c.start();
    try {
      await waitFor(() => c.state === 'live' && c.fleet.size === 3, {
        message: 'live with 3 MCPs',
      });
      const start = c.offset;
      expect(start).not.toBeNull();

      for (let i = 0; i < 20; i++) await status(['alpha', 'beta', 'gamma'][i % 3]!, i);
      await waitFor(async () => c.offset === (await log.lastOffset()), { message: 'caught up' });

      // Drain: the edge closes every socket with 1012, then it is gone while events keep coming.
      const stopping = edge!.kill('SIGTERM');
      await waitFor(() => c.state !== 'live', { message: 'client noticed the drain' });
      await stopping;
      for (let i = 20; i < 60; i++) await status(['alpha', 'beta', 'gamma'][i % 3]!, i);
      edge = await startEdge();

      const last = await log.lastOffset();
      await waitFor(() => c.state === 'live' && c.offset === last, {
        timeoutMs: 30_000,
        message: `client resumed to ${last}`,
      });
      const expected = (await log.replay(start!, 1_000)).map((s) => s.offset);
      expect(applied).toEqual(expected);
      expect(c.stats.snapshots).toBe(1); // resumed, never replaced
      expect(states).toContain('reconnecting');
      expect(c.fleet.get('beta')?.latency_ms).toBe(58);
    } finally {
      c.close();
    }
  });

  it('refreshes its token over the open socket instead of being closed at expiry', async () => {
    let issued = 0;
    const c = client(
      async () => {
        issued += 1;
        return token('refresher', 3);
      },
      { refreshBeforeMs: 2_000 },
    );
    const closes: number[] = [];
    c.on('close', (e) => closes.push(e.code));
    c.start();
    try {
      await waitFor(() => c.state === 'live', { message: 'live' });
      // Past the first token's expiry (3 s) with margin for the edge's sweep.
      const until = Date.now() + 4_500;
      await waitFor(() => Date.now() > until, { timeoutMs: 6_000, message: 'past expiry' });
      expect(issued).toBeGreaterThanOrEqual(2);
      expect(closes).toEqual([]);
      expect(c.stats.connects).toBe(1);
      expect(c.state).toBe('live');
    } finally {
      c.close();
    }
  });

  it('reconnects with a fresh token when an expired one closes the socket (4001)', async () => {
    // getToken keeps returning the same short-lived token (nothing to refresh with), so the edge
    // closes the socket at expiry; the next connect must ask for a token again.
    let current = await token('late', 2);
    const fresh = await token('late', 600);
    const c = client(() => Promise.resolve(current));
    const closes: number[] = [];
    c.on('close', (e) => {
      closes.push(e.code);
      if (e.code === 4001) current = fresh;
    });
    c.start();
    try {
      await waitFor(() => closes.includes(4001), { timeoutMs: 10_000, message: 'closed 4001' });
      await waitFor(() => c.state === 'live' && c.stats.connects === 2, { message: 'back live' });
      expect(closes).toEqual([4001]);
    } finally {
      c.close();
    }
  });
});
