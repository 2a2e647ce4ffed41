// The registry's Prometheus figures (served on /metrics by the health server), including the
// per-MCP series for Alertmanager users: one series set per MCP of the projection, set from the
// active registry's mirror of it before each render (a standby exports none of them).
import { CircuitState, HealthStatus, type McpStatus } from '@beacon/protocol';
import {
  createMetrics,
  LATENCY_BUCKETS,
  registerProcessMetrics,
  type Gauge,
  type Histogram,
  type Metrics,
} from '@beacon/runtime';

const LAG_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

const STATUSES: readonly HealthStatus[] = HealthStatus.options;
const CIRCUIT_STATES: readonly CircuitState[] = CircuitState.options;

/** The projection rows the per-MCP series show; null while this process does not lead. */
export type FleetView = () => Iterable<McpStatus>;

interface McpSeries {
  readonly up: Gauge;
  readonly status: Gauge;
  readonly circuit: Gauge;
  readonly probeSeconds: Histogram;
}

/**
 * Re-set the per-MCP gauges from `rows` (null: none) and drop the probe histograms of MCPs no
 * longer in them, so the series are exactly one set per registered MCP. Follows the
 * kube-state-metrics convention: `status` and `circuit` have a series per possible value, 1 for
 * the current one and 0 for the others.
 */
export function syncMcpSeries(
  series: McpSeries,
  rows: Iterable<McpStatus> | null,
  probed: Set<string>,
): void {
  series.up.reset();
  series.status.reset();
  series.circuit.reset();
  const names = new Set<string>();
  for (const row of rows ?? []) {
    const name = row.name;
    names.add(name);
    series.up.labels(name).set(row.health_status === 'healthy' ? 1 : 0);
    for (const s of STATUSES) series.status.labels(name, s).set(row.health_status === s ? 1 : 0);
    for (const c of CIRCUIT_STATES) {
      series.circuit.labels(name, c).set(row.circuit_state === c ? 1 : 0);
    }
  }
  for (const name of probed) {
    if (!names.has(name)) {
      series.probeSeconds.remove(name);
      probed.delete(name);
    }
  }
}

export function createRegistryMetrics() {
  const m: Metrics = createMetrics();
  registerProcessMetrics(m);
  const mcpSeries: McpSeries = {
    up: m.gauge('beacon_mcp_up', '1 while the MCP is healthy, else 0 (active registry only)', [
      'mcp',
    ]),
    status: m.gauge(
      'beacon_mcp_status',
      "The MCP's health status: 1 for the current one, 0 for the others (active registry only)",
      ['mcp', 'status'],
    ),
    circuit: m.gauge(
      'beacon_mcp_circuit_state',
      "The breaker's circuit state of the MCP: 1 for the current one, 0 for the others (active registry only)",
      ['mcp', 'state'],
    ),
    probeSeconds: m.histogram(
      'beacon_mcp_probe_duration_seconds',
      'Probe duration by MCP (connect when needed + ping; active registry only)',
      LATENCY_BUCKETS,
      ['mcp'],
    ),
  };
  let view: FleetView | null = null;
  const probed = new Set<string>();
  m.onCollect(() => syncMcpSeries(mcpSeries, view === null ? null : view(), probed));
  return {
    registry: m,
    /** Show the per-MCP series of these rows (the leader's projection mirror); null: none. */
    fleetView(next: FleetView | null): void {
      view = next;
      if (next === null) syncMcpSeries(mcpSeries, null, probed);
    },
    /** One probe's duration for the MCP's histogram. */
    observeMcpProbe(name: string, seconds: number): void {
      probed.add(name);
      mcpSeries.probeSeconds.labels(name).observe(seconds);
    },
    leader: m.gauge('beacon_registry_leader', '1 while this process is the active registry'),
    mcps: m.gauge('beacon_registry_mcps', 'MCPs in the fleet (active registry only)'),
    sessions: m.gauge('beacon_registry_sessions', 'Open MCP sessions'),
    inflight: m.gauge('beacon_registry_probes_in_flight', 'Probes running now'),
    probes: m.counter('beacon_registry_probes_total', 'Probes finished, by outcome', ['outcome']),
    probeSeconds: m.histogram(
      'beacon_registry_probe_seconds',
      'Probe duration (connect when needed + ping)',
      LATENCY_BUCKETS,
    ),
    lagSeconds: m.histogram(
      'beacon_registry_probe_lag_seconds',
      'How late a probe started compared with its due time (incl. waiting for a slot)',
      LAG_BUCKETS,
    ),
    events: m.counter('beacon_registry_events_appended_total', 'Events appended to the log', [
      'type',
    ]),
    commands: m.counter('beacon_registry_commands_total', 'Admin commands processed', [
      'type',
      'result',
    ]),
    invalidEntries: m.gauge(
      'beacon_registry_fleet_file_invalid_entries',
      'Entries of the fleet file refused at the last reload',
    ),
    busRejected: m.counter(
      'beacon_bus_messages_rejected_total',
      'Malformed bus messages dropped, by source (commands stream, live channel)',
      ['source'],
    ),
    fileReloads: m.counter('beacon_registry_fleet_file_reloads_total', 'Fleet file reloads', [
      'result',
    ]),
  };
}
export type RegistryMetrics = ReturnType<typeof createRegistryMetrics>;
