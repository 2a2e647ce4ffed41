// Events that go into the log. Each is also a wire message (plus `offset` and `epoch`), with the
// old system's field names kept: `mcp_status_change`, `health_event`, and the fleet events.
import { z } from 'zod';
import { McpConfig } from './mcp.js';
import {
  CircuitState,
  HealthEventType,
  HealthReason,
  HealthStatus,
  McpName,
  ProtocolVersion,
  Timestamp,
} from './status.js';
import { BreakerNumbers } from './mcp.js';

/** Who caused an event: a user (admin API, `sub` of the token) or a worker. */
const Actor = z.string().min(1).max(256);
const Common = {
  timestamp: Timestamp,
  actor: Actor.optional(),
  /** Set when the event answers an admin command; the edge matches its reply on it. */
  command_id: z.string().min(1).max(128).optional(),
};

export const StatusMetadata = z
  .object({
    previous_status: HealthStatus.optional(),
    error: z.string().nullable().optional(),
    latency_ms: z.number().nonnegative().nullable().optional(),
    tools_count: z.number().int().nonnegative().nullable().optional(),
    circuit_state: CircuitState.optional(),
    failure_cycles: z.number().int().nonnegative().optional(),
    enabled: z.boolean().optional(),
    auto_disabled: z.boolean().optional(),
    /** e.g. "auto_disabled", "manual", "probe", "registered", "auth_failed". */
    reason: z.string().optional(),
    /** Why the status is what it is; becomes the row's `health_reason` (null: healthy). */
    health_reason: HealthReason.nullable().optional(),
    protocol_version: ProtocolVersion.nullable().optional(),
    tools_hash: z.string().max(128).nullable().optional(),
    checked_at: Timestamp.optional(),
  })
  .loose();
export type StatusMetadata = z.infer<typeof StatusMetadata>;

export const McpStatusChangeEvent = z.object({
  type: z.literal('mcp_status_change'),
  mcp_name: McpName,
  status: HealthStatus,
  metadata: StatusMetadata.default({}),
  ...Common,
});

export const HealthEventData = z
  .object({
    circuit_state: CircuitState.optional(),
    breaker: BreakerNumbers.optional(),
  })
  .loose();

export const HealthEvent = z.object({
  type: z.literal('health_event'),
  mcp_name: McpName,
  event_type: HealthEventType,
  data: HealthEventData.default({}),
  ...Common,
});

export const McpRegisteredEvent = z.object({
  type: z.literal('mcp_registered'),
  mcp_name: McpName,
  config: McpConfig,
  ...Common,
});

export const McpUpdatedEvent = z.object({
  type: z.literal('mcp_updated'),
  mcp_name: McpName,
  config: McpConfig,
  /** Names of the config fields that changed. */
  changes: z.array(z.string()).default([]),
  ...Common,
});

export const McpRemovedEvent = z.object({
  type: z.literal('mcp_removed'),
  mcp_name: McpName,
  ...Common,
});

export const LogEvent = z.discriminatedUnion('type', [
  McpStatusChangeEvent,
  HealthEvent,
  McpRegisteredEvent,
  McpUpdatedEvent,
  McpRemovedEvent,
]);
export type LogEvent = z.infer<typeof LogEvent>;
export type LogEventInput = z.input<typeof LogEvent>;
export type LogEventType = LogEvent['type'];
export type McpStatusChangeEvent = z.infer<typeof McpStatusChangeEvent>;
export type HealthEvent = z.infer<typeof HealthEvent>;
export type McpRegisteredEvent = z.infer<typeof McpRegisteredEvent>;
export type McpUpdatedEvent = z.infer<typeof McpUpdatedEvent>;
export type McpRemovedEvent = z.infer<typeof McpRemovedEvent>;

/** An event as stored and delivered: with its offset and the offset of the event before it. */
export interface StoredEvent {
  readonly offset: string;
  /** Offset of the previous event in the log ("0-0" for the first). */
  readonly prev: string;
  readonly event: LogEvent;
}
