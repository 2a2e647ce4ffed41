// The uptime projector's keys in Redis (layout UPTIME_KEY in @beacon/protocol). Every write is
// one fenced script that also moves the position, and only if the position is still the one
// this projector read: a deposed projector changes nothing, a step lands whole or not at all (a
// replay after a crash starts from the old position with the old buckets — no double count), and
// a rebuild request (the position reset under a running projector) is noticed at the next write.
import { fencedOr, type Fence, type RedisClient } from '@beacon/event-log';
import {
  DAY_MS,
  Incident,
  UPTIME_KEY,
  UptimeState,
  dayKey,
  decodeBucket,
  emptyBucket,
  encodeBucket,
  hourField,
  type Bucket,
  type Keyspace,
} from '@beacon/protocol';

/**
 * KEYS: 1 lease, 2 position hash, then keys the ops name by index.
 * ARGV: 1 fence token, 2 expected position ('' = none yet), 3 new position, then ops:
 *   `HS k f v`, `HD k f`, `PX k at` (PEXPIREAT), `ZA k score member`,
 *   `PD k oldest maxFields` (HDEL the fields of a days hash below `oldest` once it holds more
 *   than maxFields), `PI k(mcp zset) cutoff perMcpCap k(incident hash) k(fleet zset)`
 *   (incidents that started before cutoff, and an MCP's oldest beyond its cap, deleted).
 */
const WRITE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return redis.error_reply('FENCED uptime lease is not held by token ' .. ARGV[1])
end
local stored = redis.call('HGET', KEYS[2], 'p')
if (stored or '') ~= ARGV[2] then
  return redis.error_reply('RESET uptime position moved under this projector')
end
redis.call('HSET', KEYS[2], 'p', ARGV[3])
local i = 4
while i <= #ARGV do
  local op = ARGV[i]
  local k = KEYS[tonumber(ARGV[i + 1])]
  if op == 'HS' then redis.call('HSET', k, ARGV[i + 2], ARGV[i + 3]); i = i + 4
  elseif op == 'HD' then redis.call('HDEL', k, ARGV[i + 2]); i = i + 3
  elseif op == 'PX' then redis.call('PEXPIREAT', k, ARGV[i + 2]); i = i + 3
  elseif op == 'ZA' then redis.call('ZADD', k, ARGV[i + 2], ARGV[i + 3]); i = i + 4
  elseif op == 'PD' then
    if redis.call('HLEN', k) > tonumber(ARGV[i + 3]) then
      for _, f in ipairs(redis.call('HKEYS', k)) do
        if f < ARGV[i + 2] then redis.call('HDEL', k, f) end
      end
    end
    i = i + 4
  elseif op == 'PI' then
    local cap = tonumber(ARGV[i + 3])
    local hash = KEYS[tonumber(ARGV[i + 4])]
    local fleet = KEYS[tonumber(ARGV[i + 5])]
    local gone = redis.call('ZRANGEBYSCORE', k, '-inf', '(' .. ARGV[i + 2], 'LIMIT', 0, 1000)
    local over = redis.call('ZCARD', k) - #gone - cap
    if over > 0 then
      for _, id in ipairs(redis.call('ZRANGE', k, #gone, #gone + over - 1)) do table.insert(gone, id) end
    end
    for _, id in ipairs(gone) do
      redis.call('ZREM', k, id); redis.call('ZREM', fleet, id); redis.call('HDEL', hash, id)
    end
    i = i + 6
  else return redis.error_reply('unknown op ' .. tostring(op)) end
end
return 1
`;

interface WriteCommand {
  beaconUptimeWrite(numKeys: number, ...args: string[]): Promise<number>;
}

/** Where the projector is: the log's epoch and offset, and the probes stream's last id. */
export interface UptimePosition {
  readonly epoch: string;
  readonly log: string;
  readonly probes: string;
}

export const encodePosition = (p: UptimePosition): string => `${p.epoch}|${p.log}|${p.probes}`;
export function decodePosition(s: string | null): UptimePosition | null {
  if (s === null) return null;
  const [epoch, log, probes] = s.split('|');
  if (!epoch || !log || !probes) return null;
  return { epoch, log, probes };
}

export interface UptimeBatch {
  hour(mcp: string, hour: number, b: Bucket, expireAt: number): UptimeBatch;
  day(mcp: string, day: number, b: Bucket, oldestDay: number, maxDays: number): UptimeBatch;
  state(mcp: string, s: UptimeState | null): UptimeBatch;
  incident(i: Incident): UptimeBatch;
  prune(mcp: string, cutoff: number, cap: number): UptimeBatch;
  commit(to: UptimePosition): Promise<void>;
}

export class PositionMoved extends Error {
  override readonly name = 'PositionMoved';
}

export interface UptimeStore {
  readonly key: (suffix: string) => string;
  /** The raw stored position ('' when none). */
  position(): Promise<string>;
  states(): Promise<{ items: Map<string, UptimeState>; bad: string[] }>;
  incidents(ids: readonly string[]): Promise<Map<string, Incident>>;
  /** Hour and day buckets as stored (missing or unreadable: empty). */
  hours(wanted: ReadonlyArray<readonly [string, number]>): Promise<Bucket[]>;
  days(wanted: ReadonlyArray<readonly [string, number]>): Promise<Bucket[]>;
  batch(fence: Fence, expected: string): UptimeBatch;
  /** Deletes every uptime key (a rebuild); returns how many were deleted. */
  wipe(): Promise<number>;
}

export function createUptimeStore(redis: RedisClient, keys: Keyspace): UptimeStore {
  const cmd = redis as unknown as RedisClient & WriteCommand;
  if (typeof (redis as Partial<WriteCommand>).beaconUptimeWrite !== 'function') {
    redis.defineCommand('beaconUptimeWrite', { lua: WRITE });
  }
  const key = (suffix: string): string => keys.uptime(suffix);
  const hourKey = (mcp: string, hour: number): [string, string] => [
    key(UPTIME_KEY.hours(mcp, dayKey(hour))),
    hourField(hour),
  ];

  async function readBuckets(pairs: Array<[string, string]>): Promise<Bucket[]> {
    if (pairs.length === 0) return [];
    const pipe = redis.pipeline();
    for (const [k, f] of pairs) pipe.hget(k, f);
    const res = (await pipe.exec()) ?? [];
    return pairs.map((_, i) => {
      const [err, v] = res[i] ?? [null, null];
      if (err || typeof v !== 'string') return emptyBucket();
      return decodeBucket(v) ?? emptyBucket();
    });
  }

  return {
    key,
    async position() {
      return (await redis.hget(key(UPTIME_KEY.position), 'p')) ?? '';
    },
    async states() {
      const raw = await redis.hgetall(key(UPTIME_KEY.state));
      const items = new Map<string, UptimeState>();
      const bad: string[] = [];
      for (const [mcp, json] of Object.entries(raw)) {
        try {
          const r = UptimeState.safeParse(JSON.parse(json));
          if (r.success) items.set(mcp, r.data);
          else bad.push(mcp);
        } catch {
          bad.push(mcp);
        }
      }
      return { items, bad };
    },
    async incidents(ids) {
      const out = new Map<string, Incident>();
      if (ids.length === 0) return out;
      const raw = await redis.hmget(key(UPTIME_KEY.incident), ...ids);
      raw.forEach((json) => {
        if (json === null) return;
        try {
          const r = Incident.safeParse(JSON.parse(json));
          if (r.success) out.set(r.data.id, r.data);
        } catch {
          // unreadable: the incident is closed by its next status change as a new one
        }
      });
      return out;
    },
    hours(wanted) {
      return readBuckets(wanted.map(([mcp, hour]) => hourKey(mcp, hour)));
    },
    days(wanted) {
      return readBuckets(wanted.map(([mcp, day]) => [key(UPTIME_KEY.days(mcp)), dayKey(day)]));
    },
    batch(fence, expected) {
      const keyIndex = new Map<string, number>();
      const keyList: string[] = [keys.lease(fence.role), key(UPTIME_KEY.position)];
      const ops: string[] = [];
      const k = (name: string): string => {
        let i = keyIndex.get(name);
        if (i === undefined) {
          keyList.push(name);
          i = keyList.length;
          keyIndex.set(name, i);
        }
        return String(i);
      };
      const b: UptimeBatch = {
        hour(mcp, hour, bucket, expireAt) {
          const [hk, field] = hourKey(mcp, hour);
          ops.push('HS', k(hk), field, encodeBucket(bucket), 'PX', k(hk), String(expireAt));
          return b;
        },
        day(mcp, day, bucket, oldestDay, maxDays) {
          const dk = key(UPTIME_KEY.days(mcp));
          ops.push('HS', k(dk), dayKey(day), encodeBucket(bucket));
          ops.push('PD', k(dk), dayKey(oldestDay), String(maxDays));
          // A removed MCP's days go once nothing was written for the whole daily retention.
          ops.push('PX', k(dk), String(day + DAY_MS + (maxDays + 1) * DAY_MS));
          return b;
        },
        state(mcp, s) {
          if (s === null) ops.push('HD', k(key(UPTIME_KEY.state)), mcp);
          else ops.push('HS', k(key(UPTIME_KEY.state)), mcp, JSON.stringify(s));
          return b;
        },
        incident(i) {
          const start = String(Date.parse(i.started_at));
          ops.push('HS', k(key(UPTIME_KEY.incident)), i.id, JSON.stringify(i));
          ops.push('ZA', k(key(UPTIME_KEY.incidents)), start, i.id);
          ops.push('ZA', k(key(UPTIME_KEY.incidentsOf(i.mcp_name))), start, i.id);
          return b;
        },
        prune(mcp, cutoff, cap) {
          ops.push(
            'PI',
            k(key(UPTIME_KEY.incidentsOf(mcp))),
            String(cutoff),
            String(cap),
            k(key(UPTIME_KEY.incident)),
            k(key(UPTIME_KEY.incidents)),
          );
          return b;
        },
        async commit(to) {
          await cmd
            .beaconUptimeWrite(
              keyList.length,
              ...keyList,
              fence.token,
              expected,
              encodePosition(to),
              ...ops,
            )
            .catch((err: unknown) => {
              if (err instanceof Error && err.message.startsWith('RESET')) {
                throw new PositionMoved(err.message);
              }
              throw fencedOr(err, 'uptime write');
            });
        },
      };
      return b;
    },
    async wipe() {
      let cursor = '0';
      let deleted = 0;
      do {
        const [next, found] = await redis.scan(cursor, 'MATCH', `${key('')}*`, 'COUNT', 1000);
        cursor = next;
        if (found.length > 0) deleted += await redis.del(...found);
      } while (cursor !== '0');
      return deleted;
    },
  };
}
