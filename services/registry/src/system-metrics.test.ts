// Given/when/then tests of the system_metrics figures.
import { initialRow, McpConfigInput, type McpStatus } from '@beacon/protocol';
import { describe, expect, it } from 'vitest';
import { computeSystemMetrics, countEdges } from './system-metrics.js';

const row = (name: string, over: Partial<McpStatus>): McpStatus => ({
  ...initialRow(McpConfigInput.parse({ name, transport: { type: 'stdio', command: 'x' } })),
  ...over,
});

describe('computeSystemMetrics', () => {
  it('given a mixed fleet, then totals by status, circuits and auto-disabled add up', () => {
    const m = computeSystemMetrics(
      [
        row('a', { health_status: 'healthy' }),
        row('b', { health_status: 'unhealthy', circuit_state: 'open' }),
        row('c', { health_status: 'disconnected', circuit_state: 'half_open' }),
        row('d', { health_status: 'inactive', auto_disabled: true, enabled: false }),
        row('e', {}),
      ],
      { edges: 2, connections: 7 },
      12.345,
    );
    expect(m).toEqual({
      total_mcps: 5,
      healthy_mcps: 1,
      unhealthy_mcps: 1,
      disconnected_mcps: 1,
      inactive_mcps: 1,
      unknown_mcps: 1,
      open_circuits: 1,
      half_open_circuits: 1,
      auto_disabled_mcps: 1,
      edges: 2,
      connections: 7,
      events_per_second: 12.35,
    });
  });
});

describe('countEdges', () => {
  it('given heartbeats, then only edges whose TTL key lives count, with their connections', () => {
    const beat = (connections: number) =>
      JSON.stringify({ connections, at: new Date().toISOString() });
    const figures = countEdges(
      { e1: beat(3), e2: beat(4), dead: beat(100), junk: '{' },
      new Set(['e1', 'e2', 'junk']),
    );
    expect(figures).toEqual({ edges: 3, connections: 7 });
  });

  it('given alive edges whose figures break the contract, then they count without connections', () => {
    const at = new Date().toISOString();
    const figures = countEdges(
      {
        ok: JSON.stringify({ connections: 2, at }),
        negative: JSON.stringify({ connections: -5, at }),
        text: JSON.stringify({ connections: '9', at }),
        nothing: 'null',
      },
      new Set(['ok', 'negative', 'text', 'nothing']),
    );
    expect(figures).toEqual({ edges: 4, connections: 2 });
  });
});
