// `system_metrics`: fleet totals from the projection mirror, live edges and their connections
// from edge heartbeats, and the log's event rate. Published on the side channel every few
// seconds and, when the totals change, at most every 250 ms. Heartbeats are read every second
// (not only at the publish tick) so a client connecting or an edge joining or dying shows up
// within about a second, not a whole interval later.
import type { EventLog, RedisClient } from '@beacon/event-log';
import {
  EdgeHeartbeat,
  fleetFigures,
  type Keyspace,
  type McpStatus,
  type SystemMetrics,
} from '@beacon/protocol';
import type { Logger } from 'pino';

export interface EdgeFigures {
  readonly edges: number;
  readonly connections: number;
}

/** The parts of an edge heartbeat the registry reads, each checked on its own. */
const BeatConnections = EdgeHeartbeat.pick({ connections: true });
const BeatTime = EdgeHeartbeat.pick({ at: true });

/** A heartbeat's JSON; undefined when it is not JSON (then no part of the contract is met). */
function beatJson(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Edge heartbeats (written by services/edge, contract `EdgeHeartbeat` in @beacon/protocol): hash
 * `keys.edges` maps edge id → heartbeat JSON, and each edge refreshes a TTL'd key
 * `keys.edge(id)` with the same value. An edge counts while its TTL key lives; hash fields whose
 * key is gone are leftovers of edges that died without cleaning up. Only the fields read here
 * are checked, so an edge writing more (or fewer other) figures still counts.
 */
export function countEdges(
  heartbeats: Readonly<Record<string, string>>,
  alive: ReadonlySet<string>,
): EdgeFigures {
  let edges = 0;
  let connections = 0;
  for (const [id, raw] of Object.entries(heartbeats)) {
    if (!alive.has(id)) continue;
    edges++;
    // Alive but unreadable figures: count the edge, not its connections.
    connections += BeatConnections.safeParse(beatJson(raw)).data?.connections ?? 0;
  }
  return { edges, connections };
}

/** Edge heartbeats are read this often between publish ticks (at most). */
const EDGE_SCAN_MS = 1_000;

/** Hash fields of dead edges older than this are removed (the edge could not clean up). */
const LEFTOVER_MS = 10 * 60_000;

function leftover(raw: string, now: number): boolean {
  const at = BeatTime.safeParse(beatJson(raw)).data?.at;
  const ms = at === undefined ? NaN : Date.parse(at);
  return !(now - ms < LEFTOVER_MS);
}

export function computeSystemMetrics(
  rows: Iterable<McpStatus>,
  edges: EdgeFigures,
  eventsPerSecond: number,
): SystemMetrics {
  return fleetFigures(rows, {
    edges: edges.edges,
    connections: edges.connections,
    events_per_second: Math.round(eventsPerSecond * 100) / 100,
  });
}

/** The totals a dashboard should see change at once (not the rate, which always moves). */
const fingerprint = (m: SystemMetrics): string =>
  [
    m.edges,
    m.connections,
    m.total_mcps,
    m.healthy_mcps,
    m.unhealthy_mcps,
    m.disconnected_mcps,
    m.inactive_mcps,
    m.unknown_mcps,
    m.open_circuits,
    m.half_open_circuits,
    m.auto_disabled_mcps,
  ].join(',');

export interface MetricsPublisher {
  /** Something changed: publish soon if the totals moved. */
  nudge(): void;
  stop(): void;
}

export function startMetricsPublisher(options: {
  readonly eventLog: EventLog;
  readonly redis: RedisClient;
  readonly keys: Keyspace;
  readonly intervalMs: number;
  readonly rows: () => Iterable<McpStatus>;
  /** Events seen by the mirror so far (for events per second). */
  readonly eventCount: () => number;
  /** How often edge heartbeats are read between ticks; default 1 s. */
  readonly edgeScanMs?: number;
  readonly logger: Logger;
}): MetricsPublisher {
  const log = options.logger.child({ component: 'system-metrics' });
  let stopped = false;
  let last = { at: Date.now(), count: options.eventCount() };
  let rate = 0;
  let published = '';
  let lastPublishAt = 0;
  let pending: NodeJS.Timeout | null = null;
  let edges: EdgeFigures = { edges: 0, connections: 0 };

  const readEdges = async (): Promise<EdgeFigures> => {
    const beats = await options.redis.hgetall(options.keys.edges);
    const ids = Object.keys(beats);
    const alive = new Set<string>();
    const exists = await Promise.all(ids.map((id) => options.redis.exists(options.keys.edge(id))));
    const now = Date.now();
    const dead: string[] = [];
    ids.forEach((id, i) => {
      if (exists[i] === 1) alive.add(id);
      else if (leftover(beats[id] ?? '', now)) dead.push(id);
    });
    if (dead.length > 0) await options.redis.hdel(options.keys.edges, ...dead);
    return countEdges(beats, alive);
  };

  const publish = async (): Promise<void> => {
    const metrics = computeSystemMetrics(options.rows(), edges, rate);
    published = fingerprint(metrics);
    lastPublishAt = Date.now();
    await options.eventLog.publishSide({
      type: 'system_metrics',
      metrics,
      timestamp: new Date().toISOString(),
    });
  };

  const tick = async (): Promise<void> => {
    const now = Date.now();
    const count = options.eventCount();
    rate = now > last.at ? ((count - last.count) * 1000) / (now - last.at) : 0;
    last = { at: now, count };
    edges = await readEdges().catch((err: unknown) => {
      log.warn({ err }, 'could not read edge heartbeats');
      return edges;
    });
    await publish();
  };

  let scanning = false;
  const scanEdges = async (): Promise<void> => {
    if (scanning) return;
    scanning = true;
    try {
      edges = await readEdges();
      nudge();
    } catch (err) {
      log.debug({ err }, 'could not read edge heartbeats');
    } finally {
      scanning = false;
    }
  };

  const interval = setInterval(() => {
    if (!stopped)
      tick().catch((err: unknown) => log.warn({ err }, 'system_metrics publish failed'));
  }, options.intervalMs);
  // Every tick reads heartbeats anyway: scan in between only when ticks are further apart.
  const scanMs = options.edgeScanMs ?? EDGE_SCAN_MS;
  const scan =
    scanMs < options.intervalMs
      ? setInterval(() => {
          if (!stopped) void scanEdges();
        }, scanMs)
      : null;
  void tick().catch((err: unknown) => log.warn({ err }, 'system_metrics publish failed'));

  function nudge(): void {
    if (stopped || pending !== null) return;
    if (fingerprint(computeSystemMetrics(options.rows(), edges, rate)) === published) return;
    const wait = Math.max(0, lastPublishAt + 250 - Date.now());
    pending = setTimeout(() => {
      pending = null;
      if (!stopped)
        publish().catch((err: unknown) => log.warn({ err }, 'system_metrics publish failed'));
    }, wait);
  }

  return {
    nudge,
    stop() {
      stopped = true;
      clearInterval(interval);
      if (scan !== null) clearInterval(scan);
      if (pending !== null) clearTimeout(pending);
    },
  };
}
