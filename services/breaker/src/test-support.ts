// Helpers shared by the breaker's integration tests and benchmark: start a breaker (in this
// process or as a real child process), register MCPs in the log, and record every event the log
// delivers with the time it arrived. Not used by the service itself.
import { createEventLog, type EventLog, type Subscription } from '@beacon/event-log';
import type {
  BreakerSettings,
  CommandResult,
  HealthEvent,
  LogEvent,
  StoredEvent,
} from '@beacon/protocol';
import { createLogger, loadConfig } from '@beacon/runtime';
import { startService, waitFor, type ProcessHandle } from '@beacon/testing';
import { Redis } from 'ioredis';
import { BreakerWorkerConfig } from './config.js';
import { startBreakerWorker, type BreakerWorker } from './worker.js';

export interface BreakerEnv {
  readonly url: string;
  readonly prefix: string;
  readonly env?: Readonly<Record<string, string>>;
}

function envOf(o: BreakerEnv): Record<string, string> {
  return {
    REDIS_URL: o.url,
    BEACON_REDIS_PREFIX: o.prefix,
    BEACON_BREAKER_HTTP_PORT: '0',
    BEACON_BREAKER_HTTP_HOST: '127.0.0.1',
    BEACON_BREAKER_LEASE_TTL_MS: '1000',
    BEACON_BREAKER_BLOCK_MS: '100',
    LOG_LEVEL: 'warn',
    ...o.env,
  };
}

export async function startBreakerInProcess(o: BreakerEnv): Promise<BreakerWorker> {
  const config = loadConfig(BreakerWorkerConfig, envOf(o));
  const logger = createLogger({ name: 'breaker-test', level: config.LOG_LEVEL });
  return startBreakerWorker(config, logger);
}

/** The real service (`node dist/main.js`), e.g. to kill -9 it. */
export function startBreakerProcess(
  o: BreakerEnv & { readonly id: string },
): Promise<ProcessHandle> {
  return startService('breaker', {
    name: `breaker-${o.id}`,
    env: { ...envOf(o), BEACON_BREAKER_ID: o.id, LOG_LEVEL: 'info', ...o.env },
    readyLine: /breaker ready/,
    readyTimeoutMs: 30_000,
  });
}

export function openLog(url: string, prefix: string): { redis: Redis; log: EventLog } {
  const redis = new Redis(url, { maxRetriesPerRequest: null });
  redis.on('error', () => undefined);
  return { redis, log: createEventLog(redis, { prefix }) };
}

export async function register(
  log: EventLog,
  name: string,
  breaker?: BreakerSettings,
  extra: Record<string, unknown> = {},
): Promise<void> {
  await log.append({
    type: 'mcp_registered',
    mcp_name: name,
    timestamp: new Date().toISOString(),
    actor: 'test',
    config: {
      name,
      transport: { type: 'streamable-http', url: 'http://127.0.0.1:9/mcp' },
      ...(breaker === undefined ? {} : { breaker }),
      ...extra,
    },
  });
}

export interface Seen {
  readonly stored: StoredEvent;
  readonly receivedAt: number;
}

export interface EventRecorder {
  readonly seen: Seen[];
  /** command_result messages from the side channel. */
  readonly results: CommandResult[];
  waitForResult(commandId: string, timeoutMs?: number): Promise<CommandResult>;
  /** Health events of one MCP, in log order. */
  health(name: string): (HealthEvent & { offset: string; receivedAt: number })[];
  waitForHealth(
    name: string,
    eventType: HealthEvent['event_type'],
    count?: number,
    timeoutMs?: number,
  ): Promise<HealthEvent & { offset: string; receivedAt: number }>;
  close(): Promise<void>;
}

export async function recordEvents(
  log: EventLog,
  onEvent?: (e: LogEvent, receivedAt: number) => void,
): Promise<EventRecorder> {
  const seen: Seen[] = [];
  const results: CommandResult[] = [];
  const sub: Subscription = await log.subscribe({
    onSnapshot: () => undefined,
    onSide(message) {
      if (message.type === 'command_result') results.push(message);
    },
    onEvent(stored) {
      const receivedAt = Date.now();
      seen.push({ stored, receivedAt });
      onEvent?.(stored.event, receivedAt);
    },
  });
  const health = (name: string) =>
    seen
      .filter((s) => s.stored.event.type === 'health_event' && s.stored.event.mcp_name === name)
      .map((s) => ({
        ...(s.stored.event as HealthEvent),
        offset: s.stored.offset,
        receivedAt: s.receivedAt,
      }));
  return {
    seen,
    results,
    waitForResult: (commandId, timeoutMs = 20_000) =>
      waitFor(() => results.find((r) => r.command_id === commandId), {
        timeoutMs,
        message: `command_result ${commandId}`,
      }),
    health,
    waitForHealth: (name, eventType, count = 1, timeoutMs = 20_000) =>
      waitFor(() => health(name).filter((e) => e.event_type === eventType)[count - 1], {
        timeoutMs,
        message: `${name}: health_event ${eventType} #${count}`,
      }),
    close: () => sub.close(),
  };
}

/** Everything in the stream was delivered to the breaker group and acked. */
export async function consumed(redis: Redis, key: string): Promise<boolean> {
  const last = await redis.xrevrange(key, '+', '-', 'COUNT', 1);
  const groups = (await redis.call('XINFO', 'GROUPS', key)) as unknown[][];
  const g = groups.find((x) => x[x.indexOf('name') + 1] === 'breaker');
  if (g === undefined) return false;
  const delivered = g[g.indexOf('last-delivered-id') + 1];
  const pending = g[g.indexOf('pending') + 1];
  return pending === 0 && delivered === (last[0]?.[0] ?? '0-0');
}
