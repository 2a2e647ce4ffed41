// The WebSocket protocol of `/ws/mcp-status`: every server→client message (`ServerMessage`) and
// every client→server JSON message (`ClientMessage`). Plain-text `ping` / `pong` sit beside them.
import { z } from 'zod';
import {
  HealthEvent,
  McpRegisteredEvent,
  McpRemovedEvent,
  McpStatusChangeEvent,
  McpUpdatedEvent,
} from './events.js';
import { McpStatus } from './mcp.js';
import { Offset } from './offset.js';
import { McpName, Timestamp } from './status.js';

const Replay = { offset: Offset, epoch: z.string().min(1) };

export const InitialStatusMessage = z.object({
  type: z.literal('initial_status'),
  mcps: z.array(McpStatus),
  timestamp: Timestamp,
  ...Replay,
  /** Present on a resume attempt that could not be served: state was replaced, not continued. */
  recovered: z.boolean().optional(),
});

export const SystemMetrics = z
  .object({
    total_mcps: z.number().int().nonnegative(),
    healthy_mcps: z.number().int().nonnegative(),
    unhealthy_mcps: z.number().int().nonnegative(),
    disconnected_mcps: z.number().int().nonnegative().default(0),
    inactive_mcps: z.number().int().nonnegative().default(0),
    unknown_mcps: z.number().int().nonnegative().default(0),
    open_circuits: z.number().int().nonnegative().default(0),
    half_open_circuits: z.number().int().nonnegative().default(0),
    auto_disabled_mcps: z.number().int().nonnegative().default(0),
    edges: z.number().int().nonnegative().default(0),
    connections: z.number().int().nonnegative().default(0),
    events_per_second: z.number().nonnegative().default(0),
  })
  .loose();
export type SystemMetrics = z.infer<typeof SystemMetrics>;

export const SystemMetricsMessage = z.object({
  type: z.literal('system_metrics'),
  metrics: SystemMetrics,
  timestamp: Timestamp,
});

/**
 * Recent probe results, published by the registry every few seconds (not in the log): keeps
 * each MCP's "last checked" time and latency live between status changes. Edges forward only
 * the entries a connection may see.
 */
export const ProbeSample = z.object({
  name: McpName,
  checked_at: Timestamp,
  latency_ms: z.number().nonnegative().nullable(),
  ok: z.boolean(),
});
export type ProbeSample = z.infer<typeof ProbeSample>;

export const ProbeDigestMessage = z.object({
  type: z.literal('probe_digest'),
  probes: z.array(ProbeSample).max(100_000),
  timestamp: Timestamp,
});
export type ProbeDigestMessage = z.infer<typeof ProbeDigestMessage>;

export const PingMessage = z.object({ type: z.literal('ping'), timestamp: Timestamp });

export const ErrorCode = z.enum([
  'invalid_json',
  'invalid_message',
  'unknown_type',
  'frame_too_large',
  'binary_not_supported',
  'rate_limited',
  'unauthorized',
  'forbidden',
  'token_expired',
  /** A cap on subscriptions (patterns per frame / per connection, pattern length) was hit. */
  'limit_exceeded',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ErrorMessage = z.object({
  type: z.literal('error'),
  code: ErrorCode,
  message: z.string(),
});

/** Answers `subscribe` / `unsubscribe` / `auth` with what the connection now receives. */
export const AckMessage = z.object({
  type: z.literal('ack'),
  of: z.enum(['subscribe', 'unsubscribe', 'auth']),
  /** `null` = every MCP the token allows. */
  mcps: z.array(z.string()).nullable(),
  exp: z.number().int().optional(),
});

export const McpStatusChangeMessage = McpStatusChangeEvent.extend(Replay);
export const HealthEventMessage = HealthEvent.extend(Replay);
export const McpRegisteredMessage = McpRegisteredEvent.extend(Replay);
export const McpUpdatedMessage = McpUpdatedEvent.extend(Replay);
export const McpRemovedMessage = McpRemovedEvent.extend(Replay);

export const ServerMessage = z.discriminatedUnion('type', [
  InitialStatusMessage,
  McpStatusChangeMessage,
  HealthEventMessage,
  McpRegisteredMessage,
  McpUpdatedMessage,
  McpRemovedMessage,
  SystemMetricsMessage,
  ProbeDigestMessage,
  PingMessage,
  ErrorMessage,
  AckMessage,
]);
export type ServerMessage = z.infer<typeof ServerMessage>;
export type InitialStatusMessage = z.infer<typeof InitialStatusMessage>;
export type SystemMetricsMessage = z.infer<typeof SystemMetricsMessage>;
export type ReplayableMessage = Extract<ServerMessage, { offset: string }>;

// Hard outer bounds only: the edge applies its own, configurable and tighter caps (per frame, per
// connection, pattern length) and answers `limit_exceeded` naming the cap.
const McpPatternList = z.array(z.string().min(1).max(4096)).max(10_000);

export const ClientMessage = z.discriminatedUnion('type', [
  /** Narrow (or widen, within the token's `mcps`) what this connection receives. */
  z.strictObject({ type: z.literal('subscribe'), mcps: McpPatternList }),
  z.strictObject({ type: z.literal('unsubscribe'), mcps: McpPatternList }),
  /** Refresh the connection's token before it expires. */
  z.strictObject({ type: z.literal('auth'), token: z.string().min(1).max(16_384) }),
  /** JSON form of the keep-alive; answered with `pong` like the plain-text form. */
  z.strictObject({ type: z.literal('ping') }),
]);
export type ClientMessage = z.infer<typeof ClientMessage>;

/** Plain-text keep-alive frames (not JSON). */
export const TEXT_PING = 'ping';
export const TEXT_PONG = 'pong';

/** WebSocket close codes Beacon uses. */
export const CloseCode = {
  normal: 1000,
  goingAway: 1001,
  protocolError: 1002,
  unsupportedData: 1003,
  policyViolation: 1008,
  tooBig: 1009,
  internalError: 1011,
  serviceRestart: 1012,
  tryAgainLater: 1013,
  /** Private range: the per-socket send buffer overflowed; resume with `since`. */
  slowConsumer: 4008,
  /** Private range: the token expired and was not refreshed. */
  tokenExpired: 4001,
  /** Private range: the connection was idle past the keep-alive deadline. */
  idleTimeout: 4002,
} as const;

export { McpName };
