// The client's public types: connection states, events, options, stats and the client handle.
import type {
  InitialStatusMessage,
  McpStatus,
  ProbeDigestMessage,
  ProbeSample,
  ServerMessage,
  SystemMetricsMessage,
} from '@beacon/protocol';
import type { BackoffOptions } from './backoff.js';
import type { Emitter } from './emitter.js';
import type { EventMessage } from './fleet-state.js';
import type { WebSocketConstructor } from './socket.js';

type AckMessage = Extract<ServerMessage, { type: 'ack' }>;

export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'resyncing' | 'offline';

export interface ClientError {
  /** Server `error` codes, plus the client's own: invalid_message, token, connect, policy. */
  readonly code: string;
  readonly message: string;
  /** True when the client gave up (state is `offline`). */
  readonly fatal: boolean;
}

export interface EventInfo<M extends EventMessage = EventMessage> {
  readonly message: M;
  /** The MCP's row after the event (null once removed). */
  readonly row: McpStatus | null;
  readonly previous: McpStatus | null;
}

export interface ClientEvents {
  state: { readonly state: ConnectionState; readonly previous: ConnectionState };
  /** State replaced: first connect, a resume the edge could not serve, or a new log epoch. */
  snapshot: {
    readonly message: InitialStatusMessage;
    readonly reason: 'initial' | 'not_recovered' | 'epoch_changed' | 'reconnect';
  };
  /** Every applied log event, in offset order (timeline). */
  event: EventInfo;
  status: EventInfo<Extract<EventMessage, { type: 'mcp_status_change' }>>;
  health: EventInfo<Extract<EventMessage, { type: 'health_event' }>>;
  fleet: EventInfo<
    Extract<EventMessage, { type: 'mcp_registered' | 'mcp_updated' | 'mcp_removed' }>
  >;
  metrics: SystemMetricsMessage;
  /**
   * A `probe_digest` was applied: `samples` as sent (latest probe per MCP since the previous
   * digest), `rows` the MCPs whose `last_health_check` / `latency_ms` moved forward.
   */
  probes: {
    readonly message: ProbeDigestMessage;
    readonly samples: readonly ProbeSample[];
    readonly rows: readonly McpStatus[];
  };
  ack: AckMessage;
  error: ClientError;
  /** A frame that failed validation; it was dropped and counted. */
  invalid: { readonly raw: string; readonly error: string; readonly count: number };
  close: { readonly code: number; readonly reason: string };
}

export interface BeaconClientOptions {
  /** `ws(s)://host/ws/mcp-status`, an http(s) URL, or a path (browser: resolved to location). */
  readonly url: string;
  /** Called before every connect and before the token expires. */
  readonly getToken?: () => string | null | undefined | Promise<string | null | undefined>;
  /** Defaults to `globalThis.WebSocket`; pass `ws`'s WebSocket on Node 20. */
  readonly WebSocket?: WebSocketConstructor;
  readonly backoff?: BackoffOptions;
  /** No frame at all for this long → the connection is presumed dead. Default 45 s. */
  readonly deadAfterMs?: number;
  /** Silence after which the client sends a text `ping` to provoke a `pong`. Default 15 s. */
  readonly keepAliveMs?: number;
  /** Refresh the token this long before its `exp`. Default 60 s. */
  readonly refreshBeforeMs?: number;
  /** MCP name patterns to subscribe to (default: all the token allows). */
  readonly mcps?: readonly string[];
  readonly random?: () => number;
}

export interface ClientStats {
  readonly messages: number;
  readonly events: number;
  readonly invalid: number;
  readonly duplicates: number;
  readonly connects: number;
  readonly snapshots: number;
  /** Failed attempts counted by the backoff (0 once a connection has been stable). */
  readonly attempts: number;
}

export interface BeaconClient {
  readonly state: ConnectionState;
  readonly fleet: ReadonlyMap<string, McpStatus>;
  readonly offset: string | null;
  readonly epoch: string | null;
  readonly metrics: SystemMetricsMessage | null;
  readonly stats: ClientStats;
  on: Emitter<ClientEvents>['on'];
  off: Emitter<ClientEvents>['off'];
  start(): void;
  /** Close for good (state `offline`). */
  close(): void;
  /** Drop the current socket and reconnect now (resuming), e.g. after the browser goes online. */
  reconnectNow(): void;
}
