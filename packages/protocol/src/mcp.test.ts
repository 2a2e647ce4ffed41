import { describe, expect, it } from 'vitest';
import { describeIssues, issuesOf } from './errors.js';
import { McpConfigInput, McpConfigPatch, redactConfig, redactUrl } from './mcp.js';

const http = (url: string, headers?: Record<string, string>) =>
  McpConfigInput.parse({
    name: 'm',
    transport: { type: 'streamable-http', url, ...(headers ? { headers } : {}) },
  });

describe('redactUrl / redactConfig', () => {
  it('masks the userinfo password and every query value', () => {
    expect(redactUrl('http://svc:PASS@host/mcp?api_key=K&x=1')).toBe(
      'http://svc:***@host/mcp?api_key=***&x=***',
    );
    expect(redactUrl('https://host:8443/mcp')).toBe('https://host:8443/mcp');
    expect(redactUrl('http://user@host/p?flag#frag')).toBe('http://user@host/p?***#***');
    expect(redactUrl('http://a:b@c:d@host/')).toBe('http://a:***@host/');
  });

  it('masks url, headers, stdio args and env; keeps the shape', () => {
    const c = redactConfig(http('http://u:p@h/mcp?t=1', { authorization: 'Bearer x' }));
    expect(c.transport).toEqual({
      type: 'streamable-http',
      url: 'http://u:***@h/mcp?t=***',
      headers: { authorization: '***' },
    });
    const s = redactConfig(
      McpConfigInput.parse({
        name: 's',
        transport: { type: 'stdio', command: 'fs', args: ['--token', 'T'], env: { K: 'v' } },
      }),
    );
    expect(s.transport).toEqual({
      type: 'stdio',
      command: 'fs',
      args: ['***', '***'],
      env: { K: '***' },
    });
  });
});

describe('config size caps', () => {
  const message = (r: { success: boolean; error?: unknown }): string =>
    r.success ? 'ok' : describeIssues(issuesOf(r.error as never));

  it('caps each field and names it', () => {
    const name = 'm';
    const t = { type: 'streamable-http', url: 'http://h/mcp' };
    const big = (headers: Record<string, string>) =>
      message(McpConfigInput.safeParse({ name, transport: { ...t, headers } }));
    expect(big({ a: 'x'.repeat(917_000) })).toMatch(/transport\.headers\.a: .*at most 4096/);
    expect(big(Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`h${i}`, 'v'])))).toMatch(
      /at most 32 header entries/,
    );
    expect(
      message(
        McpConfigInput.safeParse({
          name,
          transport: { ...t, url: `http://h/${'a'.repeat(3_000)}` },
        }),
      ),
    ).toMatch(/transport\.url/);
    const stdio = (x: Record<string, unknown>) =>
      message(McpConfigInput.safeParse({ name, transport: { type: 'stdio', command: 'c', ...x } }));
    expect(stdio({ args: Array.from({ length: 65 }, () => 'a') })).toMatch(/transport\.args/);
    expect(stdio({ args: ['a'.repeat(1_025)] })).toMatch(/transport\.args\[0\]: .*<=1024/);
    expect(stdio({ cwd: '/'.repeat(4_097) })).toMatch(/transport\.cwd/);
    expect(
      stdio({ env: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`E${i}`, 'v'])) }),
    ).toMatch(/at most 64 env entries/);
  });

  it('caps the whole config, for registrations and patches', () => {
    const headers = Object.fromEntries(
      Array.from({ length: 8 }, (_, i) => [`h${i}`, 'a'.repeat(4_000)]),
    );
    const transport = { type: 'streamable-http', url: 'http://h/mcp', headers };
    expect(message(McpConfigInput.safeParse({ name: 'm', transport }))).toMatch(
      /^transport: config is \d+ characters as JSON, over the 16384 cap \(largest field: transport/,
    );
    expect(message(McpConfigPatch.safeParse({ transport }))).toMatch(/over the 16384 cap/);
    expect(McpConfigPatch.safeParse({ probe_interval_ms: 1_000 }).success).toBe(true);
  });
});

describe('probe_method and health_check', () => {
  it('accepts discover, ping, tools_list and a boolean health_check, in configs and patches', () => {
    for (const probe_method of ['discover', 'ping', 'tools_list'] as const) {
      expect(McpConfigInput.parse({ ...http('http://h/mcp'), probe_method }).probe_method).toBe(
        probe_method,
      );
      expect(McpConfigPatch.parse({ probe_method })).toEqual({ probe_method });
    }
    expect(
      McpConfigInput.parse({ ...http('http://h/mcp'), health_check: false }).health_check,
    ).toBe(false);
    expect(McpConfigPatch.parse({ health_check: true })).toEqual({ health_check: true });
    // Absent stays absent (no default fills a config in): probing as before.
    const plain = http('http://h/mcp');
    expect('probe_method' in plain || 'health_check' in plain).toBe(false);
  });
  it('refuses other values, naming the field', () => {
    const bad = McpConfigInput.safeParse({ ...http('http://h/mcp'), probe_method: 'head' });
    expect(bad.success).toBe(false);
    expect(describeIssues(issuesOf(bad.error!))).toMatch(/probe_method/);
    expect(McpConfigPatch.safeParse({ health_check: 'no' }).success).toBe(false);
  });
});
