// Creates ioredis clients from config: a Redis for standalone mode, a Cluster (with sharded
// pub/sub subscribers, needed for SSUBSCRIBE) for cluster mode. Every client logs its errors
// and reconnects with capped backoff; none of them can crash the process with 'error'.
import { backoffDelay, equalJitter } from '@beacon/protocol';
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import type { RedisConfig } from './config.js';

export type RedisClient = Redis | Cluster;

export interface CreateRedisOptions {
  /**
   * Commands wait for a reconnect instead of failing after N retries. `null` (the default here)
   * suits workers and blocking reads; pass a number for request paths that must fail fast.
   */
  readonly maxRetriesPerRequest?: number | null;
  /** Connect on first command instead of at once. */
  readonly lazyConnect?: boolean;
  /** Cluster only: one extra subscriber per master for SSUBSCRIBE (default true). */
  readonly shardedSubscribers?: boolean;
  /** Extra ioredis options (merged last). */
  readonly redisOptions?: RedisOptions;
}

interface Node {
  readonly host: string;
  readonly port: number;
}

interface ParsedUrl extends Node {
  readonly username?: string;
  readonly password?: string;
  readonly db?: number;
  readonly tls: boolean;
}

export function parseRedisUrls(value: string): ParsedUrl[] {
  return value.split(',').map((raw) => {
    const url = new URL(raw.trim());
    const db = url.pathname.length > 1 ? Number(url.pathname.slice(1)) : undefined;
    return {
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: url.port === '' ? 6379 : Number(url.port),
      tls: url.protocol === 'rediss:',
      ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
      ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
      ...(db !== undefined && Number.isInteger(db) ? { db } : {}),
    };
  });
}

/** Reconnect backoff: 50 ms doubling to 2 s, with jitter so a fleet does not reconnect in step. */
export function retryDelay(times: number): number {
  return equalJitter(backoffDelay(times, 50, 2_000));
}

export function createRedis(
  config: RedisConfig,
  connectionName: string,
  logger: Logger,
  options: CreateRedisOptions = {},
): RedisClient {
  const log = logger.child({ component: 'redis', connection: connectionName });
  const urls = parseRedisUrls(config.REDIS_URL);
  const first = urls[0];
  if (first === undefined) throw new Error('REDIS_URL is empty');
  const common: RedisOptions = {
    connectionName,
    maxRetriesPerRequest:
      options.maxRetriesPerRequest === undefined ? null : options.maxRetriesPerRequest,
    lazyConnect: options.lazyConnect ?? false,
    enableAutoPipelining: false,
    retryStrategy: retryDelay,
    ...(first.username ? { username: first.username } : {}),
    ...(first.password ? { password: first.password } : {}),
    ...(first.tls ? { tls: {} } : {}),
  };

  let client: RedisClient;
  if (config.BEACON_REDIS_MODE === 'cluster') {
    const clusterOptions: ClusterOptions = {
      redisOptions: { ...common, ...options.redisOptions },
      lazyConnect: options.lazyConnect ?? false,
      clusterRetryStrategy: retryDelay,
      shardedSubscribers: options.shardedSubscribers ?? true,
      enableReadyCheck: true,
      slotsRefreshTimeout: 2000,
    };
    client = new Cluster(
      urls.map((u) => ({ host: u.host, port: u.port })),
      clusterOptions,
    );
  } else {
    client = new Redis({
      ...common,
      host: first.host,
      port: first.port,
      ...(first.db === undefined ? {} : { db: first.db }),
      ...options.redisOptions,
    });
  }

  // Log transitions, not every failed reconnect attempt at error level.
  let lastError = '';
  client.on('error', (err: Error) => {
    const message = err.message;
    if (message === lastError) log.debug({ err }, 'redis error (repeated)');
    else log.warn({ err }, 'redis error');
    lastError = message;
  });
  client.on('ready', () => {
    if (lastError !== '') log.info('redis connection ready again');
    lastError = '';
  });
  client.on('reconnecting', (delay: unknown) => log.debug({ delay }, 'redis reconnecting'));
  return client;
}
