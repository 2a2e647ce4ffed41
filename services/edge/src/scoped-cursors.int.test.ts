// A token scoped to one MCP pages `/api/events` with cursors that reveal nothing about other
// MCPs' events: every `next`/`next_before` it gets is sealed (never an offset of the log), pages
// on with it across requests (and edges), and a forged or foreign cursor is refused. Unscoped
// tokens keep plain offsets.
import { isOffset, type LogEventInput } from '@beacon/protocol';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mcpName, registration, statusChange } from './bench/seed.js';
import {
  mintToken,
  startTestBed,
  type InProcessEdge,
  type TestBed,
  checkRestAnswer,
} from './test-support.js';

let bed: TestBed;
let edge: InProcessEdge;
let other: InProcessEdge;
const mine: string[] = [];
const everyOffset = new Set<string>();

async function append(e: LogEventInput, isMine = false): Promise<void> {
  const r = await bed.writer.log.append(e);
  everyOffset.add(r.offset);
  if (isMine) mine.push(r.offset);
}

beforeAll(async () => {
  bed = await startTestBed('edge-cursors', 0);
  await append(registration(mcpName(0)));
  await append(registration('billing_eu'), true);
  for (let i = 1; i <= 6; i++) {
    await append(statusChange(mcpName(0), i));
    await append(statusChange('billing_eu', i), true);
  }
  await append(statusChange(mcpName(0), 99)); // the head is someone else's event
  edge = await bed.edge({ ringSize: 4 });
  other = await bed.edge({ ringSize: 4 });
});
afterAll(async () => {
  await bed.stop();
});

interface Page {
  readonly events: { offset: string; mcp_name: string }[];
  readonly next?: string | null;
  readonly next_before?: string | null;
  readonly more: boolean;
}

async function get(
  base: string,
  token: string,
  query: string,
): Promise<{ status: number; body: Page }> {
  const res = await fetch(`${base}/api/events?${query}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const body = (await res.json()) as Page;
  return {
    status: res.status,
    body: checkRestAnswer('GET', `/api/events?${query}`, res.status, body),
  };
}

it('a scoped token gets sealed cursors and pages on with them, forward and backward', async () => {
  const token = await mintToken({ role: 'viewer', mcps: ['billing_*'] });
  const seen: string[] = [];
  let since = '0-0';
  let hops = 0;
  for (;;) {
    const { status, body } = await get(
      hops % 2 ? other.http : edge.http,
      token,
      `since=${since}&limit=3`,
    );
    expect(status).toBe(200);
    for (const e of body.events) seen.push(e.offset);
    expect(body.next).toMatch(/^c1\./);
    expect(isOffset(body.next as string)).toBe(false);
    since = encodeURIComponent(body.next as string);
    hops++;
    if (!body.more) break;
  }
  expect(seen).toEqual(mine);

  const back: string[] = [];
  let before = 'latest';
  for (;;) {
    const { status, body } = await get(edge.http, token, `before=${before}&limit=3`);
    expect(status).toBe(200);
    for (const e of body.events) back.push(e.offset);
    if (!body.more) {
      expect(body.next_before).toBeNull();
      break;
    }
    expect(body.next_before).toMatch(/^c1\./);
    before = encodeURIComponent(body.next_before as string);
  }
  expect(back).toEqual([...mine].reverse());

  // The newest-in-memory page: its cursor would be the log head, someone else's event.
  const tail = await get(edge.http, token, 'limit=3');
  expect(tail.body.next).toMatch(/^c1\./);
  for (const c of [tail.body.next]) expect(everyOffset.has(c as string)).toBe(false);
});

it('a forged cursor is refused; unscoped tokens keep plain offsets', async () => {
  const token = await mintToken({ role: 'viewer', mcps: ['billing_*'] });
  const forged = await get(edge.http, token, `since=c1.${'A'.repeat(60)}`);
  expect(forged.status).toBe(400);
  expect(JSON.stringify(forged.body)).toContain('cursor is not one this log handed out');

  const admin = await mintToken({ role: 'viewer' });
  const page = await get(edge.http, admin, 'since=0-0&limit=3');
  expect(page.status).toBe(200);
  expect(isOffset(page.body.next as string)).toBe(true);
});
