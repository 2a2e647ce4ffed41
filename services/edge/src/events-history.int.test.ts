// `GET /api/events?before=` on a real edge and a real Redis: recent history newest first, read
// backwards from the stream (the edge's ring is tiny here, so nothing comes from memory), with
// the `mcp=` filter scanning a bounded number of entries per request and a cursor to continue.
import { compareOffsets, type LogEventInput, EventsBackwardResponse } from '@beacon/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mcpName, registration, statusChange } from './bench/seed.js';
import { BACKWARD_SCAN_CAP } from './history.js';
import {
  mintToken,
  startTestBed,
  type InProcessEdge,
  type TestBed,
  checkRestAnswer,
} from './test-support.js';

const RARE = 'rare_mcp';
/** Busy MCPs whose events bury the rare one's. */
const BUSY = 4;

let bed: TestBed;
let edge: InProcessEdge;
let token: string;
/** Every offset in the log, oldest first, and the rare MCP's. */
const all: string[] = [];
const rare: string[] = [];

async function append(events: LogEventInput[], isRare = false): Promise<void> {
  for (let i = 0; i < events.length; i += 500) {
    const done = await bed.writer.log.appendBatch(events.slice(i, i + 500));
    for (const r of done) {
      all.push(r.offset);
      if (isRare) rare.push(r.offset);
    }
  }
}

const busy = (n: number, from: number): LogEventInput[] =>
  Array.from({ length: n }, (_, i) => statusChange(mcpName((from + i) % BUSY), from + i));

beforeAll(async () => {
  bed = await startTestBed('edge-history', 0);
  await append([...Array.from({ length: BUSY }, (_, i) => registration(mcpName(i)))]);
  await append([registration(RARE)], true);
  // Two of the rare MCP's events, then more busy traffic than one request may scan, then one
  // more rare event and a little traffic on top.
  await append([statusChange(RARE, 1)], true);
  await append(busy(10, 0));
  await append([statusChange(RARE, 2)], true);
  await append(busy(BACKWARD_SCAN_CAP + 500, 10));
  await append([statusChange(RARE, 3)], true);
  await append(busy(20, BACKWARD_SCAN_CAP + 510));
  edge = await bed.edge({ ringSize: 8 });
  token = await mintToken({ role: 'viewer' });
}, 120_000);
afterAll(async () => {
  await bed.stop();
});

interface Page {
  readonly events: { offset: string; mcp_name: string; epoch: string }[];
  readonly epoch: string;
  readonly next_before: string | null;
  readonly more: boolean;
}

async function get(query: string): Promise<{ status: number; body: Page }> {
  const res = await fetch(`${edge.http}/api/events?${query}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const body = (await res.json()) as Page;
  return {
    status: res.status,
    body: checkRestAnswer('GET', `/api/events?${query}`, res.status, body),
  };
}

const offsets = (p: Page): string[] => p.events.map((e) => e.offset);

describe('GET /api/events?before=', () => {
  it('pages the whole log newest first with next_before, beyond the edge ring', async () => {
    const first = await get('before=latest&limit=5');
    expect(first.status).toBe(200);
    expect(offsets(first.body)).toEqual(all.slice(-5).reverse());
    expect(first.body).toMatchObject({ more: true, next_before: all.at(-5) });
    expect(first.body.events[0]?.epoch).toBe(first.body.epoch);

    const second = await get(`before=${first.body.next_before ?? ''}&limit=5`);
    expect(offsets(second.body)).toEqual(all.slice(-10, -5).reverse());

    // The oldest page says so: nothing before it.
    const oldest = await get(`before=${all[3] ?? ''}&limit=10`);
    expect(offsets(oldest.body)).toEqual(all.slice(0, 3).reverse());
    expect(oldest.body).toMatchObject({ more: false, next_before: null });
  });

  it('mcp= scans a bounded number of entries per request and continues from the cursor', async () => {
    const first = await get(`before=latest&limit=10&mcp=${RARE}`);
    expect(first.status).toBe(200);
    // The newest rare event is near the head; the next one lies beyond one request's scan.
    expect(offsets(first.body)).toEqual([rare[3]]);
    expect(first.body.more).toBe(true);
    const cursor = first.body.next_before as string;
    const scanned = all.length - all.indexOf(cursor);
    expect(scanned).toBe(BACKWARD_SCAN_CAP);

    const found: string[] = [...offsets(first.body)];
    let page = first.body;
    for (let i = 0; page.more && i < 5; i++) {
      page = (await get(`before=${page.next_before ?? ''}&limit=10&mcp=${RARE}`)).body;
      found.push(...offsets(page));
    }
    expect(page.more).toBe(false);
    expect(found).toEqual([...rare].reverse());
    expect(found.every((o, i) => i === 0 || compareOffsets(o, found[i - 1] as string) < 0)).toBe(
      true,
    );
  });

  it('stops at limit within a page; a token limited by mcps sees only its MCPs', async () => {
    const mine = all.slice(-20);
    const three = await get(`before=latest&limit=3&mcp=${mcpName(1)}`);
    const got = offsets(three.body);
    expect(got).toHaveLength(3);
    expect(three.body.events.every((e) => e.mcp_name === mcpName(1))).toBe(true);
    expect(got.every((o) => mine.includes(o))).toBe(true);
    // The cursor is the last event returned: the next page starts right after it.
    expect(three.body).toMatchObject({ more: true, next_before: got[2] });
    const scoped = await mintToken({ role: 'viewer', mcps: [mcpName(0)] });
    const res = await fetch(`${edge.http}/api/events?before=latest&limit=7`, {
      headers: { authorization: `Bearer ${scoped}` },
    });
    const body = EventsBackwardResponse.parse(await res.json()) as Page;
    expect(body.events).toHaveLength(7);
    expect(body.events.every((e) => e.mcp_name === mcpName(0))).toBe(true);
  });

  it('refuses since with before, and a malformed before, naming the parameter', async () => {
    const both = await get('since=0-0&before=latest');
    expect(both.status).toBe(400);
    expect(JSON.stringify(both.body)).toContain('before');
    const bad = await get('before=yesterday');
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('before');
  });
});
