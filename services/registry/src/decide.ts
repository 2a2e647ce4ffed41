// The registry's status logic as pure functions: given what the log says about one MCP (its
// state) and something that happened (a probe result, a tools change, an enable/disable), decide
// which events to append; the state it becomes is their fold (`evolve.ts`), never set by hand.
// No I/O, no clocks: `now` is an argument.
import { backoffDelay } from '@beacon/protocol';
import type {
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
  };
}

/** A freshly registered MCP, matching `initialRow` in the protocol's projection. */
export function initialState(name: string, enabled: boolean): McpState {
  return {
    name,
    status: enabled ? 'unknown' : 'inactive',
    failureCycles: 0,
    autoDisabled: false,
    disabled: !enabled,
    reprobeAttempt: 0,
    toolsCount: null,
  };
}

/** Whether normal (interval) probing applies; auto-disabled MCPs are re-probed on backoff only. */
export const probesNormally = (s: McpState): boolean => !s.disabled && !s.autoDisabled;

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
  // Every status change of a probe cycle carries the previous status, the probe's error and
  // latency, and when it was checked; `detail` is what differs (counts, flags, reason).
  const statusChange = (
    status: HealthStatus,
    error: string | null,
    detail: Pick<
      StatusMetadata,
      'tools_count' | 'failure_cycles' | 'enabled' | 'auto_disabled' | 'reason'
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
      const counted = { failureCycles: 0, toolsCount: tools };
      // Same status: only a changed tool count is worth an event.
      if (
        probe.tools_count === null ||
        probe.tools_count === state.toolsCount ||
        state.toolsCount === null
      ) {
        return decided(state, [], counted);
      }
      return decided(
        state,
        [
          {
            type: 'health_event',
            event_type: 'tools_changed',
            data: { tools_count: probe.tools_count, previous_tools_count: state.toolsCount },
            ...common,
          },
        ],
        counted,
      );
    }
    const events: LogEventInput[] = [
      statusChange('healthy', null, { tools_count: tools, failure_cycles: 0, reason: 'probe' }),
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
  if (failed !== state.status) {
    events.push(
      statusChange(failed, probe.error, {
        tools_count: state.toolsCount,
        failure_cycles: cycles,
        reason: 'probe',
      }),
    );
  }
  // Same failing status: only the cycle count moves, beside the log.
  return decided(state, events, { failureCycles: cycles });
}

/** Tools changed between probes (`notifications/tools/list_changed` + a fresh `tools/list`). */
export function decideTools(state: McpState, toolsCount: number, now: number): Decision {
  if (state.toolsCount === toolsCount) return decided(state, []);
  // Only a reachable, enabled MCP's count is news; otherwise the next status change carries it.
  if (state.status !== 'healthy' || state.toolsCount === null) {
    return decided(state, [], { toolsCount });
  }
  return decided(state, [
    {
      type: 'health_event',
      mcp_name: state.name,
      event_type: 'tools_changed',
      data: { tools_count: toolsCount, previous_tools_count: state.toolsCount },
      timestamp: iso(now),
      actor: REGISTRY_ACTOR,
    },
  ]);
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
        },
        ...common,
      },
    ],
    undefined,
    null,
  );
}
