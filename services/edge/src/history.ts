// Reading the log's history for `GET /api/events`, as wire JSON: forward after `since` (from the
// ring when it has the range, else the Redis stream), the newest few from the ring, and backward
// (newest first) before an offset through the stream's reverse range. Filtered reads scan in
// bounded pages and hand back a cursor, so a rare MCP in a long log never costs one request more
// than a fixed number of entries.
import type { EventLog } from '@beacon/event-log';
import type { NameFilter } from '@beacon/protocol';
import { wireJson, type Mirror } from './mirror.js';

/** Most log entries one backward request reads (the cursor continues from there). */
export const BACKWARD_SCAN_CAP = 5_000;
const PAGE = 1_000;

/** How a page's cursor is shown (scoped tokens: sealed, see cursors.ts); default: as is. */
export type CursorOut = (offset: string) => Promise<string>;
const plainCursor: CursorOut = (offset) => Promise.resolve(offset);

export interface History {
  /** Events after `since` (or the newest ones in memory when absent), oldest first. */
  after(
    since: string | undefined,
    limit: number,
    filter: NameFilter,
    cursor?: CursorOut,
  ): Promise<string>;
  /** Events strictly before `before` (null = the newest), newest first. */
  before(
    before: string | null,
    limit: number,
    filter: NameFilter,
    cursor?: CursorOut,
  ): Promise<string>;
}

export function createHistory(deps: {
  readonly mirror: Mirror;
  readonly eventLog: Pick<EventLog, 'replay' | 'replayBackward'>;
}): History {
  const { mirror, eventLog } = deps;

  const page = (events: readonly string[], epoch: string, cursor: string): string =>
    `{"events":[${events.join(',')}],"epoch":${JSON.stringify(epoch)},${cursor}}`;

  async function after(
    since: string | undefined,
    limit: number,
    filter: NameFilter,
    cursor: CursorOut = plainCursor,
  ): Promise<string> {
    const epoch = mirror.epoch;
    if (since === undefined) {
      const tail = mirror.tail(limit, filter).map((e) => e.wire);
      const next = await cursor(mirror.offset);
      return page(tail, epoch, `"next":${JSON.stringify(next)},"more":false`);
    }
    const plan = mirror.resume(since);
    if (plan.kind === 'current' || plan.kind === 'ring') {
      const out: string[] = [];
      let next = since;
      const entries = plan.kind === 'ring' ? plan.entries : [];
      for (const e of entries) {
        if (out.length >= limit) break;
        next = e.offset;
        if (filter(e.name)) out.push(e.wire);
      }
      const more = next !== mirror.offset;
      const shown = await cursor(next);
      return page(out, epoch, `"next":${JSON.stringify(shown)},"more":${String(more)}`);
    }
    const out: string[] = [];
    const epochJson = JSON.stringify(epoch);
    const scanCap = Math.max(limit * 20, 5_000);
    let next = since;
    let scanned = 0;
    let more = true;
    while (out.length < limit && scanned < scanCap) {
      const batch = await eventLog.replay(next, Math.min(PAGE, scanCap - scanned));
      if (batch.length === 0) {
        more = false;
        break;
      }
      for (const s of batch) {
        if (out.length >= limit) break;
        next = s.offset;
        scanned++;
        if (filter(s.event.mcp_name)) out.push(wireJson(s.event, s.offset, epochJson));
      }
    }
    const shown = await cursor(next);
    return page(out, epoch, `"next":${JSON.stringify(shown)},"more":${String(more)}`);
  }

  async function before(
    start: string | null,
    limit: number,
    filter: NameFilter,
    seal: CursorOut = plainCursor,
  ): Promise<string> {
    const epoch = mirror.epoch;
    const epochJson = JSON.stringify(epoch);
    const out: string[] = [];
    let cursor = start;
    let scanned = 0;
    // True once the oldest retained entry was read: nothing is left before the cursor.
    let exhausted = false;
    while (out.length < limit && scanned < BACKWARD_SCAN_CAP) {
      const want = Math.min(PAGE, BACKWARD_SCAN_CAP - scanned);
      const batch = await eventLog.replayBackward(cursor, want);
      let used = 0;
      for (const s of batch) {
        if (out.length >= limit) break;
        cursor = s.offset;
        scanned++;
        used++;
        if (filter(s.event.mcp_name)) out.push(wireJson(s.event, s.offset, epochJson));
      }
      if (batch.length < want && used === batch.length) {
        exhausted = true;
        break;
      }
    }
    const next = exhausted || cursor === null ? null : cursor;
    const shown = next === null ? null : await seal(next);
    return page(
      out,
      epoch,
      `"next_before":${JSON.stringify(shown)},"more":${String(next !== null)}`,
    );
  }

  return { after, before };
}
