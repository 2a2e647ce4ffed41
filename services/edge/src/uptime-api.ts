// The uptime history API (issue 14), read-only, for viewers and admins alike, filtered by the
// token's `mcps` claim: an MCP the token may not see is a 404 exactly like a missing one.
//   GET /api/mcps/:name/uptime?window=&end=   summary + series (hours for 24h/7d, else days)
//   GET /api/uptime?window=&end=              one summary per visible registered MCP
//   GET /api/mcps/:name/incidents             newest first, `next` continues
//   GET /api/incidents?mcp=&state=&from=&to=&min_duration=&limit=&next=
// Each answers CSV instead when the Accept header prefers text/csv. Data: the notifier's uptime
// projector keys (uptime-read.ts); the MCP list: this edge's mirror of the projection.
import type { RedisClient } from '@beacon/event-log';
import {
  BeaconError,
  UptimeWindow,
  figuresOf,
  nameFilter,
  parseOrThrow,
  type FleetUptimeResponse,
  type IncidentsResponse,
  type Keyspace,
  type UptimeResponse,
  type UptimeSummary,
} from '@beacon/protocol';
import type { Logger } from 'pino';
import type { TemplatedApp } from 'uWebSockets.js';
import { z } from 'zod';
import { createApiRoutes, mcpInPath } from './api-routes.js';
import { isScoped, type Authenticator, type Principal } from './auth.js';
import type { EdgeMetrics } from './edge-metrics.js';
import type { HostPolicy } from './hosts.js';
import { json, type Reply, type RequestInfo } from './http.js';
import type { Mirror } from './mirror.js';
import { CSV_TYPE, fleetUptimeCsv, incidentsCsv, prefersCsv, uptimeCsv } from './uptime-csv.js';
import { createUptimeReader, decodeCursor, type McpWindow } from './uptime-read.js';
import { iso, planWindow, seriesOf, type WindowPlan } from './uptime-window.js';

export interface UptimeApiDeps {
  readonly app: TemplatedApp;
  readonly redis: RedisClient;
  readonly keys: Keyspace;
  readonly mirror: Mirror;
  readonly auth: Authenticator;
  readonly allowedOrigins: readonly string[];
  readonly hosts: HostPolicy;
  readonly maxBodyBytes: number;
  /** How long a whole-fleet window answer is reused (BEACON_UPTIME_CACHE_MS). */
  readonly fleetCacheMs: number;
  readonly metrics: EdgeMetrics;
  readonly logger: Logger;
  readonly now?: () => number;
}

/** Whole-fleet windows computed at once, and waiting behind them before a 503. */
export const FLEET_CONCURRENCY = 2;
export const FLEET_QUEUE = 8;

/**
 * Runs at most `limit` tasks at once; up to `queue` more wait their turn; beyond that a task is
 * refused at once (BeaconError 'unavailable', a 503).
 */
export function createGate(
  limit: number,
  queue: number,
): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: Array<() => void> = [];
  const done = (): void => {
    running--;
    waiting.shift()?.();
  };
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (running >= limit) {
      if (waiting.length >= queue) {
        throw new BeaconError(
          'unavailable',
          'too many uptime windows are being computed at once; retry in a moment',
        );
      }
      await new Promise<void>((resolve) => waiting.push(resolve));
    }
    running++;
    try {
      return await task();
    } finally {
      done();
    }
  };
}

/** Patterns in `?mcp=` at most, and characters per pattern (a token's claim allows 130). */
export const MAX_QUERY_PATTERNS = 100;
export const MAX_QUERY_PATTERN_LENGTH = 130;

const Iso = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time' });
const WindowQuery = z.strictObject({
  window: UptimeWindow.default('24h'),
  end: Iso.optional(),
});
const Pattern = z
  .string()
  .min(1, 'must not be empty')
  .max(MAX_QUERY_PATTERN_LENGTH, `a pattern is at most ${MAX_QUERY_PATTERN_LENGTH} characters`)
  .regex(/^[A-Za-z0-9_.*-]+$/, 'patterns are MCP names with * wildcards');
const IncidentsQuery = z
  .strictObject({
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    next: z.string().max(300).optional(),
    state: z.enum(['open', 'resolved']).optional(),
    from: Iso.optional(),
    to: Iso.optional(),
    min_duration: z.coerce.number().nonnegative().max(1e10).optional(),
    mcp: z
      .string()
      .max(MAX_QUERY_PATTERNS * (MAX_QUERY_PATTERN_LENGTH + 1))
      .transform((s) => s.split(','))
      .pipe(z.array(Pattern).max(MAX_QUERY_PATTERNS, `at most ${MAX_QUERY_PATTERNS} patterns`))
      .optional(),
  })
  .refine(
    (q) => q.from === undefined || q.to === undefined || Date.parse(q.from) < Date.parse(q.to),
    {
      message: 'must be after from',
      path: ['to'],
    },
  );

const invalid = (param: string, message: string): BeaconError =>
  new BeaconError('invalid', `invalid query: ${param}: ${message}`, {
    issues: [{ path: param, message }],
  });

/** The query string as an object (first value of each name; empty values are absent). */
function queryOf(info: RequestInfo): Record<string, string> {
  if (info.query.length > 16_384) throw invalid('query', 'query string too long');
  const seen = new Map<string, string>();
  for (const [k, v] of new URLSearchParams(info.query)) {
    if (v !== '' && !seen.has(k)) seen.set(k, v);
  }
  // Own properties only (`__proto__`, `constructor` are just unknown names, refused as such).
  return Object.fromEntries(seen);
}

const csvReply = (body: string, filename: string): Reply => ({
  status: 200,
  body,
  contentType: CSV_TYPE,
  headers: {
    'content-disposition': `attachment; filename="${filename}"`,
    'access-control-expose-headers': 'content-disposition, x-beacon-next',
    vary: 'accept',
  },
});

export function mountUptimeApi(deps: UptimeApiDeps): void {
  const { app, mirror, metrics } = deps;
  const log = deps.logger.child({ component: 'uptime-api' });
  const now = deps.now ?? Date.now;
  const api = createApiRoutes({ ...deps, log });
  const skippedWarned = new Set<string>();
  const reader = createUptimeReader({
    redis: deps.redis,
    keys: deps.keys,
    onSkip: (kind, n) => {
      metrics.uptimeSkipped(kind, n);
      if (skippedWarned.has(kind)) return;
      skippedWarned.add(kind);
      log.warn(
        { kind },
        'skipped unreadable uptime data (counted in beacon_edge_uptime_skipped_total)',
      );
    },
  });

  const requireReady = (): void => {
    if (!mirror.ready) throw new BeaconError('unavailable', 'edge is not synchronised yet');
  };

  /** The MCP in the path, visible to the token and registered or with history; else 404. */
  async function mcpParam(info: RequestInfo, p: Principal): Promise<string> {
    const name = mcpInPath(info, p);
    if (mirror.row(name) === undefined && !(await reader.hasHistory(name))) {
      throw new BeaconError('not_found', `MCP ${name} not found`);
    }
    return name;
  }

  function windowPlan(info: RequestInfo): WindowPlan {
    const q = parseOrThrow(WindowQuery, queryOf(info), 'query');
    const t = now();
    let end: number | null = null;
    if (q.end !== undefined) {
      end = Date.parse(q.end);
      if (!Number.isFinite(end)) throw invalid('end', 'must be an ISO 8601 date-time');
      if (end > t) throw invalid('end', 'must not be in the future');
    }
    return planWindow(q.window, t, end);
  }

  const summaryOf = (plan: WindowPlan, w: McpWindow): UptimeSummary => ({
    mcp_name: w.name,
    window: plan.window,
    from: iso(plan.from),
    to: iso(plan.to),
    incidents: w.incidents,
    ...figuresOf(w.folded.total),
  });

  app.get(
    '/api/mcps/:name/uptime',
    api.route(1, false, async (info) => {
      const p = await api.principalOf(info);
      requireReady();
      const name = await mcpParam(info, p);
      const plan = windowPlan(info);
      const [w] = await reader.windows([name], plan, true);
      if (w === undefined) throw new BeaconError('internal', 'no uptime window computed');
      const body: UptimeResponse = {
        ...summaryOf(plan, w),
        bucket: plan.bucket,
        series: seriesOf(plan, w.folded),
      };
      if (prefersCsv(info.header('accept'))) {
        return csvReply(uptimeCsv(body), `uptime-${name}-${plan.window}.csv`);
      }
      return json(200, JSON.stringify(body));
    }),
  );

  // The whole fleet's window is computed once (1,000 MCPs × 30 days is ~54,000 buckets) and
  // shared: by concurrent requests always, by later ones for fleetCacheMs. Each token's answer
  // is its rows of it, so a scoped token costs a filter, and learns nothing more.
  interface FleetWindow {
    readonly plan: WindowPlan;
    readonly rows: readonly UptimeSummary[];
    /** The JSON answer of a token that sees the whole fleet, made once. */
    whole?: string;
  }
  interface Cached {
    readonly at: number;
    settled: boolean;
    readonly value: Promise<FleetWindow>;
  }
  const fleetCache = new Map<string, Cached>();
  // Distinct windows (`end` values) are computed at most FLEET_CONCURRENCY at a time, with a
  // short queue behind them; beyond it a request is refused 503, so a flood of distinct `end`s
  // costs a bounded share of the edge, not its event loop.
  const gate = createGate(FLEET_CONCURRENCY, FLEET_QUEUE);
  function fleetWindow(plan: WindowPlan, key: string): Promise<FleetWindow> {
    const t = now();
    const fresh = (c: Cached): boolean => !c.settled || t - c.at < deps.fleetCacheMs;
    const hit = fleetCache.get(key);
    if (hit !== undefined && fresh(hit)) return hit.value;
    for (const [k, c] of fleetCache) if (!fresh(c)) fleetCache.delete(k);
    if (fleetCache.size >= 64) fleetCache.delete(fleetCache.keys().next().value as string);
    const names = [...mirror.names()].sort();
    const entry: Cached = {
      at: t,
      settled: false,
      value: gate(() =>
        reader
          .windows(names, plan, false)
          .then((ws) => ({ plan, rows: ws.map((w) => summaryOf(plan, w)) })),
      ),
    };
    entry.value.then(
      () => (entry.settled = true),
      () => fleetCache.get(key) === entry && fleetCache.delete(key),
    );
    fleetCache.set(key, entry);
    return entry.value;
  }

  app.get(
    '/api/uptime',
    api.route(0, false, async (info) => {
      const p = await api.principalOf(info);
      requireReady();
      const asked = windowPlan(info);
      const ended = info.q('end');
      const fleet = await fleetWindow(
        asked,
        `${asked.window}|${ended === null || ended === '' ? 'now' : asked.to}`,
      );
      const { plan } = fleet;
      const csv = prefersCsv(info.header('accept'));
      if (!csv && !isScoped(p) && fleet.whole !== undefined) return json(200, fleet.whole);
      const rows = isScoped(p) ? fleet.rows.filter((r) => p.filter(r.mcp_name)) : fleet.rows;
      if (csv) return csvReply(fleetUptimeCsv(rows), `uptime-${plan.window}.csv`);
      const body: FleetUptimeResponse = {
        window: plan.window,
        from: iso(plan.from),
        to: iso(plan.to),
        mcps: [...rows],
      };
      const text = JSON.stringify(body);
      if (!isScoped(p)) fleet.whole = text;
      return json(200, text);
    }),
  );

  async function incidentsReply(info: RequestInfo, p: Principal, mcp: string | null) {
    const raw = queryOf(info);
    if (mcp !== null && raw.mcp !== undefined) {
      throw invalid('mcp', 'not allowed here (the path names the MCP); use /api/incidents');
    }
    const q = parseOrThrow(IncidentsQuery, raw, 'query');
    const after = q.next === undefined ? null : decodeCursor(q.next);
    if (q.next !== undefined && after === null) throw invalid('next', 'not a cursor this API sent');
    const wanted = q.mcp === undefined ? null : nameFilter(q.mcp);
    const t = now();
    const page = await reader.incidents({
      mcp,
      filter: (n) => p.filter(n) && (wanted === null || wanted(n)),
      state: q.state,
      from: q.from === undefined ? undefined : Date.parse(q.from),
      to: q.to === undefined ? undefined : Date.parse(q.to),
      minDuration: q.min_duration,
      limit: q.limit,
      after,
      now: t,
      names: async () => [...new Set([...mirror.names(), ...(await reader.stateNames())])],
    });
    if (prefersCsv(info.header('accept'))) {
      const reply = csvReply(
        incidentsCsv(page.incidents),
        mcp === null ? 'incidents.csv' : `incidents-${mcp}.csv`,
      );
      return page.next === null
        ? reply
        : { ...reply, headers: { ...reply.headers, 'x-beacon-next': page.next } };
    }
    const body: IncidentsResponse = page;
    return json(200, JSON.stringify(body));
  }

  app.get(
    '/api/mcps/:name/incidents',
    api.route(1, false, async (info) => {
      const p = await api.principalOf(info);
      requireReady();
      return incidentsReply(info, p, await mcpParam(info, p));
    }),
  );

  app.get(
    '/api/incidents',
    api.route(0, false, async (info) => {
      const p = await api.principalOf(info);
      requireReady();
      return incidentsReply(info, p, null);
    }),
  );
}
