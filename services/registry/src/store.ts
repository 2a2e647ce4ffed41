// The registry's durable side state in Redis, beside the log (same hash tag): per-MCP counters
// the log does not carry (failure cycles between status changes, re-probe attempts), who owns
// each entry (fleet file or admin), what the fleet file said last time, the re-probe due times
// of auto-disabled MCPs (sorted set), and the probe-result stream the breaker reads. Every write
// goes through one fenced script, so a deposed leader cannot touch any of it.
import { fencedOr, type Fence, type RedisClient } from '@beacon/event-log';
import {
  McpConfigInput,
  type Keyspace,
  type McpConfig,
  type ProbeResult,
  STREAM_FIELD,
} from '@beacon/protocol';
import type { Owner } from './fleet-ops.js';

/**
 * KEYS: 1 lease, 2 state hash, 3 due zset, 4 probe stream.
 * ARGV: 1 fence token, 2 probe maxlen, then ops: `S field value` (HSET), `D field` (HDEL),
 *       `Z member score` (ZADD), `R member` (ZREM), `P json` (XADD probe result).
 */
const WRITE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return redis.error_reply('FENCED registry lease is not held by token ' .. ARGV[1])
end
local i = 3
while i <= #ARGV do
  local op = ARGV[i]
  if op == 'S' then redis.call('HSET', KEYS[2], ARGV[i + 1], ARGV[i + 2]); i = i + 3
  elseif op == 'D' then redis.call('HDEL', KEYS[2], ARGV[i + 1]); i = i + 2
  elseif op == 'Z' then redis.call('ZADD', KEYS[3], ARGV[i + 2], ARGV[i + 1]); i = i + 3
  elseif op == 'R' then redis.call('ZREM', KEYS[3], ARGV[i + 1]); i = i + 2
  elseif op == 'P' then
    redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[2], '*', '${STREAM_FIELD.probe}', ARGV[i + 1]); i = i + 2
  else return redis.error_reply('unknown op ' .. tostring(op)) end
end
return 1
`;

export interface Counters {
  readonly failureCycles: number;
  readonly reprobeAttempt: number;
}

export interface SavedState {
  readonly counters: Map<string, Counters>;
  readonly owners: Map<string, Owner>;
  /** The fleet file's entries as last applied. */
  readonly fileMemory: Map<string, McpConfig>;
}

/** A batch of writes applied atomically (and only while the fence holds). */
export interface WriteBatch {
  counters(name: string, c: Counters): WriteBatch;
  owner(name: string, owner: Owner): WriteBatch;
  fileEntry(name: string, config: McpConfig | null): WriteBatch;
  forget(name: string): WriteBatch;
  due(name: string, at: number | null): WriteBatch;
  probe(result: ProbeResult): WriteBatch;
  readonly size: number;
  commit(): Promise<void>;
}

export interface RegistryStore {
  load(): Promise<SavedState>;
  batch(fence: Fence): WriteBatch;
  /** Auto-disabled MCPs whose re-probe is due at `now`. */
  dueNow(now: number, limit: number): Promise<string[]>;
  dueTimes(): Promise<Map<string, number>>;
}

interface StoreCommands {
  beaconRegistryWrite(...args: string[]): Promise<number>;
}

export function createRegistryStore(
  redis: RedisClient,
  keys: Keyspace,
  options: { readonly probesMaxLen: number },
): RegistryStore {
  const r = redis as RedisClient & Partial<StoreCommands>;
  if (r.beaconRegistryWrite === undefined) {
    redis.defineCommand('beaconRegistryWrite', { numberOfKeys: 4, lua: WRITE });
  }
  const cmd = redis as unknown as StoreCommands;
  const stateKey = keys.state('registry');
  const dueKey = keys.due('registry');

  return {
    async load(): Promise<SavedState> {
      const flat = await redis.hgetall(stateKey);
      const counters = new Map<string, Counters>();
      const owners = new Map<string, Owner>();
      const fileMemory = new Map<string, McpConfig>();
      for (const [field, value] of Object.entries(flat)) {
        const colon = field.indexOf(':');
        const kind = field.slice(0, colon);
        const name = field.slice(colon + 1);
        try {
          if (kind === 'm') {
            const v = JSON.parse(value) as { fc?: unknown; ra?: unknown };
            counters.set(name, {
              failureCycles: typeof v.fc === 'number' ? v.fc : 0,
              reprobeAttempt: typeof v.ra === 'number' ? v.ra : 0,
            });
          } else if (kind === 'owner' && (value === 'file' || value === 'admin')) {
            owners.set(name, value);
          } else if (kind === 'file') {
            const parsed = McpConfigInput.safeParse(JSON.parse(value));
            if (parsed.success) fileMemory.set(name, parsed.data);
          }
        } catch {
          // A corrupt field only loses that MCP's counters; the log stays the source of truth.
        }
      }
      return { counters, owners, fileMemory };
    },

    batch(fence: Fence): WriteBatch {
      const ops: string[] = [];
      const b: WriteBatch = {
        counters(name, c) {
          ops.push('S', `m:${name}`, JSON.stringify({ fc: c.failureCycles, ra: c.reprobeAttempt }));
          return b;
        },
        owner(name, owner) {
          ops.push('S', `owner:${name}`, owner);
          return b;
        },
        fileEntry(name, config) {
          if (config === null) ops.push('D', `file:${name}`);
          else ops.push('S', `file:${name}`, JSON.stringify(config));
          return b;
        },
        forget(name) {
          ops.push('D', `m:${name}`, 'D', `owner:${name}`, 'R', name);
          return b;
        },
        due(name, at) {
          if (at === null) ops.push('R', name);
          else ops.push('Z', name, String(Math.round(at)));
          return b;
        },
        probe(result) {
          ops.push('P', JSON.stringify(result));
          return b;
        },
        get size() {
          return ops.length;
        },
        async commit() {
          if (ops.length === 0) return;
          await cmd
            .beaconRegistryWrite(
              keys.lease(fence.role),
              stateKey,
              dueKey,
              keys.probes,
              fence.token,
              String(options.probesMaxLen),
              ...ops,
            )
            .catch((err: unknown) => {
              throw fencedOr(err, 'registry write');
            });
          ops.length = 0;
        },
      };
      return b;
    },

    async dueNow(now, limit) {
      return redis.zrangebyscore(dueKey, '-inf', String(now), 'LIMIT', 0, limit);
    },

    async dueTimes() {
      const flat = await redis.zrange(dueKey, 0, -1, 'WITHSCORES');
      const out = new Map<string, number>();
      for (let i = 0; i + 1 < flat.length; i += 2) out.set(flat[i]!, Number(flat[i + 1]));
      return out;
    },
  };
}
