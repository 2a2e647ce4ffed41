// probe_digest against a real Redis and a real MCP server over streamable HTTP: while the server
// stays healthy no status change is appended, yet subscribers see its last check move forward.
import type { ProbeDigestMessage, ProbeSample } from '@beacon/protocol';
import {
  startMcpTestServer,
  startRedis,
  uniquePrefix,
  waitFor,
  type RedisHandle,
} from '@beacon/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kinds, startHarness } from './test-support.js';

const DIGEST_MS = 300;
const PROBE_MS = 200;

let redis: RedisHandle;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

describe('probe digest', () => {
  it('keeps a healthy MCP last check and latency moving without status change events', async () => {
    const server = await startMcpTestServer({ name: 'steady_mcp' });
    const h = await startHarness({
      url: redis.url,
      prefix: uniquePrefix('reg-digest'),
      probeDigestIntervalMs: DIGEST_MS,
    });
    try {
      await waitFor(() => h.registry.leader, { timeoutMs: 10_000, message: 'registry leading' });
      const result = await h.command({
        type: 'register',
        config: {
          name: server.name,
          transport: { type: 'streamable-http', url: server.url },
          probe_interval_ms: PROBE_MS,
          timeout_ms: 1_500,
        },
      });
      expect(result.ok).toBe(true);
      const healthy = await h.waitRow(server.name, (r) => r.health_status === 'healthy', 'healthy');
      const statusEvents = kinds(await h.events(server.name)).filter((k) =>
        k.startsWith('status:'),
      );
      expect(statusEvents).toEqual(['status:healthy']);

      const digests = (): ProbeDigestMessage[] =>
        h.sides.filter((m): m is ProbeDigestMessage => m.type === 'probe_digest');
      const samples = (): ProbeSample[] =>
        digests().flatMap((d) =>
          d.probes.filter(
            (p) => p.name === server.name && p.checked_at > healthy.last_health_check!,
          ),
        );
      // Four digests after the status change, each with a fresh sample.
      await waitFor(() => samples().length >= 4, {
        timeoutMs: 20_000,
        message: 'four digests with samples newer than the status change',
      });

      const seen = samples();
      for (let i = 1; i < seen.length; i++)
        expect(seen[i]!.checked_at > seen[i - 1]!.checked_at).toBe(true);
      for (const s of seen) {
        expect(s.ok).toBe(true);
        expect(s.latency_ms).toBeGreaterThan(0);
      }
      // One sample per MCP per digest (the latest), and one digest per interval.
      const all = digests();
      for (const d of all) expect(d.probes.filter((p) => p.name === server.name)).toHaveLength(1);
      for (let i = 1; i < all.length; i++) {
        const gap = Date.parse(all[i]!.timestamp) - Date.parse(all[i - 1]!.timestamp);
        expect(gap).toBeGreaterThanOrEqual(DIGEST_MS - 50);
      }

      // The log saw no new status change: the digest is the only thing that moved.
      const after = await h.row(server.name);
      expect(after?.health_status).toBe('healthy');
      expect(after?.last_health_check).toBe(healthy.last_health_check);
      expect(kinds(await h.events(server.name)).filter((k) => k.startsWith('status:'))).toEqual(
        statusEvents,
      );
    } finally {
      await h.stop();
      await server.close();
    }
  });
});
