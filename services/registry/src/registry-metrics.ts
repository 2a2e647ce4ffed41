// The registry's Prometheus figures (served on /metrics by the health server).
import {
  createMetrics,
  LATENCY_BUCKETS,
  registerProcessMetrics,
  type Metrics,
} from '@beacon/runtime';

const LAG_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export function createRegistryMetrics() {
  const m: Metrics = createMetrics();
  registerProcessMetrics(m);
  return {
    registry: m,
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
