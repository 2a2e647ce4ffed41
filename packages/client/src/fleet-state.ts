// The client's copy of the fleet: rows folded with the protocol's own `applyEvent` (the same fold
// the Redis projection uses), plus the offset and epoch the copy reflects. Pure and synchronous so
// it can be tested with real protocol messages and no socket.
import {
  applyEvent,
  applyProbeSamples,
  compareOffsets,
  type InitialStatusMessage,
  type McpStatus,
  type ProbeSample,
  type ServerMessage,
} from '@beacon/protocol';

/** A replayable event as delivered on the wire (a log event plus its offset and epoch). */
export type EventMessage = Extract<
  ServerMessage,
  { type: 'mcp_status_change' | 'health_event' | 'mcp_registered' | 'mcp_updated' | 'mcp_removed' }
>;

export type FoldResult =
  /** Applied; `row` is the MCP's new row (null when removed or unknown). */
  | {
      readonly kind: 'applied';
      readonly row: McpStatus | null;
      readonly previous: McpStatus | null;
    }
  /** At or before the offset we already reflect (e.g. a replay overlapping the snapshot). */
  | { readonly kind: 'duplicate' }
  /** From another log epoch: our offsets mean nothing there; the caller must resync. */
  | { readonly kind: 'epoch_mismatch' };

export interface FleetState {
  readonly rows: ReadonlyMap<string, McpStatus>;
  readonly offset: string | null;
  readonly epoch: string | null;
  /** Replace everything with a snapshot. */
  replace(message: InitialStatusMessage): void;
  fold(message: EventMessage): FoldResult;
  /**
   * Apply a `probe_digest`'s samples: moves `last_health_check` / `latency_ms` forward between
   * status changes (not an event: the offset stays). Returns the rows that changed.
   */
  probes(samples: readonly ProbeSample[]): McpStatus[];
  clear(): void;
}

export function isEventMessage(message: ServerMessage): message is EventMessage {
  switch (message.type) {
    case 'mcp_status_change':
    case 'health_event':
    case 'mcp_registered':
    case 'mcp_updated':
    case 'mcp_removed':
      return true;
    default:
      return false;
  }
}

export function createFleetState(): FleetState {
  let rows = new Map<string, McpStatus>();
  let offset: string | null = null;
  let epoch: string | null = null;
  return {
    get rows() {
      return rows;
    },
    get offset() {
      return offset;
    },
    get epoch() {
      return epoch;
    },
    replace(message) {
      rows = new Map(message.mcps.map((m) => [m.name, m]));
      offset = message.offset;
      epoch = message.epoch;
    },
    fold(message) {
      if (epoch !== null && message.epoch !== epoch) return { kind: 'epoch_mismatch' };
      if (offset !== null && compareOffsets(message.offset, offset) <= 0)
        return { kind: 'duplicate' };
      const previous = rows.get(message.mcp_name) ?? null;
      const row = applyEvent(rows, message, message.offset);
      offset = message.offset;
      epoch = message.epoch;
      return { kind: 'applied', row, previous };
    },
    probes(samples) {
      return applyProbeSamples(rows, samples);
    },
    clear() {
      rows = new Map();
      offset = null;
      epoch = null;
    },
  };
}
