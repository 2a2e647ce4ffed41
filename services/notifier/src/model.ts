// The notifier's decisions as pure functions: what a log event means for each rule's alerts,
// and what time passing means (a `for` wait over, a reminder due, a silence over). No I/O, no
// clock: the same alerts, event and time give the same effects, so a successor re-processing a
// batch after a crash produces the same notifications with the same idempotency keys.
//
// Conditions, per MCP: `down` (unhealthy / disconnected / inactive, unless manually disabled),
// `auth_failed` (failing because credentials were rejected), `circuit_opened`, `auto_disabled`.
// A rule whose patterns/tags match the MCP and whose `on` lists the kind gets one alert per
// (rule, MCP, kind): `pending` for the rule's `for`, then `firing` (notified), and closed when the
// condition ends — `resolved` sent when it had fired and the rule says send_resolved; a pending
// alert that closes is a suppressed flap. `recovered` is a transition, not a condition: a failing
// MCP turning healthy notifies rules that list it.
import {
  nameFilter,
  type AlertKind,
  type AlertRule,
  type AlertTransition,
  type DeliveryRecord,
  type HealthStatus,
  type Notification,
  type Silence,
  type StoredEvent,
} from '@beacon/protocol';
import { silencedBy, silenceEnd } from './silences.js';

export interface AlertState {
  readonly rule: string;
  readonly mcp: string;
  readonly kind: AlertKind;
  readonly phase: 'pending' | 'firing';
  /** When the condition started (ms) and the offset of the event that opened it. */
  readonly since: number;
  readonly offset: string;
  readonly status: HealthStatus | null;
  readonly error: string | null;
  /** The firing notification went out (false: still pending, or held back by a silence). */
  readonly sent: boolean;
  readonly reminders: number;
  /** Next time something is due for it (for over, reminder, silence end); null: nothing. */
  readonly due: number | null;
}

export const alertKey = (rule: string, mcp: string, kind: AlertKind): string =>
  `${rule}|${mcp}|${kind}`;

export interface Outgoing {
  readonly notification: Notification;
  readonly channels: readonly string[];
}

export interface Effects {
  readonly put: AlertState[];
  readonly del: string[];
  readonly send: Outgoing[];
  readonly records: DeliveryRecord[];
}

export interface Config {
  readonly rules: ReadonlyMap<string, AlertRule>;
  readonly silences: ReadonlyMap<string, Silence>;
  readonly dashboardUrl: string | null;
}

export interface Fleet {
  tags(mcp: string): readonly string[];
}

const FAILING: ReadonlySet<string> = new Set(['unhealthy', 'disconnected', 'inactive']);

export function ruleMatches(rule: AlertRule, mcp: string, tags: readonly string[]): boolean {
  if (!rule.enabled) return false;
  if (!nameFilter(rule.mcps)(mcp)) return false;
  return rule.tags.length === 0 || rule.tags.some((t) => tags.includes(t));
}

/** What one event does to an MCP's conditions. */
export interface Change {
  readonly open: readonly AlertKind[];
  readonly close: readonly AlertKind[];
  /** Closed without a resolved notification (removed, or disabled by an admin). */
  readonly quiet?: boolean;
  readonly recovered: boolean;
  readonly status: HealthStatus | null;
  readonly error: string | null;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

export function changeOf(event: StoredEvent): Change | null {
  const e = event.event;
  switch (e.type) {
    case 'mcp_status_change': {
      const m = e.metadata as Record<string, unknown>;
      const previous = str(m['previous_status']);
      const error = str(m['error']);
      if (e.status === 'healthy') {
        return {
          open: [],
          close: ['down', 'auth_failed'],
          recovered: previous !== null && FAILING.has(previous),
          status: e.status,
          error: null,
        };
      }
      if (e.status === 'inactive' && m['reason'] === 'manual') {
        // An admin disabled it: nothing is wrong, and nothing to tell.
        return {
          open: [],
          close: ['down', 'auth_failed', 'auto_disabled'],
          quiet: true,
          recovered: false,
          status: e.status,
          error,
        };
      }
      if (!FAILING.has(e.status)) return null;
      const auth = m['health_reason'] === 'auth_failed' || m['reason'] === 'auth_failed';
      return {
        open: [auth ? 'auth_failed' : 'down'],
        close: [auth ? 'down' : 'auth_failed'],
        recovered: false,
        status: e.status,
        error,
      };
    }
    case 'health_event': {
      const data = (e.data ?? {}) as Record<string, unknown>;
      const error = str(data['error']);
      switch (e.event_type) {
        case 'circuit_opened':
          return { open: ['circuit_opened'], close: [], recovered: false, status: null, error };
        case 'circuit_closed':
          return { open: [], close: ['circuit_opened'], recovered: false, status: null, error };
        case 'auto_disabled':
          return { open: ['auto_disabled'], close: [], recovered: false, status: null, error };
        case 're_enabled':
        case 'manually_enabled':
          return { open: [], close: ['auto_disabled'], recovered: false, status: null, error };
        default:
          return null;
      }
    }
    case 'mcp_removed':
      return {
        open: [],
        close: ['down', 'auth_failed', 'circuit_opened', 'auto_disabled'],
        quiet: true,
        recovered: false,
        status: null,
        error: null,
      };
    default:
      return null;
  }
}

const WORDS: Record<AlertTransition, string> = {
  down: 'is down',
  auth_failed: 'rejects our credentials',
  circuit_opened: 'has its circuit open',
  auto_disabled: 'was auto-disabled',
  recovered: 'recovered',
};

function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

function notification(
  a: AlertState,
  state: Notification['state'],
  key: string,
  at: number,
  offset: string,
  tags: readonly string[],
  config: Config,
  kind: AlertTransition = a.kind,
): Notification {
  const base = `${a.mcp} ${WORDS[kind]}`;
  const summary =
    state === 'resolved'
      ? `${a.mcp} recovered (${a.kind.replace('_', ' ')} for ${duration(at - a.since)})`
      : `${state === 'reminder' ? 'Still: ' : ''}${base}${a.status !== null && kind === 'down' ? ` (${a.status})` : ''}${a.error === null ? '' : `: ${a.error}`}`;
  return {
    idempotency_key: key,
    incident_key: `${a.rule}:${a.mcp}:${a.kind}:${a.offset}`,
    state,
    kind,
    rule_id: a.rule,
    mcp_name: a.mcp,
    status: a.status,
    summary: summary.slice(0, 1024),
    error: a.error === null ? null : a.error.slice(0, 1024),
    started_at: new Date(a.since).toISOString(),
    ended_at: state === 'resolved' ? new Date(at).toISOString() : null,
    offset,
    tags: [...tags],
    dashboard_url: config.dashboardUrl,
  };
}

function record(
  n: Notification,
  result: DeliveryRecord['result'],
  at: number,
  silence: string | null = null,
): DeliveryRecord {
  return {
    at: new Date(at).toISOString(),
    idempotency_key: n.idempotency_key,
    rule_id: n.rule_id,
    mcp_name: n.mcp_name,
    kind: n.kind,
    state: n.state,
    channel: null,
    result,
    status: null,
    response: null,
    silence_id: silence,
  };
}

const empty = (): {
  put: AlertState[];
  del: string[];
  send: Outgoing[];
  records: DeliveryRecord[];
} => ({
  put: [],
  del: [],
  send: [],
  records: [],
});

/**
 * Fire an alert at `at`: notify (unless a silence holds it back: recorded, due again when the
 * silence ends) and schedule the first reminder.
 */
function fire(
  a: AlertState,
  rule: AlertRule,
  key: string,
  at: number,
  tags: readonly string[],
  config: Config,
  out: ReturnType<typeof empty>,
  state: 'firing' | 'reminder' = 'firing',
): AlertState {
  const n = notification(a, state, key, at, a.offset, tags, config);
  const silence = silencedBy(config.silences.values(), a.mcp, tags, at);
  if (silence !== null) {
    out.records.push(record(n, 'silenced', at, silence.id));
    // Due again when the silence is over; the firing (not a reminder) goes out then.
    return { ...a, phase: 'firing', due: silenceEnd(silence, at) };
  }
  out.send.push({ notification: n, channels: rule.channels });
  const reminders = state === 'reminder' ? a.reminders + 1 : a.reminders;
  return {
    ...a,
    phase: 'firing',
    sent: true,
    reminders,
    due: rule.repeat_every === undefined ? null : at + rule.repeat_every * 1000,
  };
}

/** What one log event does, given the alerts open now (read by key). */
export function decideEvent(
  event: StoredEvent,
  alerts: (key: string) => AlertState | undefined,
  fleet: Fleet,
  config: Config,
): Effects {
  const out = empty();
  const change = changeOf(event);
  if (change === null) return out;
  const e = event.event;
  const mcp = e.mcp_name;
  const at = Date.parse(e.timestamp);
  const tags = fleet.tags(mcp);
  for (const rule of config.rules.values()) {
    for (const kind of change.close) {
      const key = alertKey(rule.id, mcp, kind);
      const a = alerts(key);
      if (a === undefined) continue;
      out.del.push(key);
      if (a.phase === 'pending') {
        out.records.push(
          record(
            notification(
              a,
              'resolved',
              `${event.offset}:${rule.id}`,
              at,
              event.offset,
              tags,
              config,
            ),
            'suppressed',
            at,
          ),
        );
        continue;
      }
      if (change.quiet === true || !rule.send_resolved || !a.sent) continue;
      const n = notification(
        a,
        'resolved',
        `${event.offset}:${rule.id}:resolved`,
        at,
        event.offset,
        tags,
        config,
      );
      const silence = silencedBy(config.silences.values(), mcp, tags, at);
      if (silence !== null) out.records.push(record(n, 'silenced', at, silence.id));
      else out.send.push({ notification: n, channels: rule.channels });
    }
    if (!ruleMatches(rule, mcp, tags)) continue;
    for (const kind of change.open) {
      if (!rule.on.includes(kind)) continue;
      const key = alertKey(rule.id, mcp, kind);
      if (alerts(key) !== undefined) continue; // already open (e.g. unhealthy → disconnected)
      const opened: AlertState = {
        rule: rule.id,
        mcp,
        kind,
        phase: 'pending',
        since: at,
        offset: event.offset,
        status: change.status,
        error: change.error,
        sent: false,
        reminders: 0,
        due: at + rule.for * 1000,
      };
      out.put.push(
        rule.for === 0
          ? fire(opened, rule, `${event.offset}:${rule.id}`, at, tags, config, out)
          : opened,
      );
    }
    if (change.recovered && rule.on.includes('recovered')) {
      const a: AlertState = {
        rule: rule.id,
        mcp,
        kind: 'down',
        phase: 'firing',
        since: at,
        offset: event.offset,
        status: change.status,
        error: null,
        sent: false,
        reminders: 0,
        due: null,
      };
      const n = notification(
        a,
        'firing',
        `${event.offset}:${rule.id}:recovered`,
        at,
        event.offset,
        tags,
        config,
        'recovered',
      );
      const silence = silencedBy(config.silences.values(), mcp, tags, at);
      if (silence !== null) out.records.push(record(n, 'silenced', at, silence.id));
      else out.send.push({ notification: n, channels: rule.channels });
    }
  }
  return out;
}

/** An alert whose due time has come: its `for` is over, a reminder is due, or a silence ended. */
export function decideDue(a: AlertState, now: number, fleet: Fleet, config: Config): Effects {
  const out = empty();
  const key = alertKey(a.rule, a.mcp, a.kind);
  const rule = config.rules.get(a.rule);
  if (rule === undefined) {
    out.del.push(key); // the rule was deleted: its alerts go with it
    return out;
  }
  if (a.due === null || now < a.due) return out;
  const tags = fleet.tags(a.mcp);
  if (a.phase === 'pending' || !a.sent) {
    out.put.push(fire(a, rule, `${a.offset}:${rule.id}`, now, tags, config, out));
    return out;
  }
  if (rule.repeat_every === undefined) {
    out.put.push({ ...a, due: null });
    return out;
  }
  out.put.push(
    fire(a, rule, `${a.offset}:${rule.id}:r${a.reminders + 1}`, now, tags, config, out, 'reminder'),
  );
  return out;
}
