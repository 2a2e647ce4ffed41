// The fleet figures of `system_metrics`, folded from projection rows. The registry computes them
// over the whole fleet; the edge over what a scoped token may see (with the infrastructure
// figures zeroed). One fold, so both always count the same way.
import type { McpStatus } from './mcp.js';
import type { SystemMetrics } from './messages.js';

export interface InfraFigures {
  readonly edges: number;
  readonly connections: number;
  readonly events_per_second: number;
}

export const NO_INFRA_FIGURES: InfraFigures = Object.freeze({
  edges: 0,
  connections: 0,
  events_per_second: 0,
});

export function fleetFigures(rows: Iterable<McpStatus>, infra: InfraFigures): SystemMetrics {
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
    edges: infra.edges,
    connections: infra.connections,
    events_per_second: infra.events_per_second,
  };
  for (const row of rows) {
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
      case 'unknown':
        m.unknown_mcps++;
        break;
    }
    if (row.circuit_state === 'open') m.open_circuits++;
    if (row.circuit_state === 'half_open') m.half_open_circuits++;
    if (row.auto_disabled) m.auto_disabled_mcps++;
  }
  return m;
}
