// Frame-budget benchmark of the dashboard (`pnpm bench:dashboard`): a private Redis and a real
// edge serving the built dashboard; 1,000 MCPs registered through the event log; status changes
// and health events appended at 200/s while headless Chromium renders the page, first in the card
// view, then in the table view. Prints frame durations (p50/p95/p99/max), long tasks, event→screen
// latency, and checks that the page applied every event (count, offsets and final rows equal to
// the edge's projection). A program that prints figures, not a timed test.
import { parseArgs } from 'node:util';
import { McpListResponse, type LogEventInput } from '@beacon/protocol';
import type { Page } from 'playwright-core';
import '../src/diagnostics.js';
import { launchBrowser } from '../src/test-support/browser.js';
import { startStack, type Stack } from '../src/test-support/stack.js';

const { values } = parseArgs({
  options: {
    mcps: { type: 'string', default: '1000' },
    rate: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '15' },
  },
});
const MCPS = Number(values.mcps);
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
if (![MCPS, RATE, SECONDS].every((n) => Number.isFinite(n) && n > 0)) {
  process.stderr.write('usage: bench-dashboard [--mcps N] [--rate events/s] [--seconds S]\n');
  process.exit(2);
}

const name = (i: number): string => `mcp-${String(i).padStart(5, '0')}`;
const STATUSES = ['healthy', 'healthy', 'healthy', 'unhealthy', 'disconnected'] as const;
const CIRCUIT_EVENTS = ['circuit_opened', 'circuit_half_open', 'circuit_closed'] as const;

function event(n: number): LogEventInput {
  const mcp = name(Math.floor(Math.random() * MCPS));
  const timestamp = new Date().toISOString();
  if (n % 10 === 9) {
    const t = CIRCUIT_EVENTS[n % 3]!;
    return {
      type: 'health_event',
      mcp_name: mcp,
      event_type: t,
      data: { breaker: { failure_rate: (n % 100) + 0.5, calls: n % 20, opens: n % 7 } },
      timestamp,
    };
  }
  const status = STATUSES[n % STATUSES.length]!;
  return {
    type: 'mcp_status_change',
    mcp_name: mcp,
    status,
    metadata: {
      latency_ms: status === 'disconnected' ? null : 5 + (n % 400),
      error: status === 'healthy' ? null : `probe failed (${n})`,
      failure_cycles: status === 'healthy' ? 0 : n % 5,
      tools_count: 3,
    },
    timestamp,
  };
}

/** Append at `rate`/s for `seconds`, in 10 ms ticks; returns how many were appended. */
async function emit(
  stack: Stack,
  rate: number,
  seconds: number,
  counter: { n: number },
): Promise<number> {
  const start = Date.now();
  const end = start + seconds * 1000;
  let sent = 0;
  while (Date.now() < end) {
    const due = Math.floor(((Date.now() - start) / 1000) * rate);
    const batch: Promise<unknown>[] = [];
    while (sent < due) {
      batch.push(stack.log.append(event(counter.n++)));
      sent++;
    }
    await Promise.all(batch);
    await new Promise((r) => setTimeout(r, 10));
  }
  return sent;
}

interface PageFigures {
  frames: number[];
  longTasks: number[];
  lags: number[];
}

/** Starts frame / long-task / event-latency collection inside the page. */
async function startMeasuring(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __bench: PageFigures & { stop: boolean } };
    const state = {
      frames: [] as number[],
      longTasks: [] as number[],
      lags: [] as number[],
      stop: false,
    };
    w.__bench = state;
    const observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) state.longTasks.push(e.duration);
    });
    observer.observe({ type: 'longtask', buffered: false });
    let last = performance.now();
    let seen = window.__BEACON__?.snapshot().eventsApplied ?? 0;
    const tick = (t: number): void => {
      state.frames.push(t - last);
      last = t;
      const snap = window.__BEACON__?.snapshot();
      if (snap !== undefined && snap.eventsApplied > seen) {
        // Newly rendered entries are at the end of the timeline ring.
        const fresh = Math.min(snap.eventsApplied - seen, snap.timeline.length);
        const now = performance.timeOrigin + performance.now();
        for (let i = snap.timeline.length - fresh; i < snap.timeline.length; i++) {
          const e = snap.timeline[i];
          if (e?.offset) state.lags.push(now - Date.parse(e.timestamp));
        }
        seen = snap.eventsApplied;
      }
      if (state.stop) observer.disconnect();
      else requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
}

async function stopMeasuring(page: Page): Promise<PageFigures> {
  return page.evaluate(() => {
    const w = window as unknown as { __bench: PageFigures & { stop: boolean } };
    w.__bench.stop = true;
    return { frames: w.__bench.frames, longTasks: w.__bench.longTasks, lags: w.__bench.lags };
  });
}

const pct = (xs: number[], p: number): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const f1 = (n: number): string => n.toFixed(1);

function report(label: string, fig: PageFigures, events: number, seconds: number): void {
  const frames = fig.frames.slice(1);
  const over = frames.filter((d) => d > 1000 / 60 + 2).length;
  const lt = fig.longTasks;
  console.log(
    [
      `${label}: ${events} events in ${seconds} s (${f1(events / seconds)}/s), ${frames.length} frames`,
      `  frame duration ms  p50 ${f1(pct(frames, 50))}  p95 ${f1(pct(frames, 95))}  p99 ${f1(pct(frames, 99))}  max ${f1(Math.max(...frames))}`,
      `  frames over budget (>18.7 ms) ${over} (${f1((100 * over) / Math.max(1, frames.length))}%)`,
      `  long tasks (>50 ms) ${lt.length}, total ${f1(lt.reduce((a, b) => a + b, 0))} ms, max ${lt.length ? f1(Math.max(...lt)) : '0'} ms`,
      `  append→on screen ms  p50 ${f1(pct(fig.lags, 50))}  p95 ${f1(pct(fig.lags, 95))}  p99 ${f1(pct(fig.lags, 99))}`,
    ].join('\n'),
  );
}

async function main(): Promise<void> {
  console.log(
    `bench:dashboard — ${MCPS} MCPs, ${RATE} events/s, ${SECONDS} s per view (machine shared; figures under contention)`,
  );
  const stack = await startStack();
  const browser = await launchBrowser();
  try {
    const t0 = Date.now();
    for (let i = 0; i < MCPS; i += 100) {
      await Promise.all(
        Array.from({ length: Math.min(100, MCPS - i) }, (_, k) =>
          stack.log.append({
            type: 'mcp_registered',
            mcp_name: name(i + k),
            config: {
              name: name(i + k),
              transport: { type: 'streamable-http', url: `http://127.0.0.1:9/${name(i + k)}` },
              tags: [`team-${(i + k) % 7}`, (i + k) % 2 ? 'prod' : 'staging'],
            },
            timestamp: new Date().toISOString(),
          }),
        ),
      );
    }
    console.log(`registered ${MCPS} MCPs in ${Date.now() - t0} ms`);

    const token = await stack.token('viewer', 'bench');
    const page = await browser.newPage();
    await page.addInitScript(() => localStorage.setItem('beacon.view', 'cards'));
    const loadStart = Date.now();
    await page.goto(`${stack.baseUrl}/?token=${token}`);
    await page.waitForFunction((n) => window.__BEACON__?.snapshot().rows.length === n, MCPS, {
      timeout: 60_000,
    });
    await page.waitForSelector('.card[data-mcp]');
    console.log(`page live with ${MCPS} MCPs in ${Date.now() - loadStart} ms`);
    const startOffset = await page.evaluate(() => window.__BEACON__?.snapshot().offset ?? null);
    const counter = { n: 0 };

    let total = 0;
    for (const view of ['cards', 'table'] as const) {
      if (view === 'table') await page.click('button:has-text("Table")');
      await page.waitForSelector(view === 'cards' ? '.card[data-mcp]' : '.trow[data-mcp]');
      await startMeasuring(page);
      const sent = await emit(stack, RATE, SECONDS, counter);
      total += sent;
      report(`${view} view`, await stopMeasuring(page), sent, SECONDS);
    }

    // Nothing dropped: every appended event applied, in order, and the rows equal the edge's.
    const last = await stack.log.lastOffset();
    const caughtUp = Date.now();
    await page.waitForFunction((o) => window.__BEACON__?.snapshot().offset === o, last, {
      timeout: 60_000,
    });
    const applied = await page.evaluate(() => window.__BEACON__?.snapshot().eventsApplied ?? -1);
    const logged = (await stack.log.replay(startOffset ?? '0-0', 1_000_000)).length;
    const pageRows = await page.evaluate(() =>
      [...(window.__BEACON__?.snapshot().byName.values() ?? [])].map((r) => [
        r.name,
        r.updated_offset,
        r.health_status,
        r.circuit_state,
      ]),
    );
    const res = await fetch(`${stack.baseUrl}/api/mcps`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const edgeRows = McpListResponse.parse(await res.json()).mcps;
    const edgeMap = new Map(
      edgeRows.map((r) => [r.name, [r.name, r.updated_offset, r.health_status, r.circuit_state]]),
    );
    const mismatched = pageRows.filter(
      (r) => JSON.stringify(edgeMap.get(String(r[0]))) !== JSON.stringify(r),
    ).length;
    const invalid = await page.evaluate(() => window.__BEACON__?.stats().invalid ?? -1);
    console.log(
      [
        `events appended ${total}, in the log after the page's snapshot ${logged}, applied by the page ${applied}`,
        `final rows equal to the edge's projection: ${pageRows.length - mismatched}/${edgeRows.length} (invalid frames ${invalid}); caught up ${Date.now() - caughtUp} ms after the last append`,
        applied === logged && mismatched === 0 && pageRows.length === MCPS
          ? 'RESULT: no dropped events'
          : 'RESULT: MISMATCH — events were dropped or rows differ',
      ].join('\n'),
    );
    if (applied !== logged || mismatched !== 0) process.exitCode = 1;
  } finally {
    await browser.close();
    await stack.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
