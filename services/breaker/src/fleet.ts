// Which MCPs exist and how their breakers are configured, folded from the event log (snapshot +
// mcp_registered / mcp_updated / mcp_removed). The leader drains the changes at the start of each
// batch, so config changes are applied between batches, never in the middle of one.
import { compareOffsets, type McpConfig, type McpStatus, type StoredEvent } from '@beacon/protocol';

export type FleetChange =
  /** A registration event: the projection row was reset, so the breaker starts afresh. */
  | { readonly kind: 'registered'; readonly name: string }
  /** The config may have changed (an update, or a name first seen in a snapshot). */
  | { readonly kind: 'config'; readonly name: string }
  | { readonly kind: 'removed'; readonly name: string };

export interface Fleet {
  get(name: string): McpConfig | undefined;
  has(name: string): boolean;
  names(): IterableIterator<string>;
  readonly size: number;
  /** Offset of the newest log event reflected here. */
  readonly offset: string;
  /**
   * Replace everything from a snapshot taken at `offset`. A snapshot cannot tell a re-registration
   * from an old one, so it reports configs and removals, never `registered`.
   */
  reset(rows: readonly McpStatus[], offset: string): void;
  /** Apply one log event; events at or before `offset` are already reflected and ignored. */
  apply(stored: StoredEvent): void;
  /** Changes since the last drain, in order. */
  drain(): FleetChange[];
  /** Resolves true once `offset` is reflected here, false after timeoutMs. */
  reached(offset: string, timeoutMs: number): Promise<boolean>;
}

export function createFleet(): Fleet {
  const configs = new Map<string, McpConfig>();
  let changes: FleetChange[] = [];
  let offset = '0-0';
  const waiters = new Set<{ readonly target: string; readonly done: (ok: boolean) => void }>();
  const advanced = (): void => {
    for (const w of waiters) if (compareOffsets(offset, w.target) >= 0) w.done(true);
  };

  return {
    get: (name) => configs.get(name),
    has: (name) => configs.has(name),
    names: () => configs.keys(),
    get size() {
      return configs.size;
    },
    get offset() {
      return offset;
    },
    reset(rows, at) {
      const seen = new Set<string>();
      for (const row of rows) {
        seen.add(row.name);
        if (row.config === undefined) continue;
        configs.set(row.name, row.config);
        changes.push({ kind: 'config', name: row.name });
      }
      for (const name of [...configs.keys()]) {
        if (seen.has(name)) continue;
        configs.delete(name);
        changes.push({ kind: 'removed', name });
      }
      offset = at;
      advanced();
    },
    apply(stored) {
      if (compareOffsets(stored.offset, offset) <= 0) return;
      offset = stored.offset;
      advanced();
      const e = stored.event;
      switch (e.type) {
        case 'mcp_registered':
          configs.set(e.mcp_name, e.config);
          changes.push({ kind: 'registered', name: e.mcp_name });
          return;
        case 'mcp_updated':
          configs.set(e.mcp_name, e.config);
          changes.push({ kind: 'config', name: e.mcp_name });
          return;
        case 'mcp_removed':
          configs.delete(e.mcp_name);
          changes.push({ kind: 'removed', name: e.mcp_name });
          return;
        case 'health_event':
        case 'mcp_status_change':
          return;
      }
    },
    drain() {
      const out = changes;
      changes = [];
      return out;
    },
    reached(target, timeoutMs) {
      if (compareOffsets(offset, target) >= 0) return Promise.resolve(true);
      return new Promise((resolve) => {
        const w = {
          target,
          done: (ok: boolean) => {
            clearTimeout(timer);
            waiters.delete(w);
            resolve(ok);
          },
        };
        const timer = setTimeout(() => w.done(false), timeoutMs);
        waiters.add(w);
      });
    },
  };
}
