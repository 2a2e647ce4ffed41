// The registry's per-MCP state as a fold of what it records: the events it appends to the log,
// plus the counters it notes beside the log (store.ts) when a probe moves one without an event.
// `decide.ts` computes every decision's next state as `events.reduce(evolve, state)`, so the
// state can never drift from what was recorded. Pure: no I/O, no clocks.
import type { HealthReason, HealthStatus, LogEventInput } from '@beacon/protocol';

/** What the registry tracks per MCP between probes (mirrors the log plus two counters). */
export interface McpState {
  readonly name: string;
  /** Status as last written to the log. */
  readonly status: HealthStatus;
  /** Consecutive failed probe cycles. */
  readonly failureCycles: number;
  readonly autoDisabled: boolean;
  /** Disabled by an admin (config.enabled = false). */
  readonly disabled: boolean;
  /** Re-probes attempted since auto-disable (backoff exponent). */
  readonly reprobeAttempt: number;
  readonly toolsCount: number | null;
  /** Why the status is what it is (the row's `health_reason`); null while healthy. */
  readonly healthReason: HealthReason | null;
  /** The protocol revision last spoken with the server (the row's `protocol_version`). */
  readonly protocolVersion: string | null;
  /** Hash of tool names + input schemas as last recorded (the row's `tools_hash`). */
  readonly toolsHash: string | null;
}

/**
 * A change the log does not carry: failure cycles while the status stays, a failed re-probe,
 * a tool count that is not news (not healthy, or the first count). Never appended; the counters
 * go to the registry's store, the tool count only lives in memory until the next status change.
 */
export interface Noted {
  readonly type: 'noted';
  readonly failure_cycles?: number;
  readonly reprobe_attempt?: number;
  readonly tools_count?: number | null;
  readonly tools_hash?: string | null;
}

export type RegistryEvent = LogEventInput | Noted;

/** The fields of `want` that differ from `state`, as a `Noted`; undefined when none do. */
export function noteChanges(
  state: McpState,
  want: Partial<Pick<McpState, 'failureCycles' | 'reprobeAttempt' | 'toolsCount' | 'toolsHash'>>,
): Noted | undefined {
  const n: {
    type: 'noted';
    failure_cycles?: number;
    reprobe_attempt?: number;
    tools_count?: number | null;
    tools_hash?: string | null;
  } = { type: 'noted' };
  if (want.failureCycles !== undefined && want.failureCycles !== state.failureCycles) {
    n.failure_cycles = want.failureCycles;
  }
  if (want.reprobeAttempt !== undefined && want.reprobeAttempt !== state.reprobeAttempt) {
    n.reprobe_attempt = want.reprobeAttempt;
  }
  if (want.toolsCount !== undefined && want.toolsCount !== state.toolsCount) {
    n.tools_count = want.toolsCount;
  }
  if (want.toolsHash !== undefined && want.toolsHash !== state.toolsHash) {
    n.tools_hash = want.toolsHash;
  }
  return Object.keys(n).length === 1 ? undefined : n;
}

/** One MCP's state after one of its events; events of other kinds leave it as it is. */
export function evolve(state: McpState, event: RegistryEvent): McpState {
  switch (event.type) {
    case 'noted':
      return {
        ...state,
        failureCycles: event.failure_cycles ?? state.failureCycles,
        reprobeAttempt: event.reprobe_attempt ?? state.reprobeAttempt,
        toolsCount: event.tools_count !== undefined ? event.tools_count : state.toolsCount,
        toolsHash: event.tools_hash !== undefined ? event.tools_hash : state.toolsHash,
      };
    case 'mcp_status_change': {
      const m = event.metadata ?? {};
      return {
        ...state,
        status: event.status,
        failureCycles: m.failure_cycles ?? state.failureCycles,
        autoDisabled: m.auto_disabled ?? state.autoDisabled,
        toolsCount: m.tools_count !== undefined ? m.tools_count : state.toolsCount,
        // As the projection does: a healthy status without a reason clears it.
        healthReason:
          m.health_reason !== undefined
            ? m.health_reason
            : event.status === 'healthy'
              ? null
              : state.healthReason,
        protocolVersion:
          m.protocol_version !== undefined ? m.protocol_version : state.protocolVersion,
        toolsHash: m.tools_hash !== undefined ? m.tools_hash : state.toolsHash,
      };
    }
    case 'health_event':
      switch (event.event_type) {
        case 'tools_changed': {
          const data = event.data as { tools_count?: unknown; tools_hash?: unknown } | undefined;
          const tools = data?.tools_count;
          const hash = data?.tools_hash;
          return {
            ...state,
            ...(typeof tools === 'number' ? { toolsCount: tools } : {}),
            ...(typeof hash === 'string' && hash.length <= 128 ? { toolsHash: hash } : {}),
          };
        }
        case 'auto_disabled':
          return { ...state, autoDisabled: true, reprobeAttempt: 0 };
        case 're_enabled':
          return { ...state, autoDisabled: false, reprobeAttempt: 0 };
        case 'manually_disabled':
          return { ...state, disabled: true, autoDisabled: false, reprobeAttempt: 0 };
        case 'manually_enabled':
          return { ...state, disabled: false, autoDisabled: false, reprobeAttempt: 0 };
        default:
          return state;
      }
    default:
      return state;
  }
}
