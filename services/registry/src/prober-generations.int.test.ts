// The probe against real test servers of both protocol generations (2026-07-28: stateless,
// server/discover; 2025: initialize + ping), over streamable HTTP and stdio, plus credentials
// refused (HTTP 401/403) and tool drift; probe_method each value. No registry around it: the
// registry-level flow is in probe-generations.int.test.ts.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { McpConfig } from '@beacon/protocol';
import {
  modernStdioServerArgs,
  modernTool,
  startMcpTestServer,
  startModernMcpServer,
  stdioServerArgs,
} from '@beacon/testing';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { ToolsSeen } from './decide.js';
import { createProbeSession, type ProbeSession } from './prober.js';

const logger = pino({ level: 'silent' });
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function session(name: string, onTools?: (s: ToolsSeen) => void): ProbeSession {
  const s = createProbeSession(name, {
    logger,
    onToolsChanged: onTools ?? (() => undefined),
    onDropped: () => undefined,
    // Test servers are node scripts: run them as given.
    resolveStdio: (t) => ({
      command: t.command,
      args: t.args,
      env: { PATH: process.env.PATH ?? '' },
    }),
  });
  cleanups.push(() => s.close());
  return s;
}
const config = (input: Record<string, unknown>): McpConfig =>
  McpConfig.parse({ name: 'x_mcp', timeout_ms: 3_000, ...input });
const stdio = (args: string[], extra: Record<string, unknown> = {}) =>
  config({ transport: { type: 'stdio', command: process.execPath, args }, ...extra });

describe('probe: both protocol generations', () => {
  it('a 2026-07-28 server over streamable HTTP: server/discover, no initialize, no session', async () => {
    const m = await startModernMcpServer({ name: 'modern_mcp' });
    cleanups.push(() => m.close());
    const s = session('modern_mcp');
    const cfg = config({ transport: { type: 'streamable-http', url: m.url } });
    const first = await s.probe(cfg);
    expect(first).toMatchObject({
      ok: true,
      outcome: 'success',
      protocol_version: '2026-07-28',
      tools_count: 2,
    });
    expect(first.tools_hash).toMatch(/^sha256:/);
    const second = await s.probe(cfg);
    expect(second).toMatchObject({ ok: true, protocol_version: '2026-07-28' });
    expect(s.era).toBe('modern');
    // Connect: discover + tools/list, which answer the first probe; then each probe is one discover.
    expect(m.methods()).toEqual(['server/discover', 'tools/list', 'server/discover']);
    expect(m.sessionHeaders()).toBe(0);
  });

  it('a 2025 server over streamable HTTP: discover refused, falls back to initialize + ping, remembered', async () => {
    const l = await startMcpTestServer({ name: 'legacy_mcp' });
    cleanups.push(() => l.close());
    const s = session('legacy_mcp');
    const cfg = config({ transport: { type: 'streamable-http', url: l.url } });
    const first = await s.probe(cfg);
    expect(first).toMatchObject({ ok: true, outcome: 'success', tools_count: 3 });
    expect(first.protocol_version).toMatch(/^2025-/);
    expect(s.era).toBe('legacy');
    expect((await s.probe(cfg)).ok).toBe(true);
  });

  it('a 2026-07-28 server over stdio', async () => {
    const s = session('modern_stdio');
    const cfg = stdio(modernStdioServerArgs({ name: 'modern_stdio' }));
    const r = await s.probe(cfg);
    expect(r).toMatchObject({ ok: true, protocol_version: '2026-07-28', tools_count: 2 });
    expect((await s.probe(cfg)).ok).toBe(true);
    expect(s.era).toBe('modern');
  });

  it('a 2025 server over stdio: falls back to initialize', async () => {
    const s = session('legacy_stdio');
    const cfg = stdio(stdioServerArgs({ name: 'legacy_stdio', tools: 4 }));
    const r = await s.probe(cfg);
    expect(r).toMatchObject({ ok: true, tools_count: 4 });
    expect(r.protocol_version).toMatch(/^2025-/);
    expect(s.era).toBe('legacy');
  });
});

describe('stdio fallback', () => {
  it('a 2025 stdio server silent on server/discover: initialize goes on in the same process', async () => {
    const s = session('silent_stdio');
    const cfg = stdio(stdioServerArgs({ name: 'silent_stdio', silentDiscover: true }));
    // ok within timeout_ms (3 s): a silent discover wait (1.2 s) plus one spawn, not two.
    const r = await s.probe(cfg);
    expect(r).toMatchObject({ ok: true, tools_count: 3 });
    expect(r.protocol_version).toMatch(/^2025-/);
    // Remembered: the next probe is a plain ping on the kept session.
    expect(s.era).toBe('legacy');
    expect(s.connected).toBe(true);
    expect((await s.probe(cfg)).ok).toBe(true);
  });
});

describe('probe_method', () => {
  it('discover on a 2025 server is an error that says so; ping on it works', async () => {
    const l = await startMcpTestServer({ name: 'legacy_mcp' });
    cleanups.push(() => l.close());
    const url = l.url;
    const d = await session('a').probe(
      config({ transport: { type: 'streamable-http', url }, probe_method: 'discover' }),
    );
    expect(d).toMatchObject({ ok: false, outcome: 'error' });
    expect(d.error).toMatch(/server\/discover not supported/);
    const p = await session('b').probe(
      config({ transport: { type: 'streamable-http', url }, probe_method: 'ping' }),
    );
    expect(p).toMatchObject({ ok: true });
  });

  it('ping on a 2026-07-28 server fails (it has no initialize); discover and tools_list work', async () => {
    const m = await startModernMcpServer({ name: 'modern_mcp' });
    cleanups.push(() => m.close());
    const url = m.url;
    const p = await session('a').probe(
      config({ transport: { type: 'streamable-http', url }, probe_method: 'ping' }),
    );
    expect(p.ok).toBe(false);
    const d = await session('b').probe(
      config({ transport: { type: 'streamable-http', url }, probe_method: 'discover' }),
    );
    expect(d).toMatchObject({ ok: true, protocol_version: '2026-07-28' });
    const before = m.methods().length;
    const t = session('c');
    const tcfg = config({
      transport: { type: 'streamable-http', url },
      probe_method: 'tools_list',
    });
    expect((await t.probe(tcfg)).ok).toBe(true);
    expect((await t.probe(tcfg)).ok).toBe(true);
    expect(m.methods().slice(before)).toEqual(['server/discover', 'tools/list', 'tools/list']);
  });

  it('tools_list on a 2025 server', async () => {
    const l = await startMcpTestServer({ name: 'legacy_mcp' });
    cleanups.push(() => l.close());
    const r = await session('a').probe(
      config({ transport: { type: 'streamable-http', url: l.url }, probe_method: 'tools_list' }),
    );
    expect(r).toMatchObject({ ok: true, tools_count: 3 });
  });
});

describe('credentials refused', () => {
  it('HTTP 401 and 403 from a 2026-07-28 server are auth_failed; the right header is healthy', async () => {
    const m401 = await startModernMcpServer({
      name: 'm401',
      auth: { header: 'authorization', value: 'Bearer good' },
    });
    const m403 = await startModernMcpServer({
      name: 'm403',
      auth: { header: 'x-api-key', value: 'good', status: 403 },
    });
    cleanups.push(
      () => m401.close(),
      () => m403.close(),
    );
    const r401 = await session('a').probe(
      config({ transport: { type: 'streamable-http', url: m401.url } }),
    );
    expect(r401).toMatchObject({
      ok: false,
      outcome: 'auth_failed',
      status: 'unhealthy',
      error: 'HTTP 401 Unauthorized',
    });
    const r403 = await session('b').probe(
      config({
        transport: { type: 'streamable-http', url: m403.url, headers: { 'x-api-key': 'bad' } },
      }),
    );
    expect(r403).toMatchObject({ ok: false, outcome: 'auth_failed', error: 'HTTP 403 Forbidden' });
    const good = await session('c').probe(
      config({
        transport: {
          type: 'streamable-http',
          url: m401.url,
          headers: { authorization: 'Bearer good' },
        },
      }),
    );
    expect(good).toMatchObject({ ok: true, protocol_version: '2026-07-28' });
  });

  it('HTTP 401 from a 2025 server (every POST refused) is auth_failed', async () => {
    const l = await startMcpTestServer({ name: 'legacy_mcp' });
    cleanups.push(() => l.close());
    await l.setFault({ mode: 'http_error', http_status: 401 });
    const r = await session('a').probe(
      config({ transport: { type: 'streamable-http', url: l.url } }),
    );
    expect(r).toMatchObject({ ok: false, outcome: 'auth_failed', error: 'HTTP 401 Unauthorized' });
    await l.setFault({ mode: 'http_error', http_status: 403 });
    const r2 = await session('b').probe(
      config({ transport: { type: 'streamable-http', url: l.url }, probe_method: 'ping' }),
    );
    expect(r2).toMatchObject({ ok: false, outcome: 'auth_failed', error: 'HTTP 403 Forbidden' });
  });
});

describe('tool drift', () => {
  it('a changed input schema changes the hash and names the tool (2026-07-28, tools_list)', async () => {
    const m = await startModernMcpServer({
      name: 'drift_mcp',
      tools: [modernTool('a'), modernTool('b')],
    });
    cleanups.push(() => m.close());
    const s = session('drift_mcp');
    const cfg = config({
      transport: { type: 'streamable-http', url: m.url },
      probe_method: 'tools_list',
    });
    const r1 = await s.probe(cfg);
    m.setTools([modernTool('a', ['text', 'limit']), modernTool('c')]);
    const r2 = await s.probe(cfg);
    expect(r2.tools_count).toBe(2);
    expect(r2.tools_hash).not.toBe(r1.tools_hash);
    expect(r2.tools_diff).toEqual({ added: ['c'], removed: ['b'], changed: ['a'] });
    // Reported once: the next result has the same hash and no diff.
    const r3 = await s.probe(cfg);
    expect(r3.tools_hash).toBe(r2.tools_hash);
    expect(r3.tools_diff).toBeUndefined();
  });

  it('a 2025 server announcing a changed schema (list_changed) reaches onToolsChanged with names', async () => {
    const l = await startMcpTestServer({ name: 'drift_mcp' });
    cleanups.push(() => l.close());
    const seen: ToolsSeen[] = [];
    const s = session('drift_mcp', (t) => seen.push(t));
    const cfg = config({ transport: { type: 'streamable-http', url: l.url } });
    expect((await s.probe(cfg)).ok).toBe(true);
    const deadline = Date.now() + 5_000;
    while (l.info().streams < 1 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    l.tools.add({ name: 'echo', description: 'Echo.', params: ['text', 'times'] });
    while (seen.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(seen.at(-1)).toMatchObject({
      count: 3,
      diff: { added: [], removed: [], changed: ['echo'] },
    });
  });

  it('a 2026-07-28 stdio server whose tools file changes (tools_list)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'beacon-drift-'));
    const file = join(dir, 'tools.json');
    writeFileSync(file, JSON.stringify([modernTool('x')]));
    const s = session('drift_stdio');
    const cfg = stdio(modernStdioServerArgs({ name: 'drift_stdio', toolsFile: file }), {
      probe_method: 'tools_list',
    });
    const r1 = await s.probe(cfg);
    expect(r1).toMatchObject({ ok: true, tools_count: 1 });
    writeFileSync(file, JSON.stringify([modernTool('x', ['q']), modernTool('y')]));
    const r2 = await s.probe(cfg);
    expect(r2.tools_diff).toEqual({ added: ['y'], removed: [], changed: ['x'] });
  });
});
