// The uptime history API on a real edge and a real Redis. The projector's keys are seeded with
// the protocol codec (its own tests cover log → rollups); checked here: exact figures for 24h,
// 7d and 30d windows ending at `end=`, the open interval, series shapes, incidents overlapping
// the window's start, incident pages and every filter, CSV (quoting, formula neutralised),
// scoped tokens (only their MCPs, 404 for the rest), bad params naming the param, and corrupt
// stored entries skipped without a 500.
import {
  DAY_MS,
  HOUR_MS,
  UPTIME_KEY,
  addProbe,
  addTime,
  dayKey,
  dayStart,
  emptyBucket,
  encodeBucket,
  figuresOf,
  hourField,
  hourStart,
  mergeBucket,
  type Bucket,
  type Incident,
  type UptimeResponse,
} from '@beacon/protocol';
import { incidentBetween } from '@beacon/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registration } from './bench/seed.js';
import {
  checkRestAnswer,
  mintToken,
  startTestBed,
  type InProcessEdge,
  type TestBed,
} from './test-support.js';

let bed: TestBed;
let edge: InProcessEdge;
let admin: string;
let viewer: string;
let scoped: string;

const NOW = Date.now();
/** The `end` of most checks: midday three days ago. */
const E = dayStart(NOW) - 3 * DAY_MS + 12 * HOUR_MS;
const A = 'mcp-0000';
const B = 'mcp-0001';
const BAD = 'mcp-0002';

/** A's hour starting at `h`: healthy, with an outage every 17th hour and maintenance every 29th. */
function hourOfA(h: number): Bucket {
  const b = emptyBucket();
  const n = h / HOUR_MS;
  if (n % 29 === 0) addTime(b, 'maintenance', HOUR_MS);
  else if (n % 17 === 0) {
    addTime(b, 'unhealthy', 600_000);
    addTime(b, 'healthy', HOUR_MS - 600_000);
  } else addTime(b, 'healthy', HOUR_MS);
  for (let i = 0; i < 6; i++) addProbe(b, !(n % 17 === 0 && i === 0), 10 + ((n + i) % 7) * 30);
  return b;
}

const sumOf = (from: number, to: number, f: (h: number) => Bucket): Bucket => {
  const total = emptyBucket();
  for (let h = from; h < to; h += HOUR_MS) mergeBucket(total, f(h));
  return total;
};

const A1 = incidentBetween(A, 1, E - 26 * HOUR_MS, E - 23 * HOUR_MS);
const A2 = incidentBetween(A, 2, E - 5 * HOUR_MS, E - 4.5 * HOUR_MS);
const A3 = incidentBetween(A, 3, E - 40 * DAY_MS, E - 40 * DAY_MS + HOUR_MS);
const B0 = incidentBetween(B, 1, E - 10 * DAY_MS, E - 10 * DAY_MS + 600_000, {
  first_error: '=cmd|"/c calc"!A1',
  actions: [
    {
      at: new Date(E - 10 * DAY_MS).toISOString(),
      actor: '@evil',
      action: 'manually_disabled',
      command_id: null,
    },
    {
      at: new Date(E - 10 * DAY_MS).toISOString(),
      actor: 'ada',
      action: 'manually_enabled',
      command_id: null,
    },
  ],
});
const B1 = incidentBetween(B, 2, E - 3 * HOUR_MS, null, { statuses: ['disconnected'] });
const C1 = incidentBetween('billing-api', 1, E - 2 * HOUR_MS, E - HOUR_MS, {
  first_error: 'boom, "quoted"\nline 2',
});
const D1 = incidentBetween('billing-db', 1, E - 2 * HOUR_MS, E - 1.5 * HOUR_MS);
/** Every readable incident, newest first (same start: greater id first, as Redis orders). */
const ALL = [D1, C1, B1, A2, A1, B0, A3];

async function seed(): Promise<void> {
  const r = bed.writer.redis;
  const k = (s: string) => bed.writer.log.keys.uptime(s);
  const p = r.pipeline();
  const first = dayStart(E) - 32 * DAY_MS;
  const last = dayStart(E) + DAY_MS;
  const days = new Map<string, Bucket>();
  for (let h = first; h < last; h += HOUR_MS) {
    const b = hourOfA(h);
    p.hset(k(UPTIME_KEY.hours(A, dayKey(h))), hourField(h), encodeBucket(b));
    const d = days.get(dayKey(h)) ?? emptyBucket();
    days.set(dayKey(h), mergeBucket(d, b));
  }
  for (const [day, b] of days) p.hset(k(UPTIME_KEY.days(A)), day, encodeBucket(b));
  // B: healthy until E - 3h (credited), disconnected since (the open interval).
  for (let h = E - 2 * DAY_MS; h < E - 3 * HOUR_MS; h += HOUR_MS) {
    const b = emptyBucket();
    addTime(b, 'healthy', HOUR_MS);
    p.hset(k(UPTIME_KEY.hours(B, dayKey(h))), hourField(h), encodeBucket(b));
  }
  // BAD: one good hour, one garbage hour, a garbage day, a wrong-typed hour key.
  const good = emptyBucket();
  addTime(good, 'healthy', 1_000);
  p.hset(k(UPTIME_KEY.hours(BAD, dayKey(E - HOUR_MS))), hourField(E - HOUR_MS), encodeBucket(good));
  p.hset(k(UPTIME_KEY.hours(BAD, dayKey(E - 2 * HOUR_MS))), hourField(E - 2 * HOUR_MS), '1,2;x');
  p.hset(k(UPTIME_KEY.days(BAD)), dayKey(E - 5 * DAY_MS), 'garbage');
  p.set(k(UPTIME_KEY.hours(BAD, dayKey(E - 6 * DAY_MS))), 'not a hash');
  // billing-api: the first partial day of a 30d window only as a day (its hour key expired);
  // billing-db: that day's hour key is there, with hours outside the window only.
  const early = E - 30 * DAY_MS;
  const wholeDay = emptyBucket();
  addTime(wholeDay, 'healthy', DAY_MS);
  for (let i = 0; i < 100; i++) addProbe(wholeDay, true, 40);
  p.hset(k(UPTIME_KEY.days('billing-api')), dayKey(early), encodeBucket(wholeDay));
  const morning = emptyBucket();
  addTime(morning, 'healthy', 3 * HOUR_MS);
  p.hset(k(UPTIME_KEY.days('billing-db')), dayKey(early), encodeBucket(morning));
  p.hset(k(UPTIME_KEY.hours('billing-db', dayKey(early))), '00', encodeBucket(morning));
  const state = (category: string, since: number, incident: string | null) =>
    JSON.stringify({ category, since, incident, tags: [] });
  p.hset(
    k(UPTIME_KEY.state),
    A,
    state('healthy', last, null),
    B,
    state('disconnected', E - 3 * HOUR_MS, B1.id),
    BAD,
    '{"category":"sideways"}',
    'billing-api',
    state('healthy', E, null),
    'billing-db',
    state('healthy', E, null),
    'gone-mcp',
    state('inactive', E - DAY_MS, null),
  );
  for (const i of ALL) {
    const at = Date.parse(i.started_at);
    p.hset(k(UPTIME_KEY.incident), i.id, JSON.stringify(i));
    p.zadd(k(UPTIME_KEY.incidents), at, i.id);
    p.zadd(k(UPTIME_KEY.incidentsOf(i.mcp_name)), at, i.id);
  }
  p.hset(k(UPTIME_KEY.incident), `${BAD}@1-0`, 'not json');
  p.zadd(k(UPTIME_KEY.incidents), E - 6 * HOUR_MS, `${BAD}@1-0`);
  p.zadd(k(UPTIME_KEY.incidentsOf(BAD)), E - 6 * HOUR_MS, `${BAD}@1-0`);
  await p.exec();
}

beforeAll(async () => {
  bed = await startTestBed('edge-uptime', 3);
  await bed.writer.log.append(registration('billing-api'));
  await bed.writer.log.append(registration('billing-db'));
  await seed();
  edge = await bed.edge();
  admin = await mintToken({ sub: 'ada', role: 'admin' });
  viewer = await mintToken({ sub: 'vic', role: 'viewer' });
  scoped = await mintToken({ sub: 'sam', role: 'viewer', mcps: ['billing-*'] });
}, 60_000);
afterAll(async () => {
  await bed?.stop();
});

interface Answer {
  readonly status: number;
  readonly json: Record<string, unknown>;
}

async function get(path: string, token = viewer): Promise<Answer> {
  const res = await fetch(`${edge.http}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const json = (await res.json()) as Record<string, unknown>;
  return { status: res.status, json: checkRestAnswer('GET', path, res.status, json) };
}

async function csv(path: string, token = viewer) {
  const res = await fetch(`${edge.http}${path}`, {
    headers: { authorization: `Bearer ${token}`, accept: 'text/csv, application/json;q=0.5' },
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** RFC 4180 parse (test side), to check what a spreadsheet would read. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  return rows;
}

const uptime = async (path: string, token = viewer): Promise<UptimeResponse> => {
  const a = await get(path, token);
  expect(a.status, JSON.stringify(a.json)).toBe(200);
  return a.json as unknown as UptimeResponse;
};
const ids = (a: Answer): string[] => (a.json.incidents as Incident[]).map((i) => i.id);
const endQ = `end=${encodeURIComponent(new Date(E).toISOString())}`;

describe('GET /api/mcps/:name/uptime', () => {
  it('24h ending at end=: exact figures, 24 hourly points, incidents spanning `from` counted', async () => {
    const r = await uptime(`/api/mcps/${A}/uptime?window=24h&${endQ}`);
    expect(r.from).toBe(new Date(E - DAY_MS).toISOString());
    expect(r.to).toBe(new Date(E).toISOString());
    expect(r.bucket).toBe('hour');
    expect(r.series).toHaveLength(24);
    const expected = figuresOf(sumOf(E - DAY_MS, E, hourOfA));
    const { mcp_name, window, from, to, incidents, bucket, series, ...figures } = r;
    void [mcp_name, window, from, to, bucket, series];
    expect(figures).toEqual(expected);
    let outages = 0;
    let maintenance = 0;
    for (let h = E - DAY_MS; h < E; h += HOUR_MS) {
      if ((h / HOUR_MS) % 29 === 0) maintenance++;
      else if ((h / HOUR_MS) % 17 === 0) outages++;
    }
    expect(r.downtime_s).toBe(outages * 600);
    expect(r.maintenance_s).toBe(maintenance * 3600);
    expect(r.observed_s).toBe(86_400);
    expect(r.probes).toBe(144);
    // A2 inside, A1 started before `from` and ended after it; A3 long before.
    expect(incidents).toBe(2);
    expect(r.series[0]!.start).toBe(r.from);
    expect(r.series[23]!.end).toBe(r.to);
    expect(r.series.reduce((n, b) => n + b.downtime_s, 0)).toBe(r.downtime_s);
  });

  it('7d: 168 hourly points; 30d: 31 daily points mixing whole days and partial ones', async () => {
    const week = await uptime(`/api/mcps/${A}/uptime?window=7d&${endQ}`);
    expect(week.series).toHaveLength(168);
    expect(week.uptime_s).toBe(figuresOf(sumOf(E - 7 * DAY_MS, E, hourOfA)).uptime_s);

    const month = await uptime(`/api/mcps/${A}/uptime?window=30d&${endQ}`);
    expect(month.bucket).toBe('day');
    expect(month.series).toHaveLength(31);
    const expected = figuresOf(sumOf(E - 30 * DAY_MS, E, hourOfA));
    expect(month.availability).toBe(expected.availability);
    expect(month.seconds).toEqual(expected.seconds);
    expect(month.downtime_s).toBe(expected.downtime_s);
    expect(month.latency_ms).toEqual(expected.latency_ms);
    // Partial first and last days: 12 hours each; whole days in between.
    expect(month.series[0]!.observed_s).toBe(12 * 3600);
    expect(month.series[0]!.start).toBe(new Date(E - 30 * DAY_MS).toISOString());
    expect(month.series[30]!.observed_s).toBe(12 * 3600);
    expect(month.series[30]!.end).toBe(new Date(E).toISOString());
    expect(month.series.slice(1, 30).every((b) => b.observed_s === 86_400)).toBe(true);
    expect(month.incidents).toBe(2);
  });

  it('without end: to is now, 25 hourly points (the current hour partial)', async () => {
    const before = Date.now();
    const r = await uptime(`/api/mcps/${A}/uptime`);
    expect(r.window).toBe('24h');
    const to = Date.parse(r.to);
    expect(to).toBeGreaterThanOrEqual(before - 5);
    expect(Date.parse(r.from)).toBe(hourStart(to - DAY_MS));
    expect(r.series).toHaveLength(25);
  });

  it('credits the open interval since state.since to the current category', async () => {
    const atEnd = await uptime(`/api/mcps/${B}/uptime?window=24h&${endQ}`);
    expect(atEnd.uptime_s).toBe(21 * 3600);
    expect(atEnd.seconds.disconnected).toBe(3 * 3600);
    expect(atEnd.availability).toBe(87.5);
    expect(atEnd.series.slice(21).map((b) => b.downtime_s)).toEqual([3600, 3600, 3600]);
    expect(atEnd.series[20]!.downtime_s).toBe(0);
    expect(atEnd.incidents).toBe(1);

    const live = await uptime(`/api/mcps/${B}/uptime?window=30d`);
    const to = Date.parse(live.to);
    expect(live.seconds.disconnected).toBe((to - (E - 3 * HOUR_MS)) / 1000);
    expect(live.series.reduce((n, b) => n + b.seconds.disconnected, 0)).toBeCloseTo(
      live.seconds.disconnected,
      3,
    );
  });

  it('skips corrupt buckets and a corrupt state without a 500, and counts them', async () => {
    const r = await uptime(`/api/mcps/${BAD}/uptime?window=7d&${endQ}`);
    expect(r.uptime_s).toBe(1);
    // The count is ZCOUNT of the starts (the entries themselves are not read for a count).
    expect(r.incidents).toBe(1);
    const month = await uptime(`/api/mcps/${BAD}/uptime?window=30d&${endQ}`);
    expect(month.uptime_s).toBe(1);
    const skipped = (kind: string) =>
      Number(
        new RegExp(`beacon_edge_uptime_skipped_total\\{kind="${kind}"\\} (\\d+)`).exec(
          edge.metricsText(),
        )?.[1] ?? 0,
      );
    expect(skipped('bucket')).toBeGreaterThanOrEqual(3);
    expect(skipped('state')).toBeGreaterThanOrEqual(1);
  });

  it('a partial day whose hour key expired counts its share of the stored day', async () => {
    const api = await uptime(`/api/mcps/billing-api/uptime?window=30d&${endQ}`);
    expect(api.series[0]!.seconds.healthy).toBe(12 * 3600);
    expect(api.series[0]!.probes).toBe(50);
    // Hours there but outside the window: nothing is estimated.
    const db = await uptime(`/api/mcps/billing-db/uptime?window=30d&${endQ}`);
    expect(db.series[0]!.observed_s).toBe(0);
  });

  it('an MCP removed from the fleet keeps its history; an unknown one is 404', async () => {
    const gone = await uptime(`/api/mcps/gone-mcp/uptime?${endQ}`);
    expect(gone.seconds.inactive).toBe(86_400);
    const missing = await get('/api/mcps/nope-mcp/uptime');
    expect(missing.status).toBe(404);
  });

  it('answers CSV when Accept prefers it: one row per bucket', async () => {
    const r = await csv(`/api/mcps/${A}/uptime?window=24h&${endQ}`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(r.headers.get('content-disposition')).toBe(`attachment; filename="uptime-${A}-24h.csv"`);
    const rows = parseCsv(r.text);
    expect(rows[0]).toEqual([
      'start',
      'end',
      'availability',
      'uptime_s',
      'downtime_s',
      'maintenance_s',
      'observed_s',
      'healthy_s',
      'unhealthy_s',
      'disconnected_s',
      'auto_disabled_s',
      'inactive_s',
      'unknown_s',
      'maintenance_s',
      'probes',
      'failures',
      'latency_p50_ms',
      'latency_p95_ms',
      'latency_max_ms',
    ]);
    expect(rows).toHaveLength(25);
    expect(rows[1]![0]).toBe(new Date(E - DAY_MS).toISOString());
    expect(rows.slice(1).every((row) => row.length === rows[0]!.length)).toBe(true);
  });
});

describe('GET /api/uptime', () => {
  it('one summary per registered MCP the token may see, sorted by name', async () => {
    const all = await get(`/api/uptime?window=30d&${endQ}`);
    expect(all.status).toBe(200);
    const rows = all.json.mcps as { mcp_name: string; availability: number | null }[];
    expect(rows.map((m) => m.mcp_name)).toEqual([
      'billing-api',
      'billing-db',
      'mcp-0000',
      'mcp-0001',
      'mcp-0002',
    ]);
    const a = await uptime(`/api/mcps/${A}/uptime?window=30d&${endQ}`);
    const row = rows[2] as unknown as Record<string, unknown>;
    expect(row.availability).toBe(a.availability);
    expect(row.incidents).toBe(a.incidents);

    // The fleet answer is shared between tokens (BEACON_UPTIME_CACHE_MS): each sees its rows.
    const [whole, mine] = await Promise.all([
      get('/api/uptime?window=7d', admin),
      get('/api/uptime?window=7d', scoped),
    ]);
    expect((whole.json.mcps as unknown[]).length).toBe(5);
    expect(mine.json.to).toBe(whole.json.to);
    expect((mine.json.mcps as { mcp_name: string }[]).map((m) => m.mcp_name)).toEqual([
      'billing-api',
      'billing-db',
    ]);
  });

  it('CSV: one row per MCP', async () => {
    const r = await csv(`/api/uptime?window=24h&${endQ}`, scoped);
    const rows = parseCsv(r.text);
    expect(rows.map((x) => x[0])).toEqual(['mcp_name', 'billing-api', 'billing-db']);
    expect(rows[0]!.at(-1)).toBe('incidents');
  });

  it('a flood of distinct windows is answered or refused 503, never piled up or a 500', async () => {
    const ends = Array.from({ length: 60 }, (_, i) => new Date(E - i * HOUR_MS).toISOString());
    const answers = await Promise.all(
      ends.map((end) => get(`/api/uptime?window=365d&end=${end}`, viewer)),
    );
    for (const a of answers) {
      expect([200, 503]).toContain(a.status);
      if (a.status === 503) expect(JSON.stringify(a.json)).toContain('retry in a moment');
    }
    expect((await get(`/api/uptime?window=24h&${endQ}`, viewer)).status).toBe(200);
  });
});

describe('incidents', () => {
  it('the fleet, newest first, with open durations running to now', async () => {
    const r = await get('/api/incidents');
    expect(r.status).toBe(200);
    expect(ids(r)).toEqual(ALL.map((i) => i.id));
    expect(r.json.next).toBeNull();
    const open = (r.json.incidents as Incident[]).find((i) => i.id === B1.id)!;
    expect(open.duration_s).toBeGreaterThanOrEqual(
      (Date.now() - 60_000 - (E - 3 * HOUR_MS)) / 1000,
    );
  });

  it('pages with next, ties on the same start included, nothing lost or repeated', async () => {
    for (const limit of [1, 2, 3]) {
      const seen: string[] = [];
      let next: string | null = null;
      for (let i = 0; i < 20; i++) {
        const q: string = next === null ? '' : `&next=${encodeURIComponent(next)}`;
        const page = await get(`/api/incidents?limit=${limit}${q}`);
        expect(page.status).toBe(200);
        expect(ids(page).length).toBeLessThanOrEqual(limit);
        seen.push(...ids(page));
        next = page.json.next as string | null;
        if (next === null) break;
      }
      expect(seen).toEqual(ALL.map((i) => i.id));
    }
  });

  it('filters: mcp patterns, state, overlap with from/to, min_duration', async () => {
    const q = async (s: string) => ids(await get(`/api/incidents?${s}`));
    expect(await q('mcp=billing-*')).toEqual([D1.id, C1.id]);
    expect(await q(`mcp=${A},billing-db`)).toEqual([D1.id, A2.id, A1.id, A3.id]);
    expect(await q('state=open')).toEqual([B1.id]);
    expect(await q('state=resolved')).toEqual(ALL.filter((i) => i !== B1).map((i) => i.id));
    const iso = (t: number) => encodeURIComponent(new Date(t).toISOString());
    expect(await q(`from=${iso(E - DAY_MS)}&to=${iso(E)}`)).toEqual([
      D1.id,
      C1.id,
      B1.id,
      A2.id,
      A1.id,
    ]);
    // Only A1 (started before, still running) and nothing else overlaps this hour.
    expect(await q(`from=${iso(E - 25 * HOUR_MS)}&to=${iso(E - 24 * HOUR_MS)}`)).toEqual([A1.id]);
    // B1 is open: it overlaps any later period too.
    expect(await q(`from=${iso(E - HOUR_MS)}`)).toEqual([B1.id]);
    expect(await q('min_duration=7200')).toEqual([B1.id, A1.id]);
    expect(await q(`min_duration=7200&to=${iso(E - 2 * HOUR_MS)}`)).toEqual([A1.id]);
  });

  it('one MCP: its incidents, filters and pages alike', async () => {
    const r = await get(`/api/mcps/${A}/incidents`);
    expect(ids(r)).toEqual([A2.id, A1.id, A3.id]);
    const iso = encodeURIComponent(new Date(E - DAY_MS).toISOString());
    expect(ids(await get(`/api/mcps/${A}/incidents?from=${iso}`))).toEqual([A2.id, A1.id]);
    const p1 = await get(`/api/mcps/${A}/incidents?limit=2`);
    expect(ids(p1)).toEqual([A2.id, A1.id]);
    const p2 = await get(
      `/api/mcps/${A}/incidents?limit=2&next=${encodeURIComponent(p1.json.next as string)}`,
    );
    expect(ids(p2)).toEqual([A3.id]);
    expect(p2.json.next).toBeNull();
    // The corrupt entry is skipped, not a 500.
    const bad = await get(`/api/mcps/${BAD}/incidents`);
    expect(bad.status).toBe(200);
    expect(ids(bad)).toEqual([]);
  });

  it('CSV: quoted, formulas neutralised, actions as actor:action', async () => {
    const r = await csv('/api/incidents');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-disposition')).toBe('attachment; filename="incidents.csv"');
    const rows = parseCsv(r.text);
    const header = rows[0]!;
    expect(header.slice(0, 3)).toEqual(['id', 'mcp_name', 'state']);
    expect(rows).toHaveLength(ALL.length + 1);
    const col = (name: string) => header.indexOf(name);
    const byId = new Map(rows.slice(1).map((row) => [row[0], row]));
    expect(byId.get(C1.id)![col('first_error')]).toBe('boom, "quoted"\nline 2');
    expect(byId.get(B0.id)![col('first_error')]).toBe(`'=cmd|"/c calc"!A1`);
    expect(byId.get(B0.id)![col('actions')]).toBe("'@evil:manually_disabled;ada:manually_enabled");
    expect(r.text).toContain('"boom, ""quoted""\nline 2"');

    const paged = await csv('/api/incidents?limit=2');
    expect(paged.headers.get('x-beacon-next')).toMatch(/^\d+:billing-api@1-0$/);
  });
});

describe('scoped tokens and bad input', () => {
  it('a scoped token sees only its MCPs and gets 404 for the others, like a missing MCP', async () => {
    expect(ids(await get('/api/incidents', scoped))).toEqual([D1.id, C1.id]);
    expect(ids(await get('/api/incidents?mcp=*', scoped))).toEqual([D1.id, C1.id]);
    const hidden = await get(`/api/mcps/${A}/uptime`, scoped);
    const missing = await get('/api/mcps/nope-mcp/uptime', scoped);
    expect(hidden.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(JSON.stringify(hidden.json).replace(A, 'X')).toBe(
      JSON.stringify(missing.json).replace('nope-mcp', 'X'),
    );
    expect((await get(`/api/mcps/${A}/incidents`, scoped)).status).toBe(404);
    expect((await get('/api/mcps/billing-api/incidents', scoped)).status).toBe(200);
    expect((await get('/api/uptime', admin)).status).toBe(200);
  });

  it('refuses bad params with a 400 naming the param', async () => {
    const cases: [string, string][] = [
      [`/api/mcps/${A}/uptime?window=1y`, 'window'],
      [`/api/mcps/${A}/uptime?end=yesterday`, 'end'],
      [
        `/api/mcps/${A}/uptime?end=${encodeURIComponent(new Date(Date.now() + 3 * HOUR_MS).toISOString())}`,
        'end',
      ],
      [`/api/uptime?window=24h&bogus=1`, 'bogus'],
      ['/api/incidents?__proto__=1', '__proto__'],
      ['/api/incidents?constructor=1', 'constructor'],
      ['/api/incidents?limit=0', 'limit'],
      ['/api/incidents?limit=1001', 'limit'],
      ['/api/incidents?limit=ten', 'limit'],
      ['/api/incidents?next=nonsense', 'next'],
      [`/api/incidents?next=1:${'a'.repeat(400)}`, 'next'],
      ['/api/incidents?state=closed', 'state'],
      ['/api/incidents?from=monday', 'from'],
      [
        `/api/incidents?from=${encodeURIComponent(new Date(E).toISOString())}&to=${encodeURIComponent(new Date(E - 1).toISOString())}`,
        'to',
      ],
      ['/api/incidents?min_duration=-5', 'min_duration'],
      ['/api/incidents?mcp=(a+)+', 'mcp'],
      [`/api/incidents?mcp=${'a'.repeat(200)}`, 'mcp'],
      [`/api/incidents?mcp=${Array.from({ length: 101 }, (_, i) => `m${i}`).join(',')}`, 'mcp'],
      [`/api/mcps/${A}/incidents?mcp=x`, 'mcp'],
      ['/api/mcps/bad%20name/uptime', 'MCP name'],
    ];
    for (const [path, param] of cases) {
      const r = await get(path);
      expect(r.status, path).toBe(400);
      expect((r.json.error as { message: string }).message, path).toContain(param);
    }
  });

  it('needs a token', async () => {
    const res = await fetch(`${edge.http}/api/uptime`);
    expect(res.status).toBe(401);
  });
});
