// The incident scan on a real Redis with small scan limits: a filter that matches few incidents
// among many gives short (even empty) pages whose `next` still reaches every match once, in
// order; incidents that started before `from` and reach into it come after the rest.
import { HOUR_MS, UPTIME_KEY, keyspace, nameFilter, type Incident } from '@beacon/protocol';
import { incidentBetween, startRedis, uniquePrefix, type RedisHandle } from '@beacon/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUptimeReader, type IncidentQuery } from './uptime-read.js';

let handle: RedisHandle;
let redis: Redis;
const keys = keyspace({ prefix: uniquePrefix('uptime-read') });
const T0 = Date.parse('2026-06-01T00:00:00Z');
const skipped: string[] = [];

const all: Incident[] = [];

beforeAll(async () => {
  handle = await startRedis();
  redis = new Redis(handle.url, { maxRetriesPerRequest: null });
  const p = redis.pipeline();
  const k = (s: string) => keys.uptime(s);
  for (let i = 0; i < 60; i++) {
    const mcp = i % 20 === 7 ? 'm-b' : 'm-a';
    all.push(incidentBetween(mcp, i, T0 + i * HOUR_MS, T0 + i * HOUR_MS + 600_000));
  }
  // m-c: down since before everything, still open.
  all.push(incidentBetween('m-c', 1, T0 - 10 * HOUR_MS, null));
  for (const i of all) {
    const at = Date.parse(i.started_at);
    p.hset(k(UPTIME_KEY.incident), i.id, JSON.stringify(i));
    p.zadd(k(UPTIME_KEY.incidents), at, i.id);
    p.zadd(k(UPTIME_KEY.incidentsOf(i.mcp_name)), at, i.id);
  }
  await p.exec();
}, 60_000);
afterAll(async () => {
  await redis?.quit();
  await handle?.stop();
});

const reader = () =>
  createUptimeReader({
    redis,
    keys,
    onSkip: (kind) => skipped.push(kind),
    maxScan: 10,
    batch: 5,
  });

async function everything(
  q: Omit<IncidentQuery, 'after'>,
): Promise<{ ids: string[]; calls: number }> {
  const r = reader();
  const ids: string[] = [];
  let after: IncidentQuery['after'] = null;
  let calls = 0;
  for (; calls < 100;) {
    calls++;
    const page = await r.incidents({ ...q, after });
    expect(page.incidents.length).toBeLessThanOrEqual(q.limit);
    ids.push(...page.incidents.map((i) => i.id));
    if (page.next === null) break;
    const [score, ...id] = page.next.split(':');
    after = { score: Number(score), id: id.join(':') };
  }
  return { ids, calls };
}

const base: Omit<IncidentQuery, 'after'> = {
  mcp: null,
  filter: () => true,
  state: undefined,
  from: undefined,
  to: undefined,
  minDuration: undefined,
  limit: 100,
  now: T0 + 100 * HOUR_MS,
  names: () => Promise.resolve(['m-a', 'm-b', 'm-c']),
};
const newestFirst = (list: Incident[]) =>
  [...list].sort((a, b) => Date.parse(b.started_at) - Date.parse(a.started_at)).map((i) => i.id);

describe('incident scan', () => {
  it('a rare match among many: capped scans, pages continue until every match is found', async () => {
    const filter = nameFilter(['m-b']);
    const { ids, calls } = await everything({ ...base, filter });
    expect(ids).toEqual(newestFirst(all.filter((i) => i.mcp_name === 'm-b')));
    expect(calls).toBeGreaterThan(3);
  });

  it('with from: the ones inside first, then those reaching in from before', async () => {
    const from = T0 + 50 * HOUR_MS;
    const { ids } = await everything({ ...base, from, limit: 4 });
    const inside = all.filter((i) => Date.parse(i.started_at) >= from);
    expect(ids).toEqual([...newestFirst(inside), 'm-c@1-0']);
  });

  it('open incidents last until `to` when one is given', async () => {
    const page = await reader().incidents({
      ...base,
      state: 'open',
      to: T0,
      after: null,
    });
    expect(page.incidents.map((i) => [i.id, i.duration_s])).toEqual([['m-c@1-0', 36_000]]);
  });
});
