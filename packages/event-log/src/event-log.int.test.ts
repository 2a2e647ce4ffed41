// The event log against real Redis: a single server and a local 3-master cluster run the same
// suite. Fault tests use a private, restartable Redis.
import { BeaconError, compareOffsets, type StoredEvent } from '@beacon/protocol';
import {
  startRedis,
  startRedisCluster,
  uniquePrefix,
  waitFor,
  type RedisClusterHandle,
  type RedisHandle,
} from '@beacon/testing';
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventLog } from './index.js';
import {
  brokenLinks,
  leaseHandover,
  recorder,
  registration,
  statusChange,
} from './test-support.js';
import type { EventLog, RedisClient } from './types.js';

interface Target {
  connect(): RedisClient;
  close(): Promise<void>;
}

const clients: RedisClient[] = [];
function track<T extends RedisClient>(c: T): T {
  c.on('error', () => undefined);
  clients.push(c);
  return c;
}

async function history(log: EventLog): Promise<StoredEvent[]> {
  const all: StoredEvent[] = [];
  for await (const e of log.history()) all.push(e);
  return all;
}

async function appendAll(log: EventLog, names: readonly string[]): Promise<void> {
  for (const n of names) await log.append(registration(n));
}

function suite(name: string, makeTarget: () => Promise<Target>): void {
  describe(`event log on ${name}`, () => {
    let target: Target;
    beforeAll(async () => {
      target = await makeTarget();
    });
    afterAll(async () => {
      await Promise.all(clients.splice(0).map((c) => c.quit().catch(() => c.disconnect())));
      await target.close();
    });

    const newLog = (): EventLog =>
      createEventLog(track(target.connect()), { prefix: uniquePrefix('el') });

    it('rejects an invalid event before Redis, naming the bad field', async () => {
      const log = newLog();
      const bad = { ...statusChange('a', 0, 0), status: 'sleepy' } as never;
      await expect(log.append(bad)).rejects.toThrow(/status/);
      await expect(log.append(bad)).rejects.toBeInstanceOf(BeaconError);
      expect(await log.lastOffset()).toBe('0-0');
    });

    it('appends, projects (including circuit_state) and replays atomically', async () => {
      const log = newLog();
      await appendAll(log, ['alpha', 'beta']);
      await log.append(statusChange('alpha', 0, 0));
      await log.append({
        type: 'health_event',
        mcp_name: 'beta',
        event_type: 'circuit_opened',
        timestamp: new Date().toISOString(),
        data: { consecutive_failures: 3 },
      });
      const last = await log.append({
        type: 'mcp_removed',
        mcp_name: 'alpha',
        timestamp: new Date().toISOString(),
      });
      const snap = await log.snapshot();
      expect(snap.offset).toBe(last.offset);
      expect(snap.mcps.map((m) => [m.name, m.circuit_state])).toEqual([['beta', 'open']]);
      const all = await history(log);
      expect(all.map((e) => e.event.type)).toEqual([
        'mcp_registered',
        'mcp_registered',
        'mcp_status_change',
        'health_event',
        'mcp_removed',
      ]);
      expect(brokenLinks(all, '0-0')).toEqual([]);
      expect((await log.replay(all[1]!.offset, 2)).map((e) => e.offset)).toEqual([
        all[2]!.offset,
        all[3]!.offset,
      ]);
      expect(await log.firstOffset()).toBe(all[0]!.offset);
      const newest = await log.replayBackward(null, 2);
      expect(newest.map((e) => e.offset)).toEqual([all[4]!.offset, all[3]!.offset]);
      const older = await log.replayBackward(all[3]!.offset, 10);
      expect(older.map((e) => e.offset)).toEqual([2, 1, 0].map((i) => all[i]!.offset));
      expect(await log.epoch()).toBe(snap.epoch);
    });

    it('appends a batch atomically and contiguously, or nothing at all', async () => {
      const log = newLog();
      const rec = recorder();
      const sub = await log.subscribe(rec);
      const results = await log.appendBatch([
        registration('b1'),
        statusChange('b1', 0, 1),
        {
          type: 'health_event',
          mcp_name: 'b1',
          event_type: 'circuit_opened',
          data: {},
          timestamp: new Date().toISOString(),
        },
      ]);
      expect(results.map((r) => r.prev)).toEqual(['0-0', results[0]!.offset, results[1]!.offset]);
      const snap = await log.snapshot();
      expect(snap.offset).toBe(results[2]!.offset);
      expect(snap.mcps[0]).toMatchObject({
        name: 'b1',
        health_status: 'unhealthy',
        circuit_state: 'open',
      });
      // One bad event: the whole batch is refused before Redis, naming the bad one.
      await expect(
        log.appendBatch([
          statusChange('b1', 0, 2),
          { ...statusChange('b1', 0, 3), status: 'x' } as never,
        ]),
      ).rejects.toThrow(/events\[1\]: status/);
      // A stale fence: nothing of the batch lands.
      const lease = log.lease('batch', { ttlMs: 5_000 });
      const fence = await lease.tryAcquire();
      await lease.stop();
      await expect(log.appendBatch([statusChange('b1', 0, 4)], fence)).rejects.toMatchObject({
        code: 'fenced',
      });
      expect(await log.lastOffset()).toBe(results[2]!.offset);
      await waitFor(() => sub.offset === results[2]!.offset, { message: 'delivered' });
      expect(rec.events.map((e) => e.offset)).toEqual(results.map((r) => r.offset));
      await sub.close();
    });

    it('survives garbage written behind its back: a corrupt row and a corrupt stream entry', async () => {
      const log = newLog();
      await appendAll(log, ['good', 'bad']);
      const rec = recorder();
      const sub = await log.subscribe(rec);
      await log.redis.hset(log.keys.mcp('bad'), 'health_status', '"sleepy"');
      expect((await log.snapshot()).mcps.map((m) => m.name)).toEqual(['good']);
      await log.redis.xadd(log.keys.log, '*', 'e', '{not json', 'p', '0-0');
      const last = await log.append(statusChange('good', 0, 1));
      expect((await history(log)).map((e) => e.event.type)).toEqual([
        'mcp_registered',
        'mcp_registered',
        'mcp_status_change',
      ]);
      // The chain of predecessors skips the foreign entry, so the subscriber neither stalls nor
      // resynchronises; a replay across it delivers the same.
      await waitFor(() => sub.offset === last.offset, { timeoutMs: 20_000, message: 'caught up' });
      expect(rec.snapshots).toHaveLength(1);
      expect(rec.events.map((e) => e.offset)).toEqual([last.offset]);
      const resumed = recorder();
      const first = (await history(log))[0]!;
      const sub2 = await log.subscribe(resumed, {
        after: { offset: first.offset, epoch: sub.epoch },
      });
      await waitFor(() => sub2.offset === last.offset, { timeoutMs: 20_000, message: 'replayed' });
      expect(resumed.snapshots).toHaveLength(0);
      expect(resumed.events).toHaveLength(2);
      await sub2.close();
      await sub.close();
    });

    it('8 writers x 5,000 appends: stream, projection and a live subscriber agree exactly', async () => {
      const log = newLog();
      const names = Array.from({ length: 8 * 4 }, (_, i) => `mcp-${i}`);
      await appendAll(log, names);
      const rec = recorder();
      const sub = await log.subscribe(rec);
      const writers = Array.from({ length: 8 }, () =>
        createEventLog(track(target.connect()), { prefix: log.keys.base.slice(1, -1) }),
      );
      const PER_WRITER = 5_000;
      await Promise.all(
        writers.map(async (w, wi) => {
          // Keep many appends in flight per writer, as a busy worker would.
          const window = 64;
          let seq = 0;
          const lane = async (): Promise<void> => {
            while (seq < PER_WRITER) {
              const s = seq++;
              await w.append(statusChange(`mcp-${wi * 4 + (s % 4)}`, wi, s));
            }
          };
          await Promise.all(Array.from({ length: window }, lane));
        }),
      );
      const head = await log.lastOffset();
      await waitFor(() => sub.offset === head, {
        timeoutMs: 30_000,
        message: 'subscriber caught up',
      });
      await sub.close();

      const stream = await history(log);
      expect(stream).toHaveLength(names.length + 8 * PER_WRITER);
      expect(brokenLinks(stream, '0-0')).toEqual([]);
      const snapAt = rec.snapshots[0]!.snapshot.offset;
      const afterSnap = stream.filter((e) => compareOffsets(e.offset, snapAt) > 0);
      expect(rec.snapshots).toHaveLength(1);
      expect(rec.events.map((e) => e.offset)).toEqual(afterSnap.map((e) => e.offset));
      expect(rec.invalid).toEqual([]);
      const snap = await log.snapshot();
      expect(snap.offset).toBe(head);
      const rows = rec.rows();
      for (const m of snap.mcps) {
        const { updated_offset: _u, ...fromRedis } = m;
        const { updated_offset: _v, ...fromFold } = rows.get(m.name)!;
        expect(fromFold).toEqual(fromRedis);
        const lastForMcp = [...stream].reverse().find((e) => e.event.mcp_name === m.name)!;
        expect(m.updated_offset).toBe(lastForMcp.offset);
      }
      // Every writer's events are in the stream exactly once.
      const seen = new Set<string>();
      for (const e of stream) {
        if (e.event.type !== 'mcp_status_change') continue;
        const md = e.event.metadata as { writer: number; seq: number };
        const key = `${md.writer}/${md.seq}`;
        expect(seen.has(key)).toBe(false);
        seen.add(key);
      }
      expect(seen.size).toBe(8 * PER_WRITER);
    });

    it('a subscriber joining during heavy appends gets a snapshot plus exactly the later events', async () => {
      const log = newLog();
      await appendAll(log, ['a', 'b', 'c']);
      let stop = false;
      let n = 0;
      const writing = Promise.all(
        Array.from({ length: 16 }, async () => {
          while (!stop) await log.append(statusChange(['a', 'b', 'c'][n % 3]!, 0, n++));
        }),
      );
      await waitFor(() => n > 2_000, { timeoutMs: 30_000, message: 'writers warmed up' });
      const rec = recorder();
      const sub = await log.subscribe(rec);
      await waitFor(() => rec.events.length > 2_000, { timeoutMs: 30_000, message: 'live events' });
      stop = true;
      await writing;
      const head = await log.lastOffset();
      await waitFor(() => sub.offset === head, { timeoutMs: 30_000, message: 'caught up' });
      await sub.close();
      const snapOffset = rec.snapshots[0]!.snapshot.offset;
      const stream = await history(log);
      const expected = stream.slice(stream.findIndex((e) => e.offset === snapOffset) + 1);
      expect(rec.events.map((e) => e.offset)).toEqual(expected.map((e) => e.offset));
      const final = await log.snapshot();
      const rows = rec.rows();
      expect(final.mcps.map((m) => rows.get(m.name))).toEqual(final.mcps);
    });

    it('detects a hole after the subscriber connection drops and repairs it in order', async () => {
      const log = newLog();
      await appendAll(log, ['x']);
      const rec = recorder();
      const sub = await log.subscribe(rec);
      let n = 0;
      let stop = false;
      const writing = (async () => {
        while (!stop) await log.append(statusChange('x', 0, n++));
      })();
      await waitFor(() => rec.events.length > 200, { timeoutMs: 20_000, message: 'flowing' });
      // Drop every pub/sub connection of this Redis: messages published until ioredis reconnects
      // are lost on the wire, so the next one names a predecessor we never saw.
      const admin = track(target.connect());
      await admin.ping(); // a cluster client learns its nodes only once connected
      if (admin instanceof Cluster) {
        await Promise.all(
          admin.nodes('master').map((node) => node.call('CLIENT', 'KILL', 'TYPE', 'pubsub')),
        );
      } else {
        await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
      }
      await waitFor(() => rec.gaps.length > 0, { timeoutMs: 20_000, message: 'gap reported' });
      const before = n;
      await waitFor(() => n > before + 200, { timeoutMs: 20_000, message: 'more appends' });
      stop = true;
      await writing;
      const head = await log.lastOffset();
      await waitFor(() => sub.offset === head, { timeoutMs: 20_000, message: 'caught up' });
      await sub.close();
      const stream = await history(log);
      expect(rec.events.map((e) => e.offset)).toEqual(stream.slice(1).map((e) => e.offset));
      expect(rec.snapshots).toHaveLength(1);
    });

    it('refuses a fenced-out writer and accepts the current leader', async () => {
      const log = newLog();
      await appendAll(log, ['f']);
      const a = log.lease('writer', { ttlMs: 300, holder: 'a' });
      const b = log.lease('writer', { ttlMs: 5_000, holder: 'b' });
      const fenceA = await a.tryAcquire();
      expect(fenceA).not.toBeNull();
      expect(await b.tryAcquire()).toBeNull();
      await log.append(statusChange('f', 0, 1), fenceA);
      // a stalls past its ttl; b takes over.
      const fenceB = await waitFor(() => b.tryAcquire(), { timeoutMs: 5_000, message: 'b leads' });
      expect(fenceB.token).not.toBe(fenceA!.token);
      const err = await log.append(statusChange('f', 0, 2), fenceA).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BeaconError);
      expect((err as BeaconError).code).toBe('fenced');
      await log.append(statusChange('f', 0, 3), fenceB);
      const seqs = (await history(log)).flatMap((e) =>
        e.event.type === 'mcp_status_change' ? [e.event.metadata.seq] : [],
      );
      expect(seqs).toEqual([1, 3]);
      await b.stop();
    });

    // Within one lease period: that budget is in lease.slo.test.ts.
    it('hands leadership over when the leader stops', async () => {
      const { leaders } = await leaseHandover(newLog());
      expect(leaders).toEqual(['a', 'b']);
    });
  });
}

suite('a single Redis', async () => {
  const redis: RedisHandle = await startRedis();
  return {
    connect: () => new Redis(redis.url, { maxRetriesPerRequest: null }),
    close: () => redis.stop(),
  };
});

suite('a 3-master Redis Cluster', async () => {
  const cluster: RedisClusterHandle = await startRedisCluster({ masters: 3 });
  return {
    connect: () =>
      new Cluster([...cluster.nodes], { redisOptions: { maxRetriesPerRequest: null } }),
    close: () => cluster.stop(),
  };
});

interface CrashTarget {
  /** A writer connection that reconnects quickly. */
  writer(): RedisClient;
  /** A subscriber connection, or undefined for the log's default. */
  subscriber(): RedisClient | undefined;
  /** kill -9 the node holding the log, then start it again with its AOF. */
  crash(prefix: string): Promise<void>;
  close(): Promise<void>;
  /** Whether the subscriber is made to reconnect after the writer (so a hole is certain). */
  readonly holeCertain: boolean;
}

function crashSuite(name: string, makeTarget: () => Promise<CrashTarget>): void {
  describe(`event log across a crash of ${name} (kill -9, AOF on)`, () => {
    let target: CrashTarget;
    beforeAll(async () => {
      target = await makeTarget();
    });
    afterAll(async () => {
      await Promise.all(clients.splice(0).map((c) => c.quit().catch(() => c.disconnect())));
      await target.close();
    });

    it('the subscriber repairs the gap and ends with every event exactly once, in order', async () => {
      const prefix = uniquePrefix('crash');
      const log = createEventLog(track(target.writer()), { prefix });
      await log.append(registration('k'));
      const rec = recorder();
      const subscriber = target.subscriber();
      const sub = await log.subscribe(
        rec,
        subscriber === undefined ? {} : { subscriber: track(subscriber) },
      );
      const acked: string[] = [];
      let n = 0;
      let stop = false;
      const writing = (async () => {
        while (!stop) {
          try {
            acked.push((await log.append(statusChange('k', 0, n++))).offset);
          } catch {
            await new Promise((r) => setTimeout(r, 5));
          }
        }
      })();
      await waitFor(() => acked.length > 300, { timeoutMs: 20_000, message: 'flowing' });
      await target.crash(prefix);
      const atRestart = acked.length;
      await waitFor(() => acked.length > atRestart + 300, {
        timeoutMs: 60_000,
        message: 'resumed',
      });
      stop = true;
      await writing;
      const head = await log.lastOffset();
      await waitFor(() => sub.offset === head, { timeoutMs: 30_000, message: 'caught up' });
      await sub.close();

      const stream = await history(log);
      const offsets = new Set(stream.map((e) => e.offset));
      expect(acked.filter((o) => !offsets.has(o))).toEqual([]); // nothing acknowledged was lost
      expect(brokenLinks(stream, '0-0')).toEqual([]);
      if (target.holeCertain) expect(rec.gaps.length).toBeGreaterThan(0);
      expect(rec.snapshots).toHaveLength(1);
      expect(rec.events.map((e) => e.offset)).toEqual(stream.slice(1).map((e) => e.offset));
    });
  });
}

crashSuite('a single Redis', async () => {
  const redis = await startRedis({
    private: true,
    appendonly: true,
    args: ['--appendfsync', 'always'],
  });
  return {
    writer: () => new Redis(redis.url, { maxRetriesPerRequest: null, retryStrategy: () => 20 }),
    // The subscriber reconnects slower than the writer, so events land while it is away.
    subscriber: () => new Redis(redis.url, { retryStrategy: () => 400 }),
    crash: async () => {
      await redis.kill();
      await redis.restart();
    },
    close: () => redis.stop(),
    holeCertain: true,
  };
});

crashSuite('the cluster node owning the log', async () => {
  const cluster = await startRedisCluster({ masters: 3, appendonly: true });
  const options = { redisOptions: { maxRetriesPerRequest: null }, clusterRetryStrategy: () => 50 };
  return {
    writer: () => new Cluster([...cluster.nodes], options),
    subscriber: () => undefined,
    crash: async (prefix: string) => {
      const admin = track(new Cluster([...cluster.nodes]));
      const slot = Number(await admin.call('CLUSTER', 'KEYSLOT', `{${prefix}}`));
      const owner = admin.slots[slot]?.[0];
      if (owner === undefined) throw new Error(`no owner for slot ${slot}`);
      const port = Number(owner.split(':')[1]);
      await cluster.killNode(port);
      await cluster.restartNode(port);
    },
    close: () => cluster.stop(),
    holeCertain: false,
  };
});
