// The dashboard in headless Chromium against the real stack: private Redis, edge serving the
// built dashboard, registry, breaker and demo MCP servers as processes. Screenshots go to
// test-artifacts/dashboard/.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { waitFor, withinBudget } from '@beacon/testing';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import './diagnostics.js';
import { launchBrowser, watchConsole, type Browser } from './test-support/browser.js';
import { REPO, startStack, type Stack } from './test-support/stack.js';
import { McpListResponse, EventsForwardResponse } from '@beacon/protocol';

const ARTIFACTS = join(REPO, 'test-artifacts/dashboard');
const DEMO_SERVERS = 6;
const PROBE_INTERVAL_MS = 500;
const PROBE_TIMEOUT_MS = 400;
/** The registry's probe_digest cadence: keeps "last checked" live between status changes. */
const DIGEST_MS = 500;
/** Allowance for a 2-core machine shared with other suites (frames, scheduling, transit). */
const AGE_SLACK_MS = 1_500;
/** Breaker opens after this many consecutive failed probes. */
const CONSECUTIVE_FAILURES = 3;

let stack: Stack;
let browser: Browser;
let names: string[] = [];

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: false });
}

async function openDashboard(token: string, extra = ''): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage();
  const { errors } = watchConsole(page);
  // Preferences persist in the shared profile: start every page in the cards view.
  await page.addInitScript(() => localStorage.setItem('beacon.view', 'cards'));
  await page.goto(`${stack.baseUrl}/?token=${token}${extra}`);
  return { page, errors };
}

const cardStatus = (page: Page, name: string): Promise<string | null> =>
  page
    .getAttribute(`.card[data-mcp="${name}"]`, 'data-status', { timeout: 1_000 })
    .catch(() => null);
const cardCircuit = (page: Page, name: string): Promise<string | null> =>
  page
    .getAttribute(`.card[data-mcp="${name}"]`, 'data-circuit', { timeout: 1_000 })
    .catch(() => null);

beforeAll(async () => {
  await mkdir(ARTIFACTS, { recursive: true });
  stack = await startStack({
    demoServers: DEMO_SERVERS,
    probeIntervalMs: PROBE_INTERVAL_MS,
    probeTimeoutMs: PROBE_TIMEOUT_MS,
    breakerEnv: {
      BEACON_BREAKER_CONSECUTIVE_FAILURES: String(CONSECUTIVE_FAILURES),
      BEACON_BREAKER_WAIT_OPEN_MS: '60000',
    },
    // Keep auto-disable out of the way of the circuit checks.
    registryEnv: {
      BEACON_FAILURE_CYCLES_TO_DISABLE: '100000',
      BEACON_PROBE_DIGEST_INTERVAL_MS: String(DIGEST_MS),
    },
  });
  browser = await launchBrowser();
  await waitFor(
    async () => {
      const r = await fetch(`${stack.baseUrl}/api/mcps`, {
        headers: { authorization: `Bearer ${await stack.token('viewer')}` },
      });
      const body = McpListResponse.parse(await r.json());
      names = body.mcps.map((m) => m.name).sort();
      return (
        body.mcps.length === DEMO_SERVERS && body.mcps.every((m) => m.health_status === 'healthy')
      );
    },
    { timeoutMs: 60_000, message: 'the demo fleet registered and healthy' },
  );
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('dashboard in Chromium against the real stack', () => {
  it('shows the fleet live, from the edge', async () => {
    const token = await stack.token('admin', 'ops-admin');
    const { page, errors } = await openDashboard(token);
    try {
      await page.waitForSelector('[data-connection="live"]', { timeout: 30_000 });
      for (const name of names) {
        await page.waitForSelector(`.card[data-mcp="${name}"][data-status="healthy"]`, {
          timeout: 30_000,
        });
      }
      // The token is read from the URL and removed from the address bar.
      expect(new URL(page.url()).searchParams.has('token')).toBe(false);
      expect(await page.evaluate(() => localStorage.getItem('beacon.token'))).toBe(token);
      // Summary bar counts come from the registry's system_metrics.
      await waitFor(
        async () => (await page.textContent('[data-summary="MCPs"]')) === String(DEMO_SERVERS),
        {
          timeoutMs: 15_000,
          message: 'summary total',
        },
      );
      await waitFor(async () => (await page.textContent('[data-summary="Edges"]')) === '1', {
        timeoutMs: 15_000,
        message: 'summary edges from system_metrics',
      });
      await page.waitForSelector('.user[data-role="admin"]');

      // A healthy MCP has no status change to report, yet its "last checked" stays fresh: the
      // registry's probe digests move it. Sampled every frame for a few seconds, in the page.
      const steady = names[0]!;
      const eventsBefore = await page.evaluate(() => window.__BEACON__?.snapshot().eventsApplied);
      const ages = await page.evaluate(
        async ({ name, ms }) => {
          const card = document.querySelector(`.card[data-mcp="${name}"]`);
          const seen = new Set<string>();
          let maxAge = 0;
          let maxShown = 0;
          const start = performance.now();
          while (performance.now() - start < ms) {
            await new Promise((r) => requestAnimationFrame(r));
            const time = card?.querySelector('time');
            const iso = time?.getAttribute('datetime') ?? '';
            seen.add(iso);
            maxAge = Math.max(maxAge, Date.now() - Date.parse(iso));
            const shown = /(\d+) s ago/.exec(time?.textContent ?? '');
            if (shown !== null) maxShown = Math.max(maxShown, Number(shown[1]));
          }
          return { maxAge, maxShown, checks: seen.size };
        },
        { name: steady, ms: 6_000 },
      );
      const eventsAfter = await page.evaluate(() => window.__BEACON__?.snapshot().eventsApplied);
      console.info(
        `[dashboard] ${steady} last checked: max age ${ages.maxAge} ms (shown ≤ ${ages.maxShown} s), ${ages.checks} distinct checks in 6 s, ${(eventsAfter ?? 0) - (eventsBefore ?? 0)} log events meanwhile`,
      );
      withinBudget(
        "age of a healthy card's last check",
        ages.maxAge,
        2 * PROBE_INTERVAL_MS + AGE_SLACK_MS,
      );
      withinBudget('age shown on a healthy card', ages.maxShown * 1000, 3_000);
      expect(ages.checks).toBeGreaterThanOrEqual(4);
      // The detail view's latency chart plots those samples, not only the status changes.
      await page.click(`.card[data-mcp="${steady}"] .card-open`);
      const points = async (): Promise<number> =>
        Number(
          /(\d+) points/.exec(
            (await page.textContent(`[data-detail="${steady}"] .chart figcaption`)) ?? '',
          )?.[1] ?? 0,
        );
      await waitFor(async () => (await points()) >= 6, {
        timeoutMs: 15_000,
        message: `${steady} latency chart with probe samples`,
      });
      await shot(page, 'detail-latency');
      await page.keyboard.press('Escape');
      await page.waitForSelector('[data-detail]', { state: 'detached' });
      await shot(page, 'fleet-cards');
      await page.click('button:has-text("Table")');
      await page.waitForSelector(`.trow[data-mcp="${names[0]}"]`);
      // Sort by name from the column header, then the other way round.
      const order = (): Promise<string[]> =>
        page.$$eval('.trow[data-mcp]', (rows) => rows.map((r) => r.getAttribute('data-mcp') ?? ''));
      await page.click('.th-sort:has-text("Name")');
      await waitFor(async () => JSON.stringify(await order()) === JSON.stringify(names), {
        message: 'rows sorted by name',
      });
      await page.click('.th-sort:has-text("Name")');
      await waitFor(
        async () => JSON.stringify(await order()) === JSON.stringify([...names].reverse()),
        {
          message: 'rows sorted by name, descending',
        },
      );
      // Keyboard: arrow to the second row, Enter opens its details, Escape closes them.
      await page.focus(`.trow[data-index="0"]`);
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('Enter');
      const second = [...names].reverse()[1]!;
      await page.waitForSelector(`[data-detail="${second}"]`);
      await shot(page, 'fleet-table');
      await page.keyboard.press('Escape');
      await page.waitForSelector('[data-detail]', { state: 'detached' });
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('a demo server switched down turns unhealthy, then its circuit opens, within the configured times', async () => {
    const target = names[0]!;
    const token = await stack.token('admin', 'ops-admin');
    const { page, errors } = await openDashboard(
      token,
      `&demo=${encodeURIComponent(stack.demoControlUrl!)}`,
    );
    try {
      await page.waitForSelector(
        `.card[data-mcp="${target}"][data-status="healthy"][data-circuit="closed"]`,
        {
          timeout: 30_000,
        },
      );
      await page.click(`.card[data-mcp="${target}"] .card-open`);
      await page.waitForSelector(`[data-demo-controls="${target}"]`, { timeout: 15_000 });

      // Flip the fault switch from the dashboard itself (demo mode).
      const t0 = Date.now();
      await page.click(`[data-demo-controls="${target}"] [data-fault="down"]`);
      await waitFor(async () => ((await cardStatus(page, target)) ?? 'healthy') !== 'healthy', {
        timeoutMs: 20_000,
        intervalMs: 20,
        message: `${target} card unhealthy`,
      });
      const unhealthyAfter = Date.now() - t0;
      await waitFor(async () => (await cardCircuit(page, target)) === 'open', {
        timeoutMs: 30_000,
        intervalMs: 20,
        message: `${target} circuit open`,
      });
      const openAfter = Date.now() - t0;
      // One probe interval plus the probe timeout to notice; CONSECUTIVE_FAILURES probes to open;
      // plus slack for a machine shared with other test suites.
      const SLACK_MS = 4_000;
      withinBudget(
        'card unhealthy after a fault',
        unhealthyAfter,
        PROBE_INTERVAL_MS + PROBE_TIMEOUT_MS + SLACK_MS,
      );
      withinBudget(
        'circuit open on the card after a fault',
        openAfter,
        CONSECUTIVE_FAILURES * PROBE_INTERVAL_MS + PROBE_TIMEOUT_MS + SLACK_MS,
      );
      console.info(
        `[dashboard] ${target}: unhealthy after ${unhealthyAfter} ms, circuit open after ${openAfter} ms`,
      );

      // The detail panel shows the breaker's state and the timeline has the transitions.
      await page.waitForSelector(`[data-detail="${target}"] .circuit-open`);
      await page.waitForSelector(`.tl-entry[data-mcp="${target}"].tl-what-circuit_opened`);
      await shot(page, 'circuit-open');

      // Back to normal: switch the fault off and reset the circuit from the admin controls.
      await page.click(`[data-demo-controls="${target}"] [data-fault="ok"]`);
      await page.click(`[data-admin-controls="circuit"] button:has-text("Reset")`);
      await page.waitForSelector(
        `.card[data-mcp="${target}"][data-status="healthy"][data-circuit="closed"]`,
        {
          timeout: 30_000,
        },
      );
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('resumes after an edge restart with no missing timeline entry', async () => {
    const target = names[1]!;
    const token = await stack.token('admin', 'ops-admin');
    const { page } = await openDashboard(token);
    const fault = (mode: string): Promise<Response> =>
      fetch(`${stack.demoControlUrl!}/servers/${target}/fault`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(mode === 'flap' ? { mode, flap_ms: 300 } : { mode }),
      });
    const applied = (): Promise<number> =>
      page.evaluate(() => window.__BEACON__?.snapshot().eventsApplied ?? 0);
    try {
      await page.waitForSelector('[data-connection="live"]', { timeout: 30_000 });
      const start = await page.evaluate(() => window.__BEACON__?.snapshot().offset ?? null);
      expect(start).not.toBeNull();

      // A flapping server keeps status changes (and breaker events) coming throughout.
      expect((await fault('flap')).ok).toBe(true);
      await waitFor(async () => (await applied()) >= 3, {
        timeoutMs: 30_000,
        message: 'events before restart',
      });
      const states: string[] = [];
      const watcher = setInterval(() => {
        void page
          .getAttribute('[data-connection]', 'data-connection')
          .then((s) => s !== null && states.at(-1) !== s && states.push(s))
          .catch(() => undefined);
      }, 20);
      let before = 0;
      let missedWhileDown = 0;
      await stack.restartEdge(async () => {
        before = await applied();
        const downAt = await stack.log.lastOffset();
        // The edge is down for a while; events keep being appended to the log.
        await waitFor(async () => (await stack.log.replay(downAt, 100)).length >= 3, {
          timeoutMs: 15_000,
          message: 'events appended while the edge is down',
        });
        missedWhileDown = (await stack.log.replay(downAt, 1000)).length;
      });
      await page.waitForSelector('[data-connection="live"]', { timeout: 30_000 });
      await waitFor(async () => (await applied()) >= before + 3, {
        timeoutMs: 30_000,
        message: 'events after restart',
      });
      clearInterval(watcher);
      await shot(page, 'after-edge-restart');
      expect((await fault('ok')).ok).toBe(true);

      // Let the flapping settle, then compare the page's timeline with the log itself.
      const viewer = await stack.token('viewer');
      const logOffsets = async (): Promise<string[]> => {
        const r = await fetch(`${stack.baseUrl}/api/events?since=${start}&limit=1000`, {
          headers: { authorization: `Bearer ${viewer}` },
        });
        const body = EventsForwardResponse.parse(await r.json());
        return body.events.map((e) => e.offset);
      };
      const pageOffsets = (): Promise<string[]> =>
        page.evaluate(() =>
          (window.__BEACON__?.snapshot().timeline ?? []).flatMap((e) =>
            e.offset === null ? [] : [e.offset],
          ),
        );
      // Compare one pair of reads taken together: events keep arriving while the breaker and
      // the registry settle, so a second read of the page may already hold newer entries.
      let fromLog: string[] = [];
      let seen: string[] = [];
      await waitFor(
        async () => {
          fromLog = await logOffsets();
          seen = await pageOffsets();
          return seen.length === fromLog.length && seen.at(-1) === fromLog.at(-1);
        },
        { timeoutMs: 30_000, message: 'page timeline caught up with the log' },
      );
      expect(seen).toEqual(fromLog);
      const stats = await page.evaluate(() => window.__BEACON__?.stats());
      expect(stats?.connects).toBeGreaterThanOrEqual(2);
      expect(stats?.snapshots).toBe(1); // resumed from its offset, never replaced
      expect(states).toContain('reconnecting');
      expect(await page.$$('.tl-marker')).toHaveLength(0);
      console.info(
        `[dashboard] edge restart: ${fromLog.length} events compared (${missedWhileDown} appended while the edge was down), states ${states.join(' → ')}`,
      );
    } finally {
      await fault('ok');
      await page.close();
    }
  });

  it('a viewer sees no admin controls', async () => {
    const token = await stack.token('viewer', 'wall-viewer');
    const { page, errors } = await openDashboard(
      token,
      `&demo=${encodeURIComponent(stack.demoControlUrl!)}`,
    );
    try {
      await page.waitForSelector(`.card[data-mcp="${names[0]}"]`, { timeout: 30_000 });
      await page.waitForSelector('.user[data-role="viewer"]');
      await page.click(`.card[data-mcp="${names[0]}"] .card-open`);
      await page.waitForSelector(`[data-detail="${names[0]}"]`);
      // History loads for viewers too (reads are allowed).
      await page.waitForSelector(`[data-detail="${names[0]}"] .history li`, { timeout: 15_000 });
      expect(await page.$$('[data-admin-controls]')).toHaveLength(0);
      expect(await page.$$('[data-demo-controls]')).toHaveLength(0);
      expect(await page.$$('button:has-text("Register MCP")')).toHaveLength(0);
      expect(await page.$$('button:has-text("Remove")')).toHaveLength(0);
      await shot(page, 'viewer-detail');
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('admin registers, disables and removes an MCP and forces a circuit from the page', async () => {
    const token = await stack.token('admin', 'ops-admin');
    const { page, errors } = await openDashboard(token);
    const servers = (await (await fetch(`${stack.demoControlUrl!}/servers`)).json()) as {
      servers: { name: string; url: string }[];
    };
    const url = servers.servers.find((x) => x.name === names[2])!.url;
    try {
      await page.waitForSelector('[data-connection="live"]', { timeout: 30_000 });
      await page.click('[data-admin-controls="register"]');
      await page.fill('dialog input[placeholder="billing_mcp"]', 'extra_mcp');
      await page.fill('dialog input[type="url"]', url);
      await page.fill('dialog label:has-text("Tags") input', 'added, test');
      await shot(page, 'register-form');
      await page.click('dialog button[type="submit"]');
      await page.waitForSelector('.card[data-mcp="extra_mcp"][data-status="healthy"]', {
        timeout: 30_000,
      });

      await page.click('.card[data-mcp="extra_mcp"] .card-open');
      // Edit: only the changed field is sent; the detail panel shows the new probe interval.
      await page.click('[data-detail="extra_mcp"] button:has-text("Edit…")');
      await page.fill('dialog label:has-text("Probe interval") input', '750');
      await page.click('dialog button[type="submit"]');
      await page.waitForSelector('[data-detail="extra_mcp"] dd:has-text("750 ms")', {
        timeout: 30_000,
      });
      // Recheck now: one probe at once, its result in the actions' status line.
      await page.click('[data-detail="extra_mcp"] [data-action="recheck"]');
      await page.waitForSelector(
        '[data-detail="extra_mcp"] section.admin [role="status"]:has-text("Recheck: healthy")',
        { timeout: 30_000 },
      );
      await page.click('[data-detail="extra_mcp"] button:has-text("Disable")');
      await page.waitForSelector('.card[data-mcp="extra_mcp"].disabled', { timeout: 30_000 });
      await page.click('[data-detail="extra_mcp"] button:has-text("Enable")');
      await page.waitForSelector('.card[data-mcp="extra_mcp"]:not(.disabled)', { timeout: 30_000 });

      await page.click(
        '[data-detail="extra_mcp"] [data-admin-controls="circuit"] button:has-text("Force open")',
      );
      await page.waitForSelector('.card[data-mcp="extra_mcp"][data-circuit="open"]', {
        timeout: 30_000,
      });
      await page.click(
        '[data-detail="extra_mcp"] [data-admin-controls="circuit"] button:has-text("Force closed")',
      );
      await page.waitForSelector('.card[data-mcp="extra_mcp"][data-circuit="closed"]', {
        timeout: 30_000,
      });

      await page.click('[data-detail="extra_mcp"] button:has-text("Remove…")');
      await page.click('[data-detail="extra_mcp"] button:has-text("Really remove extra_mcp")');
      await page.waitForSelector('.card[data-mcp="extra_mcp"]', {
        state: 'detached',
        timeout: 30_000,
      });
      await page.waitForSelector(
        '[data-detail="extra_mcp"] .notice:has-text("no longer in the fleet")',
      );
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('signs in by token on the login screen and shows why a token is refused', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(stack.baseUrl);
      await page.evaluate(() => localStorage.clear());
      await page.reload();
      await page.waitForSelector('input[type="password"]');
      await page.fill('input[type="password"]', 'not-a-token');
      await page.click('button:has-text("Sign in")');
      await page.waitForSelector('[role="alert"]:has-text("Token rejected")');
      await shot(page, 'login-refused');
      await page.fill('input[type="password"]', await stack.token('viewer', 'signed-in'));
      await page.click('button:has-text("Sign in")');
      await page.waitForSelector('.user[data-role="viewer"]:has-text("signed-in")', {
        timeout: 30_000,
      });
      await page.waitForSelector('[data-connection="live"]', { timeout: 30_000 });
      // Dark theme and wall layout toggles.
      await page.click('button:has-text("Theme: system")');
      await page.click('button:has-text("Theme: light")');
      await page.click('button:has-text("Wall display")');
      expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
      // The page really is dark (--bg's dark value), not just marked so.
      expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe(
        'rgb(15, 18, 22)',
      );
      expect(await page.evaluate(() => document.documentElement.dataset.layout)).toBe('wall');
      await shot(page, 'wall-dark');
    } finally {
      await page.close();
    }
  });

  it('sends the user back to sign-in when the token expires', async () => {
    const { page } = await openDashboard(await stack.token('viewer', 'short-lived', 3));
    try {
      await page.waitForSelector('[data-connection="live"]', { timeout: 30_000 });
      await page.waitForSelector('[role="alert"]:has-text("Your token expired")', {
        timeout: 15_000,
      });
      await page.waitForSelector('input[type="password"]');
    } finally {
      await page.close();
    }
  });
});
