// system_metrics as a scoped token may see it. The registry's figures are fleet-wide; a token
// whose `mcps` claim narrows what it sees must not learn how big the fleet is, how many circuits
// are open elsewhere, or how many edges and clients run. Its figures are recomputed from the
// edge's mirror over the MCPs it may see; infrastructure figures (edges, connections, fleet
// event rate) are zero. One computation and one serialization per distinct claim, not per socket.
import type {
  McpStatus,
  NameFilter,
  SystemMetrics,
  SystemMetricsMessage as MetricsMessage,
} from '@beacon/protocol';

/** Every row of a mirror-like store. */
export function* rowsOf(store: {
  names(): IterableIterator<string>;
  row(name: string): McpStatus | undefined;
}): Generator<McpStatus> {
  for (const name of store.names()) {
    const row = store.row(name);
    if (row !== undefined) yield row;
  }
}

/** Figures over the rows `visible` lets through. */
export function scopedFigures(rows: Iterable<McpStatus>, visible: NameFilter): SystemMetrics {
  const m = {
    total_mcps: 0,
    healthy_mcps: 0,
    unhealthy_mcps: 0,
    disconnected_mcps: 0,
    inactive_mcps: 0,
    unknown_mcps: 0,
    open_circuits: 0,
    half_open_circuits: 0,
    auto_disabled_mcps: 0,
    edges: 0,
    connections: 0,
    events_per_second: 0,
  };
  for (const row of rows) {
    if (!visible(row.name)) continue;
    m.total_mcps++;
    switch (row.health_status) {
      case 'healthy':
        m.healthy_mcps++;
        break;
      case 'unhealthy':
        m.unhealthy_mcps++;
        break;
      case 'disconnected':
        m.disconnected_mcps++;
        break;
      case 'inactive':
        m.inactive_mcps++;
        break;
      default:
        m.unknown_mcps++;
    }
    if (row.circuit_state === 'open') m.open_circuits++;
    else if (row.circuit_state === 'half_open') m.half_open_circuits++;
    if (row.auto_disabled) m.auto_disabled_mcps++;
  }
  return m;
}

/** The message a scoped token gets in place of `fleet` (same timestamp). */
export function scopedMetrics(
  fleet: MetricsMessage,
  rows: Iterable<McpStatus>,
  visible: NameFilter,
): MetricsMessage {
  return {
    type: 'system_metrics',
    metrics: scopedFigures(rows, visible),
    timestamp: fleet.timestamp,
  };
}

/** Serializes each distinct scope once per fleet message. */
export function createScopedMetricsCache(rows: () => Iterable<McpStatus>): {
  json(fleet: MetricsMessage, scopeKey: string, visible: NameFilter): string;
} {
  let current: MetricsMessage | null = null;
  const byScope = new Map<string, string>();
  return {
    json(fleet, scopeKey, visible) {
      if (current !== fleet) {
        current = fleet;
        byScope.clear();
      }
      let json = byScope.get(scopeKey);
      if (json === undefined) {
        json = JSON.stringify(scopedMetrics(fleet, rows(), visible));
        byScope.set(scopeKey, json);
      }
      return json;
    },
  };
}
