// Test support for the notifier: the real service (`node dist/main.js`), a real HTTP receiver on
// loopback that records what arrives (and can answer errors or go away), commands sent the way
// the edge sends them, and log events appended the way the registry and breaker append them.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEventLog, type EventLog, type SideMessage } from '@beacon/event-log';
import {
  Notification,
  type CommandResult,
  type LogEventInput,
  type NotifierCommand,
} from '@beacon/protocol';
import { sendCommand, startService, type ProcessHandle } from '@beacon/testing';
import { Redis } from 'ioredis';

export interface Received {
  readonly notification: Notification;
  readonly headers: IncomingMessage['headers'];
  readonly at: number;
}

export interface Receiver {
  readonly url: string;
  readonly received: Received[];
  /** Answer every request with this status (200 = accept). */
  answer(status: number): void;
  /** Hold every answer this long (ms). */
  delay(ms: number): void;
  close(): Promise<void>;
  /** Listen again on the same port. */
  reopen(): Promise<void>;
}

export async function startReceiver(port = 0): Promise<Receiver> {
  const received: Received[] = [];
  let status = 200;
  let holdMs = 0;
  let server: Server | null = null;
  let bound = port;
  const listen = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const s = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const reply = (): void => {
            if (status === 200) {
              try {
                const n = Notification.parse(JSON.parse(Buffer.concat(chunks).toString('utf8')));
                received.push({ notification: n, headers: req.headers, at: Date.now() });
              } catch {
                res.writeHead(400).end('bad body');
                return;
              }
            }
            res
              .writeHead(status, { 'content-type': 'text/plain' })
              .end(status === 200 ? 'ok' : 'nope');
          };
          if (holdMs > 0) setTimeout(reply, holdMs);
          else reply();
        });
      });
      s.once('error', reject);
      s.listen(bound, '127.0.0.1', () => {
        bound = (s.address() as AddressInfo).port;
        server = s;
        resolve();
      });
    });
  await listen();
  return {
    get url() {
      return `http://127.0.0.1:${bound}/hook`;
    },
    received,
    answer: (s) => {
      status = s;
    },
    delay: (ms) => {
      holdMs = ms;
    },
    close: () =>
      new Promise<void>((resolve) => {
        const s = server;
        server = null;
        if (s === null) return resolve();
        s.close(() => resolve());
        s.closeAllConnections();
      }),
    reopen: listen,
  };
}

export interface Bus {
  readonly redis: Redis;
  readonly log: EventLog;
  readonly sides: SideMessage[];
  command(
    body: DistributiveOmit<NotifierCommand, 'command_id' | 'actor' | 'issued_at'>,
  ): Promise<CommandResult>;
  append(event: LogEventInput): Promise<string>;
  close(): Promise<void>;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export async function openBus(url: string, prefix: string): Promise<Bus> {
  const redis = new Redis(url, { maxRetriesPerRequest: null });
  redis.on('error', () => undefined); // a Redis restart in a test: commands wait and retry
  const log = createEventLog(redis, { prefix });
  const sides: SideMessage[] = [];
  const sub = await log.subscribe({
    onSnapshot: () => undefined,
    onEvent: () => undefined,
    onSide: (m) => void sides.push(m),
  });
  return {
    redis,
    log,
    sides,
    command: (body) => sendCommand(redis, log.keys.notifierCommands, sides, body, { actor: 'ada' }),
    async append(event) {
      return (await log.append(event)).offset;
    },
    async close() {
      await sub.close();
      redis.disconnect();
    },
  };
}

const now = (): string => new Date().toISOString();

export function registered(name: string, tags: string[] = []): LogEventInput {
  return {
    type: 'mcp_registered',
    mcp_name: name,
    timestamp: now(),
    actor: 'test',
    config: {
      name,
      transport: { type: 'streamable-http', url: 'http://127.0.0.1:9/mcp' },
      tags,
    },
  };
}

export function status(
  name: string,
  next: 'healthy' | 'unhealthy' | 'disconnected' | 'inactive',
  previous: string,
  extra: Record<string, unknown> = {},
): LogEventInput {
  return {
    type: 'mcp_status_change',
    mcp_name: name,
    status: next,
    timestamp: now(),
    actor: 'registry',
    metadata: {
      previous_status: previous,
      error: next === 'healthy' ? null : 'connection refused',
      reason: 'probe',
      ...extra,
    },
  } as LogEventInput;
}

export function notifierEnv(url: string, prefix: string, extra: Record<string, string> = {}) {
  return {
    REDIS_URL: url,
    BEACON_REDIS_PREFIX: prefix,
    BEACON_NOTIFIER_HTTP_PORT: '0',
    BEACON_NOTIFIER_HTTP_HOST: '127.0.0.1',
    BEACON_NOTIFIER_LEASE_TTL_MS: '1000',
    BEACON_NOTIFIER_TICK_MS: '50',
    BEACON_NOTIFIER_RETRY_BASE_MS: '100',
    BEACON_NOTIFIER_RETRY_MAX_MS: '400',
    BEACON_NOTIFIER_SEND_TIMEOUT_MS: '2000',
    LOG_LEVEL: 'info',
    ...extra,
  };
}

export function startNotifier(
  url: string,
  prefix: string,
  id: string,
  extra: Record<string, string> = {},
): Promise<ProcessHandle> {
  return startService('notifier', {
    name: `notifier-${id}`,
    env: { ...notifierEnv(url, prefix, extra), BEACON_NOTIFIER_ID: id },
    readyLine: /notifier ready/,
    readyTimeoutMs: 30_000,
  });
}

/** Wait until this process leads (its log says so). */
export async function leading(p: ProcessHandle): Promise<void> {
  await p.waitForLine(/"msg":"leading"/, 15_000);
}

/** A firing notification as the channels receive it (the channel tests' fixture). */
export function notificationFixture(over: Partial<Notification> = {}): Notification {
  return Notification.parse({
    idempotency_key: '1700000000000-3:rule-a',
    incident_key: 'billing_mcp:rule-a:1700000000000-3',
    state: 'firing',
    kind: 'down',
    rule_id: 'rule-a',
    mcp_name: 'billing_mcp',
    status: 'disconnected',
    summary: 'billing_mcp is down: connection refused',
    error: 'connect ECONNREFUSED <!channel> & friends',
    started_at: '2024-01-01T00:00:00.000Z',
    ended_at: null,
    offset: '1700000000000-3',
    tags: ['payments'],
    dashboard_url: 'https://beacon.example.com/#/mcp/billing_mcp',
    ...over,
  });
}
