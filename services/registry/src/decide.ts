// The registry's status logic as pure functions: given what the log says about one MCP (its
// state) and something that happened (a probe result, a tools change, an enable/disable), decide
// which events to append; the state it becomes is their fold (`evolve.ts`), never set by hand.
// No I/O, no clocks: `now` is an argument.
import { backoffDelay } from '@beacon/protocol';
import type {
  HealthReason,
  HealthStatus,
  LogEventInput,
  McpStatus,
  ProbeResult,
  StatusMetadata,
} from '@beacon/protocol';
import { evolve, noteChanges, type McpState, type Noted } from './evolve.js';

export type { McpState } from './evolve.js';

export interface DecideSettings {
  readonly failureCyclesToDisable: number;
  /** First re-probe of an auto-disabled MCP after this long; doubles per failed re-probe. */
  readonly reprobeBaseMs: number;
  readonly reprobeMaxMs: number;
  /**
   * False while the fleet-wide cap (BEACON_MAX_AUTO_DISABLED_PERCENT) is reached: an MCP that
   * would be auto-disabled keeps failing visibly instead (and is told once). Default true.
   */
  readonly mayAutoDisable?: boolean;
  /** For the capped event: how many are auto-disabled, and the most allowed. */
  readonly autoDisableCap?: { readonly autoDisabled: number; readonly max: number };
}

export interface Decision {
  /** Appended to the log, atomically. */
  readonly events: LogEventInput[];
  /** Counters that moved without an event (saved beside the log). */
  readonly noted?: Noted;
  /** `events` then `noted`, folded with `evolve` over the state decided on. */
  readonly next: McpState;
  /** Re-probe due time of an auto-disabled MCP: a number sets it, null clears it, undefined keeps. */
  readonly reprobeAt?: number | null;
}

export interface Actor {
  readonly actor: string;
  readonly command_id?: string;
}

/** Actor stamped on events the registry decides on its own. */
export const REGISTRY_ACTOR = 'registry';

const iso = (ms: number): string => new Date(ms).toISOString();

/** Counters a decision sets whether or not its events carry them. */
type Counted = Parameters<typeof noteChanges>[1];

/**
 * The decision that appends `events`: its next state is their fold, plus a `noted` for whatever
 * of `counted` the events leave different.
 */
function decided(
  state: McpState,
  events: LogEventInput[],
  counted?: Counted,
  reprobeAt?: number | null,
): Decision {
  const logged = events.reduce<McpState>(evolve, state);
  const noted = counted === undefined ? undefined : noteChanges(logged, counted);
  return {
    events,
    next: noted === undefined ? logged : evolve(logged, noted),
    ...(noted === undefined ? {} : { noted }),
    ...(reprobeAt === undefined ? {} : { reprobeAt }),
  };
}

export function reprobeDelay(attempt: number, settings: DecideSettings): number {
  return backoffDelay(Math.min(attempt, 30), settings.reprobeBaseMs, settings.reprobeMaxMs);
}

/** State as the projection row says (the standby's rebuild); counters from the worker's hash. */
export function stateFromRow(
  row: McpStatus,
  saved: { readonly failureCycles?: number; readonly reprobeAttempt?: number } = {},
): McpState {
  return {
    name: row.name,
    status: row.health_status,
    failureCycles: saved.failureCycles ?? row.failure_cycles,
    autoDisabled: row.auto_disabled,
    disabled: !row.auto_disabled && (row.config?.enabled === false || !row.enabled),
    reprobeAttempt: saved.reprobeAttempt ?? 0,
    toolsCount: row.tools_count,
    healthReason: row.health_reason ?? null,
    protocolVersion: row.protocol_version ?? null,
    toolsHash: row.tools_hash ?? null,
  };
}

/** A freshly registered MCP, matching `initialRow` in the protocol's projection. */
export function initialState(name: string, enabled: boolean, healthCheck = true): McpState {
  return {
    name,
    status: enabled ? 'unknown' : 'inactive',
    failureCycles: 0,
    autoDisabled: false,
    disabled: !enabled,
    reprobeAttempt: 0,
    toolsCount: null,
    healthReason: enabled && !healthCheck ? 'health_check_disabled' : null,
    protocolVersion: null,
    toolsHash: null,
  };
}

/** Whether normal (interval) probing applies; auto-disabled MCPs are re-probed on backoff only. */
export const probesNormally = (s: McpState): boolean => !s.disabled && !s.autoDisabled;

/** The row's `health_reason` for a probe outcome (null: healthy). */
export function reasonOf(probe: ProbeResult): HealthReason | null {
  return probe.outcome === 'success' ? null : probe.outcome;
}

/** Tool-list facts a decision compares: count, hash of names + schemas, what changed. */
export interface ToolsSeen {
  readonly count: number;
  readonly hash?: string | null | undefined;
  readonly diff?: ProbeResult['tools_diff'];
}

/** The tools_changed event's data, or null when the tools are no news. */
function toolsNews(state: McpState, seen: ToolsSeen): Record<string, unknown> | null {
  const countMoved = state.toolsCount !== null && seen.count !== state.toolsCount;
  const hashMoved =
    seen.hash !== undefined &&
    seen.hash !== null &&
    state.toolsHash !== null &&
    seen.hash !== state.toolsHash;
  if (!countMoved && !hashMoved) return null;
  return {
    tools_count: seen.count,
    previous_tools_count: state.toolsCount,
    ...(seen.hash === undefined || seen.hash === null
      ? {}
      : { tools_hash: seen.hash, previous_tools_hash: state.toolsHash }),
    ...(seen.diff === undefined ? {} : seen.diff),
  };
}

const FAILING: ReadonlySet<HealthStatus> = new Set(['unhealthy', 'disconnected']);

/** Decide on one probe result. */
export function decideProbe(
  state: McpState,
  probe: ProbeResult,
  now: number,
  settings: DecideSettings,
): Decision {
  if (state.disabled) return decided(state, []);
  const name = state.name;
  const timestamp = iso(now);
  const checked_at = iso(probe.at);
  const common = { mcp_name: name, timestamp, actor: REGISTRY_ACTOR };
  const tools = probe.tools_count ?? state.toolsCount;
  // What a healthy status change records of the server: its revision and tool hash, when seen.
  const seenServer = {
    ...(probe.protocol_version == null ? {} : { protocol_version: probe.protocol_version }),
    ...(probe.tools_hash == null ? {} : { tools_hash: probe.tools_hash }),
  };
  // Every status change of a probe cycle carries the previous status, the probe's error and
  // latency, and when it was checked; `detail` is what differs (counts, flags, reason).
  const statusChange = (
    status: HealthStatus,
    error: string | null,
    detail: Pick<
      StatusMetadata,
      | 'tools_count'
      | 'failure_cycles'
      | 'enabled'
      | 'auto_disabled'
      | 'reason'
      | 'health_reason'
      | 'protocol_version'
      | 'tools_hash'
    >,
  ): LogEventInput => ({
    type: 'mcp_status_change',
    status,
    metadata: {
      previous_status: state.status,
      error,
      latency_ms: probe.latency_ms,
      ...detail,
      checked_at,
    },
    ...common,
  });

  if (state.autoDisabled) {
    if (!probe.ok) {
      const attempt = state.reprobeAttempt + 1;
      return decided(state, [], { reprobeAttempt: attempt }, now + reprobeDelay(attempt, settings));
    }
    return decided(
      state,
      [
        {
          type: 'health_event',
          event_type: 're_enabled',
          data: { reprobes: state.reprobeAttempt + 1, latency_ms: probe.latency_ms },
          ...common,
        },
        statusChange('healthy', null, {
          tools_count: tools,
          failure_cycles: 0,
          enabled: true,
          auto_disabled: false,
          reason: 're_enabled',
          health_reason: null,
          ...seenServer,
        }),
        {
          type: 'health_event',
          event_type: 'recovery',
          data: {
            previous_status: state.status,
            latency_ms: probe.latency_ms,
            after: 'auto_disabled',
          },
          ...common,
        },
      ],
      undefined,
      null,
    );
  }

  if (probe.ok) {
    if (state.status === 'healthy') {
      const counted = {
        failureCycles: 0,
        toolsCount: tools,
        ...(probe.tools_hash == null ? {} : { toolsHash: probe.tools_hash }),
      };
      const events: LogEventInput[] = [];
      // Same status: a server now speaking another revision is recorded as a status change
      // (the row shows protocol_version), a changed tool set as tools_changed.
      if (probe.protocol_version != null && probe.protocol_version !== state.protocolVersion) {
        events.push(
          statusChange('healthy', null, {
            tools_count: tools,
            failure_cycles: 0,
            reason: 'protocol_version',
            health_reason: null,
            ...seenServer,
          }),
        );
      }
      const afterStatus = events.reduce<McpState>(evolve, state);
      const news =
        probe.tools_count === null
          ? null
          : toolsNews(afterStatus, {
              count: probe.tools_count,
              hash: probe.tools_hash,
              diff: probe.tools_diff,
            });
      if (news !== null) {
        events.push({ type: 'health_event', event_type: 'tools_changed', data: news, ...common });
      }
      return decided(state, events, counted);
    }
    const events: LogEventInput[] = [
      statusChange('healthy', null, {
        tools_count: tools,
        failure_cycles: 0,
        reason: 'probe',
        health_reason: null,
        ...seenServer,
      }),
    ];
    if (FAILING.has(state.status)) {
      events.push({
        type: 'health_event',
        event_type: 'recovery',
        data: {
          previous_status: state.status,
          failure_cycles: state.failureCycles,
          latency_ms: probe.latency_ms,
        },
        ...common,
      });
    }
    return decided(state, events);
  }

  // A failed cycle.
  const cycles = state.failureCycles + 1;
  const failed: HealthStatus = probe.status === 'disconnected' ? 'disconnected' : 'unhealthy';
  const reason = reasonOf(probe);
  const authFailed = probe.outcome === 'auth_failed';
  const events: LogEventInput[] = [];
  if (state.status === 'healthy') {
    events.push({
      type: 'health_event',
      event_type: 'failure',
      data: {
        status: failed,
        outcome: probe.outcome,
        error: probe.error,
        latency_ms: probe.latency_ms,
      },
      ...common,
    });
  }
  const capped = cycles >= settings.failureCyclesToDisable && settings.mayAutoDisable === false;
  if (capped && state.failureCycles < settings.failureCyclesToDisable) {
    // Once, when the threshold is first reached; each later cycle checks the cap again.
    events.push({
      type: 'health_event',
      event_type: 'auto_disable_capped',
      data: {
        failure_cycles: cycles,
        status: failed,
        error: probe.error,
        auto_disabled: settings.autoDisableCap?.autoDisabled ?? null,
        max_auto_disabled: settings.autoDisableCap?.max ?? null,
      },
      ...common,
    });
  }
  if (cycles >= settings.failureCyclesToDisable && !capped) {
    events.push(
      statusChange('inactive', probe.error, {
        failure_cycles: cycles,
        enabled: false,
        auto_disabled: true,
        reason: 'auto_disabled',
        health_reason: 'auto_disabled',
      }),
      {
        type: 'health_event',
        event_type: 'auto_disabled',
        data: {
          failure_cycles: cycles,
          last_status: failed,
          error: probe.error,
          reprobe_in_ms: reprobeDelay(0, settings),
        },
        ...common,
      },
    );
    return decided(state, events, undefined, now + reprobeDelay(0, settings));
  }
  // A new failing status, or credentials now rejected (or no longer): the row says why. Other
  // changes of reason within one failing status stay beside the log, as last_error does.
  if (failed !== state.status || authFailed !== (state.healthReason === 'auth_failed')) {
    events.push(
      statusChange(failed, probe.error, {
        tools_count: state.toolsCount,
        failure_cycles: cycles,
        reason: authFailed ? 'auth_failed' : 'probe',
        health_reason: reason,
      }),
    );
  }
  // Same failing status: only the cycle count moves, beside the log.
  return decided(state, events, { failureCycles: cycles });
}

/** Tools changed between probes (`notifications/tools/list_changed` + a fresh `tools/list`). */
export function decideTools(state: McpState, seen: number | ToolsSeen, now: number): Decision {
  const tools: ToolsSeen = typeof seen === 'number' ? { count: seen } : seen;
  const counted = {
    toolsCount: tools.count,
    ...(tools.hash == null ? {} : { toolsHash: tools.hash }),
  };
  if (noteChanges(state, counted) === undefined) return decided(state, []);
  // Only a reachable, enabled MCP's tools are news; otherwise the next status change carries them.
  const news = state.status === 'healthy' ? toolsNews(state, tools) : null;
  if (news === null) return decided(state, [], counted);
  return decided(
    state,
    [
      {
        type: 'health_event',
        mcp_name: state.name,
        event_type: 'tools_changed',
        data: news,
        timestamp: iso(now),
        actor: REGISTRY_ACTOR,
      },
    ],
    counted,
  );
}

/**
 * `health_check` turned off: the MCP stays registered and routable, is never probed, and shows
 * status `unknown` with reason `health_check_disabled` (an auto-disable is lifted: an MCP nobody
 * probes cannot be judged failing).
 */
export function decideHealthCheckOff(state: McpState, by: Actor, now: number): Decision {
  if (state.disabled || state.healthReason === 'health_check_disabled') return decided(state, []);
  return decided(
    state,
    [
      {
        type: 'mcp_status_change',
        mcp_name: state.name,
        status: 'unknown',
        metadata: {
          previous_status: state.status,
          failure_cycles: 0,
          enabled: true,
          auto_disabled: false,
          reason: 'health_check_disabled',
          health_reason: 'health_check_disabled',
        },
        timestamp: iso(now),
        ...by,
      },
    ],
    { reprobeAttempt: 0 },
    state.autoDisabled ? null : undefined,
  );
}

/** An admin disables the MCP (or sets `enabled: false`): no more probes until enabled. */
export function decideDisable(state: McpState, by: Actor, now: number): Decision {
  if (state.disabled) return decided(state, []);
  const common = { mcp_name: state.name, timestamp: iso(now), ...by };
  return decided(
    state,
    [
      {
        type: 'health_event',
        event_type: 'manually_disabled',
        data: { previous_status: state.status, was_auto_disabled: state.autoDisabled },
        ...common,
      },
      {
        type: 'mcp_status_change',
        status: 'inactive',
        metadata: {
          previous_status: state.status,
          failure_cycles: 0,
          enabled: false,
          auto_disabled: false,
          reason: 'manual',
          health_reason: 'manual',
        },
        ...common,
      },
    ],
    undefined,
    null,
  );
}

/**
 * An admin enables the MCP (also lifts an auto-disable). Status becomes `unknown` until the next
 * probe, which the caller runs at once.
 */
export function decideEnable(state: McpState, by: Actor, now: number): Decision {
  if (!state.disabled && !state.autoDisabled) return decided(state, []);
  const common = { mcp_name: state.name, timestamp: iso(now), ...by };
  return decided(
    state,
    [
      {
        type: 'health_event',
        event_type: 'manually_enabled',
        data: { previous_status: state.status, was_auto_disabled: state.autoDisabled },
        ...common,
      },
      {
        type: 'mcp_status_change',
        status: 'unknown',
        metadata: {
          previous_status: state.status,
          failure_cycles: 0,
          enabled: true,
          auto_disabled: false,
          reason: 'manual',
          health_reason: null,
        },
        ...common,
      },
    ],
    undefined,
    null,
  );
}
