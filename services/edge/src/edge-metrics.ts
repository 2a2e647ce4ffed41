// The edge's Prometheus series (on @beacon/runtime's registry). Hot paths hold direct
// references to unlabelled children, so a delivery costs an addition, not a map lookup.
import { LATENCY_BUCKETS, type Metrics } from '@beacon/runtime';

export type CloseReason =
  | 'client'
  | 'abnormal'
  | 'slow_consumer'
  | 'token_expired'
  | 'bad_frames'
  | 'flood'
  | 'too_big'
  | 'drain'
  | 'other';

export type ConnectKind =
  'fresh' | 'resume_current' | 'resume_ring' | 'resume_stream' | 'resume_failed';

export function createEdgeMetrics(m: Metrics) {
  const closes = m.counter('beacon_edge_closes_total', 'WebSocket closes by reason', ['reason']);
  const connects = m.counter('beacon_edge_connects_total', 'WebSocket opens by kind', ['kind']);
  const frames = m.counter('beacon_edge_client_frames_total', 'Client frames by result', [
    'result',
  ]);
  const http = m.counter('beacon_edge_http_requests_total', 'HTTP requests by status class', [
    'status',
  ]);
  const commands = m.counter('beacon_edge_commands_total', 'Admin commands by result', ['result']);
  const uptimeSkipped = m.counter(
    'beacon_edge_uptime_skipped_total',
    'Stored uptime entries (buckets, states, incidents) skipped because they did not decode',
    ['kind'],
  );
  const redisState = m.gauge(
    'beacon_edge_redis_subscription_state',
    '1 for the current state of the event-log subscription',
    ['state'],
  );
  return {
    connections: m.gauge('beacon_edge_connections', 'Open WebSocket connections'),
    messagesOut: m.counter(
      'beacon_edge_messages_out_total',
      'Messages handed to sockets (a topic publish counts once per subscriber)',
    ),
    bytesOut: m.counter('beacon_edge_bytes_out_total', 'Payload bytes handed to sockets'),
    busEvents: m.counter('beacon_edge_bus_events_total', 'Events received from the event log'),
    busInvalid: m.counter('beacon_edge_bus_invalid_total', 'Malformed bus messages dropped'),
    subscriptionChecks: m.counter(
      'beacon_edge_subscription_checks_total',
      'Periodic catch-up checks of the event-log subscription against the stream',
    ),
    busGaps: m.counter('beacon_edge_bus_gaps_total', 'Holes in the live stream repaired'),
    resyncs: m.counter('beacon_edge_resyncs_total', 'Mirror replaced (epoch change or lost gap)'),
    sideMessages: m.counter('beacon_edge_side_messages_total', 'Side-channel messages received'),
    streamReads: m.counter(
      'beacon_edge_resume_stream_reads_total',
      'Redis stream reads made to serve resumes older than the ring',
    ),
    fanout: m.histogram(
      'beacon_edge_fanout_seconds',
      'Time from an event arriving on the bus to its topic publish',
      LATENCY_BUCKETS,
    ),
    mirrorSize: m.gauge('beacon_edge_mirror_mcps', 'MCPs in the in-memory mirror'),
    ringLength: m.gauge('beacon_edge_ring_events', 'Events in the resume ring'),
    ready: m.gauge('beacon_edge_ready', '1 when subscribed, mirrored and not draining'),
    close: (reason: CloseReason) => closes.labels(reason).inc(),
    closesOf: (reason: CloseReason) => closes.labels(reason).value,
    connect: (kind: ConnectKind) => connects.labels(kind).inc(),
    frame: (result: string) => frames.labels(result).inc(),
    http: (status: number) => http.labels(`${Math.floor(status / 100)}xx`).inc(),
    command: (result: string) => commands.labels(result).inc(),
    uptimeSkipped: (kind: string, n: number) => uptimeSkipped.labels(kind).inc(n),
    redisState: (state: string) => {
      redisState.reset();
      redisState.labels(state).set(1);
    },
  } as const;
}

export type EdgeMetrics = ReturnType<typeof createEdgeMetrics>;
