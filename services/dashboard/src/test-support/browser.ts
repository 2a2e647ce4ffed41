// Headless Chromium for the dashboard's browser tests and benchmark: Debian's /usr/bin/chromium
// driven by playwright-core (never a downloaded browser), each run with a fresh profile dir.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.BEACON_CHROMIUM ?? '/usr/bin/chromium';

export interface Browser {
  readonly context: BrowserContext;
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

export async function launchBrowser(
  options: { colorScheme?: 'light' | 'dark' } = {},
): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}: install Debian's package (apt-get install -y chromium) or set BEACON_CHROMIUM; browsers are never downloaded`,
    );
  }
  const profile = await mkdtemp(join(tmpdir(), 'beacon-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1440, height: 900 },
    colorScheme: options.colorScheme ?? 'light',
  });
  return {
    context,
    newPage: () => context.newPage(),
    async close() {
      await context.close().catch(() => undefined);
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Collects console errors and page errors so a test can assert the page stayed clean. */
export function watchConsole(page: Page): { errors: string[] } {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  // The edge's Content-Security-Policy: any violation is a dashboard that breaks under it.
  void page.exposeFunction('__beaconCspViolation', (v: string) => errors.push(`CSP: ${v}`));
  void page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      const report = (window as unknown as { __beaconCspViolation?: (v: string) => void })
        .__beaconCspViolation;
      report?.(`${e.violatedDirective} blocked ${e.blockedURI}`);
    });
  });
  return { errors };
}
