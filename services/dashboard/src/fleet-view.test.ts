import type { McpStatus } from '@beacon/protocol';
import { describe, expect, it } from 'vitest';
import { DEFAULT_FILTER, allTags, countFleet, nameMatcher, viewFleet } from './fleet-view.js';
import { ago, latency } from './format.js';

const row = (name: string, patch: Partial<McpStatus> = {}): McpStatus => ({
  name,
  health_status: 'healthy',
  circuit_state: 'closed',
  last_health_check: '2025-01-01T00:00:00.000Z',
  enabled: true,
  latency_ms: 10,
  tools_count: 2,
  failure_cycles: 0,
  last_error: null,
  auto_disabled: false,
  tags: [],
  ...patch,
});

const fleet = [
  row('payments', { tags: ['prod'], latency_ms: 50 }),
  row('billing', { health_status: 'unhealthy', tags: ['prod'], failure_cycles: 2 }),
  row('search', { circuit_state: 'open', latency_ms: null }),
  row('docs', { health_status: 'inactive', auto_disabled: true, tags: ['staging'] }),
  row('alpha', { health_status: 'disconnected' }),
];
const names = (rows: McpStatus[]): string[] => rows.map((r) => r.name);

describe('fleet view', () => {
  it('sorts by severity by default: failing and open circuits first, healthy last', () => {
    expect(names(viewFleet(fleet, DEFAULT_FILTER))).toEqual([
      'billing',
      'search',
      'alpha',
      'docs',
      'payments',
    ]);
  });

  it('filters by status, circuit and tag, and combines them', () => {
    expect(names(viewFleet(fleet, { ...DEFAULT_FILTER, status: 'unhealthy' }))).toEqual([
      'billing',
    ]);
    expect(names(viewFleet(fleet, { ...DEFAULT_FILTER, circuit: 'open' }))).toEqual(['search']);
    expect(names(viewFleet(fleet, { ...DEFAULT_FILTER, tag: 'prod', sort: 'name' }))).toEqual([
      'billing',
      'payments',
    ]);
    expect(viewFleet(fleet, { ...DEFAULT_FILTER, tag: 'prod', status: 'inactive' })).toEqual([]);
  });

  it('searches names by substring or * pattern, case-insensitively', () => {
    expect(names(viewFleet(fleet, { ...DEFAULT_FILTER, search: 'ILL', sort: 'name' }))).toEqual([
      'billing',
    ]);
    expect(nameMatcher('*s')('docs')).toBe(true);
    expect(nameMatcher('*s')('search')).toBe(false);
    expect(nameMatcher('p*s')('payments')).toBe(true);
    expect(nameMatcher('P.*S')('p.ays')).toBe(true); // only * is special
    expect(nameMatcher('p.*s')('payments')).toBe(false);
    // Would backtrack for seconds as a RegExp; a glob answers at once.
    expect(nameMatcher(`${'*'.repeat(20)}x`)('a'.repeat(128))).toBe(false);
  });

  it('sorts by latency with unknown latency last, in both directions', () => {
    const asc = names(viewFleet(fleet, { ...DEFAULT_FILTER, sort: 'latency' }));
    expect(asc.at(0)).toBe('alpha');
    expect(asc.at(-1)).toBe('search');
    const desc = names(viewFleet(fleet, { ...DEFAULT_FILTER, sort: 'latency', descending: true }));
    expect(desc.at(0)).toBe('search');
  });

  it('collects tags and counts', () => {
    expect(allTags(fleet)).toEqual(['prod', 'staging']);
    const c = countFleet(fleet);
    expect(c).toMatchObject({ total: 5, open: 1, autoDisabled: 1 });
    expect(c.byStatus.healthy).toBe(2);
  });
});

describe('format', () => {
  const now = Date.parse('2025-01-01T00:01:00.000Z');
  it('ticks relative times', () => {
    expect(ago('2025-01-01T00:00:48.000Z', now)).toBe('12 s ago');
    expect(ago('2024-12-31T23:58:00.000Z', now)).toBe('3 min ago');
    expect(ago(null, now)).toBe('never');
    expect(ago('2025-01-01T00:01:00.500Z', now)).toBe('just now');
  });
  it('formats latency', () => {
    expect(latency(null)).toBe('—');
    expect(latency(3.21)).toBe('3.2 ms');
    expect(latency(250.4)).toBe('250 ms');
    expect(latency(12_345)).toBe('12.3 s');
  });
});
