// The breaker worker's Prometheus metrics (served on /metrics by @beacon/runtime's health server).
import {
  LATENCY_BUCKETS,
  createMetrics,
  registerProcessMetrics,
  type Metrics,
} from '@beacon/runtime';
import type { StreamName } from './inputs.js';

export type EntryResult = 'applied' | 'invalid' | 'unknown_mcp' | 'expired';

export function createBreakerMetrics(registry: Metrics = createMetrics()) {
  registerProcessMetrics(registry);
  const entries = registry.counter(
    'beacon_breaker_entries_total',
    'Stream entries consumed, by stream and what became of them.',
    ['stream', 'result'],
  );
  const events = registry.counter(
    'beacon_breaker_events_total',
    'health_event events appended, by event type.',
    ['event_type'],
  );
  const recovery = registry.counter(
    'beacon_breaker_recovery_total',
    'Takeover bookkeeping: events found already in the log (suppressed), breakers adopted from the log.',
    ['what'],
  );
  const rejected = registry.counter(
    'beacon_bus_messages_rejected_total',
    'Malformed bus messages dropped, by source (input stream, live channel)',
    ['source'],
  );
  const errors = registry.counter('beacon_breaker_errors_total', 'Errors by kind.', ['kind']);
  const batches = registry.counter('beacon_breaker_batches_total', 'Batches committed.');
  const delay = registry.histogram(
    'beacon_breaker_input_delay_seconds',
    'From an entry being added to its stream to its effects being committed.',
    LATENCY_BUCKETS,
  );
  const cycle = registry.histogram(
    'beacon_breaker_batch_seconds',
    'Time to apply, append and commit one batch.',
    LATENCY_BUCKETS,
  );
  const leader = registry.gauge('beacon_breaker_leader', '1 while this process holds the lease.');
  const circuits = registry.gauge('beacon_breaker_circuits', 'Breakers by circuit state.', [
    'state',
  ]);
  const lag = registry.gauge(
    'beacon_breaker_stream_lag',
    'Entries in a stream not yet delivered to the breaker group.',
    ['stream'],
  );

  const entryChildren = new Map<string, ReturnType<typeof entries.labels>>();
  return {
    registry,
    entry(stream: StreamName, result: EntryResult, n = 1): void {
      const key = `${stream}/${result}`;
      let child = entryChildren.get(key);
      if (child === undefined) {
        child = entries.labels(stream, result);
        entryChildren.set(key, child);
      }
      child.inc(n);
    },
    event: (type: string) => events.labels(type).inc(),
    recovery: (what: 'suppressed' | 'adopted', n = 1) => recovery.labels(what).inc(n),
    error: (kind: string) => errors.labels(kind).inc(),
    rejected: (source: string) => rejected.labels(source).inc(),
    batch: () => batches.inc(),
    delay: (seconds: number) => delay.observe(seconds),
    cycle: (seconds: number) => cycle.observe(seconds),
    leader: (on: boolean) => leader.set(on ? 1 : 0),
    circuits: (counts: Record<'closed' | 'open' | 'half_open', number>) => {
      for (const [state, n] of Object.entries(counts)) circuits.labels(state).set(n);
    },
    lag: (stream: StreamName, n: number) => lag.labels(stream).set(n),
  };
}
export type BreakerMetrics = ReturnType<typeof createBreakerMetrics>;
