// The notifier store's config loaders against a real Redis: a hash read again parses only the
// entries whose JSON changed (the uptime projector reads every silence each round), and what it
// answers is still exactly what the hash holds — edits, removals and unreadable entries included.
import { NOTIFIER_KEY } from '@beacon/protocol';
import { startRedis, uniquePrefix, type RedisHandle } from '@beacon/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNotifierStore } from './store.js';
import { openBus, type Bus } from './test-support.js';

let redis: RedisHandle;
let bus: Bus;

beforeAll(async () => {
  redis = await startRedis({ private: true });
  bus = await openBus(redis.url, uniquePrefix('store'));
}, 60_000);

afterAll(async () => {
  await bus?.close();
  await redis?.stop();
});

const silence = (id: string, comment = ''): string =>
  JSON.stringify({
    id,
    comment,
    mcps: ['billing_*'],
    starts_at: '2026-12-01T00:00:00Z',
    ends_at: '2026-12-02T00:00:00Z',
  });

describe('notifier store', () => {
  it('re-reading the silences parses only what changed, and answers what the hash holds', async () => {
    const store = createNotifierStore(bus.redis, bus.log.keys);
    const key = bus.log.keys.notifier(NOTIFIER_KEY.silences);
    await bus.redis.hset(key, 'a', silence('a'), 'b', silence('b'), 'bad', '{"id":');

    const first = await store.silences();
    expect([...first.items.keys()].sort()).toEqual(['a', 'b']);
    expect(first.bad).toEqual(['bad']);

    await bus.redis.hset(key, 'b', silence('b', 'edited'), 'c', silence('c'));
    await bus.redis.hdel(key, 'bad');
    const second = await store.silences();
    // Unchanged JSON: the value parsed before, not a new parse of the same text.
    expect(second.items.get('a')).toBe(first.items.get('a'));
    expect(second.items.get('b')).not.toBe(first.items.get('b'));
    expect(second.items.get('b')?.comment).toBe('edited');
    expect([...second.items.keys()].sort()).toEqual(['a', 'b', 'c']);
    expect(second.bad).toEqual([]);

    await bus.redis.hdel(key, 'a');
    await bus.redis.hset(key, 'c', 'not json');
    const third = await store.silences();
    expect([...third.items.keys()]).toEqual(['b']);
    expect(third.bad).toEqual(['c']);
    // Gone and back with the same text: parsed again (nothing kept of what left the hash).
    await bus.redis.hset(key, 'a', silence('a'));
    expect((await store.silences()).items.get('a')).not.toBe(first.items.get('a'));
  });
});
