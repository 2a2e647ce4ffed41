// The notifier's Prometheus metrics (served on /metrics by @beacon/runtime's health server).
import {
  LATENCY_BUCKETS,
  createMetrics,
  registerProcessMetrics,
  type Metrics,
} from '@beacon/runtime';

export function createNotifierMetrics(registry: Metrics = createMetrics()) {
  registerProcessMetrics(registry);
  return {
    registry,
    events: registry.counter('beacon_notifier_events_total', 'Log events processed.'),
    deliveries: registry.counter(
      'beacon_notifier_deliveries_total',
      'Delivery attempts by channel and result (sent, retrying, failed).',
      ['channel', 'result'],
    ),
    records: registry.counter(
      'beacon_notifier_records_total',
      'Transitions recorded without a delivery, by result (silenced, suppressed).',
      ['result'],
    ),
    latency: registry.histogram(
      'beacon_notifier_latency_seconds',
      "From the causing event's append to the receiver's answer (first attempt that succeeded).",
      LATENCY_BUCKETS,
    ),
    failing: registry.gauge(
      'beacon_notifier_channel_failing',
      '1 while a channel keeps failing (its last attempt failed).',
      ['channel'],
    ),
    queued: registry.gauge('beacon_notifier_queued', 'Notifications waiting per channel.', [
      'channel',
    ]),
    alerts: registry.gauge('beacon_notifier_alerts', 'Open alerts by phase.', ['phase']),
    leader: registry.gauge('beacon_notifier_leader', '1 while this process holds the lease.'),
    rejected: registry.counter(
      'beacon_bus_messages_rejected_total',
      'Malformed bus messages dropped, by source',
      ['source'],
    ),
    commands: registry.counter(
      'beacon_notifier_commands_total',
      'Admin commands by type and result.',
      ['type', 'result'],
    ),
    errors: registry.counter('beacon_notifier_errors_total', 'Errors by kind.', ['kind']),
    uptime: {
      events: registry.counter('beacon_uptime_events_total', 'Log events folded into rollups.'),
      probes: registry.counter('beacon_uptime_probes_total', 'Probe results folded into rollups.'),
      writes: registry.counter('beacon_uptime_writes_total', 'Fenced rollup writes.'),
      invalid: registry.counter(
        'beacon_uptime_invalid_total',
        'Unreadable probe entries or stored uptime state passed over.',
      ),
      leader: registry.gauge('beacon_uptime_leader', '1 while this process runs the projector.'),
    },
  };
}
export type NotifierMetrics = ReturnType<typeof createNotifierMetrics>;
