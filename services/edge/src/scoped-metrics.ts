// system_metrics as a scoped token may see it. The registry's figures are fleet-wide; a token
// whose `mcps` claim narrows what it sees must not learn how big the fleet is, how many circuits
// are open elsewhere, or how many edges and clients run. Its figures are recomputed from the
// edge's mirror over the MCPs it may see; infrastructure figures (edges, connections, fleet
// event rate) are zero. One computation and one serialization per distinct claim, not per socket.
import {
  fleetFigures,
  NO_INFRA_FIGURES,
  type McpStatus,
  type NameFilter,
  type SystemMetrics,
  type SystemMetricsMessage as MetricsMessage,
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

/** Figures over the rows `visible` lets through; no infrastructure figures. */
export function scopedFigures(rows: Iterable<McpStatus>, visible: NameFilter): SystemMetrics {
  function* only(): Generator<McpStatus> {
    for (const row of rows) if (visible(row.name)) yield row;
  }
  return fleetFigures(only(), NO_INFRA_FIGURES);
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
