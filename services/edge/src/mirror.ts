// The edge's in-memory copy of the log: current row per MCP (folded with protocol's applyEvent,
// the same fold the append script runs), the epoch and offset it reflects, and a ring of recent
// events already serialized to wire JSON. Every connect, resume and reconnect storm is served
// from here without touching Redis; every event is serialized exactly once, here.
import {
  applyEvent,
  applyProbeSamples,
  compareOffsets,
  redactConfig,
  type LogEvent,
  type McpStatus,
  type NameFilter,
  type ProbeSample,
  type StoredEvent,
} from '@beacon/protocol';

export interface RingEntry {
  readonly offset: string;
  readonly prev: string;
  readonly name: string;
  /** `{...event, offset, epoch}` as sent on the wire. */
  readonly wire: string;
}

export interface MirrorSnapshot {
  readonly epoch: string;
  readonly offset: string;
  readonly mcps: readonly McpStatus[];
}

export type ResumePlan =
  /** The client is up to date: nothing to replay. */
  | { readonly kind: 'current' }
  /** Replay these ring entries (oldest first), then go live. */
  | { readonly kind: 'ring'; readonly entries: readonly RingEntry[] }
  /** Older than the ring: replay from the stream. */
  | { readonly kind: 'older' }
  /** Past this mirror's offset: maybe real (the client came from a faster edge); wait. */
  | { readonly kind: 'ahead' }
  /** Not an offset this epoch ever had (between two real offsets, or before the log). */
  | { readonly kind: 'invalid' };

export interface Mirror {
  readonly ready: boolean;
  readonly epoch: string;
  readonly offset: string;
  readonly size: number;
  readonly ringLength: number;
  row(name: string): McpStatus | undefined;
  names(): IterableIterator<string>;
  /** Replace everything (initial load, epoch change, unrepairable gap); clears the ring. */
  reset(snapshot: MirrorSnapshot): void;
  /** Fold one event, serialize it once, remember it in the ring. */
  apply(stored: StoredEvent): RingEntry;
  /** Move last-check times and latencies forward from a probe digest; returns rows changed. */
  applyProbes(samples: readonly ProbeSample[]): number;
  /** Wire JSON of `initial_status` for the rows `filter` lets through (null = all). */
  initialStatus(filter: NameFilter | null, filterKey: string | null, recovered?: boolean): string;
  /** JSON array of the (redacted) rows `filter` lets through, sorted by name. */
  rowsJson(filter: NameFilter | null): string;
  rowJson(name: string): string | undefined;
  resume(since: string): ResumePlan;
  /** The newest `limit` ring entries that pass `filter`, oldest first. */
  tail(limit: number, filter: NameFilter | null): RingEntry[];
  /** Resolves once the mirror reached `offset` (or moved to a new epoch), or after `timeoutMs`. */
  reached(offset: string, timeoutMs: number): Promise<boolean>;
}

/** Serialize an event for the wire with its offset and epoch; configs never carry secrets. */
export function wireJson(event: LogEvent, offset: string, epochJson: string): string {
  const shown =
    event.type === 'mcp_registered' || event.type === 'mcp_updated'
      ? { ...event, config: redactConfig(event.config) }
      : event;
  const body = JSON.stringify(shown);
  return `${body.slice(0, -1)},"offset":${JSON.stringify(offset)},"epoch":${epochJson}}`;
}

function redactedRow(row: McpStatus): string {
  return JSON.stringify(
    row.config === undefined ? row : { ...row, config: redactConfig(row.config) },
  );
}

interface Waiter {
  readonly offset: string;
  readonly resolve: (ok: boolean) => void;
}

export function createMirror(options: { readonly ringSize: number }): Mirror {
  const capacity = Math.max(0, options.ringSize);
  const rows = new Map<string, McpStatus>();
  const rowJsonCache = new Map<string, string>();
  const ring: (RingEntry | undefined)[] = new Array<RingEntry | undefined>(capacity);
  let ringStart = 0;
  let ringLength = 0;
  /** prev of the oldest ring entry, or the offset of the last reset when the ring is empty. */
  let ringBase = '0-0';
  let epoch = '';
  let epochJson = '""';
  let offset = '0-0';
  let ready = false;
  const initialCache = new Map<string, string>();
  let waiters: Waiter[] = [];

  const at = (i: number): RingEntry => ring[(ringStart + i) % capacity] as RingEntry;

  function push(entry: RingEntry): void {
    if (capacity === 0) {
      ringBase = entry.offset;
      return;
    }
    if (ringLength < capacity) {
      ring[(ringStart + ringLength) % capacity] = entry;
      ringLength++;
    } else {
      ring[ringStart] = entry;
      ringStart = (ringStart + 1) % capacity;
      ringBase = at(0).prev;
    }
    if (ringLength === 1) ringBase = entry.prev;
  }

  function settleWaiters(epochChanged: boolean): void {
    if (waiters.length === 0) return;
    const keep: Waiter[] = [];
    for (const w of waiters) {
      if (epochChanged || compareOffsets(offset, w.offset) >= 0) w.resolve(true);
      else keep.push(w);
    }
    waiters = keep;
  }

  function sortedNames(filter: NameFilter | null): string[] {
    const out: string[] = [];
    for (const name of rows.keys()) if (filter === null || filter(name)) out.push(name);
    return out.sort();
  }

  function rowsJson(filter: NameFilter | null): string {
    const parts: string[] = [];
    for (const name of sortedNames(filter)) parts.push(rowJsonCache.get(name) as string);
    return `[${parts.join(',')}]`;
  }

  return {
    get ready() {
      return ready;
    },
    get epoch() {
      return epoch;
    },
    get offset() {
      return offset;
    },
    get size() {
      return rows.size;
    },
    get ringLength() {
      return ringLength;
    },
    row: (name) => rows.get(name),
    names: () => rows.keys(),
    rowJson: (name) => rowJsonCache.get(name),
    rowsJson,

    reset(snapshot) {
      const epochChanged = snapshot.epoch !== epoch;
      rows.clear();
      rowJsonCache.clear();
      for (const row of snapshot.mcps) {
        rows.set(row.name, row);
        rowJsonCache.set(row.name, redactedRow(row));
      }
      epoch = snapshot.epoch;
      epochJson = JSON.stringify(epoch);
      offset = snapshot.offset;
      ring.fill(undefined);
      ringStart = 0;
      ringLength = 0;
      ringBase = offset;
      initialCache.clear();
      ready = true;
      settleWaiters(epochChanged);
    },

    apply(stored) {
      const { event } = stored;
      // null = removed, or a change for an MCP that is not registered (still an event).
      const row = applyEvent(rows, event, stored.offset);
      if (row === null) rowJsonCache.delete(event.mcp_name);
      else rowJsonCache.set(event.mcp_name, redactedRow(row));
      const entry: RingEntry = {
        offset: stored.offset,
        prev: stored.prev,
        name: event.mcp_name,
        wire: wireJson(event, stored.offset, epochJson),
      };
      push(entry);
      offset = stored.offset;
      initialCache.clear();
      settleWaiters(false);
      return entry;
    },

    applyProbes(samples) {
      const changed = applyProbeSamples(rows, samples);
      for (const row of changed) rowJsonCache.set(row.name, redactedRow(row));
      if (changed.length > 0) initialCache.clear();
      return changed.length;
    },

    initialStatus(filter, filterKey, recovered) {
      const key = `${recovered === undefined ? '' : String(recovered)}|${filterKey ?? '*'}`;
      const cacheable = filter === null || filterKey !== null;
      if (cacheable) {
        const hit = initialCache.get(key);
        if (hit !== undefined) return hit;
      }
      const tail = recovered === undefined ? '' : `,"recovered":${String(recovered)}`;
      const json =
        `{"type":"initial_status","mcps":${rowsJson(filter)},` +
        `"timestamp":${JSON.stringify(new Date().toISOString())},` +
        `"offset":${JSON.stringify(offset)},"epoch":${epochJson}${tail}}`;
      if (cacheable) {
        if (initialCache.size > 256) initialCache.clear();
        initialCache.set(key, json);
      }
      return json;
    },

    resume(since) {
      if (since === offset) return { kind: 'current' };
      if (compareOffsets(since, offset) > 0) return { kind: 'ahead' };
      const c = compareOffsets(since, ringBase);
      if (c < 0) return { kind: 'older' };
      if (ringLength === 0) return { kind: 'invalid' };
      let first: number;
      if (c === 0) {
        first = 0;
      } else {
        // First entry with offset > since; `since` itself must be a ring entry.
        let lo = 0;
        let hi = ringLength;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (compareOffsets(at(mid).offset, since) <= 0) lo = mid + 1;
          else hi = mid;
        }
        if (lo === 0 || at(lo - 1).offset !== since) return { kind: 'invalid' };
        first = lo;
      }
      const entries: RingEntry[] = [];
      for (let i = first; i < ringLength; i++) entries.push(at(i));
      return { kind: 'ring', entries };
    },

    tail(limit, filter) {
      const out: RingEntry[] = [];
      for (let i = ringLength - 1; i >= 0 && out.length < limit; i--) {
        const e = at(i);
        if (filter === null || filter(e.name)) out.push(e);
      }
      return out.reverse();
    },

    reached(target, timeoutMs) {
      if (ready && compareOffsets(offset, target) >= 0) return Promise.resolve(true);
      return new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => {
          waiters = waiters.filter((w) => w !== waiter);
          resolve(false);
        }, timeoutMs);
        const waiter: Waiter = {
          offset: target,
          resolve: (ok) => {
            clearTimeout(timer);
            resolve(ok);
          },
        };
        waiters.push(waiter);
      });
    },
  };
}
