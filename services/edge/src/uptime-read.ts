// Reads of the uptime projector's keys (the edge never writes them): window rollups for one or
// many MCPs in two pipelined round trips, and incident pages (newest first, filtered, resumable
// with an opaque `<start ms>:<id>` cursor). Stored entries that do not decode are skipped and
// counted (onSkip), never a 500; Redis being down is `unavailable` (503).
import type { RedisClient } from '@beacon/event-log';
import {
  BeaconError,
  Incident,
  McpName,
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
  /** Ids examined per incidents call at most (default MAX_SCAN). */
  readonly maxScan?: number;
  /** Ids read per round trip while scanning (default 500). */
  readonly batch?: number;
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
/** MCP names taken from the projector's state hash at most (it is one per MCP). */
const MAX_NAMES = 100_000;

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

/** MCPs whose incident counts one script reads (two sorted-set lookups each). */
const COUNTS_PER_SCRIPT = 500;
/** MCPs folded between two yields to the event loop. */
const FOLD_SLICE = 100;

/**
 * The incident counts of a chunk of MCPs in one command instead of two each. KEYS: the MCPs'
 * `incidents:<mcp>` sets; ARGV: from, "(to". Returns per MCP the number of incidents starting
 * in [from, to) and the id of the last one before `from` ("" for none; 0 and "" for a key that
 * is not a sorted set). Read-only, every key declared. The buckets are plain pipelined HMGETs:
 * a script would copy every value through Lua, about four times Redis' own HMGET work.
 */
const COUNTS_SCRIPT = `
local from, toEx, out = ARGV[1], ARGV[2], {}
for i = 1, #KEYS do
  local c = redis.pcall('ZCOUNT', KEYS[i], from, toEx)
  out[2 * i - 1] = type(c) == 'number' and c or 0
  local last = redis.pcall('ZREVRANGEBYSCORE', KEYS[i], '(' .. from, '-inf', 'LIMIT', 0, 1)
  out[2 * i] = (type(last) == 'table' and last.err == nil and last[1]) or ''
end
return out
`;

export function createUptimeReader(o: UptimeReaderOptions) {
  const { redis, keys, onSkip } = o;
  const maxScan = o.maxScan ?? MAX_SCAN;
  const batch = o.batch ?? BATCH;
  const k = (suffix: string): string => keys.uptime(suffix);

  async function run(build: (p: ReturnType<RedisClient['pipeline']>) => void): Promise<Results> {
    const p = redis.pipeline();
    build(p);
    let out: Results | null;
    try {
      out = await p.exec();
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
    const dayFields = [...plan.days, ...plan.partial.map((x) => x.day)];
    const perName = (dayFields.length > 0 ? 1 : 0) + plan.hours.length;
    const scripts = Math.ceil(names.length / COUNTS_PER_SCRIPT);
    const res = await run((p) => {
      p.hmget(k(UPTIME_KEY.state), ...names);
      for (let i = 0; i < names.length; i += COUNTS_PER_SCRIPT) {
        const sets = names.slice(i, i + COUNTS_PER_SCRIPT).map((n) => k(UPTIME_KEY.incidentsOf(n)));
        p.eval(COUNTS_SCRIPT, sets.length, ...sets, plan.from, `(${plan.to}`);
      }
      for (const name of names) {
        if (dayFields.length > 0) p.hmget(k(UPTIME_KEY.days(name)), ...dayFields);
        for (const h of plan.hours) p.hmget(k(UPTIME_KEY.hours(name, h.day)), ...h.fields);
      }
    });
    const failed = res.slice(1, 1 + scripts).find(([e]) => e !== null)?.[0];
    if (failed != null) {
      // Not stored garbage (the script survives wrong-typed keys): Redis refused the read.
      throw new BeaconError('unavailable', `cannot read uptime data: ${failed.message}`, {
        cause: failed,
      });
    }
    const counts = res
      .slice(1, 1 + scripts)
      .flatMap(([, v]) => (Array.isArray(v) ? (v as unknown[]) : []));
    const states = strings(res[0], 'state');
    const before: (string | null)[] = [];
    const read = names.map((name, n) => {
      let at = 1 + scripts + n * perName;
      const allDays = dayFields.length > 0 ? strings(res[at++], 'bucket') : [];
      const hours = plan.hours.map(() => strings(res[at++], 'bucket'));
      const count: unknown = counts[2 * n];
      const last: unknown = counts[2 * n + 1];
      before.push(typeof last === 'string' && last !== '' ? last : null);
      // A partial day with a stored day but none of its hours: maybe its hour key expired.
      const suspects = plan.partial.flatMap((x, i) =>
        allDays[plan.days.length + i] != null && (hours[x.group] ?? []).every((v) => v === null)
          ? [i]
          : [],
      );
      return {
        name,
        days: allDays.slice(0, plan.days.length),
        partialDays: allDays.slice(plan.days.length),
        hours,
        suspects,
        state: parse(UptimeState, states[n], 'state'),
        starting: typeof count === 'number' ? count : 0,
      };
    });
    const checks = read.flatMap((r) =>
      r.suspects.map((i) => ({ r, i, key: k(UPTIME_KEY.hours(r.name, plan.partial[i]!.day)) })),
    );
    const gone =
      checks.length === 0 ? [] : await run((p) => checks.forEach((c) => p.exists(c.key)));
    const expired = new Map<(typeof read)[number], (string | null)[]>();
    checks.forEach((c, j) => {
      const [err, n] = gone[j] ?? [null, 1];
      if (err !== null || n !== 0) return;
      let list = expired.get(c.r);
      if (list === undefined) expired.set(c.r, (list = plan.partial.map(() => null)));
      list[c.i] = c.r.partialDays[c.i] ?? null;
    });
    // Folding a fleet is ~50,000 buckets for 30 days: yield to the event loop between slices so
    // WebSocket fan-out and other requests are not held up behind it.
    const rows: Array<{ name: string; folded: Folded; starting: number }> = [];
    for (const [n, r] of read.entries()) {
      if (n > 0 && n % FOLD_SLICE === 0)
        await new Promise<void>((resolve) => setImmediate(resolve));
      const folded = foldWindow(
        plan,
        { days: r.days, hours: r.hours, state: r.state, expired: expired.get(r) ?? [] },
        withSlots,
      );
      if (folded.bad > 0) onSkip('bucket', folded.bad);
      rows.push({ name: r.name, folded, starting: r.starting });
    }
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
    const names = strings(r, 'state').filter(
      (s): s is string => typeof s === 'string' && McpName.safeParse(s).success,
    );
    return names.slice(0, MAX_NAMES);
  }

  /** An open incident lasts until `to` (or now, whichever is first); a resolved one as stored. */
  function shown(inc: Incident, q: IncidentQuery): Incident {
    if (inc.ended_at !== null) return inc;
    const end = Math.min(q.to ?? q.now, q.now);
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
      const [r] = await run((p) =>
        p.zrevrangebyscore(set, max, min, 'WITHSCORES', 'LIMIT', offset, batch),
      );
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
      if (got.length < batch) break;
      if (scanned >= maxScan && last !== null) {
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
