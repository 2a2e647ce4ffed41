// Given/when/then tests of the per-MCP Prometheus series (beacon_mcp_*): their shapes, one series
// set per MCP of the view, removal with the MCP, none while standing by.
import { initialRow, McpConfigInput, type McpStatus } from '@beacon/protocol';
import { describe, expect, it } from 'vitest';
import { createRegistryMetrics } from './registry-metrics.js';

const row = (name: string, over: Partial<McpStatus> = {}): McpStatus => ({
  ...initialRow(McpConfigInput.parse({ name, transport: { type: 'stdio', command: 'x' } })),
  ...over,
});

/** The sample lines of the beacon_mcp_* families (HELP/TYPE left out). */
const mcpLines = (text: string): string[] =>
  text.split('\n').filter((l) => l.startsWith('beacon_mcp_'));

describe('per-MCP series', () => {
  it('given a healthy and an unhealthy MCP, then up, status and circuit_state are one-hot per MCP', () => {
    const m = createRegistryMetrics();
    const rows = [
      row('billing_mcp', { health_status: 'healthy' }),
      row('search_mcp', { health_status: 'unhealthy', circuit_state: 'open' }),
    ];
    m.fleetView(() => rows);
    const text = m.registry.render();
    expect(text).toContain('# TYPE beacon_mcp_up gauge');
    expect(text).toContain('# TYPE beacon_mcp_status gauge');
    expect(text).toContain('# TYPE beacon_mcp_circuit_state gauge');
    expect(text).toContain('# TYPE beacon_mcp_probe_duration_seconds histogram');
    expect(mcpLines(text)).toEqual([
      'beacon_mcp_up{mcp="billing_mcp"} 1',
      'beacon_mcp_up{mcp="search_mcp"} 0',
      'beacon_mcp_status{mcp="billing_mcp",status="healthy"} 1',
      'beacon_mcp_status{mcp="billing_mcp",status="unhealthy"} 0',
      'beacon_mcp_status{mcp="billing_mcp",status="disconnected"} 0',
      'beacon_mcp_status{mcp="billing_mcp",status="inactive"} 0',
      'beacon_mcp_status{mcp="billing_mcp",status="unknown"} 0',
      'beacon_mcp_status{mcp="search_mcp",status="healthy"} 0',
      'beacon_mcp_status{mcp="search_mcp",status="unhealthy"} 1',
      'beacon_mcp_status{mcp="search_mcp",status="disconnected"} 0',
      'beacon_mcp_status{mcp="search_mcp",status="inactive"} 0',
      'beacon_mcp_status{mcp="search_mcp",status="unknown"} 0',
      'beacon_mcp_circuit_state{mcp="billing_mcp",state="closed"} 1',
      'beacon_mcp_circuit_state{mcp="billing_mcp",state="open"} 0',
      'beacon_mcp_circuit_state{mcp="billing_mcp",state="half_open"} 0',
      'beacon_mcp_circuit_state{mcp="search_mcp",state="closed"} 0',
      'beacon_mcp_circuit_state{mcp="search_mcp",state="open"} 1',
      'beacon_mcp_circuit_state{mcp="search_mcp",state="half_open"} 0',
    ]);
  });

  it('given probes observed, then the histogram has LATENCY_BUCKETS per MCP with sum and count', () => {
    const m = createRegistryMetrics();
    m.fleetView(() => [row('billing_mcp', { health_status: 'healthy' })]);
    m.observeMcpProbe('billing_mcp', 0.003);
    m.observeMcpProbe('billing_mcp', 0.2);
    const lines = mcpLines(m.registry.render()).filter((l) =>
      l.startsWith('beacon_mcp_probe_duration_seconds'),
    );
    expect(lines).toContain(
      'beacon_mcp_probe_duration_seconds_bucket{mcp="billing_mcp",le="0.0025"} 0',
    );
    expect(lines).toContain(
      'beacon_mcp_probe_duration_seconds_bucket{mcp="billing_mcp",le="0.005"} 1',
    );
    expect(lines).toContain(
      'beacon_mcp_probe_duration_seconds_bucket{mcp="billing_mcp",le="0.25"} 2',
    );
    expect(lines).toContain(
      'beacon_mcp_probe_duration_seconds_bucket{mcp="billing_mcp",le="+Inf"} 2',
    );
    expect(lines).toContain('beacon_mcp_probe_duration_seconds_count{mcp="billing_mcp"} 2');
    expect(lines.find((l) => l.startsWith('beacon_mcp_probe_duration_seconds_sum'))).toMatch(
      /^beacon_mcp_probe_duration_seconds_sum\{mcp="billing_mcp"\} 0\.203/,
    );
    // 14 finite buckets + Inf, sum, count.
    expect(lines).toHaveLength(17);
  });

  it('given an MCP removed from the view, then every series of it is gone at the next render', () => {
    const m = createRegistryMetrics();
    let rows = [row('a', { health_status: 'healthy' }), row('b')];
    m.fleetView(() => rows);
    m.observeMcpProbe('a', 0.01);
    m.observeMcpProbe('b', 0.01);
    expect(mcpLines(m.registry.render()).filter((l) => l.includes('mcp="b"'))).toHaveLength(
      1 + 5 + 3 + 17,
    );
    rows = [row('a', { health_status: 'healthy' })];
    const after = mcpLines(m.registry.render());
    expect(after.filter((l) => l.includes('mcp="b"'))).toEqual([]);
    expect(after.filter((l) => l.includes('mcp="a"'))).toHaveLength(1 + 5 + 3 + 17);
  });

  it('given a status and circuit change, then the same series change value and none are added', () => {
    const m = createRegistryMetrics();
    let rows = [row('a', { health_status: 'healthy' })];
    m.fleetView(() => rows);
    const before = mcpLines(m.registry.render());
    rows = [row('a', { health_status: 'disconnected', circuit_state: 'half_open' })];
    const after = mcpLines(m.registry.render());
    expect(after).toHaveLength(before.length);
    expect(after).toContain('beacon_mcp_up{mcp="a"} 0');
    expect(after).toContain('beacon_mcp_status{mcp="a",status="disconnected"} 1');
    expect(after).toContain('beacon_mcp_status{mcp="a",status="healthy"} 0');
    expect(after).toContain('beacon_mcp_circuit_state{mcp="a",state="half_open"} 1');
    expect(after).toContain('beacon_mcp_circuit_state{mcp="a",state="closed"} 0');
  });

  it('given an MCP removed then registered again, then its series come back with a fresh histogram', () => {
    const m = createRegistryMetrics();
    let rows = [row('a')];
    m.fleetView(() => rows);
    m.observeMcpProbe('a', 0.01);
    m.registry.render();
    rows = [];
    expect(mcpLines(m.registry.render())).toEqual([]);
    rows = [row('a', { health_status: 'healthy' })];
    const back = mcpLines(m.registry.render());
    expect(back).toContain('beacon_mcp_up{mcp="a"} 1');
    expect(back.filter((l) => l.startsWith('beacon_mcp_probe_duration'))).toEqual([]);
    m.observeMcpProbe('a', 0.01);
    expect(mcpLines(m.registry.render())).toContain(
      'beacon_mcp_probe_duration_seconds_count{mcp="a"} 1',
    );
  });

  it('given a probe of an MCP not (or no longer) in the view, then no series of it is exported', () => {
    const m = createRegistryMetrics();
    m.fleetView(() => [row('a')]);
    m.observeMcpProbe('gone', 0.01);
    expect(mcpLines(m.registry.render()).filter((l) => l.includes('gone'))).toEqual([]);
  });

  it('given no view (a standby), then no per-MCP series at all, and they are dropped on stepping down', () => {
    const m = createRegistryMetrics();
    expect(mcpLines(m.registry.render())).toEqual([]);
    m.fleetView(() => [row('a', { health_status: 'healthy' })]);
    m.observeMcpProbe('a', 0.01);
    expect(mcpLines(m.registry.render()).length).toBeGreaterThan(0);
    m.fleetView(null);
    const text = m.registry.render();
    expect(mcpLines(text)).toEqual([]);
    // The families stay declared (HELP/TYPE), so scrapers see them exist.
    expect(text).toContain('# TYPE beacon_mcp_up gauge');
  });

  it('given a label value needing escapes, then it is escaped', () => {
    const m = createRegistryMetrics();
    // Names are validated by McpName before they reach the projection; the runtime escapes anyway.
    m.fleetView(() => [row('a', { name: 'we"ird\\name', health_status: 'healthy' })]);
    expect(mcpLines(m.registry.render())).toContain('beacon_mcp_up{mcp="we\\"ird\\\\name"} 1');
  });
});
