import type { LogEvent, McpStatus, StoredEvent } from '@beacon/protocol';
import { describe, expect, it } from 'vitest';
import { createMirror } from './mirror.js';

const ts = '2026-01-01T00:00:00.000Z';
const registered = (name: string, headers?: Record<string, string>): LogEvent => ({
  type: 'mcp_registered',
  mcp_name: name,
  timestamp: ts,
  config: {
    name,
    transport: { type: 'streamable-http', url: 'http://x/mcp', ...(headers ? { headers } : {}) },
    probe_interval_ms: 10_000,
    timeout_ms: 5_000,
    tags: [],
    enabled: true,
  },
});
const change = (name: string, status: 'healthy' | 'unhealthy'): LogEvent => ({
  type: 'mcp_status_change',
  mcp_name: name,
  status,
  timestamp: ts,
  metadata: { latency_ms: 5 },
});

/** Stored events with offsets 1-0, 2-0, … chained by prev. */
function chain(events: LogEvent[], start = 1): StoredEvent[] {
  return events.map((event, i) => ({
    offset: `${start + i}-0`,
    prev: start + i === 1 ? '0-0' : `${start + i - 1}-0`,
    event,
  }));
}

describe('mirror', () => {
  it('folds events, serializes each once with offset and epoch, and builds initial_status', () => {
    const m = createMirror({ ringSize: 10 });
    m.reset({ epoch: 'e1', offset: '0-0', mcps: [] });
    const [a, b] = chain([registered('a', { authorization: 'secret' }), change('a', 'healthy')]);
    const ea = m.apply(a as StoredEvent);
    m.apply(b as StoredEvent);
    expect(JSON.parse(ea.wire)).toMatchObject({
      type: 'mcp_registered',
      offset: '1-0',
      epoch: 'e1',
    });
    expect(ea.wire).not.toContain('secret');
    const initial = JSON.parse(m.initialStatus(null, null)) as {
      mcps: McpStatus[];
      offset: string;
    };
    expect(initial.offset).toBe('2-0');
    expect(initial.mcps[0]).toMatchObject({ name: 'a', health_status: 'healthy', latency_ms: 5 });
    expect(JSON.stringify(initial)).not.toContain('secret');
    expect(m.offset).toBe('2-0');
  });

  it('plans resumes: current, from the ring, older than the ring, ahead, invalid', () => {
    const m = createMirror({ ringSize: 3 });
    m.reset({ epoch: 'e1', offset: '0-0', mcps: [] });
    for (const e of chain([
      registered('a'),
      change('a', 'healthy'),
      change('a', 'unhealthy'),
      change('a', 'healthy'),
      change('a', 'unhealthy'),
    ])) {
      m.apply(e);
    }
    // Ring holds 3-0, 4-0, 5-0 (base 2-0).
    expect(m.resume('5-0')).toEqual({ kind: 'current' });
    const plan = m.resume('3-0');
    expect(plan.kind).toBe('ring');
    expect(plan.kind === 'ring' && plan.entries.map((e) => e.offset)).toEqual(['4-0', '5-0']);
    const fromBase = m.resume('2-0');
    expect(fromBase.kind === 'ring' && fromBase.entries.map((e) => e.offset)).toEqual([
      '3-0',
      '4-0',
      '5-0',
    ]);
    expect(m.resume('1-0')).toEqual({ kind: 'older' });
    expect(m.resume('9-0')).toEqual({ kind: 'ahead' });
    expect(m.resume('3-5')).toEqual({ kind: 'invalid' });
  });

  it('reset replaces state and clears the ring; tail filters newest first then restores order', () => {
    const m = createMirror({ ringSize: 10 });
    m.reset({ epoch: 'e1', offset: '0-0', mcps: [] });
    for (const e of chain([
      registered('a'),
      registered('b'),
      change('a', 'healthy'),
      change('b', 'healthy'),
    ]))
      m.apply(e);
    expect(m.tail(1, (n) => n === 'a').map((e) => e.offset)).toEqual(['3-0']);
    expect(m.tail(10, null).map((e) => e.offset)).toEqual(['1-0', '2-0', '3-0', '4-0']);
    m.reset({ epoch: 'e2', offset: '7-0', mcps: [] });
    expect(m.size).toBe(0);
    expect(m.ringLength).toBe(0);
    expect(m.resume('7-0')).toEqual({ kind: 'current' });
    expect(m.resume('6-0')).toEqual({ kind: 'older' });
  });

  it('filters initial_status per view and caches it until the next event', () => {
    const m = createMirror({ ringSize: 10 });
    m.reset({ epoch: 'e1', offset: '0-0', mcps: [] });
    for (const e of chain([registered('a'), registered('b')])) m.apply(e);
    const onlyB = m.initialStatus((n) => n === 'b', 'b-only');
    expect((JSON.parse(onlyB) as { mcps: McpStatus[] }).mcps.map((r) => r.name)).toEqual(['b']);
    expect(m.initialStatus((n) => n === 'b', 'b-only')).toBe(onlyB);
    const recovered = JSON.parse(m.initialStatus(null, null, false)) as { recovered: boolean };
    expect(recovered.recovered).toBe(false);
  });

  it('reached() resolves when the mirror gets to an offset, or false on timeout', async () => {
    const m = createMirror({ ringSize: 10 });
    m.reset({ epoch: 'e1', offset: '0-0', mcps: [] });
    const [a, b] = chain([registered('a'), change('a', 'healthy')]);
    const waiting = m.reached('2-0', 5_000);
    m.apply(a as StoredEvent);
    m.apply(b as StoredEvent);
    expect(await waiting).toBe(true);
    expect(await m.reached('9-0', 10)).toBe(false);
  });
});
