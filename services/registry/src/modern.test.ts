// The era decision on what server/discover got (the 2026-07-28 backward-compatibility rules), and
// the tool digest behind tools_changed.
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { HttpRpcError } from './http-transport.js';
import { discoverVerdict, LegacySignal, RpcTimeout, toolsPage } from './modern.js';
import { diffTools, digestTools, MAX_LISTED, MAX_TRACKED } from './tool-digest.js';

const verdict = (o: { result: unknown } | { error: unknown }): string => {
  try {
    return discoverVerdict(o);
  } catch (err) {
    return err instanceof LegacySignal ? 'legacy' : `throws ${(err as Error).name}`;
  }
};

describe('discoverVerdict', () => {
  it.each([
    [
      'a DiscoverResult listing 2026-07-28',
      { result: { supportedVersions: ['2026-07-28'] } },
      '2026-07-28',
    ],
    ['a result that is not a DiscoverResult', { result: {} }, 'legacy'],
    [
      'supported versions of 2025 only (dual-era)',
      { result: { supportedVersions: ['2025-06-18'] } },
      'legacy',
    ],
    ['no version in common', { result: { supportedVersions: ['2031-01-01'] } }, 'throws McpError'],
    ['-32601 method not found', { error: new McpError(-32601, 'nope') }, 'legacy'],
    ['-32000 not initialized', { error: new McpError(-32000, 'Bad Request') }, 'legacy'],
    ['a server -32001 (not our timeout)', { error: new McpError(-32001, 'no session') }, 'legacy'],
    [
      '-32022 with 2026-07-28 supported',
      { error: new McpError(-32022, 'x', { supported: ['2026-07-28'] }) },
      '2026-07-28',
    ],
    [
      '-32022 with 2025 versions',
      { error: new McpError(-32022, 'x', { supported: ['2025-11-25'] }) },
      'legacy',
    ],
    [
      '-32021 missing capability (modern, failing)',
      { error: new McpError(-32021, 'x') },
      'throws McpError',
    ],
    [
      'HTTP 400 with -32022 in the body',
      { error: new HttpRpcError(400, -32022, { supported: ['2026-07-28'] }) },
      '2026-07-28',
    ],
    [
      'HTTP 400 with -32020 in the body',
      { error: new HttpRpcError(400, -32020, undefined) },
      'throws Error',
    ],
    [
      'HTTP 400 without a modern body',
      { error: new HttpRpcError(400, undefined, undefined) },
      'legacy',
    ],
    ['HTTP 404 from a legacy server', { error: new StreamableHTTPError(404, 'x') }, 'legacy'],
    ['HTTP 405', { error: new StreamableHTTPError(405, 'x') }, 'legacy'],
    [
      'HTTP 401 (credentials, not era)',
      { error: new HttpRpcError(401, -32001, undefined) },
      'throws Error',
    ],
    ['HTTP 403', { error: new StreamableHTTPError(403, 'x') }, 'throws Error'],
    ['HTTP 503 (an outage)', { error: new StreamableHTTPError(503, 'x') }, 'throws Error'],
    ['our own timeout', { error: new RpcTimeout() }, 'throws McpError'],
    [
      'a network error',
      { error: Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }) },
      'throws Error',
    ],
  ])('%s', (_what, outcome, want) => {
    expect(verdict(outcome as { result: unknown } | { error: unknown })).toBe(want);
  });
});

describe('toolsPage', () => {
  it('keeps names and input schemas; refuses shapes that are not a tool list', () => {
    expect(
      toolsPage({ tools: [{ name: 'a', inputSchema: { type: 'object' } }], nextCursor: 'n' }),
    ).toEqual({
      tools: [{ name: 'a', inputSchema: { type: 'object' } }],
      nextCursor: 'n',
    });
    expect(() => toolsPage({})).toThrow(SyntaxError);
    expect(() => toolsPage({ tools: [{}] })).toThrow(SyntaxError);
  });
});

describe('tool digest', () => {
  const schema = (...props: string[]) => ({
    type: 'object',
    properties: Object.fromEntries(props.map((p) => [p, { type: 'string' }])),
  });
  it('ignores key order and tool order; any schema change moves the hash', () => {
    const a = digestTools([
      { name: 'x', inputSchema: { type: 'object', properties: { q: { type: 'string' } } } },
      { name: 'y', inputSchema: schema() },
    ]);
    const b = digestTools([
      { name: 'y', inputSchema: schema() },
      { name: 'x', inputSchema: { properties: { q: { type: 'string' } }, type: 'object' } },
    ]);
    expect(b.hash).toBe(a.hash);
    const c = digestTools([
      { name: 'x', inputSchema: schema('q', 'limit') },
      { name: 'y', inputSchema: schema() },
    ]);
    expect(c.hash).not.toBe(a.hash);
    expect(diffTools(a, c)).toEqual({ added: [], removed: [], changed: ['x'] });
  });
  it('stays bounded: tracks at most MAX_TRACKED tools and lists at most MAX_LISTED names', () => {
    const many = Array.from({ length: MAX_TRACKED + 500 }, (_, i) => ({
      name: `tool_${String(i).padStart(5, '0')}_${'n'.repeat(200)}`,
      inputSchema: schema(),
    }));
    const d = digestTools(many);
    expect(d.count).toBe(MAX_TRACKED + 500);
    expect(d.tools.size).toBe(MAX_TRACKED);
    expect(Math.max(...[...d.tools.keys()].map((k) => k.length))).toBeLessThanOrEqual(128);
    const diff = diffTools(digestTools([]), d);
    expect(diff.added.length).toBe(MAX_LISTED);
  });
});
