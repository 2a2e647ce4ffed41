// The command inbox against a real Redis: group creation is idempotent, a command a dead consumer
// held is redelivered to the next, stale and invalid commands are answered and acked, and a
// fenced handler stops the loop with its entry neither answered nor acked.
import type { CommandResult } from '@beacon/protocol';
import { startRedis, uniquePrefix, waitFor, type RedisHandle } from '@beacon/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  createCommandInbox,
  createEventLog,
  type CommandAnswer,
  type CommandInbox,
  type ConsumeOptions,
  type InboxConsumer,
} from './index.js';
import { registration } from './test-support.js';
import type { EventLog, Subscription } from './types.js';

const Ping = z.object({
  type: z.literal('ping'),
  command_id: z.string().min(1),
  issued_at: z.number().int().nonnegative(),
  note: z.string().optional(),
});
type Ping = z.infer<typeof Ping>;

const GROUP = 'workers';

describe('command inbox', () => {
  let server: RedisHandle;
  const clients: Redis[] = [];
  const consumers: InboxConsumer[] = [];
  const subs: Subscription[] = [];
  let n = 0;

  const connect = (): Redis => {
    const c = new Redis(server.url, { maxRetriesPerRequest: null });
    c.on('error', () => undefined);
    clients.push(c);
    return c;
  };

  interface World {
    readonly log: EventLog;
    readonly redis: Redis;
    readonly stream: string;
    readonly results: CommandResult[];
    inbox(redis?: Redis): CommandInbox<Ping>;
    consume(options: Omit<ConsumeOptions<Ping>, 'blockMs'>, redis?: Redis): InboxConsumer;
    send(fields: Record<string, string>): Promise<string>;
    ping(overrides?: Partial<Ping>): Promise<string>;
    resultFor(commandId: string): Promise<CommandResult>;
    pending(): Promise<number>;
  }

  const world = async (): Promise<World> => {
    const redis = connect();
    const log = createEventLog(redis, { prefix: uniquePrefix('inbox') });
    const stream = `${log.keys.registryCommands}:test`;
    const results: CommandResult[] = [];
    const sub = await log.subscribe(
      {
        onSnapshot: () => undefined,
        onEvent: () => undefined,
        onSide: (m) => {
          if (m.type === 'command_result') results.push(m);
        },
      },
      { subscriber: connect() },
    );
    subs.push(sub);
    await waitFor(() => sub.state === 'live', { message: 'side channel live' });
    const inbox = (r = redis): CommandInbox<Ping> =>
      createCommandInbox({
        redis: r,
        blocking: connect(),
        eventLog: log,
        stream,
        group: GROUP,
        schema: Ping,
        ttlMs: 60_000,
      });
    return {
      log,
      redis,
      stream,
      results,
      inbox,
      consume(options, r = redis) {
        const c = inbox(r).consume({ ...options, blockMs: 100 });
        consumers.push(c);
        return c;
      },
      send: async (fields) => (await redis.xadd(stream, '*', ...Object.entries(fields).flat()))!,
      async ping(overrides = {}) {
        const command: Ping = {
          type: 'ping',
          command_id: `cmd-${++n}`,
          issued_at: Date.now(),
          ...overrides,
        };
        await redis.xadd(stream, '*', 'c', JSON.stringify(command));
        return command.command_id;
      },
      resultFor: (id) =>
        waitFor(() => results.find((r) => r.command_id === id), { message: `answer to ${id}` }),
      async pending() {
        const summary = (await redis.xpending(stream, GROUP)) as [number, ...unknown[]];
        return summary[0];
      },
    };
  };

  const ok = (): Promise<CommandAnswer> => Promise.resolve({ ok: true });

  beforeAll(async () => {
    server = await startRedis({ private: true });
  });

  afterAll(async () => {
    await Promise.all(consumers.map((c) => c.stop()));
    await Promise.all(subs.map((s) => s.close().catch(() => undefined)));
    for (const c of clients) c.disconnect();
    await server?.stop();
  });

  it('creates its group once, from the stream start (a command queued before any worker counts)', async () => {
    const w = await world();
    const early = await w.ping();
    await w.inbox().ensureGroup();
    await w.inbox().ensureGroup(); // BUSYGROUP is not an error
    const groups = (await w.redis.xinfo('GROUPS', w.stream)) as unknown[][];
    expect(groups).toHaveLength(1);
    const handled: string[] = [];
    w.consume({
      consumer: 'one',
      handle: (c) => {
        handled.push(c.command_id);
        return Promise.resolve({ ok: true, offset: '1-0' });
      },
    });
    expect(await w.resultFor(early)).toEqual({
      type: 'command_result',
      command_id: early,
      ok: true,
      offset: '1-0',
    });
    expect(handled).toEqual([early]);
    await waitFor(async () => (await w.pending()) === 0, { message: 'acked' });
  });

  it('redelivers a command whose consumer died mid-command to the next consumer, once', async () => {
    const w = await world();
    let release: (err: Error) => void = () => undefined;
    const stuck = new Promise<never>((_, reject) => {
      release = reject;
    });
    const startedA: string[] = [];
    const ownRedis = connect();
    const a = w.consume(
      {
        consumer: 'a',
        handle: async (c) => {
          startedA.push(c.command_id);
          return stuck;
        },
      },
      ownRedis,
    );
    const id = await w.ping();
    await waitFor(() => startedA.length === 1, { message: 'a took the command' });
    expect(await w.pending()).toBe(1);
    // a dies: its connection is gone and it never answers or acks.
    ownRedis.disconnect();

    const handledB: string[] = [];
    w.consume({
      consumer: 'b',
      handle: async (c) => {
        handledB.push(c.command_id);
        return ok();
      },
    });
    expect(await w.resultFor(id)).toMatchObject({ ok: true });
    await waitFor(async () => (await w.pending()) === 0, { message: 'b acked it' });
    expect(handledB).toEqual([id]);

    release(new Error('a was killed'));
    await a.stop();
    expect(w.results.filter((r) => r.command_id === id)).toHaveLength(1);
  });

  it('retries a command whose handler failed (its own pending entry) until it is answered', async () => {
    const w = await world();
    let calls = 0;
    const errors: unknown[] = [];
    w.consume({
      consumer: 'flaky',
      handle: async () => {
        if (++calls === 1) throw new Error('store unavailable');
        return ok();
      },
      onError: (err) => errors.push(err),
    });
    const id = await w.ping();
    expect(await w.resultFor(id)).toMatchObject({ ok: true });
    expect(calls).toBe(2);
    expect(errors).toHaveLength(1);
    await waitFor(async () => (await w.pending()) === 0, { message: 'acked' });
  });

  it('answers timeout for a command past its TTL, without handling it', async () => {
    const w = await world();
    const handled: string[] = [];
    const expired: string[] = [];
    w.consume({
      consumer: 'one',
      handle: async (c) => {
        handled.push(c.command_id);
        return ok();
      },
      onExpired: (c) => expired.push(c.command_id),
    });
    const stale = await w.ping({ issued_at: Date.now() - 10 * 60_000 });
    expect(await w.resultFor(stale)).toMatchObject({
      type: 'command_result',
      command_id: stale,
      ok: false,
      error: { code: 'timeout', message: /not applied/ },
    });
    const fresh = await w.ping();
    await w.resultFor(fresh);
    expect(handled).toEqual([fresh]);
    expect(expired).toEqual([stale]);
    await waitFor(async () => (await w.pending()) === 0, { message: 'both acked' });
  });

  it('answers invalid when a bad entry names a command_id, drops the rest, and acks all', async () => {
    const w = await world();
    const invalid: { id: string; reason: string }[] = [];
    const handled: string[] = [];
    w.consume({
      consumer: 'one',
      handle: async (c) => {
        handled.push(c.command_id);
        return ok();
      },
      onInvalid: ({ id, reason }) => invalid.push({ id, reason }),
    });
    const named = await w.send({
      c: JSON.stringify({ type: 'explode', command_id: 'bad-1', issued_at: Date.now() }),
    });
    const garbage = await w.send({ c: '{not json' });
    const nameless = await w.send({ c: JSON.stringify({ type: 'ping' }) });
    const wrongField = await w.send({ x: JSON.stringify({ type: 'ping' }) });
    expect(await w.resultFor('bad-1')).toMatchObject({
      ok: false,
      error: { code: 'invalid', message: /^invalid command: .*type/ },
    });
    const after = await w.ping();
    await w.resultFor(after);
    expect(invalid).toMatchObject([
      { id: named, reason: /type/ },
      { id: garbage, reason: 'not JSON' },
      { id: nameless, reason: /command_id/ },
      { id: wrongField, reason: 'no field "c"' },
    ]);
    expect(handled).toEqual([after]);
    expect(w.results.map((r) => r.command_id)).toEqual(['bad-1', after]);
    await waitFor(async () => (await w.pending()) === 0, { message: 'all acked' });
  });

  it('stops at a fence refusal, leaving the command unanswered and pending for the next leader', async () => {
    const w = await world();
    const handled: string[] = [];
    const errors: unknown[] = [];
    const consumer = w.consume({
      consumer: 'deposed',
      handle: async (c) => {
        handled.push(c.command_id);
        // A write under a fence that no longer holds the lease: the log refuses it.
        await w.log.append(registration('alpha'), { role: 'worker', token: 'stale-token' });
        return ok();
      },
      onError: (err) => errors.push(err),
    });
    const id = await w.ping();
    expect(await consumer.done).toBe('fenced');
    const later = await w.ping();
    expect(handled).toEqual([id]);
    expect(errors).toEqual([]);
    expect(await w.pending()).toBe(1);
    expect(w.results).toEqual([]);

    // The next leader gets it.
    w.consume({ consumer: 'successor', handle: ok });
    expect(await w.resultFor(id)).toMatchObject({ ok: true });
    await w.resultFor(later);
    await waitFor(async () => (await w.pending()) === 0, { message: 'successor acked both' });
  });
});
