// Scale-out mode: the whole stack (registry, breaker, two edges, demo fleet) on a local 3-master
// Redis Cluster (BEACON_REDIS_MODE=cluster, REDIS_URL = every node). Hash-tagged keys keep the
// log's scripts in one slot; the live channel is sharded pub/sub. A client gets initial_status
// from one edge and a live status change decided by the registry, on both edges.
import {
  demoServerName,
  freePort,
  freePortRange,
  startRedisCluster,
  uniquePrefix,
} from '@beacon/testing';
import type { RedisClusterHandle } from '@beacon/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { connectCollector, runStack, type RunningStack } from './stack-harness.js';

const DEMO_COUNT = 2;
const demoNames = Array.from({ length: DEMO_COUNT }, (_, i) => demoServerName(i));

describe('the stack on a 3-master Redis Cluster', () => {
  let cluster: RedisClusterHandle | undefined;
  let stack: RunningStack | undefined;

  afterAll(async () => {
    if (stack?.process.running === true) {
      const exit = await stack.interrupt();
      if (exit.code !== 0) stack.process.dump();
    }
    await cluster?.stop();
  });

  it('serves initial_status and live status changes from every edge', async () => {
    cluster = await startRedisCluster({ masters: 3 });
    // Two edges on consecutive ports: both must be free.
    const edgePort = await freePortRange(2);
    const controlPort = await freePort();
    stack = await runStack({
      edgePort,
      args: ['--edges', '2'],
      env: {
        REDIS_URL: cluster.urls,
        BEACON_REDIS_MODE: 'cluster',
        BEACON_REDIS_PREFIX: uniquePrefix('stack-cluster'),
        BEACON_DEMO_MCP_COUNT: String(DEMO_COUNT),
        BEACON_DEMO_MCP_PORT: '0',
        BEACON_DEMO_CONTROL_PORT: String(controlPort),
        BEACON_DEMO_PROBE_INTERVAL_MS: '500',
        BEACON_DEMO_TIMEOUT_MS: '400',
        LOG_LEVEL: 'warn',
      },
    });
    expect(stack.redis, 'no private Redis when REDIS_URL is set').toBeNull();

    const url = (port: number) => `ws://127.0.0.1:${port}/ws/mcp-status?token=${stack!.token}`;
    const a = await connectCollector(url(edgePort));
    const b = await connectCollector(url(edgePort + 1));
    const first = await a.waitFor((c) => c.messages[0], 'initial_status from edge 1');
    expect(first.type).toBe('initial_status');

    const target = demoNames[0]!;
    for (const c of [a, b]) {
      await c.waitFor(
        (x) => x.fleet.get(target)?.health_status === 'healthy',
        `${target} healthy (probed by the registry over MCP)`,
        90_000,
      );
    }

    // A live change: the demo server goes down, the registry appends the status change.
    const before = a.messages.length;
    const res = await fetch(`http://127.0.0.1:${controlPort}/servers/${target}/fault`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ mode: 'down' }),
    });
    expect(res.status).toBe(200);
    for (const c of [a, b]) {
      const change = await c.waitFor(
        (x) =>
          x.messages
            .slice(x === a ? before : 0)
            .find(
              (m) =>
                m.type === 'mcp_status_change' &&
                m.mcp_name === target &&
                m.status === 'disconnected',
            ),
        `a live mcp_status_change of ${target} to disconnected`,
        60_000,
      );
      expect(change.type).toBe('mcp_status_change');
    }
    // Both edges delivered the same log: the same offsets in the same order.
    const offsets = (c: typeof a) =>
      c.messages.flatMap((m) => ('offset' in m && m.type !== 'initial_status' ? [m.offset] : []));
    const tail = (xs: string[], ys: string[]) => xs.filter((o) => ys.includes(o));
    expect(tail(offsets(a), offsets(b))).toEqual(tail(offsets(b), offsets(a)));
    expect([...a.invalid, ...b.invalid]).toEqual([]);
    await a.close();
    await b.close();

    const exit = await stack.interrupt();
    if (exit.code !== 0) stack.process.dump();
    expect(exit).toEqual({ code: 0, signal: null });
  });
});
