// Probing over the older HTTP+SSE MCP transport (`transport.type: 'sse'`, SDK SSEClientTransport)
// against a real SDK MCP server over SSEServerTransport and a real Redis: healthy with latency and
// tools count, down → disconnected, error → unhealthy, back → recovery; a session the server drops
// is re-established with a fresh initialize at once.
import {
  startMcpTestServer,
  uniquePrefix,
  waitFor,
  type McpTestServer,
  type McpTestServerOptions,
} from '@beacon/testing';
import { describe, expect, it } from 'vitest';
import {
  brokenTransitions,
  kinds,
  startLeadingHarness,
  type Harness,
  fileRedis,
} from './test-support.js';

const redis = fileRedis();
const { cleanups } = redis;

async function harness(): Promise<Harness> {
  const h = await startLeadingHarness({ url: redis.url, prefix: uniquePrefix('reg-sse') });
  cleanups.push(() => h.stop());
  return h;
}
async function sseServer(options: Partial<McpTestServerOptions> = {}): Promise<McpTestServer> {
  const s = await startMcpTestServer({
    name: 'legacy_mcp',
    transport: 'sse',
    toolCount: 4,
    ...options,
  });
  cleanups.push(() => s.close());
  return s;
}
async function register(h: Harness, s: McpTestServer, probeIntervalMs: number): Promise<void> {
  const registered = await h.command({
    type: 'register',
    config: {
      name: s.name,
      transport: { type: 'sse', url: s.url },
      probe_interval_ms: probeIntervalMs,
      // Generous: a first connect on a busy 2-core box can take a few hundred ms.
      timeout_ms: 1_500,
    },
  });
  expect(registered.ok).toBe(true);
}

describe('probing over sse', () => {
  it('healthy → disconnected → recovery → unhealthy (error) → recovery, tools changes', async () => {
    const h = await harness();
    const s = await sseServer();
    await register(h, s, 200);

    const healthy = await h.waitRow('legacy_mcp', (r) => r.health_status === 'healthy', 'healthy');
    expect(healthy.tools_count).toBe(4);
    expect(healthy.latency_ms).toBeGreaterThan(0);
    expect(s.info()).toMatchObject({ transport: 'sse', sessions: 1 });

    await s.setFault('down');
    const down = await h.waitRow(
      'legacy_mcp',
      (r) => r.health_status === 'disconnected',
      'disconnected',
    );
    expect(down.last_error).toBe('connection failed');

    // Back: the registry opens a new stream and initializes a new session (the old one died with
    // the server), and keeps exactly one.
    await s.setFault('ok');
    const back = await h.waitRow(
      'legacy_mcp',
      (r) => r.health_status === 'healthy',
      'healthy again',
    );
    expect(back.tools_count).toBe(4);
    expect(s.info().sessions).toBe(1);

    await s.setFault('error');
    const erroring = await h.waitRow(
      'legacy_mcp',
      (r) => r.health_status === 'unhealthy',
      'unhealthy (error)',
    );
    expect(erroring.last_error).toMatch(/legacy_mcp is in error mode/);
    await s.setFault('ok');
    await h.waitRow('legacy_mcp', (r) => r.health_status === 'healthy', 'healthy after error');

    // tools/list_changed arrives on the session's event stream, without a status change.
    s.tools.add({ name: 'legacy_export', description: 'Export records.' });
    await h.waitRow('legacy_mcp', (r) => r.tools_count === 5, 'tools_count 5');

    const events = await h.events('legacy_mcp');
    expect(brokenTransitions(events)).toEqual([]);
    expect(kinds(events)).toEqual([
      'mcp_registered',
      'status:healthy',
      'failure',
      'status:disconnected',
      'status:healthy',
      'recovery',
      'failure',
      'status:unhealthy',
      'status:healthy',
      'recovery',
      'tools_changed',
    ]);
    expect(events[1]).toMatchObject({
      metadata: { previous_status: 'unknown', tools_count: 4, failure_cycles: 0 },
    });

    const outcomes = new Set((await h.probes()).map((p) => p.outcome));
    expect(outcomes).toEqual(new Set(['success', 'disconnected', 'error']));
  });

  it('a session the server dropped is re-initialized at once, not silently reattached', async () => {
    const h = await harness();
    // maxSessions 1: a second stream evicts the registry's session while the server stays up.
    const s = await sseServer({ maxSessions: 1 });
    // Probed at registration, then not for a minute: only the session's own handling can act.
    await register(h, s, 60_000);
    await h.waitRow(
      'legacy_mcp',
      (r) => r.health_status === 'healthy' && r.tools_count === 4,
      'healthy',
    );

    const intruder = new AbortController();
    cleanups.push(() => Promise.resolve(intruder.abort()));
    const stream = await fetch(s.url, {
      headers: { accept: 'text/event-stream' },
      signal: intruder.signal,
    });
    expect(stream.status).toBe(200);
    // Changed while the registry has no session: no notification can reach it. Only a new
    // initialize + tools/list tells; an EventSource quietly reopening its stream onto a session
    // nobody initialized would never learn it.
    s.tools.add({ name: 'legacy_export', description: 'Export records.' });
    intruder.abort();

    const row = await h.waitRow(
      'legacy_mcp',
      (r) => r.tools_count === 5,
      'tools_count 5 from a fresh session',
      10_000,
    );
    expect(row.health_status).toBe('healthy');
    await waitFor(() => s.info().sessions === 1, { timeoutMs: 5_000, message: 'one session' });
    const events = await h.events('legacy_mcp');
    expect(kinds(events)).toEqual(['mcp_registered', 'status:healthy', 'tools_changed']);
  });
});
