// Two real edge processes on one real Redis, real WebSocket clients: every client on either edge
// gets a correct initial_status and then every later event exactly once, in log order — also
// clients that connect while events are being appended.
import { applyEvent, compareOffsets, type McpStatus } from '@beacon/protocol';
import { startRedis, uniquePrefix, type RedisHandle } from '@beacon/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mcpName, registration, statusChange } from './bench/seed.js';
import {
  logFor,
  logOffsets,
  mintToken,
  record,
  startEdgeProcess,
  type EdgeProcess,
  type Msg,
  type Recorder,
} from './test-support.js';

let redis: RedisHandle;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  await redis.stop();
});

/** The projection at `offset`, folded from the log itself. */
async function projectionAt(
  log: ReturnType<typeof logFor>['log'],
  offset: string,
): Promise<McpStatus[]> {
  const rows = new Map<string, McpStatus>();
  for await (const e of log.history('0-0')) {
    if (compareOffsets(e.offset, offset) > 0) break;
    applyEvent(rows, e.event, e.offset);
  }
  return [...rows.values()].sort((a, b) => a.name.localeCompare(b.name));
}

function checkClient(rec: Recorder, all: readonly string[]): { initial: Msg; offsets: string[] } {
  const initials = rec.of('initial_status');
  expect(initials).toHaveLength(1);
  const initial = initials[0] as Msg;
  expect(rec.messages[0]).toBe(initial);
  const offsets = rec.events().map((m) => m.offset as string);
  const start = all.indexOf(initial.offset as string) + 1; // -1 + 1 = 0 for "0-0"
  expect(offsets).toEqual(all.slice(start));
  return { initial, offsets };
}

describe('two edges fan out the log', () => {
  it('every client on both edges gets a correct initial_status, then every event once, in order', async () => {
    const prefix = uniquePrefix('edge-fanout');
    const { log, redis: writerRedis } = logFor(redis.url, prefix);
    cleanups.push(async () => writerRedis.quit());
    for (let i = 0; i < 5; i++) await log.append(registration(mcpName(i)));

    const edges: EdgeProcess[] = await Promise.all([
      startEdgeProcess(redis.url, prefix),
      startEdgeProcess(redis.url, prefix),
    ]);
    for (const e of edges) cleanups.push(() => e.proc.kill('SIGKILL'));
    const token = await mintToken({ role: 'viewer' });
    const early: Recorder[] = [];
    for (const e of edges) for (let i = 0; i < 4; i++) early.push(record(e.ws, { token }));
    await Promise.all(early.map((r) => r.opened));

    // Two concurrent writers; late clients join halfway.
    const late: Recorder[] = [];
    const writer = async (w: number): Promise<void> => {
      for (let s = 0; s < 150; s++) {
        await log.append(statusChange(mcpName((s + w) % 5), s * 2 + w));
        if (w === 0 && s === 75) {
          for (const e of edges) for (let i = 0; i < 3; i++) late.push(record(e.ws, { token }));
        }
      }
    };
    await Promise.all([writer(0), writer(1)]);
    await Promise.all(late.map((r) => r.opened));
    const head = await log.lastOffset();
    const clients = [...early, ...late];
    for (const c of clients) {
      await c.waitFor(
        (r) =>
          r.events().at(-1)?.offset === head ||
          (r.events().length === 0 && r.of('initial_status')[0]?.offset === head),
        `client to reach ${head}`,
      );
    }
    const all = await logOffsets(log, '0-0');
    for (const c of clients) {
      const { initial } = checkClient(c, all);
      const expected = await projectionAt(log, initial.offset as string);
      expect(initial.mcps).toEqual(expected);
    }
    // Late clients really joined mid-stream (their snapshot is not the empty or the final log).
    expect(
      late.some((c) => c.events().length > 0 && c.of('initial_status')[0]?.offset !== all[4]),
    ).toBe(true);
    for (const c of clients) c.close();
  });
});
