// Reads of the uptime projector's keys (the edge never writes them): window rollups for one or
// many MCPs in two pipelined round trips, and incident pages (newest first, filtered, resumable
// with an opaque `<start ms>:<id>` cursor). Stored entries that do not decode are skipped and
// counted (onSkip), never a 500; Redis being down is `unavailable` (503).
import type { RedisClient } from '@beacon/event-log';
import {
  BeaconError,
  Incident,
  UPTIME_KEY,
  UptimeState,
  type Keyspace,
  type NameFilter,
} from '@beacon/protocol';
import { foldWindow, overlapping, type Folded, type WindowPlan } from './uptime-window.js';

export type SkipKind = 'bucket' | 'state' | 'incident';

export interface UptimeReaderOptions {
  readonly redis: RedisClient;
  readonly keys: Keyspace;
  readonly onSkip: (kind: SkipKind, count: number) => void;
}

export interface McpWindow {
  readonly name: string;
  readonly folded: Folded;
  readonly incidents: number;
}

export interface Cursor {
  readonly score: number;
  readonly id: string;
}

export interface IncidentQuery {
  /** One MCP's incidents, or (null) the fleet's. */
  readonly mcp: string | null;
  /** Who may be shown (the token's claim and the `mcp` patterns together). */
  readonly filter: NameFilter;
  readonly state: 'open' | 'resolved' | undefined;
  /** Overlap with [from, to) (epoch ms). */
  readonly from: number | undefined;
  readonly to: number | undefined;
  readonly minDuration: number | undefined;
  readonly limit: number;
  readonly after: Cursor | null;
  readonly now: number;
  /** For the fleet with `from`: every MCP that may have an incident reaching into the period. */
  readonly names: () => Promise<readonly string[]>;
}

export interface IncidentPage {
  readonly incidents: Incident[];
  readonly next: string | null;
}

/** Ids of the fleet set examined per request at most; a longer scan ends with a `next`. */
export const MAX_SCAN = 10_000;
const BATCH = 500;

export const encodeCursor = (c: Cursor): string => `${c.score}:${c.id}`;

/** The cursor a `next` string holds, or null when it is not one we could have sent. */
export function decodeCursor(s: string): Cursor | null {
  if (s.length < 3 || s.length > 300) return null;
  const colon = s.indexOf(':');
  if (colon < 1 || colon > 16) return null;
  const digits = s.slice(0, colon);
  for (let i = 0; i < digits.length; i++) {
    const c = digits.charCodeAt(i);
    if (c < 48 || c > 57) return null;
  }
  const score = Number(digits);
  const id = s.slice(colon + 1);
  if (!Number.isSafeInteger(score) || id.length === 0 || id.length > 256) return null;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return null;
  }
  return { score, id };
}

/** After `c` in newest-first order (Redis orders equal scores by member, bytewise). */
const isAfter = (score: number, id: string, c: Cursor | null): boolean =>
  c === null || score < c.score || (score === c.score && id < c.id);

type Results = [Error | null, unknown][];

/** Stored fields one read script fetches at most (keeps each script short: Redis blocks). */
const FIELDS_PER_SCRIPT = 10_000;

/**
 * One script per chunk of MCPs instead of ~5 commands each: a fleet window is 1,000 MCPs, and
 * per-command client overhead, not Redis, was most of its time. Read-only; every key declared.
 * KEYS per MCP: days, the hour keys of the plan, incidents:<mcp>. ARGV: from, "(to", #days,
 * #hour keys, the day fields, then per hour key its field count and fields. Per MCP it returns
 * {days values, hour values…, incidents starting in [from, to), the last id before from or ""};
 * a wrong-typed key gives 0 instead of its values (the reader skips and counts it).
 */
const WINDOW_SCRIPT = `
local from, toEx = ARGV[1], ARGV[2]
local nd, ng = tonumber(ARGV[3]), tonumber(ARGV[4])
local dayFields = {}
for i = 1, nd do dayFields[i] = ARGV[4 + i] end
local groups, a = {}, 5 + nd
for g = 1, ng do
  local n, f = tonumber(ARGV[a]), {}
  for i = 1, n do f[i] = ARGV[a + i] end
  groups[g] = f
  a = a + n + 1
end
local function values(key, f)
  if #f == 0 then return {} end
  local r = redis.pcall('HMGET', key, unpack(f))
  if type(r) == 'table' and r.err == nil then return r end
  return 0
end
local stride, out = ng + 2, {}
for m = 0, #KEYS / stride - 1 do
  local b, row = m * stride, {}
  row[1] = values(KEYS[b + 1], dayFields)
  for g = 1, ng do row[1 + g] = values(KEYS[b + 1 + g], groups[g]) end
  local set = KEYS[b + ng + 2]
  local c = redis.pcall('ZCOUNT', set, from, toEx)
  row[ng + 2] = type(c) == 'number' and c or 0
  local last = redis.pcall('ZREVRANGEBYSCORE', set, '(' .. from, '-inf', 'LIMIT', 0, 1)
  row[ng + 3] = (type(last) == 'table' and last.err == nil and last[1]) or ''
  out[m + 1] = row
end
return out
`;

export function createUptimeReader(o: UptimeReaderOptions) {
  const { redis, keys, onSkip } = o;
  const k = (suffix: string): string => keys.uptime(suffix);

  async function run(build: (p: ReturnType<RedisClient['pipeline']>) => void): Promise<Results> {
    const p = redis.pipeline();
    build(p);
    let out: Results | null;
    try {
      out = (await p.exec()) as Results | null;
    } catch (err) {
      throw new BeaconError('unavailable', 'cannot read uptime data: Redis unavailable', {
        cause: err,
      });
    }
    if (out === null) throw new BeaconError('unavailable', 'uptime read was aborted');
    // A connection error fails every command alike; a wrong-typed key fails only its own.
    const first = out[0]?.[0];
    if (first != null && !/WRONGTYPE/.test(first.message) && out.every(([e]) => e !== null)) {
      throw new BeaconError('unavailable', 'cannot read uptime data: Redis unavailable', {
        cause: first,
      });
    }
    return out;
  }

  /** A reply that is not what the command returns on a sane key counts as garbage. */
  const strings = (r: [Error | null, unknown] | undefined, kind: SkipKind): (string | null)[] => {
    if (r === undefined || r[0] !== null || !Array.isArray(r[1])) {
      onSkip(kind, 1);
      return [];
    }
    return r[1] as (string | null)[];
  };

  function parse<T>(
    schema: { safeParse(v: unknown): { success: true; data: T } | { success: false } },
    raw: string | null | undefined,
    kind: SkipKind,
  ): T | null {
    if (raw === null || raw === undefined) return null;
    try {
      const r = schema.safeParse(JSON.parse(raw));
      if (r.success) return r.data;
    } catch {
      // not JSON: counted below
    }
    onSkip(kind, 1);
    return null;
  }

  async function incidentsById(ids: readonly string[]): Promise<(Incident | null)[]> {
    if (ids.length === 0) return [];
    const [r] = await run((p) => p.hmget(k(UPTIME_KEY.incident), ...ids));
    const raw = strings(r, 'incident');
    return ids.map((id, i) => {
      const inc = parse(Incident, raw[i], 'incident');
      if (inc === null) return null;
      if (inc.id !== id) {
        onSkip('incident', 1);
        return null;
      }
      return inc;
    });
  }

  /** The window of each MCP (summary totals, and the series slots when asked). */
  async function windows(
    names: readonly string[],
    plan: WindowPlan,
    withSlots: boolean,
  ): Promise<McpWindow[]> {
    if (names.length === 0) return [];
    const fields = plan.days.length + plan.hours.reduce((n, h) => n + h.fields.length, 0);
    const chunk = Math.max(1, Math.floor(FIELDS_PER_SCRIPT / Math.max(1, fields)));
    const args: (string | number)[] = [
      plan.from,
      `(${plan.to}`,
      plan.days.length,
      plan.hours.length,
      ...plan.days,
    ];
    for (const h of plan.hours) args.push(h.fields.length, ...h.fields);
    const res = await run((p) => {
      p.hmget(k(UPTIME_KEY.state), ...names);
      for (let i = 0; i < names.length; i += chunk) {
        const keysOf: string[] = [];
        for (const name of names.slice(i, i + chunk)) {
          keysOf.push(k(UPTIME_KEY.days(name)));
          for (const h of plan.hours) keysOf.push(k(UPTIME_KEY.hours(name, h.day)));
          keysOf.push(k(UPTIME_KEY.incidentsOf(name)));
        }
        p.eval(WINDOW_SCRIPT, keysOf.length, ...keysOf, ...args);
      }
    });
    const states = strings(res[0], 'state');
    const before: (string | null)[] = [];
    const rows = names.map((name, n) => {
      const reply = res[1 + Math.floor(n / chunk)];
      const all = reply?.[0] === null && Array.isArray(reply[1]) ? (reply[1] as unknown[]) : [];
      const row = all[n % chunk];
      const cells = Array.isArray(row) ? (row as unknown[]) : [];
      if (cells.length !== plan.hours.length + 3) onSkip('bucket', 1);
      const list = (v: unknown): (string | null)[] => {
        if (Array.isArray(v)) return v as (string | null)[];
        onSkip('bucket', 1); // a wrong-typed key
        return [];
      };
      const days = plan.days.length > 0 ? list(cells[0]) : [];
      const hours = plan.hours.map((_, g) => list(cells[1 + g]));
      const count = cells[plan.hours.length + 1];
      const last = cells[plan.hours.length + 2];
      const starting = typeof count === 'number' ? count : 0;
      before.push(typeof last === 'string' && last !== '' ? last : null);
      const state = parse(UptimeState, states[n], 'state');
      const folded = foldWindow(plan, { days, hours, state }, withSlots);
      if (folded.bad > 0) onSkip('bucket', folded.bad);
      return { name, folded, starting };
    });
    const wanted = [...new Set(before.filter((id): id is string => id !== null))];
    const found = new Map<string, Incident | null>();
    (await incidentsById(wanted)).forEach((inc, i) => found.set(wanted[i]!, inc));
    return rows.map((r, n) => {
      const id = before[n];
      const inc = id === null || id === undefined ? null : (found.get(id) ?? null);
      return { name: r.name, folded: r.folded, incidents: overlapping(r.starting, inc, plan.from) };
    });
  }

  /** Whether anything is stored for an MCP (it may have been removed and still have history). */
  async function hasHistory(name: string): Promise<boolean> {
    const res = await run((p) => {
      p.hexists(k(UPTIME_KEY.state), name);
      p.exists(k(UPTIME_KEY.days(name)), k(UPTIME_KEY.incidentsOf(name)));
    });
    return res.some(([e, v]) => e === null && typeof v === 'number' && v > 0);
  }

  async function stateNames(): Promise<string[]> {
    const [r] = await run((p) => p.hkeys(k(UPTIME_KEY.state)));
    return strings(r, 'state').filter((s): s is string => typeof s === 'string');
  }

  /** An open incident lasts until `to` (or now); a resolved one as stored. */
  function shown(inc: Incident, q: IncidentQuery): Incident {
    if (inc.ended_at !== null) return inc;
    const end = q.to ?? q.now;
    const start = Date.parse(inc.started_at);
    return { ...inc, duration_s: Number.isFinite(start) ? Math.max(0, (end - start) / 1000) : 0 };
  }

  function keep(inc: Incident, q: IncidentQuery): boolean {
    if (!q.filter(inc.mcp_name) || (q.mcp !== null && inc.mcp_name !== q.mcp)) return false;
    if (q.state === 'open' && inc.ended_at !== null) return false;
    if (q.state === 'resolved' && inc.ended_at === null) return false;
    if (q.from !== undefined && inc.ended_at !== null && !(Date.parse(inc.ended_at) > q.from)) {
      return false;
    }
    if (q.minDuration !== undefined && inc.duration_s < q.minDuration) return false;
    return true;
  }

  type Pair = { score: number; id: string };
  const pairsOf = (r: [Error | null, unknown] | undefined): Pair[] => {
    const flat = strings(r, 'incident');
    const out: Pair[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const score = Number(flat[i + 1]);
      if (typeof flat[i] === 'string' && Number.isFinite(score)) {
        out.push({ id: flat[i] as string, score });
      }
    }
    return out;
  };

  /**
   * Newest first. Incidents starting inside the period (or all, without `from`) are scanned from
   * the fleet (or MCP) set, MAX_SCAN ids at most per call; those starting before `from` that
   * reach into it are at most one per MCP: the last of its set before `from`.
   */
  async function incidents(q: IncidentQuery): Promise<IncidentPage> {
    const set = k(q.mcp === null ? UPTIME_KEY.incidents : UPTIME_KEY.incidentsOf(q.mcp));
    const page: { inc: Incident; score: number }[] = [];
    const full = (): boolean => page.length > q.limit;
    const max =
      q.after !== null
        ? q.to !== undefined && q.to <= q.after.score
          ? `(${q.to}`
          : String(q.after.score)
        : q.to !== undefined
          ? `(${q.to}`
          : '+inf';
    const min = q.from === undefined ? '-inf' : String(q.from);
    let offset = 0;
    let scanned = 0;
    let last: Pair | null = null;
    for (;;) {
      const [r] = await run((p) => p.zrevrangebyscore(set, max, min, 'WITHSCORES', 'LIMIT', offset, BATCH));
      const got = pairsOf(r);
      offset += got.length;
      const fresh = got.filter((x) => isAfter(x.score, x.id, q.after));
      const found = await incidentsById(fresh.map((x) => x.id));
      for (let i = 0; i < fresh.length && !full(); i++) {
        last = fresh[i]!;
        scanned++;
        const inc = found[i];
        if (inc === null || inc === undefined) continue;
        const s = shown(inc, q);
        if (keep(s, q)) page.push({ inc: s, score: fresh[i]!.score });
      }
      if (full()) return finish(page, q.limit);
      if (got.length < BATCH) break;
      if (scanned >= MAX_SCAN && last !== null) {
        // A long scan for few matches: answer what was found, continue after what was examined.
        return { incidents: page.map((x) => x.inc), next: encodeCursor(last) };
      }
    }
    if (q.from !== undefined) {
      const from = q.from;
      const names = q.mcp !== null ? [q.mcp] : (await q.names()).filter((n) => q.filter(n));
      const res = await run((p) => {
        for (const n of names) {
          p.zrevrangebyscore(
            k(UPTIME_KEY.incidentsOf(n)),
            `(${from}`,
            '-inf',
            'WITHSCORES',
            'LIMIT',
            0,
            1,
          );
        }
      });
      const spanning = res
        .flatMap((r) => pairsOf(r))
        .filter((x) => isAfter(x.score, x.id, q.after) && (q.to === undefined || x.score < q.to))
        .sort((a, b) => b.score - a.score || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
      const found = await incidentsById(spanning.map((x) => x.id));
      for (let i = 0; i < spanning.length && !full(); i++) {
        const inc = found[i];
        if (inc === null || inc === undefined) continue;
        const s = shown(inc, q);
        if (keep(s, q)) page.push({ inc: s, score: spanning[i]!.score });
      }
    }
    return finish(page, q.limit);
  }

  function finish(page: { inc: Incident; score: number }[], limit: number): IncidentPage {
    if (page.length <= limit) return { incidents: page.map((x) => x.inc), next: null };
    const shownPage = page.slice(0, limit);
    const tail = shownPage[shownPage.length - 1]!;
    return {
      incidents: shownPage.map((x) => x.inc),
      next: encodeCursor({ score: tail.score, id: tail.inc.id }),
    };
  }

  return { windows, hasHistory, stateNames, incidents } as const;
}

export type UptimeReader = ReturnType<typeof createUptimeReader>;
