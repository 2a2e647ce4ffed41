// One registry process: campaigns for the `registry` lease; while it holds it, it runs the
// leadership: a mirror of the projection (for system_metrics), the engine rebuilt
// from the projection, the fleet file watcher, the command consumer, the metrics publisher and
// the probe digest.
// A standby only campaigns. If the engine fails (an append refused or Redis lost), the
// leadership is rebuilt from the log while the lease still holds.
import {
  isFenced,
  type EventLog,
  type Fence,
  type RedisClient,
  type Subscription,
  type Snapshot,
} from '@beacon/event-log';
import { applyEvent, backoffDelay, type McpStatus } from '@beacon/protocol';
import type { Logger } from 'pino';
import { startCommandConsumer, type CommandConsumer } from './command-consumer.js';
import { createEngine, type Engine, type EngineSettings } from './engine.js';
import type { HttpAgents } from './http-transport.js';
import { startFleetWatcher, type FleetWatcher } from './fleet-watcher.js';
import type { RegistryMetrics } from './registry-metrics.js';
import type { StdioAllowList } from './stdio-commands.js';
import { createRegistryStore } from './store.js';
import { startProbeDigest, type ProbeDigestPublisher } from './probe-digest.js';
import { startMetricsPublisher, type MetricsPublisher } from './system-metrics.js';
import { logThrottle, sleep } from '@beacon/runtime';

/** Garbage on the bus is counted every time but logged at most 20 times a minute. */
const warnInvalid = logThrottle();

export interface RegistryOptions {
  readonly eventLog: EventLog;
  /** Connection for commands and scripts (the event log's own is fine). */
  readonly redis: RedisClient;
  /** A second connection for the blocking command read. */
  readonly blocking: RedisClient;
  readonly holder: string;
  readonly leaseTtlMs: number;
  readonly fleetFile?: string | undefined;
  /** Fleet files over this size are refused (default 4 MiB). */
  readonly fleetFileMaxBytes?: number | undefined;
  readonly engine: EngineSettings;
  readonly probesMaxLen: number;
  readonly metricsIntervalMs: number;
  /** `probe_digest` cadence (0 = off). */
  readonly probeDigestIntervalMs: number;
  readonly commandTtlMs: number;
  readonly metrics: RegistryMetrics;
  readonly logger: Logger;
  /** Agents for streamable-HTTP probes (BEACON_MCP_CA_FILE trust); default: Node's defaults. */
  readonly httpAgents?: HttpAgents | undefined;
  /** BEACON_STDIO_COMMANDS; undefined: stdio registrations by command are refused. */
  readonly stdioCommands?: StdioAllowList | undefined;
}

export interface Registry {
  start(): void;
  stop(): Promise<void>;
  readonly leader: boolean;
  /** Leader with its fleet loaded, or a standby campaigning. */
  ready(): boolean;
}

export function createRegistry(options: RegistryOptions): Registry {
  const { eventLog, metrics } = options;
  const log = options.logger.child({ component: 'registry', holder: options.holder });
  const lease = eventLog.lease('registry', { ttlMs: options.leaseTtlMs, holder: options.holder });
  const store = createRegistryStore(options.redis, eventLog.keys, {
    probesMaxLen: options.probesMaxLen,
  });
  let leadership: Promise<void> | null = null;
  let leaderReady = false;
  let started = false;

  /** One attempt at leading; resolves when it ends (lease lost, or the engine failed). */
  const leadOnce = async (fence: Fence, signal: AbortSignal): Promise<void> => {
    let rows = new Map<string, McpStatus>();
    let events = 0;
    let publisher: MetricsPublisher | null = null;
    let digest: ProbeDigestPublisher | null = null;
    let sub: Subscription | null = null;
    let engine: Engine | null = null;
    let watcher: FleetWatcher | null = null;
    let consumer: CommandConsumer | null = null;
    let onFailure: (err: unknown) => void = () => undefined;
    const failed = new Promise<unknown>((resolve) => {
      onFailure = resolve;
    });
    try {
      let first: (s: Snapshot) => void = () => undefined;
      const firstSnapshot = new Promise<Snapshot>((resolve) => {
        first = resolve;
      });
      sub = await eventLog.subscribe({
        onSnapshot(snapshot) {
          rows = new Map(snapshot.mcps.map((r) => [r.name, r]));
          first(snapshot);
          publisher?.nudge();
        },
        onEvent(stored) {
          applyEvent(rows, stored.event, stored.offset);
          events++;
          publisher?.nudge();
        },
        onInvalid(raw, err) {
          metrics.busRejected.labels('live').inc();
          warnInvalid((suppressed) =>
            log.warn({ err, raw: raw.slice(0, 200), suppressed }, 'dropped malformed bus message'),
          );
        },
      });
      const snapshot = await firstSnapshot;
      const saved = await store.load();
      if (signal.aborted) return;
      // Only the leader probes, so only the leader publishes digests.
      digest = startProbeDigest({
        eventLog,
        intervalMs: options.probeDigestIntervalMs,
        logger: log,
      });
      engine = createEngine(
        {
          eventLog,
          store,
          fence,
          settings: options.engine,
          logger: log,
          metrics,
          onProbe: digest.record,
          onFailure: (err) => onFailure(err),
          httpAgents: options.httpAgents,
          stdioCommands: options.stdioCommands,
        },
        snapshot.mcps,
        saved,
      );
      await engine.start();
      log.info(
        { mcps: engine.fleet.size, offset: snapshot.offset },
        'leading: fleet rebuilt from the log',
      );
      if (options.fleetFile !== undefined) {
        watcher = startFleetWatcher({
          path: options.fleetFile,
          engine,
          store,
          fence,
          memory: saved.fileMemory,
          metrics,
          logger: log,
          limits:
            options.fleetFileMaxBytes === undefined ? {} : { maxBytes: options.fleetFileMaxBytes },
        });
        await watcher.reload();
      }
      consumer = startCommandConsumer({
        redis: options.redis,
        blocking: options.blocking,
        keys: eventLog.keys,
        eventLog,
        engine,
        consumer: options.holder,
        ttlMs: options.commandTtlMs,
        metrics,
        logger: log,
        stdioCommands: options.stdioCommands,
      });
      publisher = startMetricsPublisher({
        eventLog,
        redis: options.redis,
        keys: eventLog.keys,
        intervalMs: options.metricsIntervalMs,
        rows: () => rows.values(),
        eventCount: () => events,
        logger: log,
      });
      leaderReady = true;
      metrics.leader.set(1);
      // The per-MCP series come from the projection mirror: it has every registered MCP and
      // the breaker's circuit state (its health events), as the dashboards see them.
      metrics.fleetView(() => rows.values());
      const aborted = new Promise<void>((resolve) =>
        signal.addEventListener('abort', () => resolve(), { once: true }),
      );
      const reason = await Promise.race([failed, aborted]);
      if (!signal.aborted) {
        if (isFenced(reason)) log.warn('fenced out: another registry leads');
        else log.error({ err: reason }, 'registry engine failed; rebuilding from the log');
      }
    } catch (err) {
      if (!signal.aborted) log.error({ err }, 'leadership start failed');
    } finally {
      leaderReady = false;
      metrics.leader.set(0);
      metrics.fleetView(null);
      publisher?.stop();
      digest?.stop();
      await consumer?.stop();
      await watcher?.stop();
      await engine?.stop();
      await sub?.close().catch(() => undefined);
    }
  };

  const lead = async (fence: Fence, signal: AbortSignal): Promise<void> => {
    for (let attempt = 0; !signal.aborted; attempt++) {
      await leadOnce(fence, signal);
      if (signal.aborted) break;
      // Still holding the lease (or about to learn we lost it): rebuild after a pause.
      await sleep(backoffDelay(attempt, 250, 5_000), signal);
    }
  };

  return {
    start() {
      if (started) return;
      started = true;
      lease.campaign({
        onAcquired(fence, signal) {
          log.info({ token: fence.token }, 'registry lease acquired: active');
          leadership = lead(fence, signal);
        },
        async onLost(fence) {
          log.warn({ token: fence.token }, 'registry lease lost: standing by');
          await leadership;
          leadership = null;
        },
      });
    },
    async stop() {
      await lease.stop();
      await leadership;
    },
    get leader() {
      return leaderReady;
    },
    ready: () => started && (lease.fence === null || leaderReady),
  };
}
