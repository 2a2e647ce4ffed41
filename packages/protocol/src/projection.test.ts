import { describe, expect, it } from 'vitest';
import {
  applyEvent,
  applyProbeSamples,
  initialRow,
  projectionPatch,
  type LogEvent,
  type McpStatus,
} from './index.js';
import { McpConfig } from './mcp.js';

const at = '2026-11-26T10:00:00.000Z';
const config = McpConfig.parse({
  name: 'billing_mcp',
  transport: { type: 'streamable-http', url: 'http://127.0.0.1:7200/mcp' },
  tags: ['payments'],
});
const registered: LogEvent = {
  type: 'mcp_registered',
  mcp_name: 'billing_mcp',
  config,
  timestamp: at,
};

function fold(events: LogEvent[]): Map<string, McpStatus> {
  const rows = new Map<string, McpStatus>();
  events.forEach((e, i) => applyEvent(rows, e, `1-${i}`));
  return rows;
}

describe('projection fold', () => {
  it('given a registration, the row starts unknown with a closed circuit', () => {
    const row = fold([registered]).get('billing_mcp');
    expect(row).toMatchObject({ health_status: 'unknown', circuit_state: 'closed', enabled: true });
    expect(row?.tags).toEqual(['payments']);
  });

  it('when a status change arrives, status, latency and error follow it', () => {
    const rows = fold([
      registered,
      {
        type: 'mcp_status_change',
        mcp_name: 'billing_mcp',
        status: 'unhealthy',
        metadata: { error: 'boom', latency_ms: 40, failure_cycles: 2 },
        timestamp: at,
      },
    ]);
    expect(rows.get('billing_mcp')).toMatchObject({
      health_status: 'unhealthy',
      last_error: 'boom',
      latency_ms: 40,
      failure_cycles: 2,
      last_health_check: at,
      updated_offset: '1-1',
    });
    const healed = fold([
      registered,
      {
        type: 'mcp_status_change',
        mcp_name: 'billing_mcp',
        status: 'unhealthy',
        metadata: { error: 'x' },
        timestamp: at,
      },
      {
        type: 'mcp_status_change',
        mcp_name: 'billing_mcp',
        status: 'healthy',
        metadata: {},
        timestamp: at,
      },
    ]);
    expect(healed.get('billing_mcp')?.last_error).toBeNull();
  });

  it('when the breaker opens and half-opens, circuit_state follows', () => {
    const ev = (event_type: 'circuit_opened' | 'circuit_half_open'): LogEvent => ({
      type: 'health_event',
      mcp_name: 'billing_mcp',
      event_type,
      data: { breaker: { failures: 3 } },
      timestamp: at,
    });
    expect(fold([registered, ev('circuit_opened')]).get('billing_mcp')?.circuit_state).toBe('open');
    const half = fold([registered, ev('circuit_opened'), ev('circuit_half_open')]).get(
      'billing_mcp',
    );
    expect(half).toMatchObject({ circuit_state: 'half_open', breaker: { failures: 3 } });
  });

  it('a status change carrying a stale circuit_state does not revert the breaker', () => {
    const rows = fold([
      registered,
      {
        type: 'health_event',
        mcp_name: 'billing_mcp',
        event_type: 'circuit_opened',
        data: {},
        timestamp: at,
      },
      {
        type: 'mcp_status_change',
        mcp_name: 'billing_mcp',
        status: 'unhealthy',
        metadata: { circuit_state: 'closed' },
        timestamp: at,
      },
    ]);
    expect(rows.get('billing_mcp')?.circuit_state).toBe('open');
  });

  it('auto-disable and re-enable flip enabled and auto_disabled', () => {
    const hev = (event_type: 'auto_disabled' | 're_enabled'): LogEvent => ({
      type: 'health_event',
      mcp_name: 'billing_mcp',
      event_type,
      data: {},
      timestamp: at,
    });
    expect(fold([registered, hev('auto_disabled')]).get('billing_mcp')).toMatchObject({
      enabled: false,
      auto_disabled: true,
    });
    expect(
      fold([registered, hev('auto_disabled'), hev('re_enabled')]).get('billing_mcp'),
    ).toMatchObject({ enabled: true, auto_disabled: false });
  });

  it('events for an unknown MCP do not create a row; removal deletes it', () => {
    const stray: LogEvent = {
      type: 'mcp_status_change',
      mcp_name: 'ghost',
      status: 'healthy',
      metadata: {},
      timestamp: at,
    };
    expect(fold([stray]).size).toBe(0);
    expect(
      fold([registered, { type: 'mcp_removed', mcp_name: 'billing_mcp', timestamp: at }]).size,
    ).toBe(0);
    expect(projectionPatch(stray).op).toBe('merge');
  });

  it('a disabled registration starts inactive', () => {
    expect(initialRow({ ...config, enabled: false }).health_status).toBe('inactive');
  });
});

describe('probe digests', () => {
  it('move last_health_check and latency forward only, for known MCPs', () => {
    const rows = fold([registered]);
    const later = '2026-11-26T10:00:05.000Z';
    const changed = applyProbeSamples(rows, [
      { name: 'billing_mcp', checked_at: later, latency_ms: 7, ok: true },
      { name: 'ghost', checked_at: later, latency_ms: 1, ok: true },
    ]);
    expect(changed.map((r) => r.name)).toEqual(['billing_mcp']);
    expect(rows.get('billing_mcp')).toMatchObject({ last_health_check: later, latency_ms: 7 });
    expect(
      applyProbeSamples(rows, [{ name: 'billing_mcp', checked_at: at, latency_ms: 99, ok: true }]),
    ).toEqual([]);
    expect(rows.get('billing_mcp')?.latency_ms).toBe(7);
  });
});
