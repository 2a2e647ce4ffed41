// The breaker's Redis I/O besides the event log: consumer groups on the three input streams, the
// per-MCP state hash and the due-time sorted set, and the fenced commit script that saves a
// batch's states, due times and acks in one atomic step.
import type { Keyspace } from '@beacon/protocol';
import { ensureGroup, fencedOr, type RedisClient } from '@beacon/event-log';
import { STREAMS, type RawEntry, type StreamName } from './inputs.js';

export const GROUP = 'breaker';
/**
 * Every leader reads as the same consumer, so the entries a dead leader had read but not acked
 * are this consumer's pending entries for its successor (no XAUTOCLAIM bookkeeping).
 */
export const CONSUMER = 'breaker';
/** Field of the state hash holding the log epoch the states belong to (MCP names cannot start with "_"). */
export const EPOCH_FIELD = '_epoch';

/**
 * KEYS: 1 lease, 2 state hash, 3 due zset, 4 commands, 5 probes, 6 outcomes stream
 * ARGV: 1 fence token, 2 group, 3..9 counts: set, del, due add, due rem, ack×3; then the items
 * (set: field json; del: field; due add: score member; due rem: member; acks: ids).
 */
const COMMIT = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return redis.error_reply('FENCED lease ' .. KEYS[1] .. ' is not held by token ' .. ARGV[1])
end
local i = 10
local function each(cmd, key, extra, n, width)
  local args = {}
  for _ = 1, n * width do
    args[#args + 1] = ARGV[i]
    i = i + 1
    if #args >= 2000 then
      if extra then redis.call(cmd, key, extra, unpack(args)) else redis.call(cmd, key, unpack(args)) end
      args = {}
    end
  end
  if #args > 0 then
    if extra then redis.call(cmd, key, extra, unpack(args)) else redis.call(cmd, key, unpack(args)) end
  end
end
each('HSET', KEYS[2], nil, tonumber(ARGV[3]), 2)
each('HDEL', KEYS[2], nil, tonumber(ARGV[4]), 1)
each('ZADD', KEYS[3], nil, tonumber(ARGV[5]), 2)
each('ZREM', KEYS[3], nil, tonumber(ARGV[6]), 1)
each('XACK', KEYS[4], ARGV[2], tonumber(ARGV[7]), 1)
each('XACK', KEYS[5], ARGV[2], tonumber(ARGV[8]), 1)
each('XACK', KEYS[6], ARGV[2], tonumber(ARGV[9]), 1)
return 1
`;

export interface Commit {
  readonly set: ReadonlyMap<string, string>;
  readonly del: readonly string[];
  readonly dueAdd: ReadonlyMap<string, number>;
  readonly dueRem: readonly string[];
  readonly acks: Readonly<Record<StreamName, readonly string[]>>;
}

export type ReadReply = Record<StreamName, RawEntry[]>;

interface CommitCommand {
  beaconBreakerCommit(...args: string[]): Promise<number>;
}

export interface BreakerStore {
  streamKey(stream: StreamName): string;
  ensureGroups(): Promise<void>;
  /** Entries delivered to us but never acked (a crashed or deposed leader's last batch). */
  readPending(count: number): Promise<ReadReply>;
  /** New entries, waiting up to blockMs for the first (on the blocking connection). */
  readNew(count: number, blockMs: number): Promise<ReadReply>;
  loadStates(): Promise<Map<string, string>>;
  loadDue(): Promise<Map<string, number>>;
  commit(token: string, c: Commit): Promise<void>;
  /** Entries not yet delivered to the group, per stream (Redis ≥ 7; null when unknown). */
  lag(): Promise<Record<StreamName, number | null>>;
}

function parseRead(reply: unknown, keyToStream: Map<string, StreamName>): ReadReply {
  const out: ReadReply = { commands: [], probes: [], outcomes: [] };
  if (!Array.isArray(reply)) return out;
  for (const item of reply as [string, [string, string[] | null][]][]) {
    const stream = keyToStream.get(item[0]);
    if (stream === undefined) continue;
    // A pending entry whose stream entry was trimmed away comes back with null fields.
    for (const [id, fields] of item[1]) out[stream].push([id, fields ?? []]);
  }
  return out;
}

export function createBreakerStore(
  redis: RedisClient,
  blocking: RedisClient,
  keys: Keyspace,
): BreakerStore {
  const streamKeys: Record<StreamName, string> = {
    commands: keys.breakerCommands,
    probes: keys.probes,
    outcomes: keys.outcomes,
  };
  const keyToStream = new Map(STREAMS.map((s) => [streamKeys[s], s] as const));
  const ordered = STREAMS.map((s) => streamKeys[s]);
  const r = redis as RedisClient & Partial<CommitCommand>;
  if (r.beaconBreakerCommit === undefined) {
    redis.defineCommand('beaconBreakerCommit', { numberOfKeys: 6, lua: COMMIT });
  }
  const cmd = redis as unknown as CommitCommand;

  return {
    streamKey: (s) => streamKeys[s],

    async ensureGroups() {
      // From the start of each stream: outcomes reported before the first breaker ran count.
      for (const key of ordered) await ensureGroup(redis, key, GROUP);
    },

    async readPending(count) {
      const reply = await redis.call(
        'XREADGROUP',
        'GROUP',
        GROUP,
        CONSUMER,
        'COUNT',
        count,
        'STREAMS',
        ...ordered,
        ...ordered.map(() => '0'),
      );
      return parseRead(reply, keyToStream);
    },

    async readNew(count, blockMs) {
      const reply = await blocking.call(
        'XREADGROUP',
        'GROUP',
        GROUP,
        CONSUMER,
        'COUNT',
        count,
        'BLOCK',
        Math.max(1, Math.round(blockMs)),
        'STREAMS',
        ...ordered,
        ...ordered.map(() => '>'),
      );
      return parseRead(reply, keyToStream);
    },

    async loadStates() {
      const flat = (await redis.call('HGETALL', keys.state('breaker'))) as string[];
      const out = new Map<string, string>();
      for (let i = 0; i + 1 < flat.length; i += 2)
        out.set(flat[i] as string, flat[i + 1] as string);
      return out;
    },

    async loadDue() {
      const flat = (await redis.call(
        'ZRANGE',
        keys.due('breaker'),
        0,
        -1,
        'WITHSCORES',
      )) as string[];
      const out = new Map<string, number>();
      for (let i = 0; i + 1 < flat.length; i += 2) out.set(flat[i] as string, Number(flat[i + 1]));
      return out;
    },

    async commit(token, c) {
      const items: string[] = [];
      for (const [k, v] of c.set) items.push(k, v);
      items.push(...c.del);
      for (const [k, v] of c.dueAdd) items.push(String(v), k);
      items.push(...c.dueRem);
      for (const s of STREAMS) items.push(...c.acks[s]);
      await cmd
        .beaconBreakerCommit(
          keys.lease('breaker'),
          keys.state('breaker'),
          keys.due('breaker'),
          ...ordered,
          token,
          GROUP,
          String(c.set.size),
          String(c.del.length),
          String(c.dueAdd.size),
          String(c.dueRem.length),
          ...STREAMS.map((s) => String(c.acks[s].length)),
          ...items,
        )
        .catch((err: unknown) => {
          throw fencedOr(err, 'breaker commit');
        });
    },

    async lag() {
      const out: Record<StreamName, number | null> = {
        commands: null,
        probes: null,
        outcomes: null,
      };
      for (const s of STREAMS) {
        const groups = (await redis.call('XINFO', 'GROUPS', streamKeys[s])) as unknown[][];
        for (const g of groups) {
          const info: Record<string, unknown> = {};
          for (let i = 0; i + 1 < g.length; i += 2) info[String(g[i])] = g[i + 1];
          if (info['name'] === GROUP) out[s] = typeof info['lag'] === 'number' ? info['lag'] : null;
        }
      }
      return out;
    },
  };
}
