// The notifier's state in Redis, beside the log (same hash tag, layout NOTIFIER_KEY in
// @beacon/protocol): position, open alerts and their due times, MCP tags, config hashes,
// per-channel queues (streams) with their retry bookkeeping, channel status and the history.
// Every write goes through one fenced script: a deposed leader can change nothing, and what one
// step decided (alerts, queued notifications, history, new position) lands together or not at
// all — a crash between deciding and writing re-decides the same thing, never half of it.
import { fencedOr, type Fence, type RedisClient } from '@beacon/event-log';
import {
  AlertRule,
  ChannelConfig,
  ChannelStatus,
  NOTIFIER_KEY,
  Notification,
  Silence,
  type DeliveryRecord,
  type Keyspace,
} from '@beacon/protocol';
import type { z } from 'zod';
import type { AlertState } from './model.js';

/**
 * KEYS: 1 lease, 2 history list, then any keys the ops name by index.
 * ARGV: 1 fence token, 2 history cap, 3 queue cap, then ops:
 *   `HS k f v`, `HD k f`, `XA k json`, `XD k id`, `LP k v`.
 */
const WRITE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return redis.error_reply('FENCED notifier lease is not held by token ' .. ARGV[1])
end
local i = 4
local pushed = false
while i <= #ARGV do
  local op = ARGV[i]
  local k = KEYS[tonumber(ARGV[i + 1])]
  if op == 'HS' then redis.call('HSET', k, ARGV[i + 2], ARGV[i + 3]); i = i + 4
  elseif op == 'HD' then redis.call('HDEL', k, ARGV[i + 2]); i = i + 3
  elseif op == 'XA' then redis.call('XADD', k, 'MAXLEN', '~', ARGV[3], '*', 'n', ARGV[i + 2]); i = i + 3
  elseif op == 'XD' then redis.call('XDEL', k, ARGV[i + 2]); i = i + 3
  elseif op == 'LP' then redis.call('LPUSH', k, ARGV[i + 2]); pushed = true; i = i + 3
  else return redis.error_reply('unknown op ' .. tostring(op)) end
end
if pushed then redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[2]) - 1) end
return 1
`;

interface WriteCommand {
  beaconNotifierWrite(numKeys: number, ...args: string[]): Promise<number>;
}

export interface QueuedEntry {
  readonly id: string;
  readonly notification: Notification;
}

export interface RetryState {
  readonly attempts: number;
  readonly next_at: number;
}

export interface NotifierBatch {
  alert(key: string, a: AlertState | null): NotifierBatch;
  enqueue(channel: string, n: Notification): NotifierBatch;
  dequeue(channel: string, id: string): NotifierBatch;
  retry(channel: string, id: string, r: RetryState | null): NotifierBatch;
  record(r: DeliveryRecord): NotifierBatch;
  tags(mcp: string, tags: readonly string[] | null): NotifierBatch;
  position(offset: string, epoch: string): NotifierBatch;
  channelStatus(id: string, s: ChannelStatus | null): NotifierBatch;
  config(kind: 'channels' | 'rules' | 'silences', id: string, json: string | null): NotifierBatch;
  readonly size: number;
  commit(): Promise<void>;
}

export interface Loaded<T> {
  readonly items: Map<string, T>;
  /** Entries that did not parse (kept in Redis, skipped and reported). */
  readonly bad: string[];
}

export interface NotifierStore {
  readonly key: (suffix: string) => string;
  position(): Promise<{ offset: string; epoch: string } | null>;
  alerts(): Promise<Map<string, AlertState>>;
  tags(): Promise<Map<string, string[]>>;
  channels(): Promise<Loaded<ChannelConfig>>;
  rules(): Promise<Loaded<AlertRule>>;
  silences(): Promise<Loaded<Silence>>;
  channelStatus(): Promise<Map<string, ChannelStatus>>;
  /** The oldest `limit` entries of a channel's queue (entries that do not parse are skipped). */
  head(channel: string, limit: number): Promise<{ entries: QueuedEntry[]; bad: string[] }>;
  queued(channel: string): Promise<number>;
  retries(channel: string): Promise<Map<string, RetryState>>;
  batch(fence: Fence): NotifierBatch;
}

export function createNotifierStore(
  redis: RedisClient,
  keys: Keyspace,
  options: { readonly historyCap?: number; readonly queueCap?: number } = {},
): NotifierStore {
  const cmd = redis as unknown as RedisClient & WriteCommand;
  if (typeof (redis as Partial<WriteCommand>).beaconNotifierWrite !== 'function') {
    redis.defineCommand('beaconNotifierWrite', { lua: WRITE });
  }
  const key = (suffix: string): string => keys.notifier(suffix);
  const historyCap = options.historyCap ?? 1_000;
  const queueCap = options.queueCap ?? 100_000;

  // What each entry of a config hash parsed to, by its JSON: a hash read again (the uptime
  // projector reads the silences every round, up to 10,000 of them) parses only what changed.
  // Parsed values are shared between reads; nothing mutates them.
  const parsedByHash = new Map<string, Map<string, { json: string; value: unknown }>>();
  async function loadHash<S extends z.ZodType>(
    suffix: string,
    schema: S,
  ): Promise<Loaded<z.output<S>>> {
    const raw = await redis.hgetall(key(suffix));
    const before = parsedByHash.get(suffix);
    const parsed = new Map<string, { json: string; value: unknown }>();
    const items = new Map<string, z.output<S>>();
    const bad: string[] = [];
    for (const [id, json] of Object.entries(raw)) {
      const known = before?.get(id);
      let value: unknown;
      if (known !== undefined && known.json === json) value = known.value;
      else {
        try {
          const r = schema.safeParse(JSON.parse(json));
          value = r.success ? r.data : undefined;
        } catch {
          value = undefined;
        }
      }
      parsed.set(id, { json, value });
      if (value === undefined) bad.push(id);
      else items.set(id, value as z.output<S>);
    }
    parsedByHash.set(suffix, parsed);
    return { items, bad };
  }

  return {
    key,
    async position() {
      const h = await redis.hgetall(key(NOTIFIER_KEY.position));
      return typeof h['offset'] === 'string' && typeof h['epoch'] === 'string'
        ? { offset: h['offset'], epoch: h['epoch'] }
        : null;
    },
    async alerts() {
      const raw = await redis.hgetall(key(NOTIFIER_KEY.alerts));
      const out = new Map<string, AlertState>();
      for (const [k, json] of Object.entries(raw)) {
        try {
          const a = JSON.parse(json) as AlertState;
          if (typeof a.rule === 'string' && typeof a.mcp === 'string') out.set(k, a);
        } catch {
          // A corrupt alert is forgotten; the next transition opens a fresh one.
        }
      }
      return out;
    },
    async tags() {
      const raw = await redis.hgetall(key(NOTIFIER_KEY.mcps));
      const out = new Map<string, string[]>();
      for (const [mcp, json] of Object.entries(raw)) {
        try {
          const t = JSON.parse(json) as unknown;
          if (Array.isArray(t))
            out.set(
              mcp,
              t.filter((x): x is string => typeof x === 'string'),
            );
        } catch {
          // skipped: no tags known for it
        }
      }
      return out;
    },
    channels: () => loadHash(NOTIFIER_KEY.channels, ChannelConfig),
    rules: () => loadHash(NOTIFIER_KEY.rules, AlertRule),
    silences: () => loadHash(NOTIFIER_KEY.silences, Silence),
    async channelStatus() {
      return (await loadHash(NOTIFIER_KEY.channelStatus, ChannelStatus)).items;
    },
    async head(channel, limit) {
      const rows = (await redis.xrange(
        key(NOTIFIER_KEY.queue(channel)),
        '-',
        '+',
        'COUNT',
        limit,
      )) as [string, string[]][];
      const entries: QueuedEntry[] = [];
      const bad: string[] = [];
      for (const [id, fields] of rows) {
        try {
          const at = fields.indexOf('n');
          const r = Notification.safeParse(JSON.parse(fields[at + 1] ?? ''));
          if (at >= 0 && r.success) entries.push({ id, notification: r.data });
          else bad.push(id);
        } catch {
          bad.push(id);
        }
      }
      return { entries, bad };
    },
    queued: (channel) => redis.xlen(key(NOTIFIER_KEY.queue(channel))),
    async retries(channel) {
      const raw = await redis.hgetall(key(NOTIFIER_KEY.retry(channel)));
      const out = new Map<string, RetryState>();
      for (const [id, json] of Object.entries(raw)) {
        try {
          const r = JSON.parse(json) as RetryState;
          if (typeof r.attempts === 'number' && typeof r.next_at === 'number') out.set(id, r);
        } catch {
          // treated as a first attempt
        }
      }
      return out;
    },
    batch(fence) {
      const keyList: string[] = [keys.lease(fence.role), key(NOTIFIER_KEY.history)];
      const index = new Map<string, number>(keyList.map((k, i) => [k, i + 1]));
      const ix = (k: string): string => {
        let i = index.get(k);
        if (i === undefined) {
          keyList.push(k);
          i = keyList.length;
          index.set(k, i);
        }
        return String(i);
      };
      const ops: string[] = [];
      const alerts = key(NOTIFIER_KEY.alerts);
      const b: NotifierBatch = {
        alert(k, a) {
          // The alert carries its own due time; the leader keeps them all in memory.
          if (a === null) ops.push('HD', ix(alerts), k);
          else ops.push('HS', ix(alerts), k, JSON.stringify(a));
          return b;
        },
        enqueue(channel, n) {
          ops.push('XA', ix(key(NOTIFIER_KEY.queue(channel))), JSON.stringify(n));
          return b;
        },
        dequeue(channel, id) {
          ops.push('XD', ix(key(NOTIFIER_KEY.queue(channel))), id);
          ops.push('HD', ix(key(NOTIFIER_KEY.retry(channel))), id);
          return b;
        },
        retry(channel, id, r) {
          const k = ix(key(NOTIFIER_KEY.retry(channel)));
          if (r === null) ops.push('HD', k, id);
          else ops.push('HS', k, id, JSON.stringify(r));
          return b;
        },
        record(r) {
          ops.push('LP', '2', JSON.stringify(r));
          return b;
        },
        tags(mcp, t) {
          const k = ix(key(NOTIFIER_KEY.mcps));
          if (t === null) ops.push('HD', k, mcp);
          else ops.push('HS', k, mcp, JSON.stringify(t));
          return b;
        },
        position(offset, epoch) {
          const k = ix(key(NOTIFIER_KEY.position));
          ops.push('HS', k, 'offset', offset, 'HS', k, 'epoch', epoch);
          return b;
        },
        channelStatus(id, s) {
          const k = ix(key(NOTIFIER_KEY.channelStatus));
          if (s === null) ops.push('HD', k, id);
          else ops.push('HS', k, id, JSON.stringify(s));
          return b;
        },
        config(kind, id, json) {
          const k = ix(key(NOTIFIER_KEY[kind]));
          if (json === null) ops.push('HD', k, id);
          else ops.push('HS', k, id, json);
          return b;
        },
        get size() {
          return ops.length;
        },
        async commit() {
          if (ops.length === 0) return;
          const args = [...ops];
          ops.length = 0;
          await cmd
            .beaconNotifierWrite(
              keyList.length,
              ...keyList,
              fence.token,
              String(historyCap),
              String(queueCap),
              ...args,
            )
            .catch((err: unknown) => {
              throw fencedOr(err, 'notifier write');
            });
        },
      };
      return b;
    },
  };
}
