// One breaker process: Redis connections, the fleet fold from the log subscription (every
// process keeps it warm, so a standby can take over at once), the lease campaign that runs the
// leader while held, and the health/metrics endpoint.
import { createEventLog, type Subscription, type SubscriptionState } from '@beacon/event-log';
import {
  createRedis,
  instanceId,
  logThrottle,
  startHealthServer,
  type HealthServer,
  type HealthServerOptions,
  type Logger,
  type RedisClient,
} from '@beacon/runtime';
import { breakerDefaults, type BreakerWorkerConfig } from './config.js';
import { createFleet } from './fleet.js';
import { createLeader } from './leader.js';
import { createBreakerMetrics } from './metrics.js';
import { createBreakerStore } from './store.js';

/** Garbage on the bus is counted every time but logged at most 20 times a minute. */
const warnInvalid = logThrottle();

export interface BreakerWorker {
  /** Port of the health/metrics server. */
  readonly port: number;
  readonly holder: string;
  readonly isLeader: boolean;
  stop(): Promise<void>;
}

/**
 * Where the worker gets its Redis connections and health server. Given (by the service
 * bootstrap), whoever supplied them closes them; absent (in-process tests), the worker opens and
 * closes its own.
 */
export interface BreakerResources {
  readonly holder: string;
  redis(connectionName: string): RedisClient;
  health(options: HealthServerOptions): Promise<HealthServer>;
}

export async function startBreakerWorker(
  config: BreakerWorkerConfig,
  rootLogger: Logger,
  resources?: BreakerResources,
): Promise<BreakerWorker> {
  const owned = resources === undefined;
  const holder = resources?.holder ?? instanceId(config.BEACON_BREAKER_ID);
  const logger = owned ? rootLogger.child({ holder }) : rootLogger;
  const connect = (name: string): RedisClient =>
    resources?.redis(name) ?? createRedis(config, name, logger);
  const redis = connect('breaker');
  const blocking = connect('breaker-reads');
  const log = createEventLog(redis, { prefix: config.BEACON_REDIS_PREFIX, logger });
  const store = createBreakerStore(redis, blocking, log.keys);
  const fleet = createFleet();
  const metrics = createBreakerMetrics();
  const leader = createLeader({
    log,
    store,
    fleet,
    defaults: breakerDefaults(config),
    options: {
      batch: config.BEACON_BREAKER_BATCH,
      blockMs: config.BEACON_BREAKER_BLOCK_MS,
      commandTtlMs: config.BEACON_BREAKER_COMMAND_TTL_MS,
    },
    logger,
    metrics,
  });
  metrics.registry.onCollect(() => metrics.circuits(leader.circuitCounts()));

  let subState: SubscriptionState = 'connecting';
  let subscription: Subscription | null = null;
  let health: HealthServer | null = null;
  const lease = log.lease('breaker', { ttlMs: config.BEACON_BREAKER_LEASE_TTL_MS, holder });
  let running: Promise<void> | null = null;
  let leading = false;

  try {
    subscription = await log.subscribe({
      onSnapshot(snapshot, reason) {
        fleet.reset(snapshot.mcps, snapshot.offset);
        // A replaced snapshot means our saved states may not match the log any more.
        if (reason !== 'initial') leader.invalidate();
      },
      onEvent: (stored) => fleet.apply(stored),
      onInvalid(raw, err) {
        metrics.rejected('live');
        warnInvalid((suppressed) =>
          logger.warn({ err, raw: raw.slice(0, 200), suppressed }, 'dropped malformed bus message'),
        );
      },
      onState: (state) => {
        subState = state;
      },
    });
    health = await (resources?.health ?? startHealthServer)({
      port: config.BEACON_BREAKER_HTTP_PORT,
      host: config.BEACON_BREAKER_HTTP_HOST,
      ready: () => subState === 'live' || subState === 'repairing',
      metrics: () => metrics.registry.render(),
    });
  } catch (err) {
    await subscription?.close();
    if (owned) {
      redis.disconnect();
      blocking.disconnect();
    }
    throw err;
  }

  lease.campaign({
    onAcquired(fence, signal) {
      leading = true;
      metrics.leader(true);
      logger.info({ token: fence.token }, 'active: this breaker holds the lease');
      running = leader.run(fence, signal).finally(() => {
        leading = false;
        metrics.leader(false);
      });
    },
    async onLost() {
      logger.info('leader stopped (lease released or lost)');
      await running;
    },
  });

  logger.info(
    { port: health.port, mcps: fleet.size, holder },
    `breaker ready (health on :${health.port})`,
  );

  const server = health;
  return {
    port: server.port,
    holder,
    get isLeader() {
      return leading;
    },
    async stop() {
      await lease.stop();
      await running;
      await subscription?.close();
      if (!owned) return;
      await server.close();
      await Promise.allSettled([redis.quit(), blocking.quit()]);
    },
  };
}
