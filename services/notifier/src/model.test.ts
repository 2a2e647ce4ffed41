// The notifier's decisions, given/when/then, without Redis: conditions from events, `for`,
// resolved, reminders, silences (one-off and cron), tag and pattern matching, determinism.
import { AlertRule, Silence, type StoredEvent } from '@beacon/protocol';
import { describe, expect, it } from 'vitest';
import { alertKey, decideDue, decideEvent, type AlertState, type Config } from './model.js';
import { cronProblem, isActive, silenceEnd } from './silences.js';

const T = Date.parse('2026-12-03T10:00:00.000Z');
let seq = 0;
function stored(e: Record<string, unknown>, at = T): StoredEvent {
  seq++;
  return {
    offset: `${at}-${seq}`,
    epoch: 'e1',
    event: { timestamp: new Date(at).toISOString(), actor: 'registry', ...e },
  } as unknown as StoredEvent;
}
const change = (name: string, status: string, previous: string, at = T, extra = {}) =>
  stored(
    {
      type: 'mcp_status_change',
      mcp_name: name,
      status,
      metadata: {
        previous_status: previous,
        error: status === 'healthy' ? null : 'boom',
        reason: 'probe',
        ...extra,
      },
    },
    at,
  );

function config(rules: unknown[], silences: unknown[] = []): Config {
  return {
    rules: new Map(rules.map((r) => AlertRule.parse(r)).map((r) => [r.id, r])),
    silences: new Map(silences.map((s) => Silence.parse(s)).map((s) => [s.id, s])),
    dashboardUrl: null,
  };
}
const fleet = (tags: Record<string, string[]> = {}) => ({ tags: (m: string) => tags[m] ?? [] });

function run(c: Config, events: StoredEvent[], tags = fleet()) {
  const alerts = new Map<string, AlertState>();
  const sent: string[] = [];
  const records: string[] = [];
  for (const e of events) {
    const fx = decideEvent(e, (k) => alerts.get(k), tags, c);
    for (const k of fx.del) alerts.delete(k);
    for (const a of fx.put) alerts.set(alertKey(a.rule, a.mcp, a.kind), a);
    sent.push(
      ...fx.send.map(
        (s) => `${s.notification.state}:${s.notification.kind}:${s.notification.idempotency_key}`,
      ),
    );
    records.push(...fx.records.map((r) => `${r.result}:${r.idempotency_key}`));
  }
  return { alerts, sent, records };
}

describe('decideEvent', () => {
  it('fires at once without `for`, resolves on recovery with the same incident key', () => {
    const c = config([{ id: 'r', channels: ['h'] }]);
    const down = change('a', 'unhealthy', 'healthy');
    const upE = change('a', 'healthy', 'unhealthy', T + 5_000);
    const r = run(c, [down, upE]);
    expect(r.sent).toEqual([
      `firing:down:${down.offset}:r`,
      `resolved:down:${upE.offset}:r:resolved`,
    ]);
    expect(r.alerts.size).toBe(0);
  });

  it('unhealthy → disconnected is one outage; auth_failed is its own kind', () => {
    const c = config([{ id: 'r', channels: ['h'], on: ['down', 'auth_failed'] }]);
    const r = run(c, [
      change('a', 'unhealthy', 'healthy'),
      change('a', 'disconnected', 'unhealthy'),
      change('a', 'unhealthy', 'disconnected', T, { health_reason: 'auth_failed' }),
    ]);
    expect(r.sent.map((s) => s.split(':').slice(0, 2).join(':'))).toEqual([
      'firing:down',
      'resolved:down',
      'firing:auth_failed',
    ]);
  });

  it('with `for`, a recovery inside it is a suppressed flap; a lasting one fires when due', () => {
    const c = config([{ id: 'r', channels: ['h'], for: '30s' }]);
    const flap = run(c, [
      change('a', 'unhealthy', 'healthy'),
      change('a', 'healthy', 'unhealthy', T + 10_000),
    ]);
    expect(flap.sent).toEqual([]);
    expect(flap.records[0]).toMatch(/^suppressed:/);
    const lasting = run(c, [change('a', 'unhealthy', 'healthy')]);
    const a = [...lasting.alerts.values()][0]!;
    expect(a).toMatchObject({ phase: 'pending', due: T + 30_000 });
    expect(decideDue(a, T + 29_999, fleet(), c).put).toEqual([]);
    const fx = decideDue(a, T + 30_000, fleet(), c);
    expect(fx.send[0]?.notification).toMatchObject({
      state: 'firing',
      idempotency_key: `${a.offset}:r`,
    });
  });

  it('reminds every repeat_every with numbered keys', () => {
    const c = config([{ id: 'r', channels: ['h'], repeat_every: '1m' }]);
    let a = [...run(c, [change('a', 'unhealthy', 'healthy')]).alerts.values()][0]!;
    expect(a.due).toBe(T + 60_000);
    const keys: string[] = [];
    for (let i = 1; i <= 3; i++) {
      const fx = decideDue(a, a.due!, fleet(), c);
      keys.push(fx.send[0]!.notification.idempotency_key);
      a = fx.put[0]!;
    }
    expect(keys).toEqual([1, 2, 3].map((n) => `${a.offset}:r:r${n}`));
  });

  it('matches names by pattern and tags; disabled rules and manual disables stay quiet', () => {
    const c = config([
      { id: 'billing', channels: ['h'], mcps: ['billing_*'], tags: ['prod'] },
      { id: 'off', channels: ['h'], enabled: false },
    ]);
    const tags = fleet({ billing_a: ['prod'], billing_b: ['dev'] });
    expect(run(c, [change('billing_a', 'unhealthy', 'healthy')], tags).sent).toHaveLength(1);
    expect(run(c, [change('billing_b', 'unhealthy', 'healthy')], tags).sent).toHaveLength(0);
    expect(run(c, [change('search', 'unhealthy', 'healthy')], tags).sent).toHaveLength(0);
    const manual = run(config([{ id: 'r', channels: ['h'] }]), [
      change('a', 'unhealthy', 'healthy'),
      change('a', 'inactive', 'unhealthy', T, { reason: 'manual' }),
    ]);
    expect(manual.sent).toHaveLength(1); // the firing only: no resolved for an admin's disable
  });

  it('circuit_opened, auto_disabled and recovered transitions', () => {
    const c = config([
      { id: 'r', channels: ['h'], on: ['circuit_opened', 'auto_disabled', 'recovered'] },
    ]);
    const ev = (event_type: string) =>
      stored({ type: 'health_event', mcp_name: 'a', event_type, data: {} });
    const r = run(c, [
      ev('circuit_opened'),
      ev('circuit_closed'),
      ev('auto_disabled'),
      ev('re_enabled'),
      change('a', 'healthy', 'unhealthy'),
    ]);
    expect(r.sent.map((s) => s.split(':').slice(0, 2).join(':'))).toEqual([
      'firing:circuit_opened',
      'resolved:circuit_opened',
      'firing:auto_disabled',
      'resolved:auto_disabled',
      'firing:recovered',
    ]);
  });

  it('a silence records instead of sending, and the alert is due again when it ends', () => {
    const c = config(
      [{ id: 'r', channels: ['h'] }],
      [
        {
          id: 's',
          mcps: ['a'],
          starts_at: new Date(T - 1).toISOString(),
          ends_at: new Date(T + 60_000).toISOString(),
        },
      ],
    );
    const r = run(c, [change('a', 'unhealthy', 'healthy')]);
    expect(r.sent).toEqual([]);
    expect(r.records[0]).toMatch(/^silenced:/);
    const a = [...r.alerts.values()][0]!;
    expect(a).toMatchObject({ phase: 'firing', sent: false, due: T + 60_000 });
    const fx = decideDue(a, T + 60_000, fleet(), c);
    expect(fx.send[0]?.notification.state).toBe('firing');
  });

  it('the same inputs give the same effects (a re-processed batch repeats nothing new)', () => {
    const c = config([{ id: 'r', channels: ['h'], repeat_every: 60 }]);
    const e = change('a', 'unhealthy', 'healthy');
    const one = decideEvent(e, () => undefined, fleet(), c);
    const two = decideEvent(e, () => undefined, fleet(), c);
    expect(two).toEqual(one);
  });
});

describe('silences', () => {
  it('recurring windows from cron (UTC) and a duration', () => {
    const s = Silence.parse({ id: 'nightly', cron: '0 2 * * *', duration: '1h' });
    expect(isActive(s, Date.parse('2026-12-03T02:30:00Z'))).toBe(true);
    expect(isActive(s, Date.parse('2026-12-03T03:00:00Z'))).toBe(false);
    expect(isActive(s, Date.parse('2026-12-03T01:59:59Z'))).toBe(false);
    expect(silenceEnd(s, Date.parse('2026-12-03T02:30:00Z'))).toBe(
      Date.parse('2026-12-03T03:00:00Z'),
    );
  });

  it('refuses malformed cron expressions and windows, naming the problem', () => {
    expect(cronProblem('61 * * * *')).toMatch(/invalid cron/);
    expect(cronProblem('* * *')).toMatch(/5 fields/);
    expect(cronProblem('*/5 * * * *')).toBeNull();
    expect(Silence.safeParse({ id: 'x', cron: '* * * * *' }).success).toBe(false);
    const r = Silence.safeParse({
      id: 'x',
      starts_at: '2026-12-03T10:00:00Z',
      ends_at: '2026-12-03T09:00:00Z',
    });
    expect(JSON.stringify(r.error?.issues)).toMatch(/must be after starts_at/);
  });
});
