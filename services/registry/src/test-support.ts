// Shared pieces of the registry's integration tests: an in-process registry on a real Redis, a
// way to send admin commands exactly as the edge does (XADD field `c`, answer on the side
// channel), and readers of what ended up in the log.
import { randomUUID } from 'node:crypto';
import {
  createEventLog,
  type EventLog,
  type SideMessage,
  type Subscription,
} from '@beacon/event-log';
import {
  type CommandResult,
  type LogEvent,
  type LogEventInput,
  ProbeResult,
  type McpStatus,
  type RegistryCommand,
  type StoredEvent,
  STREAM_FIELD,
} from '@beacon/protocol';
import type { z } from 'zod';
import { createLogger } from '@beacon/runtime';
import { sendCommand, startRedis, waitFor, type RedisHandle } from '@beacon/testing';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { Redis } from 'ioredis';
import type { EngineSettings } from './engine.js';
import type { HttpAgents } from './http-transport.js';
import { createRegistryMetrics, type RegistryMetrics } from './registry-metrics.js';
import { createRegistry, type Registry } from './registry.js';
import type { StdioAllowList } from './stdio-commands.js';

export const testLogger = createLogger({
  name: 'registry-test',
  level: process.env.TEST_LOG_LEVEL ?? 'silent',
});

export interface Harness {
  readonly registry: Registry;
  readonly eventLog: EventLog;
  readonly metrics: RegistryMetrics;
  readonly sides: SideMessage[];
  /** Send a command as the edge does and wait for its result. */
  command(body: CommandBody, actor?: string): Promise<CommandResult>;
  row(name: string): Promise<McpStatus | undefined>;
  /** Wait until the projection row satisfies `check`. */
  waitRow(
    name: string,
    check: (row: McpStatus) => boolean,
    message: string,
    timeoutMs?: number,
  ): Promise<McpStatus>;
  events(name?: string): Promise<LogEvent[]>;
  /** Every probe result written to the breaker's stream, oldest first, each validated. */
  probes(): Promise<ProbeResult[]>;
  /** Wait until the MCP's log ends with these kinds (see `kinds`); returns its events. */
  waitTail(name: string, tail: readonly string[], timeoutMs?: number): Promise<LogEvent[]>;
  stop(): Promise<void>;
}

type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;
/** A command as the edge's API body (input shape: defaults not yet filled in). */
export type CommandBody = DistributiveOmit<
  z.input<typeof RegistryCommand>,
  'command_id' | 'issued_at' | 'actor'
>;

export interface HarnessOptions {
  readonly url: string;
  readonly prefix: string;
  readonly fleetFile?: string;
  readonly fleetFileMaxBytes?: number;
  readonly engine?: Partial<EngineSettings>;
  readonly metricsIntervalMs?: number;
  /** Off unless a test asks (keeps other tests' side-message lists short). */
  readonly probeDigestIntervalMs?: number;
  readonly holder?: string;
  /** Agents for streamable-HTTP probes (e.g. trusting a test CA); the caller destroys them. */
  readonly httpAgents?: HttpAgents;
  /** BEACON_STDIO_COMMANDS as parsed (none: stdio registrations by command are refused). */
  readonly stdioCommands?: StdioAllowList;
}

export async function startHarness(options: HarnessOptions): Promise<Harness> {
  const redis = new Redis(options.url);
  const blocking = new Redis(options.url);
  const observer = new Redis(options.url);
  const eventLog = createEventLog(redis, { prefix: options.prefix });
  const observerLog = createEventLog(observer, { prefix: options.prefix });
  const metrics = createRegistryMetrics();
  const registry = createRegistry({
    eventLog,
    redis,
    blocking,
    holder: options.holder ?? `test-${randomUUID().slice(0, 8)}`,
    leaseTtlMs: 2_000,
    fleetFile: options.fleetFile,
    fleetFileMaxBytes: options.fleetFileMaxBytes,
    engine: {
      failureCyclesToDisable: 5,
      reprobeBaseMs: 300,
      reprobeMaxMs: 2_000,
      concurrency: 16,
      ...options.engine,
    },
    probesMaxLen: 10_000,
    metricsIntervalMs: options.metricsIntervalMs ?? 500,
    probeDigestIntervalMs: options.probeDigestIntervalMs ?? 0,
    commandTtlMs: 60_000,
    metrics,
    logger: testLogger,
    httpAgents: options.httpAgents,
    stdioCommands: options.stdioCommands,
  });
  const sides: SideMessage[] = [];
  const sub: Subscription = await observerLog.subscribe({
    onSnapshot: () => undefined,
    onEvent: () => undefined,
    onSide: (m) => {
      sides.push(m);
    },
  });
  registry.start();

  const harness: Harness = {
    registry,
    eventLog: observerLog,
    metrics,
    sides,
    command: (body, actor = 'alice') =>
      sendCommand(observer, observerLog.keys.registryCommands, sides, body, {
        actor,
        timeoutMs: 15_000,
      }),
    async row(name) {
      return (await observerLog.snapshot()).mcps.find((m) => m.name === name);
    },
    async waitRow(name, check, message, timeoutMs = 15_000) {
      return waitFor(
        async () => {
          const row = await harness.row(name);
          return row !== undefined && check(row) ? row : undefined;
        },
        { timeoutMs, message: `${name}: ${message}` },
      );
    },
    async events(name) {
      const out: LogEvent[] = [];
      for await (const e of observerLog.history()) {
        if (name === undefined || e.event.mcp_name === name) out.push(e.event);
      }
      return out;
    },
    async probes() {
      const entries = await observer.xrange(observerLog.keys.probes, '-', '+');
      return entries.map(([, f]) =>
        ProbeResult.parse(JSON.parse(f[f.indexOf(STREAM_FIELD.probe) + 1]!)),
      );
    },
    async waitTail(name, tail, timeoutMs = 15_000) {
      return waitFor(
        async () => {
          const events = await harness.events(name);
          const got = kinds(events).slice(-tail.length);
          return got.length === tail.length && got.every((k, i) => k === tail[i])
            ? events
            : undefined;
        },
        { timeoutMs, message: `${name}: log ending with ${tail.join(', ')}` },
      );
    },
    async stop() {
      await registry.stop();
      await sub.close();
      await Promise.allSettled([redis.quit(), blocking.quit(), observer.quit()]);
    },
  };
  return harness;
}

/** `startHarness`, then wait until its registry holds the lease (only the leader probes). */
export async function startLeadingHarness(options: HarnessOptions): Promise<Harness> {
  const h = await startHarness(options);
  try {
    await waitFor(() => h.registry.leader, { timeoutMs: 10_000, message: 'registry leading' });
  } catch (err) {
    await h.stop();
    throw err;
  }
  return h;
}

/** Every event in the log at `prefix` (read with a connection of its own). */
export async function readLog(url: string, prefix: string): Promise<LogEvent[]> {
  const redis = new Redis(url);
  try {
    const out: LogEvent[] = [];
    for await (const e of createEventLog(redis, { prefix }).history()) out.push(e.event);
    return out;
  } finally {
    await redis.quit();
  }
}

/** Compact view of an MCP's log: `status:healthy`, `recovery`, `mcp_registered`, ... */
export function kinds(events: readonly (LogEventInput | StoredEvent)[]): string[] {
  return events.map((x) => {
    const e = 'event' in x ? x.event : x;
    return e.type === 'mcp_status_change'
      ? `status:${e.status}`
      : e.type === 'health_event'
        ? e.event_type
        : e.type;
  });
}

/**
 * Transitions that do not chain: every status change must name the previous status as the one
 * before it in the log (none missing) and differ from it (none repeated) — or, keeping the status,
 * change what the row says of it: its health_reason (credentials now refused, or no longer) or
 * the protocol revision spoken.
 */
export function brokenTransitions(events: readonly LogEvent[]): string[] {
  const problems: string[] = [];
  const current = new Map<string, string>();
  const said = new Map<string, string>();
  for (const e of events) {
    if (e.type === 'mcp_registered')
      current.set(e.mcp_name, e.config.enabled ? 'unknown' : 'inactive');
    if (e.type === 'mcp_removed') current.delete(e.mcp_name);
    if (e.type !== 'mcp_status_change') continue;
    const saying = JSON.stringify([e.metadata.health_reason ?? null, e.metadata.protocol_version]);
    const before = current.get(e.mcp_name);
    const sameSaid = said.get(e.mcp_name) === saying;
    said.set(e.mcp_name, saying);
    const named = e.metadata.previous_status;
    if (named !== undefined && named !== before) {
      problems.push(
        `${e.mcp_name}: ${before ?? '?'} → ${e.status} names previous ${named} (missing transition)`,
      );
    }
    if (e.status === before && sameSaid)
      problems.push(`${e.mcp_name}: repeated ${e.status} (duplicate transition)`);
    current.set(e.mcp_name, e.status);
  }
  return problems;
}

/**
 * The frame most registry integration files share, called at a file's top level: a private Redis
 * for the whole file (its `url` readable once the file's tests run) and `cleanups`, run after each
 * test, newest first.
 */
export function fileRedis(): {
  readonly url: string;
  readonly cleanups: (() => Promise<unknown>)[];
} {
  let handle: RedisHandle | undefined;
  const cleanups: (() => Promise<unknown>)[] = [];
  beforeAll(async () => {
    handle = await startRedis();
  });
  afterAll(async () => {
    await handle?.stop();
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  return {
    get url() {
      if (handle === undefined) throw new Error('fileRedis: Redis is not started yet');
      return handle.url;
    },
    cleanups,
  };
}
