// The detail view's history loader (`api.history`) against a real edge and Redis: it reads the
// MCP's most recent events newest first (`GET /api/events?before=`), following the edge's cursor
// across a stretch of other MCPs' traffic longer than one request may scan, and hands them back
// oldest first. The edge keeps only a tiny ring here, so everything comes from the log itself.
import type { LogEventInput } from '@beacon/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi, type Api } from './api.js';
import { startStack, type Stack } from './test-support/stack.js';

const RARE = 'rare_mcp';
const BUSY = ['busy_a', 'busy_b', 'busy_c'];
/** More than the edge scans in one request (5,000), so the loader must follow the cursor. */
const FILLER = 6_000;

let stack: Stack;
let api: Api;
const rare: string[] = [];

const registered = (name: string): LogEventInput => ({
  type: 'mcp_registered',
  mcp_name: name,
  timestamp: new Date().toISOString(),
  actor: 'test',
  config: { name, transport: { type: 'streamable-http', url: 'http://127.0.0.1:9/mcp' } },
});

const status = (name: string, healthy: boolean): LogEventInput => ({
  type: 'mcp_status_change',
  mcp_name: name,
  status: healthy ? 'healthy' : 'unhealthy',
  timestamp: new Date().toISOString(),
  metadata: { reason: 'probe' },
});

async function append(events: readonly LogEventInput[], mark = false): Promise<void> {
  for (let i = 0; i < events.length; i += 500) {
    for (const r of await stack.log.appendBatch(events.slice(i, i + 500))) {
      if (mark) rare.push(r.offset);
    }
  }
}

const filler = (n: number): LogEventInput[] =>
  Array.from({ length: n }, (_, i) => status(BUSY[i % BUSY.length] as string, i % 2 === 0));

beforeAll(async () => {
  stack = await startStack({ edgeEnv: { BEACON_RING_SIZE: '8' } });
  await append(BUSY.map(registered));
  await append([registered(RARE), status(RARE, true)], true);
  await append(filler(FILLER));
  await append([status(RARE, false)], true);
  await append(filler(10));
  await append([status(RARE, true), status(RARE, false)], true);
  await append(filler(5));
  const token = await stack.token('viewer');
  api = createApi(stack.baseUrl, () => token);
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

describe('api.history', () => {
  it('returns the newest events of one MCP, oldest first', async () => {
    const three = await api.history(RARE, 3);
    expect(three.map((h) => h.offset)).toEqual(rare.slice(-3));
    expect(three.every((h) => h.event.mcp_name === RARE)).toBe(true);
  });

  it('follows the cursor past other MCPs’ traffic back to the registration', async () => {
    const all = await api.history(RARE, 50);
    expect(all.map((h) => h.offset)).toEqual(rare);
    expect(all[0]?.event.type).toBe('mcp_registered');
  });
});
