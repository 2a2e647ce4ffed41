// The uptime projection, pure: events from the log and probe results in, per-MCP state, hour
// bucket deltas and incident changes out. Time is credited to a category when it has passed
// (at the next status change of the MCP, or when the projector advances every MCP to the present
// on its tick), split at UTC hour boundaries and around the maintenance windows (silences) that
// match the MCP. Crediting is additive, so where the time is cut does not change any total: a
// replay of the same events from the same state gives the same buckets.
import {
  DOWN_CATEGORIES,
  HOUR_MS,
  MAX_INCIDENT_ACTIONS,
  addProbe,
  addTime,
  categorize,
  emptyBucket,
  hourStart,
  offsetTime,
  type Bucket,
  type Incident,
  type ProbeResult,
  type Silence,
  type StoredEvent,
  type UptimeCategory,
  type UptimeState,
} from '@beacon/protocol';
import { silenceMatches, windowsIn } from '../silences.js';

/** Actors that are Beacon's own workers: their events are not "who acted" on an incident. */
const WORKERS: ReadonlySet<string> = new Set(['registry', 'breaker', 'notifier']);

type Down = Incident['statuses'][number];

export interface UptimeChanges {
  /** Hour bucket deltas: MCP → hour start (epoch ms) → delta. */
  readonly hours: Map<string, Map<number, Bucket>>;
  /** MCPs whose state changed (null: removed). */
  readonly states: Map<string, UptimeState | null>;
  /** Incidents created or changed. */
  readonly incidents: Map<string, Incident>;
}

export function emptyChanges(): UptimeChanges {
  return { hours: new Map(), states: new Map(), incidents: new Map() };
}

export interface UptimeModelOptions {
  /** The silences in force (maintenance windows), read fresh by the projector each round. */
  readonly silences: () => Iterable<Silence>;
  /**
   * The longest stretch one crediting may cover (the daily retention): what lies further back
   * is never stored, and a hostile timestamp from 1970 must not make a million hour buckets.
   */
  readonly horizonMs?: number;
  /** MCPs tracked at most; events of further new names are ignored (counted in `refused`). */
  readonly maxMcps?: number;
}

export const MAX_TRACKED_MCPS = 100_000;

/** When an event happened: its timestamp, but never after Redis appended it (a clock ahead). */
export function eventTime(e: StoredEvent): number {
  const appended = offsetTime(e.offset);
  const stamped = Date.parse(e.event.timestamp);
  if (!Number.isFinite(stamped)) return appended;
  return Math.min(stamped, appended);
}

export class UptimeModel {
  readonly states = new Map<string, UptimeState>();
  readonly open = new Map<string, Incident>();
  changes: UptimeChanges = emptyChanges();
  /** Hour buckets in `changes` (the projector commits early when a step grows large). */
  pendingHours = 0;
  /** Events ignored because MAX_TRACKED_MCPS names are tracked already. */
  refused = 0;

  constructor(private readonly options: UptimeModelOptions) {}

  /** Loads what the store holds (state per MCP and their open incidents). */
  load(states: Map<string, UptimeState>, open: Map<string, Incident>): void {
    this.states.clear();
    this.open.clear();
    for (const [k, v] of states) this.states.set(k, v);
    for (const [k, v] of open) this.open.set(k, v);
  }

  /** Returns the changes since the last take and starts a new set. */
  take(): UptimeChanges {
    const c = this.changes;
    this.changes = emptyChanges();
    this.pendingHours = 0;
    return c;
  }

  private delta(mcp: string, hour: number): Bucket {
    let perMcp = this.changes.hours.get(mcp);
    if (perMcp === undefined) this.changes.hours.set(mcp, (perMcp = new Map<number, Bucket>()));
    let b = perMcp.get(hour);
    if (b === undefined) {
      perMcp.set(hour, (b = emptyBucket()));
      this.pendingHours++;
    }
    return b;
  }

  private creditSegment(mcp: string, from: number, to: number, category: UptimeCategory): void {
    let a = from;
    while (a < to) {
      const h = hourStart(a);
      const b = Math.min(to, h + HOUR_MS);
      addTime(this.delta(mcp, h), category, b - a);
      a = b;
    }
  }

  /** Credits [from, to) of `mcp` to `category`, except what falls in a matching silence. */
  private credit(mcp: string, state: UptimeState, since: number, to: number): void {
    const horizon = this.options.horizonMs;
    const from = horizon === undefined ? since : Math.max(since, to - horizon);
    if (to <= from) return;
    const windows: Array<readonly [number, number]> = [];
    for (const s of this.options.silences()) {
      if (!silenceMatches(s, mcp, state.tags)) continue;
      for (const w of windowsIn(s, from, to)) windows.push(w);
    }
    windows.sort((x, y) => x[0] - y[0]);
    let at = from;
    for (const [a, b] of windows) {
      if (b <= at) continue;
      const start = Math.max(a, at);
      this.creditSegment(mcp, at, start, state.category);
      this.creditSegment(mcp, start, b, 'maintenance');
      at = b;
    }
    this.creditSegment(mcp, at, to, state.category);
  }

  private put(mcp: string, state: UptimeState): void {
    this.states.set(mcp, state);
    this.changes.states.set(mcp, state);
  }

  private touch(incident: Incident): void {
    this.changes.incidents.set(incident.id, incident);
  }

  /** Moves every MCP's credited time up to `now`. */
  advance(now: number): void {
    for (const [mcp, state] of this.states) {
      if (state.since >= now) continue;
      this.credit(mcp, state, state.since, now);
      this.put(mcp, { ...state, since: now });
    }
  }

  probe(result: ProbeResult, appendedAt: number): void {
    if (!this.states.has(result.mcp_name)) return; // not (or no longer) in the fleet
    const at = Math.min(result.at, appendedAt);
    addProbe(this.delta(result.mcp_name, hourStart(at)), result.ok, result.latency_ms);
  }

  event(stored: StoredEvent): void {
    const e = stored.event;
    const mcp = e.mcp_name;
    const prev = this.states.get(mcp);
    if (prev === undefined && this.states.size >= (this.options.maxMcps ?? MAX_TRACKED_MCPS)) {
      this.refused++;
      return;
    }
    const t = Math.max(eventTime(stored), prev?.since ?? 0);
    const at = new Date(t).toISOString();
    const incident = this.open.get(mcp);
    if (incident !== undefined && e.actor !== undefined && !WORKERS.has(e.actor)) {
      const action = e.type === 'health_event' ? e.event_type : e.type;
      if (e.type !== 'mcp_status_change' && incident.actions.length < MAX_INCIDENT_ACTIONS) {
        incident.actions.push({ at, actor: e.actor, action, command_id: e.command_id ?? null });
        this.touch(incident);
      }
    }
    switch (e.type) {
      case 'mcp_registered': {
        if (prev !== undefined) {
          this.credit(mcp, prev, prev.since, t);
          this.put(mcp, { ...prev, since: t, tags: e.config.tags ?? prev.tags });
        } else {
          this.put(mcp, {
            category: 'unknown',
            since: t,
            incident: null,
            tags: e.config.tags ?? [],
          });
        }
        return;
      }
      case 'mcp_updated': {
        if (prev === undefined) return;
        // New tags change which silences match from now on: credit what came before first.
        this.credit(mcp, prev, prev.since, t);
        this.put(mcp, { ...prev, since: t, tags: e.config.tags ?? prev.tags });
        return;
      }
      case 'mcp_removed': {
        if (prev === undefined) return;
        this.credit(mcp, prev, prev.since, t);
        if (incident !== undefined) this.close(incident, t, 'removed');
        this.states.delete(mcp);
        this.changes.states.set(mcp, null);
        return;
      }
      case 'health_event': {
        if (e.event_type === 'circuit_opened' && incident !== undefined) {
          incident.circuit_openings += 1;
          this.touch(incident);
        }
        return;
      }
      case 'mcp_status_change': {
        const base = prev ?? { category: 'unknown', since: t, incident: null, tags: [] };
        const category = categorize(e.status, e.metadata);
        this.credit(mcp, base, base.since, t);
        let open = incident;
        if (DOWN_CATEGORIES.has(category)) {
          if (open === undefined) {
            open = {
              id: `${mcp}@${stored.offset}`,
              mcp_name: mcp,
              started_at: at,
              ended_at: null,
              duration_s: 0,
              state: 'open',
              end_reason: null,
              statuses: [],
              first_error: e.metadata.error?.slice(0, 1_024) ?? null,
              health_reason: e.metadata.health_reason ?? null,
              circuit_openings: 0,
              auto_disabled: false,
              actions: [],
            };
            this.open.set(mcp, open);
          }
          if (!open.statuses.includes(category as Down)) open.statuses.push(category as Down);
          if (category === 'auto_disabled') open.auto_disabled = true;
          if (open.first_error === null && e.metadata.error) {
            open.first_error = e.metadata.error.slice(0, 1_024);
          }
          this.touch(open);
        } else if (open !== undefined) {
          this.close(open, t, category === 'inactive' ? 'disabled' : 'recovered');
          open = undefined;
        }
        this.put(mcp, { ...base, category, since: t, incident: open?.id ?? null });
        return;
      }
    }
  }

  private close(incident: Incident, t: number, reason: 'recovered' | 'disabled' | 'removed'): void {
    incident.ended_at = new Date(t).toISOString();
    incident.duration_s = Math.max(0, (t - Date.parse(incident.started_at)) / 1000);
    incident.state = 'resolved';
    incident.end_reason = reason;
    this.open.delete(incident.mcp_name);
    this.touch(incident);
  }
}
