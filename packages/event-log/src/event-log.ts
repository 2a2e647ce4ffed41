// createEventLog: the Redis event log — atomic append (fence → XADD → projection → publish),
// consistent snapshot, replay/history, side channel for non-replayable messages, leases.
import { randomUUID } from 'node:crypto';
import {
  CommandResult,
  LogEvent,
  ProbeDigestMessage,
  SystemMetricsMessage,
  ZERO_OFFSET,
  keyspace,
  parseOrThrow,
  projectionPatch,
  type LogEventInput,
  type McpStatus,
  type StoredEvent,
} from '@beacon/protocol';
import { Cluster } from 'ioredis';
import { decodeEntry, decodeRow, patchArgs } from './codec.js';
import { fencedOr } from './errors.js';
import { createLease } from './lease.js';
import { APPEND, HEAD, SNAPSHOT } from './scripts.js';
import { createSubscription } from './subscription.js';
import type {
  AppendResult,
  EventLog,
  EventLogOptions,
  Fence,
  RedisClient,
  SideMessage,
  Snapshot,
} from './types.js';

const DEFAULT_RETENTION = 1_000_000;
/** Most raw entries one replay reads while skipping corrupt ones. */
const CORRUPT_SCAN_CAP = 100_000;

interface ScriptCommands {
  beaconAppend(numKeys: number, ...args: string[]): Promise<string[]>;
  beaconSnapshot(...args: string[]): Promise<unknown[]>;
  beaconHead(...args: string[]): Promise<[string, string]>;
}

function defineScripts(redis: RedisClient): void {
  // defineCommand is idempotent per client; several logs may share one connection.
  const r = redis as RedisClient & Partial<ScriptCommands>;
  if (r.beaconAppend !== undefined) return;
  // Variable key count: the first argument says how many keys follow.
  redis.defineCommand('beaconAppend', { lua: APPEND });
  redis.defineCommand('beaconSnapshot', { numberOfKeys: 2, lua: SNAPSHOT });
  redis.defineCommand('beaconHead', { numberOfKeys: 1, lua: HEAD });
}

export const isCluster = (redis: RedisClient): redis is Cluster => redis instanceof Cluster;

export function createEventLog(redis: RedisClient, options: EventLogOptions = {}): EventLog {
  const keys = keyspace(options);
  const retention = String(options.retention ?? DEFAULT_RETENTION);
  const sharded = isCluster(redis);
  const publish = sharded ? 'SPUBLISH' : 'PUBLISH';
  defineScripts(redis);
  const scripts = redis as unknown as ScriptCommands;
  const mcpKeyPrefix = keys.mcp('');
  const logger = options.logger?.child({ component: 'event-log' });

  // One script for one event and for many: a single code path holds the log's invariants.
  async function append(input: LogEventInput, fence?: Fence | null): Promise<AppendResult> {
    const event = parseOrThrow(LogEvent, input, 'event');
    const [result] = await appendValidated([event], fence);
    return result as AppendResult;
  }

  async function appendBatch(
    inputs: readonly LogEventInput[],
    fence?: Fence | null,
  ): Promise<AppendResult[]> {
    if (inputs.length === 0) return [];
    return appendValidated(
      inputs.map((e, i) => parseOrThrow(LogEvent, e, `events[${i}]`)),
      fence,
    );
  }

  async function appendValidated(
    events: readonly LogEvent[],
    fence: Fence | null | undefined,
  ): Promise<AppendResult[]> {
    const perEvent: string[] = [];
    for (const event of events) {
      const patch = projectionPatch(event);
      const fields = patchArgs(patch);
      perEvent.push(JSON.stringify(event), patch.op, event.mcp_name, String(fields.length / 2));
      perEvent.push(...fields);
    }
    const batchKeys = [
      keys.log,
      keys.meta,
      keys.names,
      fence ? keys.lease(fence.role) : keys.meta,
      keys.live,
      ...events.map((e) => keys.mcp(e.mcp_name)),
    ];
    try {
      const reply = await scripts.beaconAppend(
        batchKeys.length,
        ...batchKeys,
        retention,
        fence ? fence.token : '',
        publish,
        randomUUID(),
        String(events.length),
        ...perEvent,
      );
      const out: AppendResult[] = [];
      for (let i = 0; i + 1 < reply.length; i += 2) {
        out.push({ offset: reply[i] as string, prev: reply[i + 1] as string });
      }
      return out;
    } catch (err) {
      throw fencedOr(err, 'append');
    }
  }

  async function head(): Promise<{ epoch: string; offset: string }> {
    const [epoch, offset] = await scripts.beaconHead(keys.meta, randomUUID());
    return { epoch, offset };
  }

  async function snapshot(): Promise<Snapshot> {
    const reply = await scripts.beaconSnapshot(keys.meta, keys.names, randomUUID(), mcpKeyPrefix);
    const mcps: McpStatus[] = [];
    for (let i = 2; i + 1 < reply.length; i += 2) {
      const name = reply[i] as string;
      const flat = reply[i + 1] as string[];
      if (flat.length === 0) continue;
      try {
        mcps.push(decodeRow(name, flat));
      } catch (err) {
        // Only writes that bypassed append() can corrupt a row: leave it out rather than fail
        // every snapshot (and so every edge start) because of one bad key.
        logger?.error({ err, mcp: name }, 'corrupt projection row skipped');
      }
    }
    mcps.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return { epoch: reply[0] as string, offset: reply[1] as string, mcps };
  }

  /**
   * Entries that fail to decode were not written by append(); they are skipped (and logged), so
   * a reader never stalls on them: the predecessor check then sees the hole and resynchronises.
   */
  function decodeEntries(entries: readonly [string, string[]][]): StoredEvent[] {
    const out: StoredEvent[] = [];
    for (const entry of entries) {
      try {
        out.push(decodeEntry(entry));
      } catch (err) {
        logger?.error({ err, offset: entry[0] }, 'corrupt stream entry skipped');
      }
    }
    return out;
  }

  type Entries = [string, string[]][];

  /**
   * Read until `limit` entries decode (or the range ends): a corrupt entry is skipped and read
   * past, so a short page still means "nothing more" to callers that page by length.
   */
  async function readDecoded(
    limit: number,
    read: (cursor: string | null, count: number) => Promise<Entries>,
  ): Promise<StoredEvent[]> {
    const out: StoredEvent[] = [];
    let cursor: string | null = null;
    // Bounds the work when a range is mostly garbage (only writes outside append() make it).
    for (let scanned = 0; out.length < limit && scanned < CORRUPT_SCAN_CAP;) {
      const want = limit - out.length;
      const entries = await read(cursor, want);
      scanned += entries.length;
      out.push(...decodeEntries(entries));
      if (entries.length < want) break;
      cursor = (entries[entries.length - 1] as [string, string[]])[0];
    }
    return out;
  }

  async function replay(after: string, limit: number, until?: string): Promise<StoredEvent[]> {
    if (limit <= 0) return [];
    const end = until === undefined ? '+' : `(${until}`;
    return readDecoded(limit, async (cursor, count) => {
      const from = cursor ?? after;
      const start = from === ZERO_OFFSET ? '-' : `(${from}`;
      return await redis.xrange(keys.log, start, end, 'COUNT', count);
    });
  }

  async function* history(
    after: string = ZERO_OFFSET,
    opts: { readonly batch?: number; readonly until?: string } = {},
  ): AsyncIterable<StoredEvent> {
    const batch = opts.batch ?? 1000;
    let cursor = after;
    for (;;) {
      const page = await replay(cursor, batch, opts.until);
      for (const e of page) yield e;
      if (page.length < batch) return;
      cursor = (page[page.length - 1] as StoredEvent).offset;
    }
  }

  async function replayBackward(before: string | null, limit: number): Promise<StoredEvent[]> {
    if (limit <= 0) return [];
    return readDecoded(limit, async (cursor, count) => {
      const from = cursor ?? before;
      const end = from === null ? '+' : `(${from}`;
      return await redis.xrevrange(keys.log, end, '-', 'COUNT', count);
    });
  }

  async function firstOffset(): Promise<string | null> {
    const first = (await redis.xrange(keys.log, '-', '+', 'COUNT', 1)) as [string, string[]][];
    return first[0]?.[0] ?? null;
  }

  async function publishSide(message: SideMessage): Promise<void> {
    let json: string;
    if (message.type === 'system_metrics') {
      json = JSON.stringify(parseOrThrow(SystemMetricsMessage, message, 'system_metrics'));
      await redis.set(keys.metrics, json);
    } else if (message.type === 'probe_digest') {
      json = JSON.stringify(parseOrThrow(ProbeDigestMessage, message, 'probe_digest'));
    } else {
      json = JSON.stringify(parseOrThrow(CommandResult, message, 'command_result'));
    }
    if (sharded) await redis.spublish(keys.side, json);
    else await redis.publish(keys.side, json);
  }

  async function latestMetrics(): Promise<SystemMetricsMessage | null> {
    const raw = await redis.get(keys.metrics);
    if (raw === null) return null;
    const parsed = SystemMetricsMessage.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  }

  const log: EventLog = {
    keys,
    redis,
    append,
    appendBatch,
    epoch: async () => (await head()).epoch,
    lastOffset: async () => (await head()).offset,
    head,
    snapshot,
    firstOffset,
    replay: (after: string, limit: number) => replay(after, limit),
    replayBackward,
    history,
    publishSide,
    latestMetrics,
    subscribe: (handler, subOptions) =>
      createSubscription(log, handler, { ...subOptions, sharded, logger: options.logger }),
    lease: (role, leaseOptions) => createLease(redis, keys, role, leaseOptions, options.logger),
  };
  Object.freeze(log);
  return log;
}
