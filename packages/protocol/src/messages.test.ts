import { describe, expect, it } from 'vitest';
import { seedMessages } from './fixtures/seed-messages.js';
import {
  BeaconError,
  ClientMessage,
  LogEvent,
  McpConfig,
  ServerMessage,
  compareOffsets,
  describeIssues,
  issuesOf,
  keyspace,
  nameFilter,
  parseOrThrow,
} from './index.js';

const errorOf = (value: unknown): string => {
  const r = ServerMessage.safeParse(value);
  if (r.success) throw new Error('expected a parse failure');
  return describeIssues(issuesOf(r.error));
};

describe('wire messages', () => {
  it.each(Object.entries(seedMessages))('seed %s parses as a ServerMessage', (_type, message) => {
    const parsed = ServerMessage.parse(message);
    expect(parsed.type).toBe(message.type);
  });

  it('keeps the old field names on the wire', () => {
    const m = ServerMessage.parse(seedMessages.initial_status);
    if (m.type !== 'initial_status') throw new Error('type');
    expect(Object.keys(m.mcps[0] ?? {})).toEqual(
      expect.arrayContaining(['name', 'health_status', 'circuit_state', 'last_health_check']),
    );
    const s = ServerMessage.parse(seedMessages.mcp_status_change);
    expect(s).toMatchObject({ mcp_name: 'billing_mcp', status: 'unhealthy' });
  });

  it('rejects malformed variants naming the bad field', () => {
    expect(errorOf({ ...seedMessages.mcp_status_change, status: 'sleepy' })).toMatch(/^status: /);
    expect(errorOf({ ...seedMessages.health_event, mcp_name: '' })).toMatch(/mcp_name/);
    const { offset: _o, ...noOffset } = seedMessages.health_event;
    expect(errorOf(noOffset)).toMatch(/offset/);
    expect(
      errorOf({
        ...seedMessages.initial_status,
        mcps: [{ ...seedMessages.initial_status.mcps[0], circuit_state: 'ajar' }],
      }),
    ).toMatch(/mcps\[0\]\.circuit_state/);
    expect(errorOf({ type: 'system_metrics', metrics: {}, timestamp: 'x' })).toMatch(
      /metrics\.total_mcps/,
    );
    expect(errorOf({ type: 'nonsense' })).toMatch(/type/);
    expect(errorOf('ping')).not.toBe('');
  });

  it('parses client messages and rejects unknown fields', () => {
    expect(ClientMessage.parse({ type: 'subscribe', mcps: ['billing_*'] }).type).toBe('subscribe');
    expect(ClientMessage.safeParse({ type: 'subscribe', mcps: 'x' }).success).toBe(false);
    expect(ClientMessage.safeParse({ type: 'auth', token: 't', extra: 1 }).success).toBe(false);
  });
});

describe('events and config', () => {
  it('parseOrThrow throws BeaconError naming the field', () => {
    try {
      parseOrThrow(LogEvent, { type: 'mcp_status_change', mcp_name: 'a', status: 'x' }, 'event');
      throw new Error('no throw');
    } catch (err) {
      expect(err).toBeInstanceOf(BeaconError);
      const e = err as BeaconError;
      expect(e.code).toBe('invalid');
      expect(e.issues.map((i) => i.path)).toEqual(expect.arrayContaining(['status', 'timestamp']));
    }
  });

  it('fills registration defaults and validates transports', () => {
    const c = McpConfig.parse({
      name: 'billing_mcp',
      transport: { type: 'streamable-http', url: 'http://127.0.0.1:7200/mcp' },
      probe_interval_ms: 1000,
      timeout_ms: 500,
      failure_cycles_to_disable: 3,
    });
    expect(c).toMatchObject({ enabled: true, tags: [], failure_cycles_to_disable: 3 });
    const bad = McpConfig.safeParse({ name: 'x', transport: { type: 'stdio' } });
    expect(bad.success).toBe(false);
    if (!bad.success) expect(describeIssues(issuesOf(bad.error))).toMatch(/transport\.command/);
  });
});

describe('offsets, keys, patterns', () => {
  it('orders offsets numerically, not lexically', () => {
    expect(compareOffsets('9-0', '10-0')).toBeLessThan(0);
    expect(compareOffsets('10-2', '10-10')).toBeLessThan(0);
    expect(compareOffsets('10-10', '10-10')).toBe(0);
    expect(compareOffsets('1764151205000-1', '1764151205000-0')).toBeGreaterThan(0);
  });

  it('names every key under one hash tag', () => {
    const k = keyspace({ prefix: 'acme' });
    expect(k.log).toBe('{acme}:log');
    expect(k.mcp('x')).toBe('{acme}:mcp:x');
    expect(keyspace({ prefix: 'p', hashTag: 't' }).live).toBe('p:{t}:live');
    expect(() => keyspace({ prefix: 'bad prefix' })).toThrow(/prefix/);
  });

  it('matches name patterns with *', () => {
    const f = nameFilter(['billing_*', 'search_mcp']);
    expect(f('billing_mcp')).toBe(true);
    expect(f('search_mcp')).toBe(true);
    expect(f('searchXmcp')).toBe(false);
    expect(nameFilter(null)('anything')).toBe(true);
  });
});
