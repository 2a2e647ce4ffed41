// One bootstrap for every Beacon service's main(): validated config (field rules by zod, then the
// service's cross-field rules, every problem named at once), the instance id, the root logger,
// the Redis connections (created here, closed here after the service stopped), the optional
// health/metrics server, the start-up failure path and graceful shutdown. A service's main.ts
// is a `runService({...})` call; its core stays a plain function tests can start in-process.
import { hostname } from 'node:os';
import type { z } from 'zod';
import { loadConfig } from './config.js';
import { startHealthServer, type HealthServer, type HealthServerOptions } from './health.js';
import { createLogger, type Logger } from './logger.js';
import { createRedis, type CreateRedisOptions, type RedisClient } from './redis.js';
import { installShutdown, type Shutdown } from './shutdown.js';

const ID_CHARS = /[^A-Za-z0-9_.:-]/g;

/**
 * The id a process goes by in leases, heartbeats and logs: the configured one, else
 * `<hostname>-<pid>` made safe (1-64 of [A-Za-z0-9_.:-]).
 */
export function instanceId(configured?: string): string {
  if (configured !== undefined && configured !== '') return configured;
  return `${hostname()}-${process.pid}`.replace(ID_CHARS, '-').slice(0, 64);
}

export interface ServiceContext<C> {
  readonly config: C;
  readonly instanceId: string;
  readonly logger: Logger;
  /** A Redis connection owned by the bootstrap: closed once the service has stopped. */
  redis(connectionName: string, options?: CreateRedisOptions): RedisClient;
  /** The health/metrics endpoint, owned by the bootstrap: closed once the service has stopped. */
  health(options: HealthServerOptions): Promise<HealthServer>;
}

export interface RunningService {
  /** Drain and stop the service's own work; connections and the health server close after. */
  stop(): Promise<void>;
}

export interface ServiceDefinition<S extends z.ZodType> {
  /** Logger name (`registry`, `edge`, …). */
  readonly name: string;
  readonly config: S;
  /** Rules across fields (e.g. "auth needs a key"); each string is one problem. */
  readonly rules?: (config: z.output<S>) => readonly string[];
  /** The configured instance id, if the service has such a variable. */
  readonly id?: (config: z.output<S>) => string | undefined;
  /** Fields every log line carries, from the instance id (default `{ holder: id }`). */
  readonly logBase?: (id: string) => Record<string, unknown>;
  readonly shutdownTimeoutMs?: (config: z.output<S>) => number;
  start(context: ServiceContext<z.output<S>>): Promise<RunningService>;
}

export interface RunServiceOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Injected in tests; default process.exit. */
  readonly exit?: (code: number) => void;
  /** Where config problems go before a logger exists; default stderr. */
  readonly stderr?: (text: string) => void;
  readonly signals?: readonly NodeJS.Signals[];
  /** Also shut down on uncaughtException / unhandledRejection (default true). */
  readonly onFatal?: boolean;
}

export interface Service<C> {
  readonly context: ServiceContext<C>;
  readonly shutdown: Shutdown;
}

/**
 * Boot a service. Resolves once it runs (with its context and shutdown handle), or resolves
 * `null` after `exit(1)` when the config is bad or start-up failed; every connection and server
 * opened before a failure is closed.
 */
export async function runService<S extends z.ZodType>(
  definition: ServiceDefinition<S>,
  options: RunServiceOptions = {},
): Promise<Service<z.output<S>> | null> {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const stderr = options.stderr ?? ((text: string) => void process.stderr.write(text));

  let config: z.output<S>;
  try {
    config = loadConfig(definition.config, options.env ?? process.env);
  } catch (err) {
    stderr(`${err instanceof Error ? err.message : String(err)}\n`);
    exit(1);
    return null;
  }
  const problems = definition.rules?.(config) ?? [];
  if (problems.length > 0) {
    stderr(`invalid configuration: ${problems.join('; ')}\n`);
    exit(1);
    return null;
  }

  const id = instanceId(definition.id?.(config));
  const level = (config as { LOG_LEVEL?: string }).LOG_LEVEL ?? 'info';
  const logger = createLogger({
    name: definition.name,
    level,
    base: definition.logBase?.(id) ?? { holder: id },
  });

  const connections: RedisClient[] = [];
  const servers: HealthServer[] = [];
  const release = async (): Promise<void> => {
    await Promise.allSettled(servers.splice(0).map((s) => s.close()));
    await Promise.allSettled(
      connections.splice(0).map((c) => c.quit().catch(() => c.disconnect())),
    );
  };
  const context: ServiceContext<z.output<S>> = {
    config,
    instanceId: id,
    logger,
    redis(connectionName, redisOptions) {
      const client = createRedis(
        config as Parameters<typeof createRedis>[0],
        connectionName,
        logger,
        redisOptions,
      );
      connections.push(client);
      return client;
    },
    async health(healthOptions) {
      const server = await startHealthServer(healthOptions);
      servers.push(server);
      return server;
    },
  };

  let running: RunningService | null = null;
  const shutdown = installShutdown(
    logger,
    async () => {
      try {
        await running?.stop();
      } finally {
        await release();
      }
    },
    {
      timeoutMs: definition.shutdownTimeoutMs?.(config) ?? 10_000,
      exit,
      ...(options.signals === undefined ? {} : { signals: options.signals }),
      ...(options.onFatal === undefined ? {} : { onFatal: options.onFatal }),
    },
  );
  try {
    running = await definition.start(context);
  } catch (err) {
    shutdown.uninstall();
    const message = err instanceof Error ? err.message : String(err);
    logger.fatal({ err }, `${definition.name} failed to start: ${message}`);
    await release();
    logger.flush();
    exit(1);
    return null;
  }
  return { context, shutdown };
}
