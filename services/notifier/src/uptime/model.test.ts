// The uptime projection without Redis: hour splitting, recurring maintenance windows, clocks
// ahead, incidents (closing on recovery, disable and removal; who acted, capped), tags changing
// which silences match, and that where time is cut changes no total.
import { Silence, UPTIME_CATEGORIES, timeIn, type StoredEvent } from '@beacon/protocol';
import { describe, expect, it } from 'vitest';
import { UptimeModel } from './model.js';

const H = 3_600_000;
const M = 60_000;
const T = Date.parse('2026-11-02T00:00:00.000Z');
let seq = 0;
function ev(e: Record<string, unknown>, at: number, appended = at + 1_000): StoredEvent {
  seq++;
  return {
    offset: `${appended}-${seq}`,
    prev: '0-0',
    event: { timestamp: new Date(at).toISOString(), actor: 'registry', ...e },
  } as unknown as StoredEvent;
}
const reg = (name: string, at: number, tags: string[] = []) =>
  ev(
    {
      type: 'mcp_registered',
      mcp_name: name,
      config: { name, transport: { type: 'streamable-http', url: 'http://x/mcp' }, tags },
    },
    at,
  );
const st = (name: string, status: string, at: number, metadata: Record<string, unknown> = {}) =>
  ev(
    { type: 'mcp_status_change', mcp_name: name, status, metadata: { error: 'boom', ...metadata } },
    at,
  );

function totals(model: UptimeModel, mcp: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const b of model.changes.hours.get(mcp)?.values() ?? []) {
    for (const c of UPTIME_CATEGORIES) {
      out[c] = (out[c] ?? 0) + timeIn(b, c);
    }
  }
  return out;
}

describe('uptime model', () => {
  it('splits time at UTC hours and around a recurring maintenance window', () => {
    const nightly = Silence.parse({ id: 'n', mcps: ['a'], cron: '0 2 * * *', duration: 1800 });
    const m = new UptimeModel({ silences: () => [nightly] });
    m.event(reg('a', T));
    m.event(st('a', 'healthy', T));
    m.event(st('a', 'unhealthy', T + 2 * H + 10 * M)); // inside 02:00–02:30
    m.event(st('a', 'healthy', T + 2 * H + 40 * M));
    m.advance(T + 3 * 24 * H);
    const t = totals(m, 'a');
    expect(t.maintenance).toBe(3 * 30 * M);
    expect(t.unhealthy).toBe(10 * M);
    expect(t.healthy).toBe(3 * 24 * H - 90 * M - 10 * M);
    const hour2 = m.changes.hours.get('a')!.get(T + 2 * H)!;
    expect(timeIn(hour2, 'maintenance')).toBe(30 * M);
    expect(m.changes.hours.get('a')!.size).toBe(72);
  });

  it('where time is cut (ticks) changes no total', () => {
    const one = new UptimeModel({ silences: () => [] });
    const many = new UptimeModel({ silences: () => [] });
    for (const m of [one, many]) {
      m.event(reg('a', T));
      m.event(st('a', 'disconnected', T + 5 * M));
    }
    for (let t = T + 7 * M; t < T + 5 * H; t += 13 * M) many.advance(t);
    for (const m of [one, many]) m.event(st('a', 'healthy', T + 5 * H));
    expect(totals(many, 'a')).toEqual(totals(one, 'a'));
  });

  it('a timestamp ahead of the append time counts from the append time', () => {
    const m = new UptimeModel({ silences: () => [] });
    m.event(reg('a', T));
    m.event(
      ev(
        { type: 'mcp_status_change', mcp_name: 'a', status: 'healthy', metadata: {} },
        T + 365 * 24 * H,
        T + M,
      ),
    );
    expect(m.states.get('a')!.since).toBe(T + M);
  });

  it('incidents: who acted (capped), closed by an admin disable or a removal', () => {
    const m = new UptimeModel({ silences: () => [] });
    m.event(reg('a', T));
    m.event(st('a', 'unhealthy', T + M));
    for (let i = 0; i < 80; i++) {
      m.event(
        ev(
          {
            type: 'health_event',
            mcp_name: 'a',
            event_type: 'manually_enabled',
            actor: `u${i}`,
            data: {},
          },
          T + 2 * M,
        ),
      );
    }
    m.event(
      ev(
        {
          type: 'health_event',
          mcp_name: 'a',
          event_type: 'circuit_opened',
          actor: 'breaker',
          data: {},
        },
        T + 3 * M,
      ),
    );
    m.event(st('a', 'inactive', T + 4 * M, { health_reason: 'manual' }));
    const [first] = [...m.changes.incidents.values()];
    expect(first).toMatchObject({
      state: 'resolved',
      end_reason: 'disabled',
      circuit_openings: 1,
      duration_s: 180,
    });
    expect(first!.actions).toHaveLength(50);
    m.event(st('a', 'disconnected', T + 5 * M));
    m.event(ev({ type: 'mcp_removed', mcp_name: 'a', actor: 'ada' }, T + 6 * M));
    const last = [...m.take().incidents.values()].at(-1)!;
    expect(last).toMatchObject({
      end_reason: 'removed',
      actions: [{ actor: 'ada', action: 'mcp_removed' }],
    });
    expect(m.states.has('a')).toBe(false);
  });

  it('new tags change which silences match from then on', () => {
    const byTag = Silence.parse({
      id: 's',
      tags: ['db'],
      starts_at: new Date(T).toISOString(),
      ends_at: new Date(T + 10 * H).toISOString(),
    });
    const m = new UptimeModel({ silences: () => [byTag] });
    m.event(reg('a', T));
    m.event(st('a', 'healthy', T));
    m.event(
      ev(
        {
          type: 'mcp_updated',
          mcp_name: 'a',
          config: {
            name: 'a',
            transport: { type: 'streamable-http', url: 'http://x/mcp' },
            tags: ['db'],
          },
          changes: ['tags'],
        },
        T + H,
      ),
    );
    m.advance(T + 3 * H);
    expect(totals(m, 'a')).toMatchObject({ healthy: H, maintenance: 2 * H });
  });

  it('a timestamp from 1970 credits at most the horizon, not half a million hours', () => {
    const m = new UptimeModel({ silences: () => [], horizonMs: 400 * 24 * H });
    m.event(
      ev({ type: 'mcp_status_change', mcp_name: 'old', status: 'healthy', metadata: {} }, 0, T),
    );
    m.event(st('old', 'unhealthy', T + H));
    m.advance(T + 2 * H);
    expect(m.changes.hours.get('old')!.size).toBe(400 * 24 + 1);
    const far = new UptimeModel({ silences: () => [], horizonMs: 400 * 24 * H });
    far.event(reg('x', 0));
    far.advance(T);
    expect(far.changes.hours.get('x')!.size).toBeLessThanOrEqual(400 * 24 + 1);
    expect(far.pendingHours).toBe(far.changes.hours.get('x')!.size);
  });

  it('tracks at most maxMcps names; further new names are refused and counted', () => {
    const m = new UptimeModel({ silences: () => [], maxMcps: 3 });
    for (let i = 0; i < 5; i++) m.event(reg(`n${i}`, T));
    m.event(st('n1', 'healthy', T + M));
    expect([...m.states.keys()]).toEqual(['n0', 'n1', 'n2']);
    expect(m.refused).toBe(2);
  });

  it('probes of MCPs outside the fleet are ignored', () => {
    const m = new UptimeModel({ silences: () => [] });
    m.probe(
      {
        mcp_name: 'ghost',
        ok: true,
        outcome: 'success',
        status: 'healthy',
        latency_ms: 5,
        error: null,
        tools_count: 1,
        at: T,
      },
      T,
    );
    expect(m.changes.hours.size).toBe(0);
  });
});
