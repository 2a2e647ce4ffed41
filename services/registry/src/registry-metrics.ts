// The registry's Prometheus figures (served on /metrics by the health server), including the
// per-MCP series for Alertmanager users: one series set per MCP of the projection, set from the
// active registry's mirror of it before each render (a standby exports none of them).
import { CircuitState, HealthStatus, type McpStatus } from '@beacon/protocol';
import {
  createMetrics,
  LATENCY_BUCKETS,
  registerProcessMetrics,
  type Gauge,
  type GaugeChild,
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

/** One MCP's gauge series, kept between renders so a scrape only sets numbers. */
interface McpChildren {
  readonly up: GaugeChild;
  readonly status: readonly GaugeChild[];
  readonly circuit: readonly GaugeChild[];
}

/**
 * The per-MCP series: `sync(rows)` sets the gauges of every MCP in `rows` and drops every
 * series (gauges and probe histogram) of an MCP no longer in them, so there is exactly one
 * series set per registered MCP; `sync(null)` drops them all. Follows the kube-state-metrics
 * convention: `status` and `circuit` have a series per possible value, 1 for the current one
 * and 0 for the others.
 */
export function mcpSeriesSync(series: McpSeries) {
  const shown = new Map<string, McpChildren>();
  const probed = new Set<string>();
  const drop = (name: string): void => {
    series.up.remove(name);
    for (const s of STATUSES) series.status.remove(name, s);
    for (const c of CIRCUIT_STATES) series.circuit.remove(name, c);
    shown.delete(name);
  };
  return {
    sync(rows: Iterable<McpStatus> | null): void {
      const names = new Set<string>();
      for (const row of rows ?? []) {
        const name = row.name;
        names.add(name);
        let c = shown.get(name);
        if (c === undefined) {
          c = {
            up: series.up.labels(name),
            status: STATUSES.map((s) => series.status.labels(name, s)),
            circuit: CIRCUIT_STATES.map((st) => series.circuit.labels(name, st)),
          };
          shown.set(name, c);
        }
        c.up.set(row.health_status === 'healthy' ? 1 : 0);
        for (let i = 0; i < STATUSES.length; i++) {
          c.status[i]!.set(row.health_status === STATUSES[i] ? 1 : 0);
        }
        for (let i = 0; i < CIRCUIT_STATES.length; i++) {
          c.circuit[i]!.set(row.circuit_state === CIRCUIT_STATES[i] ? 1 : 0);
        }
      }
      for (const name of shown.keys()) if (!names.has(name)) drop(name);
      for (const name of probed) {
        if (!names.has(name)) {
          series.probeSeconds.remove(name);
          probed.delete(name);
        }
      }
    },
    observe(name: string, seconds: number): void {
      probed.add(name);
      series.probeSeconds.labels(name).observe(seconds);
    },
  };
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
  const perMcp = mcpSeriesSync(mcpSeries);
  m.onCollect(() => perMcp.sync(view === null ? null : view()));
  return {
    registry: m,
    /** Show the per-MCP series of these rows (the leader's projection mirror); null: none. */
    fleetView(next: FleetView | null): void {
      view = next;
      if (next === null) perMcp.sync(null);
    },
    /** One probe's duration for the MCP's histogram. */
    observeMcpProbe: perMcp.observe,
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
