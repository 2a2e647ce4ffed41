// The registry (in process, real Redis) probing real test servers of both MCP protocol
// generations over streamable HTTP and stdio: protocol_version and health_reason in the row, a
// server refusing credentials (auth_failed, not down), a server whose tool schema changes
// (tools_changed naming the tools), health_check: false (registered, never probed), and every
// probe_method.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  modernStdioServerArgs,
  modernTool,
  type McpTestServer,
  type ModernMcpServer,
  startMcpTestServer,
  startModernMcpServer,
  stdioServerArgs,
  uniquePrefix,
} from '@beacon/testing';
import { describe, expect, it } from 'vitest';
import { parseStdioAllowList } from './stdio-commands.js';
import {
  brokenTransitions,
  kinds,
  startLeadingHarness,
  type Harness,
  type HarnessOptions,
  fileRedis,
} from './test-support.js';

const redis = fileRedis();
const { cleanups } = redis;

async function harness(extra: Partial<HarnessOptions> = {}): Promise<Harness> {
  const h = await startLeadingHarness({
    url: redis.url,
    prefix: uniquePrefix('reg-gen'),
    ...extra,
  });
  cleanups.push(() => h.stop());
  return h;
}
async function modern(
  name: string,
  options: Partial<Parameters<typeof startModernMcpServer>[0]> = {},
): Promise<ModernMcpServer> {
  const s = await startModernMcpServer({ name, ...options });
  cleanups.push(() => s.close());
  return s;
}
async function legacy(name: string): Promise<McpTestServer> {
  const s = await startMcpTestServer({ name });
  cleanups.push(() => s.close());
  return s;
}
const http = (name: string, url: string, extra: Record<string, unknown> = {}) => ({
  name,
  transport: { type: 'streamable-http' as const, url },
  probe_interval_ms: 200,
  timeout_ms: 1_500,
  ...extra,
});

describe('both protocol generations, through the registry', () => {
  it('2026-07-28 and 2025 servers over streamable HTTP and stdio: healthy, protocol_version shown', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'beacon-gen-'));
    const stdioCommands = parseStdioAllowList(
      JSON.stringify({
        modern: {
          command: process.execPath,
          args: modernStdioServerArgs({ name: 'modern_stdio' }),
        },
        legacy: {
          command: process.execPath,
          args: stdioServerArgs({ name: 'legacy_stdio', tools: 4 }),
        },
      }),
      join(dir, 'commands.json'),
    );
    const h = await harness({ stdioCommands });
    const m = await modern('modern_http');
    const l = await legacy('legacy_http');
    for (const config of [
      http('modern_http', m.url),
      http('legacy_http', l.url),
      {
        name: 'modern_stdio',
        transport: { type: 'stdio' as const, command: 'modern' },
        probe_interval_ms: 300,
        timeout_ms: 3_000,
      },
      {
        name: 'legacy_stdio',
        transport: { type: 'stdio' as const, command: 'legacy' },
        probe_interval_ms: 300,
        timeout_ms: 3_000,
      },
    ]) {
      expect(await h.command({ type: 'register', config })).toMatchObject({ ok: true });
    }
    const want: Record<string, [RegExp, number]> = {
      modern_http: [/^2026-07-28$/, 2],
      legacy_http: [/^2025-/, 3],
      modern_stdio: [/^2026-07-28$/, 2],
      legacy_stdio: [/^2025-/, 4],
    };
    for (const [name, [version, tools]] of Object.entries(want)) {
      const row = await h.waitRow(name, (r) => r.health_status === 'healthy', 'healthy');
      expect(row.protocol_version, name).toMatch(version);
      expect(row.tools_count, name).toBe(tools);
      expect(row.health_reason, name).toBeNull();
      expect(row.tools_hash, name).toMatch(/^sha256:[0-9a-f]{64}$/);
    }
    // Stateless: the modern server saw no session, and more probes are each one server/discover.
    expect(m.sessionHeaders()).toBe(0);
    expect(m.methods()).not.toContain('initialize');
    expect(m.methods().filter((x) => x === 'server/discover').length).toBeGreaterThan(1);
    const statuses = (await h.events('modern_http')).filter((e) => e.type === 'mcp_status_change');
    expect(statuses[0]).toMatchObject({
      metadata: { protocol_version: '2026-07-28', health_reason: null },
    });
  });
});

describe('credentials refused', () => {
  it('HTTP 401 → unhealthy with health_reason auth_failed (distinct reason); right credentials → healthy', async () => {
    const h = await harness();
    const m = await modern('locked_mcp', {
      auth: { header: 'authorization', value: 'Bearer right' },
    });
    await h.command({
      type: 'register',
      config: http('locked_mcp', m.url, { failure_cycles_to_disable: 1_000 }),
    });
    const row = await h.waitRow('locked_mcp', (r) => r.health_status === 'unhealthy', 'unhealthy');
    expect(row).toMatchObject({
      health_reason: 'auth_failed',
      last_error: 'HTTP 401 Unauthorized',
    });
    const [change] = (await h.events('locked_mcp')).filter((e) => e.type === 'mcp_status_change');
    expect(change).toMatchObject({
      status: 'unhealthy',
      metadata: { reason: 'auth_failed', health_reason: 'auth_failed' },
    });
    expect(
      (await h.probes()).some((p) => p.mcp_name === 'locked_mcp' && p.outcome === 'auth_failed'),
    ).toBe(true);

    await h.command({
      type: 'update',
      name: 'locked_mcp',
      patch: {
        transport: {
          type: 'streamable-http',
          url: m.url,
          headers: { authorization: 'Bearer right' },
        },
      },
    });
    const ok = await h.waitRow('locked_mcp', (r) => r.health_status === 'healthy', 'healthy');
    expect(ok.health_reason).toBeNull();
  });

  it('a 2025 server answering 401 then recovering; a plain error after it is reason error', async () => {
    const h = await harness();
    const l = await legacy('legacy_locked');
    await l.setFault({ mode: 'http_error', http_status: 401 });
    await h.command({
      type: 'register',
      config: http('legacy_locked', l.url, { failure_cycles_to_disable: 1_000 }),
    });
    const row = await h.waitRow(
      'legacy_locked',
      (r) => r.health_reason === 'auth_failed',
      'auth_failed',
    );
    expect(row.health_status).toBe('unhealthy');
    await l.setFault({ mode: 'http_error', http_status: 500 });
    const err = await h.waitRow(
      'legacy_locked',
      (r) => r.health_reason === 'error',
      'reason error',
    );
    expect(err).toMatchObject({
      health_status: 'unhealthy',
      last_error: 'HTTP 500 Internal Server Error',
    });
    await l.setFault('ok');
    await h.waitRow(
      'legacy_locked',
      (r) => r.health_status === 'healthy' && r.health_reason === null,
      'healthy',
    );
    expect(brokenTransitions(await h.events('legacy_locked'))).toEqual([]);
  });
});

describe('tool drift', () => {
  it('a changed input schema fires tools_changed with added/removed/changed names (same count)', async () => {
    const h = await harness();
    const m = await modern('drift_mcp', { tools: [modernTool('alpha'), modernTool('beta')] });
    await h.command({
      type: 'register',
      config: http('drift_mcp', m.url, { probe_method: 'tools_list' }),
    });
    const before = await h.waitRow('drift_mcp', (r) => r.health_status === 'healthy', 'healthy');
    m.setTools([modernTool('alpha', ['text', 'limit']), modernTool('gamma')]);
    const after = await h.waitRow(
      'drift_mcp',
      (r) => r.tools_hash !== before.tools_hash,
      'new tools_hash',
    );
    expect(after.tools_count).toBe(2);
    const events = await h.events('drift_mcp');
    expect(kinds(events)).toEqual(['mcp_registered', 'status:healthy', 'tools_changed']);
    expect(events[2]).toMatchObject({
      data: {
        tools_count: 2,
        previous_tools_count: 2,
        tools_hash: after.tools_hash,
        previous_tools_hash: before.tools_hash,
        added: ['gamma'],
        removed: ['beta'],
        changed: ['alpha'],
      },
    });
  });

  it('a 2025 server changing a schema announces it (list_changed): tools_changed names it', async () => {
    const h = await harness();
    const l = await legacy('drift_legacy');
    await h.command({ type: 'register', config: http('drift_legacy', l.url) });
    await h.waitRow('drift_legacy', (r) => r.health_status === 'healthy', 'healthy');
    const deadline = Date.now() + 5_000;
    while (l.info().streams < 1 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    l.tools.add({
      name: 'echo',
      description: 'Echo, now with a count.',
      params: ['text', 'times'],
    });
    const events = await h.waitTail('drift_legacy', ['tools_changed']);
    expect(events.at(-1)).toMatchObject({
      data: { tools_count: 3, added: [], removed: [], changed: ['echo'] },
    });
  });
});

describe('health_check: false and probe_method', () => {
  it('health_check false: registered and routable, never probed, reason health_check_disabled; back on: probed', async () => {
    const h = await harness();
    const m = await modern('quiet_mcp');
    await h.command({
      type: 'register',
      config: http('quiet_mcp', m.url, { health_check: false }),
    });
    const row = await h.waitRow('quiet_mcp', () => true, 'registered');
    expect(row).toMatchObject({
      health_status: 'unknown',
      enabled: true,
      health_reason: 'health_check_disabled',
    });
    await new Promise((r) => setTimeout(r, 800));
    expect(m.methods()).toEqual([]);
    await h.command({ type: 'update', name: 'quiet_mcp', patch: { health_check: true } });
    await h.waitRow('quiet_mcp', (r) => r.health_status === 'healthy', 'healthy');
    await h.command({ type: 'update', name: 'quiet_mcp', patch: { health_check: false } });
    const off = await h.waitRow(
      'quiet_mcp',
      (r) => r.health_reason === 'health_check_disabled',
      'off again',
    );
    expect(off).toMatchObject({ health_status: 'unknown', enabled: true, auto_disabled: false });
    const seen = m.methods().length;
    await new Promise((r) => setTimeout(r, 800));
    expect(m.methods().length).toBe(seen);
    expect(kinds(await h.events('quiet_mcp'))).toEqual([
      'mcp_registered',
      'mcp_updated',
      'status:healthy',
      'mcp_updated',
      'status:unknown',
    ]);
  });

  it('probe_method discover / ping / tools_list send what they say', async () => {
    const h = await harness();
    const m1 = await modern('by_discover');
    const m2 = await modern('by_tools');
    const l = await legacy('by_ping');
    const l2 = await legacy('discover_on_legacy');
    await h.command({
      type: 'register',
      config: http('by_discover', m1.url, { probe_method: 'discover' }),
    });
    await h.command({
      type: 'register',
      config: http('by_tools', m2.url, { probe_method: 'tools_list' }),
    });
    await h.command({ type: 'register', config: http('by_ping', l.url, { probe_method: 'ping' }) });
    await h.command({
      type: 'register',
      config: http('discover_on_legacy', l2.url, {
        probe_method: 'discover',
        failure_cycles_to_disable: 1_000,
      }),
    });
    for (const name of ['by_discover', 'by_tools', 'by_ping']) {
      await h.waitRow(name, (r) => r.health_status === 'healthy', 'healthy');
    }
    const wrong = await h.waitRow(
      'discover_on_legacy',
      (r) => r.health_status === 'unhealthy',
      'unhealthy',
    );
    expect(wrong).toMatchObject({ health_reason: 'error' });
    expect(wrong.last_error).toMatch(/server\/discover not supported/);
    await new Promise((r) => setTimeout(r, 600));
    const after = (xs: readonly string[]) => xs.slice(2); // past connect's discover + tools/list
    expect(new Set(after(m1.methods()))).toEqual(new Set(['server/discover']));
    expect(new Set(after(m2.methods()))).toEqual(new Set(['tools/list']));
    expect((await h.row('by_ping'))?.protocol_version).toMatch(/^2025-/);
  });
});
