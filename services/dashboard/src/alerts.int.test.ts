// The Alerts page in headless Chromium against the real edge and the real notifier (processes
// built from the repo), with a real HTTP receiver on loopback: an admin creates a webhook channel,
// a rule and a silence from the page and sees them listed, sends a test and sees the receiver's
// answer, and sees the header badge once a real notification to the channel fails. Viewers do
// not see the tab. Screenshots go to test-artifacts/dashboard/.
import { createServer, type Server } from 'node:http';
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  ChannelsResponse,
  RulesResponse,
  SilencesResponse,
  type LogEventInput,
} from '@beacon/protocol';
import { startService, waitFor, type ProcessHandle } from '@beacon/testing';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, watchConsole, type Browser } from './test-support/browser.js';
import { REPO, startStack, type Stack } from './test-support/stack.js';

const ARTIFACTS = join(REPO, 'test-artifacts/dashboard');

let stack: Stack;
let browser: Browser;
let notifier: ProcessHandle;
let server: Server;
let hookUrl = '';
const receiver = { status: 202, requests: 0 };

beforeAll(async () => {
  await mkdir(ARTIFACTS, { recursive: true });
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      receiver.requests++;
      res
        .writeHead(receiver.status, { 'content-type': 'text/plain' })
        .end(`receiver says ${receiver.status}`);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/ops`;
  stack = await startStack();
  notifier = await startService('notifier', {
    env: {
      REDIS_URL: stack.redis.url,
      BEACON_REDIS_PREFIX: stack.prefix,
      BEACON_NOTIFIER_HTTP_PORT: '0',
      BEACON_NOTIFIER_HTTP_HOST: '127.0.0.1',
      BEACON_NOTIFIER_LEASE_TTL_MS: '1000',
      BEACON_NOTIFIER_TICK_MS: '50',
      BEACON_NOTIFIER_RETRY_BASE_MS: '200',
      BEACON_NOTIFIER_RETRY_MAX_MS: '1000',
      BEACON_NOTIFIER_SEND_TIMEOUT_MS: '2000',
      LOG_LEVEL: 'info',
    },
    readyLine: /notifier ready/,
    readyTimeoutMs: 60_000,
  });
  await notifier.waitForLine(/"msg":"leading"/, 30_000);
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await notifier?.kill('SIGTERM').catch(() => undefined);
  await stack?.stop();
  await new Promise((r) => server?.close(r));
});

async function open(token: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage();
  const { errors } = watchConsole(page);
  await page.goto(`${stack.baseUrl}/?token=${token}`);
  await page.waitForSelector('.user', { timeout: 30_000 });
  return { page, errors };
}

async function api(path: string): Promise<unknown> {
  const res = await fetch(`${stack.baseUrl}${path}`, {
    headers: { authorization: `Bearer ${await stack.token('admin')}` },
  });
  return res.json();
}

const dialog = (page: Page) => page.locator('dialog[open]');

describe('Alerts page', () => {
  it('viewers do not see the Alerts tab', async () => {
    const { page, errors } = await open(await stack.token('viewer'));
    try {
      await page.waitForSelector('.user[data-role="viewer"]');
      expect(await page.locator('[data-admin-controls="alerts"]').count()).toBe(0);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('creates a channel, a rule and a silence from the page, tests the channel, shows a failing channel', async () => {
    const { page, errors } = await open(await stack.token('admin', 'ops-admin'));
    try {
      await page.click('[data-admin-controls="alerts"]');
      await page.waitForSelector('[data-alerts="channels"]');

      // Channel: a webhook with a signing secret.
      await page.click('text=New channel');
      await dialog(page).locator('input[name="id"]').fill('ops-hook');
      await dialog(page).locator('input[name="name"]').fill('Ops webhook');
      await dialog(page).locator('input[name="url"]').fill(hookUrl);
      await dialog(page).locator('input[name="secret"]').fill('s3cret-signing-key');
      await dialog(page).locator('button[type="submit"]').click();
      const row = page.locator('[data-channel="ops-hook"]');
      await row.waitFor({ timeout: 15_000 });
      expect(await row.getAttribute('data-state')).toBe('never');
      expect(await row.textContent()).not.toContain('/hooks/ops');
      expect(await row.textContent()).toContain('never used');

      // Send test: the receiver's own answer is shown.
      await row.locator('text=Send test').click();
      await page.waitForSelector('[data-test-result="ops-hook"]', { timeout: 30_000 });
      expect(await page.textContent('[data-test-result="ops-hook"]')).toContain('Delivered (202)');
      expect(await page.textContent('[data-test-result="ops-hook"]')).toContain(
        'receiver says 202',
      );

      // Edit without touching the masked secret: the stored one is kept.
      await row.locator('text=Edit').click();
      expect(await dialog(page).locator('input[name="secret"]').inputValue()).toBe('***');
      await dialog(page).locator('input[name="name"]').fill('Ops hook');
      await dialog(page).locator('button[type="submit"]').click();
      await waitFor(async () => (await row.textContent())?.includes('Ops hook'), {
        timeoutMs: 15_000,
        message: 'renamed channel listed',
      });
      const stored = JSON.parse(
        (await stack.log.redis.hget(`{${stack.prefix}}:notifier:channels`, 'ops-hook')) as string,
      ) as Record<string, unknown>;
      expect(stored).toMatchObject({
        secret: 's3cret-signing-key',
        url: hookUrl,
        name: 'Ops hook',
      });

      // Rule: pay_* MCPs going down, to the channel.
      await page.click('text=New rule');
      await dialog(page).locator('input[name="id"]').fill('page-ops');
      await dialog(page).locator('input[name="mcps"]').fill('pay_*');
      await dialog(page).locator('input[name="for"]').fill('0');
      await dialog(page).locator('input[name="channel-ops-hook"]').check();
      await dialog(page).locator('input[name="on-recovered"]').check();
      await dialog(page).locator('button[type="submit"]').click();
      await page.locator('[data-rule="page-ops"]').waitFor({ timeout: 15_000 });
      expect(await page.textContent('[data-rule="page-ops"]')).toContain(
        'down, auth_failed, recovered',
      );

      // Silence: a one-off window for other MCPs.
      await page.click('text=New silence');
      await dialog(page).locator('input[name="id"]').fill('db-maint');
      await dialog(page).locator('input[name="mcps"]').fill('db_*');
      await dialog(page).locator('input[name="starts_at"]').fill('2030-01-01T01:00');
      await dialog(page).locator('input[name="ends_at"]').fill('2030-01-01T03:00');
      await dialog(page).locator('input[name="comment"]').fill('database upgrade');
      await dialog(page).locator('button[type="submit"]').click();
      await page.locator('[data-silence="db-maint"]').waitFor({ timeout: 15_000 });
      expect(await page.textContent('[data-silence="db-maint"]')).toContain('scheduled');

      // A bad cron is refused with the field named, and the dialog stays open.
      await page.click('text=New silence');
      await dialog(page).locator('input[name="id"]').fill('nightly');
      await dialog(page).locator('input[value="recurring"]').check();
      await dialog(page).locator('input[name="cron"]').fill('0 2 *');
      await dialog(page).locator('input[name="duration"]').fill('1h');
      await dialog(page).locator('button[type="submit"]').click();
      await waitFor(
        async () => (await dialog(page).locator('[role="alert"]').textContent())?.includes('cron'),
        { timeoutMs: 10_000, message: 'cron refusal shown' },
      );
      await dialog(page).locator('text=Cancel').click();

      // The edge has what the page shows.
      expect(ChannelsResponse.parse(await api('/api/alerts/channels')).channels).toHaveLength(1);
      expect(RulesResponse.parse(await api('/api/alerts/rules')).rules[0]).toMatchObject({
        id: 'page-ops',
        channels: ['ops-hook'],
        on: ['down', 'auth_failed', 'recovered'],
      });
      expect(SilencesResponse.parse(await api('/api/alerts/silences')).silences[0]).toMatchObject({
        id: 'db-maint',
        created_by: 'ops-admin',
        comment: 'database upgrade',
      });
      await page.screenshot({ path: join(ARTIFACTS, 'alerts-page.png') });

      // A real alert to a receiver answering 500: the channel fails, the header says so.
      receiver.status = 500;
      await stack.log.append(registered('pay_api'));
      await stack.log.append(down('pay_api'));
      await page.waitForSelector('[data-failing-channels="1"]', { timeout: 45_000 });
      expect(await page.textContent('[data-failing-channels="1"]')).toContain(
        '1 alert channel failing',
      );
      await waitFor(async () => (await row.getAttribute('data-state')) === 'failing', {
        timeoutMs: 20_000,
        message: 'channel row failing',
      });
      expect(await row.textContent()).toContain('failing since');
      expect(await row.textContent()).toContain('500');
      await page.click('[data-alerts="history"] >> text=Refresh');
      await page.waitForSelector('[data-alerts="history"] tr[data-result="retrying"]', {
        timeout: 15_000,
      });
      await page.screenshot({ path: join(ARTIFACTS, 'alerts-failing.png') });

      // The receiver recovers: the retry is delivered and the badge goes away.
      receiver.status = 202;
      await page.waitForSelector('[data-failing-channels]', { state: 'detached', timeout: 45_000 });
      expect(errors.filter((e) => !/status of 4\d\d/.test(e))).toEqual([]);
    } finally {
      await page.close();
    }
  }, 240_000);
});

function registered(name: string): LogEventInput {
  return {
    type: 'mcp_registered',
    mcp_name: name,
    timestamp: new Date().toISOString(),
    actor: 'test',
    config: { name, transport: { type: 'streamable-http', url: 'http://127.0.0.1:9/mcp' } },
  };
}

function down(name: string): LogEventInput {
  return {
    type: 'mcp_status_change',
    mcp_name: name,
    status: 'unhealthy',
    timestamp: new Date().toISOString(),
    actor: 'registry',
    metadata: { previous_status: 'healthy', error: 'connection refused', reason: 'probe' },
  };
}
