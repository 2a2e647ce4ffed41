// One notifier process: Redis connections, a log subscription (only to wake the leader when
// events arrive, so notifications go out within milliseconds instead of a polling tick), the
// lease campaign that runs the leader and the command inbox while held, the alerts file, and the
// health/metrics endpoint. Standbys stay subscribed and take over within the lease TTL.
import { stat } from 'node:fs/promises';
import {
  createEventLog,
  runUntilFenced,
  type Subscription,
  type SubscriptionState,
} from '@beacon/event-log';
import type { ChannelConfig, Notification } from '@beacon/protocol';
import {
  logThrottle,
  sleep,
  type HealthServer,
  type HealthServerOptions,
  type Logger,
  type RedisClient,
} from '@beacon/runtime';
import { readAlertsFile } from './alerts-file.js';
import type { Send } from './channels/types.js';
import { startCommands } from './commands.js';
import type { NotifierConfig } from './config.js';
import { createLeader } from './leader.js';
import { createNotifierMetrics } from './metrics.js';
import { createNotifierStore } from './store.js';
import { createUptimeProjector } from './uptime/projector.js';
import { createUptimeStore } from './uptime/store.js';

const warnInvalid = logThrottle();

export interface NotifierResources {
  readonly holder: string;
  redis(connectionName: string): RedisClient;
  health(options: HealthServerOptions): Promise<HealthServer>;
}

export interface NotifierWorker {
  readonly port: number;
  readonly isLeader: boolean;
  stop(): Promise<void>;
}

export async function startNotifierWorker(
  config: NotifierConfig,
  logger: Logger,
  resources: NotifierResources,
  channels: { readonly send: Send; readonly sample: (c: ChannelConfig) => Notification },
): Promise<NotifierWorker> {
  const redis = resources.redis('notifier');
  const blocking = resources.redis('notifier-commands');
  const log = createEventLog(redis, { prefix: config.BEACON_REDIS_PREFIX, logger });
  const store = createNotifierStore(redis, log.keys, {
    historyCap: config.BEACON_NOTIFIER_HISTORY,
  });
  const metrics = createNotifierMetrics();
  const leader = createLeader({
    log,
    store,
    send: channels.send,
    settings: config,
    metrics,
    logger,
  });

  const uptime =
    config.BEACON_UPTIME === 'on'
      ? createUptimeProjector({
          log,
          redis,
          store: createUptimeStore(redis, log.keys),
          settings: {
            retentionDays: config.BEACON_UPTIME_RETENTION_DAYS,
            dailyRetentionDays: config.BEACON_UPTIME_DAILY_RETENTION_DAYS,
            tickMs: config.BEACON_UPTIME_TICK_MS,
          },
          metrics: metrics.uptime,
          logger,
          silences: async () => (await store.silences()).items,
        })
      : null;

  let subState: SubscriptionState = 'connecting';
  const subscription: Subscription = await log.subscribe({
    onSnapshot: () => leader.wake(),
    onEvent: () => {
      leader.wake();
      uptime?.wake();
    },
    onInvalid(raw, err) {
      metrics.rejected.labels('live').inc();
      warnInvalid((suppressed) =>
        logger.warn({ err, raw: raw.slice(0, 200), suppressed }, 'dropped malformed bus message'),
      );
    },
    onState: (s) => {
      subState = s;
    },
  });
  let health: HealthServer;
  try {
    health = await resources.health({
      port: config.BEACON_NOTIFIER_HTTP_PORT,
      host: config.BEACON_NOTIFIER_HTTP_HOST,
      ready: () => subState === 'live' || subState === 'repairing',
      metrics: () => metrics.registry.render(),
    });
  } catch (err) {
    await subscription.close();
    throw err;
  }

  // The alerts file: applied when leadership starts, and again whenever it changes.
  const file = config.BEACON_ALERTS_FILE;
  async function applyFile(): Promise<void> {
    if (file === undefined) return;
    try {
      const parsed = await readAlertsFile(file, config.BEACON_ALERTS_FILE_MAX_BYTES);
      for (const c of parsed.channels) await leader.putChannel(c);
      const problems = [...parsed.problems];
      for (const r of parsed.rules) {
        await leader.putRule(r).catch((err: unknown) => problems.push((err as Error).message));
      }
      for (const s of parsed.silences) await leader.putSilence(s);
      if (problems.length > 0) logger.warn({ file, problems }, 'alerts file entries refused');
      logger.info(
        {
          file,
          channels: parsed.channels.length,
          rules: parsed.rules.length,
          silences: parsed.silences.length,
        },
        'alerts file applied',
      );
    } catch (err) {
      logger.error({ err, file }, `alerts file not applied: ${(err as Error).message}`);
    }
  }
  async function watchFile(signal: AbortSignal): Promise<void> {
    if (file === undefined) return;
    await leader.loaded();
    let seen = '';
    while (!signal.aborted) {
      const s = await stat(file).catch(() => null);
      const mark = s === null ? 'missing' : `${s.mtimeMs}:${s.size}`;
      if (mark !== seen) {
        seen = mark;
        if (s !== null) await applyFile();
      }
      await sleep(2_000, signal).catch(() => undefined);
    }
  }

  let leading = false;
  let running: Promise<void> | null = null;
  const lease = log.lease('notifier', {
    ttlMs: config.BEACON_NOTIFIER_LEASE_TTL_MS,
    holder: resources.holder,
  });
  lease.campaign({
    onAcquired(fence, signal) {
      leading = true;
      metrics.leader.set(1);
      logger.info({ token: fence.token }, 'active: this notifier holds the lease');
      const commands = startCommands({
        redis,
        blocking,
        keys: log.keys,
        eventLog: log,
        leader,
        consumer: resources.holder,
        ttlMs: config.BEACON_NOTIFIER_COMMAND_TTL_MS,
        sample: channels.sample,
        metrics,
        logger,
      });
      const watching = watchFile(signal);
      running = runUntilFenced(() => leader.run(fence, signal), {
        signal,
        onError(err) {
          metrics.errors.labels('leader').inc();
          logger.warn({ err }, 'notifier leader failed; retrying');
          return 1_000;
        },
        onFenced: () => logger.warn('fenced out: another notifier leads'),
      })
        .then(async () => {
          await commands.stop();
          await watching;
        })
        .finally(() => {
          leading = false;
          metrics.leader.set(0);
        });
    },
    async onLost() {
      logger.info('leader stopped (lease released or lost)');
      await running;
    },
  });

  // The uptime projector has a lease of its own: it may run in another notifier process than the
  // alerting leader, and either fails over alone.
  const uptimeLease =
    uptime === null
      ? null
      : log.lease('uptime', {
          ttlMs: config.BEACON_NOTIFIER_LEASE_TTL_MS,
          holder: resources.holder,
        });
  let uptimeRunning: Promise<void> | null = null;
  uptimeLease?.campaign({
    onAcquired(fence, signal) {
      metrics.uptime.leader.set(1);
      logger.info({ token: fence.token }, 'uptime projector active');
      uptimeRunning = runUntilFenced(() => uptime!.run(fence, signal), {
        signal,
        onError(err) {
          metrics.errors.labels('uptime').inc();
          logger.warn({ err }, 'uptime projector failed; restarting from the stored position');
          return 1_000;
        },
        onFenced: () => logger.warn('uptime: fenced out: another notifier runs the projector'),
      })
        .then(() => undefined)
        .finally(() => metrics.uptime.leader.set(0));
    },
    async onLost() {
      await uptimeRunning;
    },
  });

  logger.info(
    { port: health.port, holder: resources.holder, alerts_file: file ?? null },
    `notifier ready (health on :${health.port})`,
  );
  return {
    port: health.port,
    get isLeader() {
      return leading;
    },
    async stop() {
      await Promise.all([lease.stop(), uptimeLease?.stop()]);
      await running;
      await uptimeRunning;
      await subscription.close();
    },
  };
}
