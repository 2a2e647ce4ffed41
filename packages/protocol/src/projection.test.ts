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

describe('probe fields: health_reason, protocol_version, tools_hash', () => {
  const change = (
    status: 'healthy' | 'unhealthy',
    metadata: Record<string, unknown>,
  ): LogEvent => ({
    type: 'mcp_status_change',
    mcp_name: 'billing_mcp',
    status,
    metadata,
    timestamp: at,
  });
  it('start null; a status change sets them; healthy without a reason clears health_reason', () => {
    const start = fold([registered]).get('billing_mcp');
    expect(start).toMatchObject({ health_reason: null, protocol_version: null, tools_hash: null });
    const rows = fold([
      registered,
      change('healthy', {
        protocol_version: '2026-07-28',
        tools_hash: 'sha256:a',
        health_reason: null,
      }),
      change('unhealthy', { health_reason: 'auth_failed', reason: 'auth_failed' }),
    ]);
    expect(rows.get('billing_mcp')).toMatchObject({
      health_status: 'unhealthy',
      health_reason: 'auth_failed',
      protocol_version: '2026-07-28',
      tools_hash: 'sha256:a',
    });
    const back = fold([
      registered,
      change('unhealthy', { health_reason: 'timeout' }),
      change('healthy', {}),
    ]);
    expect(back.get('billing_mcp')?.health_reason).toBeNull();
  });
  it('tools_changed moves tools_hash; health_check false registers as health_check_disabled', () => {
    const rows = fold([
      registered,
      {
        type: 'health_event',
        mcp_name: 'billing_mcp',
        event_type: 'tools_changed',
        data: { tools_count: 2, tools_hash: 'sha256:b', added: ['x'] },
        timestamp: at,
      },
    ]);
    expect(rows.get('billing_mcp')).toMatchObject({ tools_count: 2, tools_hash: 'sha256:b' });
    const quiet = McpConfig.parse({ ...config, health_check: false });
    expect(initialRow(quiet)).toMatchObject({
      health_status: 'unknown',
      health_reason: 'health_check_disabled',
    });
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
