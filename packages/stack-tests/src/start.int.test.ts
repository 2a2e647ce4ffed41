// `pnpm start` as a user runs it: a private Redis, registry, breaker, an edge and the demo fleet
// come up; the printed token opens /ws/mcp-status and the demo MCPs are listed; Ctrl-C (SIGINT
// to the supervisor) stops every child and the private Redis and removes its directory.
import { demoServerName, freePort, pingOk, waitFor } from '@beacon/testing';
import { afterAll, describe, expect, it } from 'vitest';
import {
  connectCollector,
  directoryExists,
  pidAlive,
  runStack,
  type RunningStack,
} from './stack-harness.js';

const DEMO_COUNT = 3;
const demoNames = Array.from({ length: DEMO_COUNT }, (_, i) => demoServerName(i));

describe('pnpm start (scripts/start.mjs)', () => {
  let stack: RunningStack | undefined;

  afterAll(async () => {
    // Only reached with a live stack when an assertion failed midway.
    if (stack?.process.running === true) {
      stack.process.dump();
      await stack.process.kill('SIGKILL');
    }
  });

  it('serves /ws/mcp-status with the printed admin token and stops cleanly on SIGINT', async () => {
    const edgePort = await freePort();
    stack = await runStack({
      edgePort,
      env: {
        BEACON_DEMO_MCP_COUNT: String(DEMO_COUNT),
        BEACON_DEMO_MCP_PORT: '0',
        BEACON_DEMO_CONTROL_PORT: String(await freePort()),
        LOG_LEVEL: 'warn',
      },
    });
    expect(stack.redis, 'a private redis-server was started').not.toBeNull();
    // Exactly one line carries `token=`: the dashboard URL, token last.
    const tokenLines = stack.process.lines().filter((l) => l.includes('token='));
    expect(tokenLines).toHaveLength(1);
    expect(tokenLines[0]).toMatch(
      new RegExp(
        `http://localhost:${edgePort}/\\?\\S*token=${stack.token.replace(/[.]/g, '\\.')}$`,
      ),
    );
    const names = stack.children.map((c) => c.name).sort();
    expect(names).toEqual(['breaker', 'demo-mcp', 'edge-1', 'notifier', 'registry']);

    // Follow the fleet until the registry has registered every demo MCP from the fleet file...
    const url = `ws://127.0.0.1:${edgePort}/ws/mcp-status?token=${stack.token}`;
    const watcher = await connectCollector(url);
    await watcher.waitFor(
      (c) => demoNames.every((n) => c.fleet.has(n)),
      `the demo MCPs ${demoNames.join(', ')} to be registered`,
      90_000,
    );
    await watcher.close();
    expect(watcher.invalid).toEqual([]);

    // ...then a fresh client's initial_status lists them all.
    const client = await connectCollector(url);
    const first = await client.waitFor((c) => c.messages[0], 'initial_status');
    expect(first.type).toBe('initial_status');
    if (first.type !== 'initial_status') return;
    expect(first.mcps.map((m) => m.name)).toEqual(expect.arrayContaining(demoNames));
    expect(first.epoch).not.toBe('');
    await client.close();

    // Unauthenticated upgrades are refused before any data.
    await expect(connectCollector(`ws://127.0.0.1:${edgePort}/ws/mcp-status`)).rejects.toThrow(
      /HTTP 401/,
    );

    const { redis, children } = stack;
    const exit = await stack.interrupt();
    if (exit.code !== 0) stack.process.dump();
    expect(exit).toEqual({ code: 0, signal: null });
    expect(stack.process.output()).not.toMatch(/sending SIGKILL/);
    expect(stack.process.lines().filter((l) => l.includes('token='))).toHaveLength(1);
    for (const child of children) expect(pidAlive(child.pid), `${child.name} is gone`).toBe(false);
    expect(pidAlive(redis!.pid), 'private redis-server is gone').toBe(false);
    expect(await pingOk('127.0.0.1', redis!.port)).toBe(false);
    expect(directoryExists(redis!.dir), 'redis temp dir removed').toBe(false);
    await waitFor(
      async () => {
        try {
          await fetch(`http://127.0.0.1:${edgePort}/healthz`, { signal: AbortSignal.timeout(500) });
          return false;
        } catch {
          return true;
        }
      },
      { timeoutMs: 5000, message: 'the edge port to be closed' },
    );
  });
});
