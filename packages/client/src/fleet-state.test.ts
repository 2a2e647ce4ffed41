import type { InitialStatusMessage } from '@beacon/protocol';
import { describe, expect, it } from 'vitest';
import { createFleetState, isEventMessage, type EventMessage } from './fleet-state.js';
import {
  EPOCH,
  healthEvent,
  initial,
  probeDigest,
  registered,
  removed,
  row,
  statusChange,
  wire,
} from './test-fixtures.js';

const snapshot = (m: Record<string, unknown>): InitialStatusMessage =>
  wire(m) as InitialStatusMessage;
const event = (m: Record<string, unknown>): EventMessage => {
  const parsed = wire(m);
  if (!isEventMessage(parsed)) throw new Error(`not an event: ${parsed.type}`);
  return parsed;
};

describe('fleet state folding', () => {
  it('starts from initial_status and folds a status change into the row', () => {
    const s = createFleetState();
    s.replace(snapshot(initial('5-0', [row('alpha', { last_error: 'old' }), row('beta')])));
    expect([...s.rows.keys()]).toEqual(['alpha', 'beta']);
    expect(s.offset).toBe('5-0');

    const r = s.fold(
      event(statusChange('6-0', 'alpha', 'unhealthy', { error: 'ECONNREFUSED', latency_ms: null })),
    );
    expect(r.kind).toBe('applied');
    const alpha = s.rows.get('alpha');
    expect(alpha?.health_status).toBe('unhealthy');
    expect(alpha?.last_error).toBe('ECONNREFUSED');
    expect(alpha?.latency_ms).toBeNull();
    expect(alpha?.updated_offset).toBe('6-0');
    expect(s.offset).toBe('6-0');

    // Healthy again without an error field: the old error is cleared.
    s.fold(event(statusChange('7-0', 'alpha', 'healthy', { latency_ms: 40 })));
    expect(s.rows.get('alpha')).toMatchObject({
      health_status: 'healthy',
      last_error: null,
      latency_ms: 40,
    });
  });

  it('keeps row identity for untouched MCPs (cheap re-render) and replaces the changed one', () => {
    const s = createFleetState();
    s.replace(snapshot(initial('1-0', [row('a'), row('b')])));
    const a = s.rows.get('a');
    const b = s.rows.get('b');
    s.fold(event(statusChange('2-0', 'a', 'unhealthy')));
    expect(s.rows.get('a')).not.toBe(a);
    expect(s.rows.get('b')).toBe(b);
  });

  it('health events move the circuit state and carry breaker numbers', () => {
    const s = createFleetState();
    s.replace(snapshot(initial('1-0', [row('a')])));
    s.fold(
      event(
        healthEvent('2-0', 'a', 'circuit_opened', {
          breaker: { failure_rate: 80, window_calls: 10, wait_open_ms: 5000 },
        }),
      ),
    );
    expect(s.rows.get('a')?.circuit_state).toBe('open');
    expect(s.rows.get('a')?.breaker).toEqual({
      failure_rate: 80,
      window_calls: 10,
      wait_open_ms: 5000,
    });
    s.fold(event(healthEvent('3-0', 'a', 'circuit_half_open')));
    expect(s.rows.get('a')?.circuit_state).toBe('half_open');
    s.fold(event(healthEvent('4-0', 'a', 'auto_disabled')));
    expect(s.rows.get('a')).toMatchObject({ enabled: false, auto_disabled: true });
  });

  it('registers and removes MCPs', () => {
    const s = createFleetState();
    s.replace(snapshot(initial('1-0', [])));
    const r = s.fold(event(registered('2-0', 'new-one', ['prod'])));
    expect(r).toMatchObject({ kind: 'applied', previous: null });
    expect(s.rows.get('new-one')).toMatchObject({
      health_status: 'unknown',
      circuit_state: 'closed',
      tags: ['prod'],
    });
    const gone = s.fold(event(removed('3-0', 'new-one')));
    expect(gone).toMatchObject({ kind: 'applied', row: null });
    expect(s.rows.has('new-one')).toBe(false);
  });

  it('ignores events at or before its offset (replay overlapping the snapshot)', () => {
    const s = createFleetState();
    s.replace(snapshot(initial('10-3', [row('a')])));
    expect(s.fold(event(statusChange('10-3', 'a', 'unhealthy'))).kind).toBe('duplicate');
    expect(s.fold(event(statusChange('9-99', 'a', 'unhealthy'))).kind).toBe('duplicate');
    expect(s.rows.get('a')?.health_status).toBe('healthy');
    // Offsets compare numerically, not as strings: 10-10 is after 10-3.
    expect(s.fold(event(statusChange('10-10', 'a', 'unhealthy'))).kind).toBe('applied');
  });

  it('refuses events from another epoch without touching state', () => {
    const s = createFleetState();
    s.replace(snapshot(initial('1-0', [row('a')])));
    const r = s.fold(event(statusChange('2-0', 'a', 'unhealthy', {}, 'other-epoch')));
    expect(r.kind).toBe('epoch_mismatch');
    expect(s.epoch).toBe(EPOCH);
    expect(s.offset).toBe('1-0');
  });

  it('a snapshot (recovered:false) replaces everything, dropping MCPs it does not list', () => {
    const s = createFleetState();
    s.replace(snapshot(initial('1-0', [row('a'), row('b')])));
    s.replace(
      snapshot(initial('50-0', [row('b', { health_status: 'unhealthy' })], { recovered: false })),
    );
    expect([...s.rows.keys()]).toEqual(['b']);
    expect(s.rows.get('b')?.health_status).toBe('unhealthy');
    expect(s.offset).toBe('50-0');
  });

  it('an event for an MCP it does not know advances the offset but adds no row', () => {
    const s = createFleetState();
    s.replace(snapshot(initial('1-0', [])));
    expect(s.fold(event(statusChange('2-0', 'ghost', 'healthy')))).toMatchObject({ row: null });
    expect(s.rows.size).toBe(0);
    expect(s.offset).toBe('2-0');
  });

  it('a probe digest moves last check and latency forward, not the offset or the status', () => {
    const s = createFleetState();
    s.replace(snapshot(initial('4-0', [row('a'), row('b')])));
    const b = s.rows.get('b');
    const digest = wire(
      probeDigest([
        { name: 'a', checked_at: '2025-01-01T00:00:07.000Z', latency_ms: 31, ok: true },
        // Older than the row: a digest never moves a check back.
        { name: 'b', checked_at: '2024-12-31T23:59:00.000Z', latency_ms: 99, ok: true },
        { name: 'ghost', checked_at: '2025-01-01T00:00:07.000Z', latency_ms: 1, ok: true },
      ]),
    );
    if (digest.type !== 'probe_digest') throw new Error('not a digest');
    const changed = s.probes(digest.probes);
    expect(changed.map((r) => r.name)).toEqual(['a']);
    expect(s.rows.get('a')).toMatchObject({
      last_health_check: '2025-01-01T00:00:07.000Z',
      latency_ms: 31,
      health_status: 'healthy',
    });
    expect(s.rows.get('b')).toBe(b);
    expect(s.rows.has('ghost')).toBe(false);
    expect(s.offset).toBe('4-0');
    // A failed probe without a latency keeps the last measured one but still counts as a check.
    s.probes([{ name: 'a', checked_at: '2025-01-01T00:00:09.000Z', latency_ms: null, ok: false }]);
    expect(s.rows.get('a')).toMatchObject({
      last_health_check: '2025-01-01T00:00:09.000Z',
      latency_ms: 31,
    });
  });
});
