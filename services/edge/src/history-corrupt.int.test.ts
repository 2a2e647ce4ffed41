// A corrupt entry in the log stream (written behind append()'s back) must not end history
// paging early: `GET /api/events` skips it and keeps scanning, backward and forward.
import type { LogEventInput } from '@beacon/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mcpName, registration, statusChange } from './bench/seed.js';
import {
  mintToken,
  startTestBed,
  type InProcessEdge,
  type TestBed,
  checkRestAnswer,
} from './test-support.js';

const RARE = 'rare_mcp';
let bed: TestBed;
let edge: InProcessEdge;
let token: string;
const rare: string[] = [];

const busy = (n: number, from: number): LogEventInput[] =>
  Array.from({ length: n }, (_, i) => statusChange(mcpName((from + i) % 2), from + i));

beforeAll(async () => {
  bed = await startTestBed('edge-history-corrupt', 2);
  const log = bed.writer.log;
  for (const r of await log.appendBatch([registration(RARE), statusChange(RARE, 1)]))
    rare.push(r.offset);
  // More than one read page (1,000) of other traffic, then garbage, then a little more.
  await log.appendBatch(busy(600, 0));
  await log.appendBatch(busy(600, 600));
  await bed.writer.redis.xadd(log.keys.log, '*', 'e', '{not json', 'p', 'garbage');
  await log.appendBatch(busy(5, 1200));
  edge = await bed.edge({ ringSize: 8 });
  token = await mintToken({ role: 'viewer' });
}, 120_000);
afterAll(async () => {
  await bed.stop();
});

interface Page {
  readonly events: { offset: string; mcp_name: string }[];
  readonly next?: string;
  readonly next_before?: string | null;
  readonly more: boolean;
}

async function get(query: string): Promise<Page> {
  const res = await fetch(`${edge.http}/api/events?${query}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(res.status).toBe(200);
  return checkRestAnswer('GET', `/api/events?${query}`, res.status, (await res.json()) as Page);
}

describe('history across a corrupt stream entry', () => {
  it('before=latest with an mcp filter skips the corrupt entry and finds the older events', async () => {
    const page = await get(`before=latest&mcp=${RARE}&limit=10`);
    expect(page.events.map((e) => e.offset)).toEqual([...rare].reverse());
    expect(page.more).toBe(false);
  });

  it('before=latest without a filter pages past the corrupt entry with more:true', async () => {
    const page = await get('before=latest&limit=50');
    expect(page.events).toHaveLength(50);
    expect(page.more).toBe(true);
  });

  it('forward paging reads across the corrupt entry to the newest events', async () => {
    const first = await get(`since=${rare[1] ?? ''}&limit=1000`);
    expect(first.events).toHaveLength(1000);
    expect(first.more).toBe(true);
    const second = await get(`since=${first.next ?? ''}&limit=1000`);
    expect(second.events).toHaveLength(205);
    expect(second.more).toBe(false);
  });
});
