// One load-generator thread of `pnpm bench:edge`: holds its share of the raw WebSocket clients
// and answers the coordinator's commands (connect, stats, storm, check, close).
import { parentPort, workerData } from 'node:worker_threads';
import { compareOffsets } from '@beacon/protocol';
import { createRawClient, type RawClient } from './raw-client.js';

export interface WorkerInit {
  readonly port: number;
  readonly token: string;
  readonly count: number;
  readonly sampleEvery: number;
  readonly concurrency: number;
}

export type WorkerCommand = WorkerRequest & { readonly id: number };

export type WorkerRequest =
  | { readonly cmd: 'connect' }
  | { readonly cmd: 'stats' }
  | { readonly cmd: 'storm'; readonly head: string }
  | { readonly cmd: 'check'; readonly expected: number; readonly head: string }
  | { readonly cmd: 'close' };

const init = workerData as WorkerInit;
const samples: number[] = [];
const readBuffer = Buffer.alloc(256 * 1024);
const clients: RawClient[] = Array.from({ length: init.count }, () =>
  createRawClient({
    readBuffer,
    port: init.port,
    path: '/ws/mcp-status',
    token: init.token,
    sampleEvery: init.sampleEvery,
    sample: (ms) => samples.push(ms),
  }),
);

/** Run `fn` over all clients with at most `limit` in flight. */
async function pool(
  limit: number,
  list: readonly RawClient[],
  fn: (c: RawClient) => Promise<boolean>,
): Promise<number> {
  let next = 0;
  let failed = 0;
  const lane = async (): Promise<void> => {
    while (next < list.length) {
      const c = list[next++] as RawClient;
      if (!(await fn(c))) failed++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, list.length) }, lane));
  return failed;
}

parentPort?.on('message', (m: WorkerCommand) => {
  const post = (reply: object): void => parentPort?.postMessage({ ...reply, id: m.id });
  void (async () => {
    switch (m.cmd) {
      case 'connect': {
        const t0 = performance.now();
        // A burst of connects can overflow the listen backlog: retry like a real client would.
        const failed = await pool(init.concurrency, clients, async (c) => {
          for (let attempt = 0; attempt < 8; attempt++) {
            if (await c.connect('')) {
              await c.firstMessage();
              return true;
            }
            await new Promise((r) => setTimeout(r, 50 * 2 ** attempt * (0.5 + Math.random())));
          }
          return false;
        });
        post({ cmd: 'connect', failed, ms: performance.now() - t0 });
        return;
      }
      case 'stats': {
        let events = 0;
        let open = 0;
        for (const c of clients) {
          events += c.stats.events;
          if (c.open) open++;
        }
        post({ cmd: 'stats', events, open, samples: samples.splice(0) });
        return;
      }
      case 'storm': {
        // Everyone drops at once, then reconnects with since/epoch as fast as the pool allows.
        const t0 = performance.now();
        const active = clients.filter((c) => c.stats.epoch !== null);
        for (const c of active) c.destroy();
        let upgradedAt = 0;
        let caughtUp = 0;
        const failed = await pool(init.concurrency, active, async (c) => {
          const q = new URLSearchParams({
            since: c.stats.lastOffset ?? '0-0',
            epoch: c.stats.epoch ?? '',
          }).toString();
          const ok = await c.connect(q);
          upgradedAt = Math.max(upgradedAt, performance.now());
          return ok;
        });
        // Caught up = has seen an event at or past the head at storm time.
        for (;;) {
          caughtUp = active.filter(
            (c) => c.stats.lastOffset !== null && compareOffsets(c.stats.lastOffset, m.head) >= 0,
          ).length;
          if (caughtUp === active.length || performance.now() - t0 > 60_000) break;
          await new Promise((r) => setTimeout(r, 5));
        }
        post({
          cmd: 'storm',
          failed,
          upgradedMs: upgradedAt - t0,
          caughtUpMs: performance.now() - t0,
          caughtUp,
          clients: active.length,
          freshInitials: active.filter((c) => c.stats.initials > 1).length,
        });
        return;
      }
      case 'check': {
        let good = 0;
        const bad: string[] = [];
        for (const c of clients) {
          if (c.stats.epoch === null) continue; // never connected
          if (c.stats.events === m.expected && c.stats.lastOffset === m.head) good++;
          else if (bad.length < 5)
            bad.push(`events=${c.stats.events} last=${c.stats.lastOffset ?? '-'}`);
        }
        post({ cmd: 'check', good, bad });
        return;
      }
      case 'close':
        for (const c of clients) c.destroy();
        post({ cmd: 'close' });
        return;
    }
  })();
});
