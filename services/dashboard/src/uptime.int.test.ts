// Uptime history in headless Chromium against the real edge: 90 days of known hour and day
// buckets and three incidents are written straight into the test's Redis with the protocol's codec
// (the notifier's projector, which writes them in production, has its own tests), then the page
// must show the exact 24 h / 30 d availability on cards and table rows, the 90-day bar with the
// right colours and titles on the down days, and the incidents (hostile strings as text).
// Screenshots go to test-artifacts/dashboard/.
//
// Every hour of an MCP has the same healthy:down ratio outside the chosen down days, so the
// figures do not depend on where exactly a window starts (the first partial hour or day).
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DAY_MS,
  HOUR_MS,
  addProbe,
  addTime,
  dayKey,
  emptyBucket,
  encodeBucket,
  hourField,
  keyspace,
  mergeBucket,
  UPTIME_KEY,
  type Bucket,
  type Incident,
  type LogEventInput,
  type UptimeState,
} from '@beacon/protocol';
import { incidentFixture, waitFor } from '@beacon/testing';
import { Redis } from 'ioredis';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, watchConsole, type Browser } from './test-support/browser.js';
import { REPO, startStack, type Stack } from './test-support/stack.js';

const ARTIFACTS = join(REPO, 'test-artifacts/dashboard');
const HOSTILE_ERROR = '<img src=x onerror="window.__pwned=1">connect ECONNREFUSED';
const HOSTILE_ACTOR = '<b onmouseover="window.__pwned=2">ops</b>';

let stack: Stack;
let browser: Browser;
let redis: Redis;
const now = Date.now();
const today = Math.floor(now / DAY_MS) * DAY_MS;
const currentHour = Math.floor(now / HOUR_MS) * HOUR_MS;
const date = (daysAgo: number): string =>
  new Date(today - daysAgo * DAY_MS).toISOString().slice(0, 10);

/** One hour: `downMs` of `category`, the rest healthy, and a dozen probes. */
function hour(downMs: number, category: 'unhealthy' | 'disconnected' = 'unhealthy'): Bucket {
  const b = emptyBucket();
  addTime(b, 'healthy', HOUR_MS - downMs);
  if (downMs > 0) addTime(b, category, downMs);
  for (let i = 0; i < 12; i++) addProbe(b, downMs < HOUR_MS, downMs < HOUR_MS ? 10 + i : null);
  return b;
}

/**
 * pay_api: 3.6 s down every hour (99.9 %), except 2 hours down 45 days ago and a whole day
 * disconnected 70 days ago. search: 18 s down every hour (99.5 %), no data 50 days ago.
 * ledger: 43.2 s down a day (99.95 %) from 20 to 3 days ago only, so its 24 h has no data.
 */
function hourOf(mcp: string, daysAgo: number, h: number): Bucket | null {
  switch (mcp) {
    case 'pay_api':
      if (daysAgo === 70) return hour(HOUR_MS, 'disconnected');
      if (daysAgo === 45 && (h === 10 || h === 11)) return hour(HOUR_MS);
      return hour(3_600);
    case 'search':
      return daysAgo === 50 ? null : hour(18_000);
    default:
      return daysAgo >= 3 && daysAgo <= 20 ? hour(1_800) : null;
  }
}

const MCPS = ['ledger', 'pay_api', 'search'] as const;

const INCIDENTS: Incident[] = [
  incidentFixture({
    id: 'pay_api@100-0',
    mcp_name: 'pay_api',
    started_at: new Date(today - 45 * DAY_MS + 10 * HOUR_MS).toISOString(),
    ended_at: new Date(today - 45 * DAY_MS + 12 * HOUR_MS).toISOString(),
    duration_s: 7_200,
    state: 'resolved',
    end_reason: 'recovered',
    statuses: ['unhealthy', 'auto_disabled'],
    first_error: HOSTILE_ERROR,
    health_reason: 'error',
    circuit_openings: 2,
    auto_disabled: true,
    actions: [
      {
        at: new Date(today - 45 * DAY_MS + 11 * HOUR_MS).toISOString(),
        actor: HOSTILE_ACTOR,
        action: 'manually_enabled',
        command_id: null,
      },
    ],
  }),
  incidentFixture({
    id: 'pay_api@50-0',
    mcp_name: 'pay_api',
    started_at: new Date(today - 70 * DAY_MS).toISOString(),
    ended_at: new Date(today - 69 * DAY_MS).toISOString(),
    duration_s: 86_400,
    state: 'resolved',
    end_reason: 'recovered',
    statuses: ['disconnected'],
    first_error: 'socket hang up',
    circuit_openings: 1,
  }),
  incidentFixture({
    id: 'ledger@900-0',
    mcp_name: 'ledger',
    started_at: new Date(now - 5 * 60_000).toISOString(),
    duration_s: 300,
    statuses: ['disconnected'],
    first_error: 'connect ETIMEDOUT',
  }),
];

async function seed(): Promise<void> {
  const keys = keyspace({ prefix: stack.prefix });
  const k = (suffix: string): string => keys.uptime(suffix);
  const pipe = redis.pipeline();
  for (const mcp of MCPS) {
    const days: Record<string, string> = {};
    for (let ago = 90; ago >= 0; ago--) {
      const start = today - ago * DAY_MS;
      const day = emptyBucket();
      const hours: Record<string, string> = {};
      let any = false;
      for (let h = 0; h < 24 && start + h * HOUR_MS <= currentHour; h++) {
        const b = hourOf(mcp, ago, h);
        if (b === null) continue;
        any = true;
        mergeBucket(day, b);
        hours[hourField(start + h * HOUR_MS)] = encodeBucket(b);
      }
      if (!any) continue;
      days[dayKey(start)] = encodeBucket(day);
      pipe.hset(k(UPTIME_KEY.hours(mcp, dayKey(start))), hours);
    }
    pipe.hset(k(UPTIME_KEY.days(mcp)), days);
  }
  // Current state: healthy as of now for the two with recent data (time after `since` only adds
  // seconds of uptime, which cannot move a figure shown to two decimals).
  for (const mcp of ['pay_api', 'search']) {
    const state: UptimeState = { category: 'healthy', since: now, incident: null, tags: [] };
    pipe.hset(k(UPTIME_KEY.state), mcp, JSON.stringify(state));
  }
  for (const i of INCIDENTS) {
    const at = Date.parse(i.started_at);
    pipe.hset(k(UPTIME_KEY.incident), i.id, JSON.stringify(i));
    pipe.zadd(k(UPTIME_KEY.incidents), at, i.id);
    pipe.zadd(k(UPTIME_KEY.incidentsOf(i.mcp_name)), at, i.id);
  }
  const results = (await pipe.exec()) ?? [];
  for (const [err] of results) if (err) throw err;
}

function registered(name: string): LogEventInput {
  return {
    type: 'mcp_registered',
    mcp_name: name,
    timestamp: new Date().toISOString(),
    actor: 'test',
    config: { name, transport: { type: 'streamable-http', url: 'http://127.0.0.1:9/mcp' } },
  };
}

beforeAll(async () => {
  await mkdir(ARTIFACTS, { recursive: true });
  // No shared fleet answer: the refresh test changes a bucket and expects the next minute's
  // fetch to see it, which a cached answer (default 5 s of real time) could hide on a slow run.
  stack = await startStack({ edgeEnv: { BEACON_UPTIME_CACHE_MS: '0' } });
  redis = new Redis(stack.redis.url);
  redis.on('error', () => undefined);
  for (const name of MCPS) await stack.log.append(registered(name));
  await seed();
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await redis?.quit().catch(() => undefined);
  await stack?.stop();
});

async function open(view: 'cards' | 'table'): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage();
  const { errors } = watchConsole(page);
  await page.addInitScript((v) => localStorage.setItem('beacon.view', v), view);
  await page.goto(`${stack.baseUrl}/?token=${await stack.token('viewer', 'uptime-viewer')}`);
  await page.waitForSelector('[data-connection="live"]', { timeout: 30_000 });
  return { page, errors };
}

const badge = (scope: string, window: '24h' | '30d'): string =>
  `${scope} [data-uptime="${window}"]`;

/** The badge's text once the figures have loaded (not "—" from before the first answer). */
async function badgeText(page: Page, scope: string, window: '24h' | '30d'): Promise<string> {
  const sel = badge(scope, window);
  await page.waitForSelector(`${sel}:not([title$="not loaded"])`, { timeout: 20_000 });
  return (await page.textContent(`${sel} .uptime-value`)) ?? '';
}

const EXPECTED = {
  pay_api: { '24h': '99.9 %', '30d': '99.9 %', level: 'good' },
  search: { '24h': '99.5 %', '30d': '99.5 %', level: 'fair' },
  ledger: { '24h': '—', '30d': '99.95 %', level: 'good' },
} as const;

describe('uptime history in Chromium against the real edge', () => {
  it('shows the exact 24 h and 30 d availability on cards and on table rows', async () => {
    for (const view of ['cards', 'table'] as const) {
      const { page, errors } = await open(view);
      try {
        const item = view === 'cards' ? '.card' : '.trow';
        for (const name of MCPS) {
          const scope = `${item}[data-mcp="${name}"]`;
          await page.waitForSelector(scope, { timeout: 30_000 });
          expect(await badgeText(page, scope, '24h'), `${view} ${name} 24h`).toBe(
            EXPECTED[name]['24h'],
          );
          expect(await badgeText(page, scope, '30d'), `${view} ${name} 30d`).toBe(
            EXPECTED[name]['30d'],
          );
          expect(await page.getAttribute(badge(scope, '30d'), 'class')).toContain(
            `uptime-${EXPECTED[name].level}`,
          );
        }
        // No data in the last 24 h reads "—" in gray; the tooltip carries the downtime.
        expect(
          await page.getAttribute(badge(`${item}[data-mcp="ledger"]`, '24h'), 'class'),
        ).toContain('uptime-none');
        expect(
          await page.getAttribute(badge(`${item}[data-mcp="search"]`, '30d'), 'title'),
        ).toMatch(/^Last 30 d: 99\.5 % available, \d+ h \d+ min down$/);
        await page.screenshot({ path: join(ARTIFACTS, `uptime-${view}.png`) });
        expect(errors).toEqual([]);
      } finally {
        await page.close();
      }
    }
  }, 120_000);

  it('draws the 90-day bar with the down days coloured and titled, and recent incidents', async () => {
    const { page, errors } = await open('cards');
    try {
      await page.click('.card[data-mcp="pay_api"] .card-open');
      const bar = '[data-detail="pay_api"] .availability-bar';
      await page.waitForSelector(bar, { timeout: 20_000 });
      const days = Number(await page.getAttribute(bar, 'data-days'));
      expect([90, 91]).toContain(days);
      expect(await page.locator(`${bar} .day`).count()).toBe(days);
      expect(await page.getAttribute(bar, 'role')).toBe('list');
      expect(await page.getAttribute(bar, 'aria-label')).toBe(
        `Availability over ${days} days: 2 days below 99.9 %, worst ${date(70)} at 0 %`,
      );
      const seg = (ago: number) => page.locator(`${bar} .day[data-day="${date(ago)}"]`);
      expect(await seg(45).getAttribute('data-level')).toBe('poor');
      // 2 h down plus 3.6 s in each of the other 22 hours: 91.575 %, 7279.2 s.
      expect(await seg(45).getAttribute('title')).toBe(
        `${date(45)}: 91.57 % available, 2 h 1 min down`,
      );
      expect(await seg(70).getAttribute('data-level')).toBe('poor');
      expect(await seg(70).getAttribute('title')).toBe(`${date(70)}: 0 % available, 1 d down`);
      expect(await seg(10).getAttribute('data-level')).toBe('good');
      expect(await seg(10).getAttribute('title')).toBe(
        `${date(10)}: 99.9 % available, 1 min 26 s down`,
      );
      const colours = await page.evaluate(
        ([sel, a, b]) =>
          [a, b].map(
            (d) =>
              getComputedStyle(document.querySelector(`${sel} .day[data-day="${d}"]`)!)
                .backgroundColor,
          ),
        [bar, date(45), date(10)] as const,
      );
      expect(colours[0]).not.toBe(colours[1]);

      // The detail lists the MCP's incidents, newest first, the hostile error as plain text.
      const rows = page.locator(
        '[data-detail="pay_api"] [data-uptime-section="incidents"] tbody tr',
      );
      await rows.first().waitFor({ timeout: 20_000 });
      expect(await rows.count()).toBe(2);
      expect(await rows.nth(0).getAttribute('data-incident')).toBe('pay_api@100-0');
      expect(await rows.nth(0).locator('.incident-error').textContent()).toBe(HOSTILE_ERROR);

      // The latency history follows the chosen window.
      await page.click(
        '[data-detail="pay_api"] [data-uptime-section="latency"] button:text-is("7d")',
      );
      const chart = '[data-detail="pay_api"] .latency-history[data-window="7d"]';
      // Flat lines have no height, so "attached", not "visible".
      await page.waitForSelector(`${chart} path.line-p50`, { state: 'attached', timeout: 20_000 });
      for (const line of ['p50', 'p95', 'max']) {
        expect(await page.locator(`${chart} path.line-${line}`).count(), line).toBe(1);
      }
      expect(await page.getAttribute(`${chart} svg`, 'aria-label')).toMatch(
        /^Latency over the last 7d by hour: p50 \d+ ms, p95 \d+ ms, max 21 ms$/,
      );
      await page.screenshot({ path: join(ARTIFACTS, 'uptime-detail.png') });

      // The gray "no data" day of search.
      await page.click('.card[data-mcp="search"] .card-open');
      const searchBar = '[data-detail="search"] .availability-bar';
      await page.waitForSelector(searchBar, { timeout: 20_000 });
      const noData = page.locator(`${searchBar} .day[data-day="${date(50)}"]`);
      expect(await noData.getAttribute('data-level')).toBe('none');
      expect(await noData.getAttribute('title')).toBe(`${date(50)}: no data`);
      expect(await page.locator(`${searchBar} .day[data-level="fair"]`).count()).toBeGreaterThan(
        80,
      );
      expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  }, 120_000);

  it('lists the seeded incidents on the Incidents page, filters them and downloads CSV', async () => {
    const { page, errors } = await open('cards');
    try {
      await page.click('[data-page="incidents"]');
      const rows = page.locator('.incidents-page tbody tr');
      await waitFor(async () => (await rows.count()) === 3, {
        timeoutMs: 20_000,
        message: 'three incidents listed',
      });
      // Newest first: the ongoing one, then by start.
      expect(
        await rows.evaluateAll((trs) => trs.map((t) => t.getAttribute('data-incident'))),
      ).toEqual(['ledger@900-0', 'pay_api@100-0', 'pay_api@50-0']);
      const first = page.locator('tr[data-incident="ledger@900-0"]');
      expect(await first.textContent()).toContain('ongoing');
      const hostile = page.locator('tr[data-incident="pay_api@100-0"]');
      expect(await hostile.locator('.incident-error').textContent()).toBe(HOSTILE_ERROR);
      expect(await hostile.locator('.incident-actions').textContent()).toBe(
        `${HOSTILE_ACTOR}: manually enabled`,
      );
      expect(await hostile.locator('img, b').count()).toBe(0);
      expect(await hostile.textContent()).toContain('2 h');
      expect(await hostile.textContent()).toContain('unhealthy → auto-disabled');
      await page.screenshot({ path: join(ARTIFACTS, 'uptime-incidents.png') });

      // Filters: state and MCP pattern.
      await page.selectOption('.incident-filters select[name="state"]', 'open');
      await page.click('.incident-filters button[type="submit"]');
      await waitFor(async () => (await rows.count()) === 1, {
        timeoutMs: 20_000,
        message: 'open only',
      });
      expect(await rows.first().getAttribute('data-incident')).toBe('ledger@900-0');
      await page.selectOption('.incident-filters select[name="state"]', '');
      await page.fill('.incident-filters input[name="mcp"]', 'pay_*');
      await page.click('.incident-filters button[type="submit"]');
      await waitFor(async () => (await rows.count()) === 2, {
        timeoutMs: 20_000,
        message: 'pay_* only',
      });

      // CSV: fetched with the token, saved as a download.
      const download = page.waitForEvent('download', { timeout: 20_000 });
      await page.click('[data-incidents-csv]');
      const file = await download;
      expect(file.suggestedFilename()).toMatch(/^beacon-incidents-\d{4}-\d{2}-\d{2}\.csv$/);
      const csv = await readFile(await file.path(), 'utf8');
      const lines = csv.trim().split('\r\n');
      expect(lines).toHaveLength(3); // header + the two pay_* incidents
      expect(csv).toContain('pay_api@100-0');
      expect(csv).not.toContain('ledger@900-0');

      // The MCP link opens its detail on the fleet page.
      await page.click('tr[data-incident="pay_api@100-0"] button.link');
      await page.waitForSelector('[data-detail="pay_api"]', { timeout: 10_000 });
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  }, 120_000);

  it('filters the Incidents page by a UTC range and a minimum duration, and the CSV too', async () => {
    const { page, errors } = await open('cards');
    try {
      const csvUrls: URL[] = [];
      page.on('request', (r) => {
        if (r.url().includes('/api/incidents') && r.headers().accept === 'text/csv') {
          csvUrls.push(new URL(r.url()));
        }
      });
      await page.click('[data-page="incidents"]');
      const rows = page.locator('.incidents-page tbody tr');
      const ids = (): Promise<(string | null)[]> =>
        rows.evaluateAll((trs) => trs.map((t) => t.getAttribute('data-incident')));
      await waitFor(async () => (await rows.count()) === 3, {
        timeoutMs: 20_000,
        message: 'three incidents listed',
      });
      const filters = '.incident-filters';
      const submit = (): Promise<void> => page.click(`${filters} button[type="submit"]`);

      // 75 to 30 days ago (UTC) leaves out the ongoing ledger one; at least 3 h leaves out the
      // 2 h one of 45 days ago: only the day-long pay_api incident of 70 days ago is left.
      await page.selectOption(`${filters} select[name="range"]`, 'custom');
      await page.fill(`${filters} input[name="from"]`, `${date(75)}T00:00`);
      await page.fill(`${filters} input[name="to"]`, `${date(30)}T00:00`);
      await page.fill(`${filters} input[name="min_duration"]`, '180');
      await submit();
      await waitFor(async () => (await ids()).join() === 'pay_api@50-0', {
        timeoutMs: 20_000,
        message: 'only pay_api@50-0',
      });
      // Without the duration, the range holds both pay_api incidents.
      await page.fill(`${filters} input[name="min_duration"]`, '');
      await submit();
      await waitFor(async () => (await ids()).join() === 'pay_api@100-0,pay_api@50-0', {
        timeoutMs: 20_000,
        message: 'both pay_api incidents',
      });
      await page.fill(`${filters} input[name="min_duration"]`, '180');
      await submit();
      await waitFor(async () => (await ids()).join() === 'pay_api@50-0', {
        timeoutMs: 20_000,
        message: 'only pay_api@50-0 again',
      });

      await page.screenshot({ path: join(ARTIFACTS, 'uptime-incidents-range.png') });

      // The CSV asks with the same filters and holds the same incident.
      const download = page.waitForEvent('download', { timeout: 20_000 });
      await page.click('[data-incidents-csv]');
      const csv = await readFile(await (await download).path(), 'utf8');
      const lines = csv.trim().split('\r\n');
      expect(lines).toHaveLength(2); // header + pay_api@50-0
      expect(lines[1]).toContain('pay_api@50-0');
      expect(csvUrls).toHaveLength(1);
      const q = csvUrls[0]!.searchParams;
      expect(q.get('from')).toBe(`${date(75)}T00:00:00.000Z`);
      expect(q.get('to')).toBe(`${date(30)}T00:00:00.000Z`);
      expect(q.get('min_duration')).toBe('10800');

      // Client-side checks: the message beside the form, the field flagged, nothing sent.
      const requests: string[] = [];
      page.on('request', (r) => {
        if (r.url().includes('/api/incidents')) requests.push(r.url());
      });
      await page.fill(`${filters} input[name="to"]`, `${date(80)}T00:00`);
      await submit();
      const alert = page.locator('.incidents-page [role="alert"]');
      await alert.waitFor({ timeout: 10_000 });
      expect(await alert.textContent()).toBe('To must be after From.');
      expect(await page.getAttribute(`${filters} input[name="to"]`, 'aria-invalid')).toBe('true');
      await page.fill(`${filters} input[name="to"]`, `${date(30)}T00:00`);
      await page.fill(`${filters} input[name="min_duration"]`, '-5');
      await submit();
      await waitFor(
        async () => (await alert.textContent()) === 'Minimum duration must not be negative.',
        { timeoutMs: 10_000, message: 'the negative duration refused' },
      );
      expect(await page.getAttribute(`${filters} input[name="min_duration"]`, 'aria-invalid')).toBe(
        'true',
      );
      expect(requests).toEqual([]);
      expect(await ids()).toEqual(['pay_api@50-0']);

      // What only the edge refuses: its 400 is shown as it names the parameter, the field flagged.
      await page.fill(`${filters} input[name="min_duration"]`, '');
      await page.fill(`${filters} input[name="mcp"]`, 'pay api');
      await submit();
      const status = page.locator('.incidents-page [data-incidents-error]');
      await status.waitFor({ timeout: 20_000 });
      expect(await status.textContent()).toMatch(/^invalid query: mcp\b.*MCP names/);
      expect(await status.getAttribute('data-incidents-error')).toBe('mcp');
      expect(await page.getAttribute(`${filters} input[name="mcp"]`, 'aria-invalid')).toBe('true');
      expect(await alert.count()).toBe(0);
      await page.fill(`${filters} input[name="mcp"]`, '');

      // A preset: the last 24 h hold only the ongoing ledger incident.
      await page.selectOption(`${filters} select[name="range"]`, '24h');
      await submit();
      await waitFor(async () => (await ids()).join() === 'ledger@900-0', {
        timeoutMs: 20_000,
        message: 'only the ongoing ledger incident',
      });
      expect(await alert.count()).toBe(0);
      expect(await status.count()).toBe(0);
      const from = Date.parse(new URL(requests.at(-1)!).searchParams.get('from') ?? '');
      expect(Math.abs(from - (Date.now() - DAY_MS))).toBeLessThan(60_000);
      await page.screenshot({ path: join(ARTIFACTS, 'uptime-incidents-filtered.png') });
      // Chromium logs the one refused request; nothing else may be logged.
      expect(errors.filter((e) => !/status of 400/.test(e))).toEqual([]);
    } finally {
      await page.close();
    }
  }, 120_000);

  it('moves through the 90-day bar by keyboard, each day named by its figures', async () => {
    const { page, errors } = await open('cards');
    try {
      await page.click('.card[data-mcp="pay_api"] .card-open');
      const bar = '[data-detail="pay_api"] .availability-bar';
      await page.waitForSelector(`${bar} .day`, { timeout: 20_000 });
      expect(await page.getAttribute(bar, 'aria-label')).toMatch(/^Availability over 9[01] days:/);
      // One tab stop: the newest day.
      expect(await page.locator(`${bar} [tabindex="0"]`).count()).toBe(1);
      expect(await page.getAttribute(`${bar} [tabindex="0"]`, 'data-day')).toBe(date(0));
      await page.focus(`${bar} [tabindex="0"]`);
      const focused = () =>
        page.evaluate(() => ({
          day: document.activeElement?.getAttribute('data-day') ?? null,
          role: document.activeElement?.getAttribute('role') ?? null,
          name: document.activeElement?.getAttribute('aria-label') ?? null,
          tabindex: document.activeElement?.getAttribute('tabindex') ?? null,
        }));
      const detail = `[data-detail="pay_api"] [data-bar-focus]`;

      await page.keyboard.press('ArrowLeft');
      await page.keyboard.press('ArrowLeft');
      expect(await focused()).toEqual({
        day: date(2),
        role: 'listitem',
        name: `${date(2)}: 99.9 % available, 1 min 26 s down`,
        tabindex: '0',
      });
      expect(await page.textContent(detail)).toBe(`${date(2)}: 99.9 % available, 1 min 26 s down`);
      await page.keyboard.press('ArrowRight');
      expect((await focused()).day).toBe(date(1));
      expect(await page.locator(`${bar} [tabindex="0"]`).count()).toBe(1);

      // Back to the down day of 45 days ago, one day at a time.
      for (let n = 1; n < 45; n++) await page.keyboard.press('ArrowLeft');
      expect(await focused()).toMatchObject({
        day: date(45),
        name: `${date(45)}: 91.57 % available, 2 h 1 min down`,
      });
      // The ends: Home is the oldest day, End today; ArrowRight stops at today.
      await page.keyboard.press('Home');
      expect((await focused()).day).toBe(
        await page.getAttribute(`${bar} .day >> nth=0`, 'data-day'),
      );
      await page.keyboard.press('End');
      await page.keyboard.press('ArrowRight');
      expect((await focused()).day).toBe(date(0));

      // Tab leaves the bar in one step, and Shift+Tab comes back to the day last focused.
      await page.keyboard.press('ArrowLeft');
      await page.keyboard.press('Tab');
      expect((await focused()).day).toBeNull();
      expect(await page.textContent(detail)).toBe('');
      await page.keyboard.press('Shift+Tab');
      expect((await focused()).day).toBe(date(1));
      await page.screenshot({ path: join(ARTIFACTS, 'uptime-bar-keyboard.png') });
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  }, 120_000);

  it('pages through many incidents with Load more, in order, without duplicates', async () => {
    // 60 one-minute incidents of an MCP no longer in the fleet (history outlives registration).
    const keys = keyspace({ prefix: stack.prefix });
    const pipe = redis.pipeline();
    const start0 = today - 2 * DAY_MS;
    for (let n = 0; n < 60; n++) {
      const at = start0 + n * 10 * 60_000;
      const i = incidentFixture({
        id: `bulk_api@${1000 + n}-0`,
        mcp_name: 'bulk_api',
        started_at: new Date(at).toISOString(),
        ended_at: new Date(at + 60_000).toISOString(),
        duration_s: 60,
        state: 'resolved',
        end_reason: 'recovered',
      });
      pipe.hset(keys.uptime(UPTIME_KEY.incident), i.id, JSON.stringify(i));
      pipe.zadd(keys.uptime(UPTIME_KEY.incidents), at, i.id);
      pipe.zadd(keys.uptime(UPTIME_KEY.incidentsOf('bulk_api')), at, i.id);
    }
    await pipe.exec();
    const { page, errors } = await open('cards');
    try {
      await page.click('[data-page="incidents"]');
      await page.fill('.incident-filters input[name="mcp"]', 'bulk_*');
      await page.click('.incident-filters button[type="submit"]');
      const rows = page.locator('.incidents-page tbody tr');
      await waitFor(async () => (await rows.count()) === 50, {
        timeoutMs: 20_000,
        message: 'the first page of 50',
      });
      await page.click('[data-load-more]');
      await waitFor(async () => (await rows.count()) === 60, {
        timeoutMs: 20_000,
        message: 'all 60 after Load more',
      });
      const ids = await rows.evaluateAll((trs) => trs.map((t) => t.getAttribute('data-incident')));
      expect(ids).toEqual(Array.from({ length: 60 }, (_, n) => `bulk_api@${1059 - n}-0`));
      expect(await page.locator('[data-load-more]').count()).toBe(0);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  }, 120_000);

  it('refreshes the badges every minute', async () => {
    const page = await browser.newPage();
    const { errors } = watchConsole(page);
    try {
      // Fake timers in the page, time still flowing: fast-forward to the next refresh.
      await page.clock.install();
      await page.addInitScript(() => localStorage.setItem('beacon.view', 'cards'));
      await page.goto(`${stack.baseUrl}/?token=${await stack.token('viewer', 'uptime-viewer')}`);
      const scope = '.card[data-mcp="ledger"]';
      await page.waitForSelector(scope, { timeout: 30_000 });
      expect(await badgeText(page, scope, '24h')).toBe('—');
      // ledger reports again: one healthy hour, now.
      const keys = keyspace({ prefix: stack.prefix });
      await redis.hset(
        keys.uptime(UPTIME_KEY.hours('ledger', dayKey(currentHour))),
        hourField(currentHour),
        encodeBucket(hour(0)),
      );
      await page.clock.fastForward('01:01');
      await waitFor(
        async () =>
          (await page.textContent(`${scope} [data-uptime="24h"] .uptime-value`)) === '100 %',
        {
          timeoutMs: 20_000,
          message: 'the 24 h badge refreshed',
        },
      );
      expect(await badgeText(page, scope, '30d')).toBe('99.95 %');
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  }, 120_000);
});
