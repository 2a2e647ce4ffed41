// Answers of the edge's REST API (services/edge/src/admin.ts, history.ts), exactly as the edge
// sends them. The edge's tests parse its answers with these; the dashboard validates with them.
import { z } from 'zod';
import {
  HealthEventMessage,
  McpRegisteredMessage,
  McpRemovedMessage,
  McpStatusChangeMessage,
  McpUpdatedMessage,
} from './messages.js';
import { McpStatus } from './mcp.js';
import { Offset } from './offset.js';
import { ProbeResult } from './internal.js';
import {
  AlertRule,
  ChannelStatus,
  DeliveryRecord,
  DeliveryResult,
  EmailChannel,
  PagerDutyChannel,
  Silence,
  SlackChannel,
  WebhookChannel,
} from './alerts.js';

/** Longest history cursor the edge hands out or accepts (a sealed cursor is far below this). */
export const MAX_CURSOR_LENGTH = 512;

/** A history cursor: an offset for unscoped tokens, an opaque sealed string for scoped ones. */
export const HistoryCursor = z.string().min(1).max(MAX_CURSOR_LENGTH);

/** `GET /api/session`: who the token is. */
export const SessionResponse = z.object({
  sub: z.string(),
  role: z.enum(['viewer', 'admin']),
  /** Name patterns the token may see; null = every MCP. */
  mcps: z.array(z.string()).nullable(),
  /** Expiry in epoch seconds; null = never (auth off). */
  exp: z.number().nullable(),
  /** Whether the edge checks tokens at all. */
  auth: z.boolean(),
});
export type SessionResponse = z.infer<typeof SessionResponse>;

/** `GET /api/mcps`: the rows the token may see (configs redacted) and where the mirror is. */
export const McpListResponse = z.object({
  mcps: z.array(McpStatus),
  offset: Offset,
  epoch: z.string().min(1),
});
export type McpListResponse = z.infer<typeof McpListResponse>;

/** One event of a history page: the log event with its offset and epoch, as on the WebSocket. */
export const HistoryEvent = z.discriminatedUnion('type', [
  McpStatusChangeMessage,
  HealthEventMessage,
  McpRegisteredMessage,
  McpUpdatedMessage,
  McpRemovedMessage,
]);
export type HistoryEvent = z.infer<typeof HistoryEvent>;

/** `GET /api/events?since=…` (or neither since nor before): oldest first, `next` continues. */
export const EventsForwardResponse = z.object({
  events: z.array(HistoryEvent),
  epoch: z.string().min(1),
  next: HistoryCursor,
  more: z.boolean(),
});
export type EventsForwardResponse = z.infer<typeof EventsForwardResponse>;

/** `GET /api/events?before=…`: newest first; `next_before` null once the log start was read. */
export const EventsBackwardResponse = z.object({
  events: z.array(HistoryEvent),
  epoch: z.string().min(1),
  next_before: HistoryCursor.nullable(),
  more: z.boolean(),
});
export type EventsBackwardResponse = z.infer<typeof EventsBackwardResponse>;

/** `GET /api/events`: either page, told apart by its cursor field. */
export const EventsResponse = z.union([EventsForwardResponse, EventsBackwardResponse]);
export type EventsResponse = z.infer<typeof EventsResponse>;

/** `POST /api/mcps/:name/probe`: the probe's result and the row after its decision. */
export const ProbeNowResponse = z.object({
  command_id: z.string(),
  /** Offset of the last event the probe's decision appended; null when nothing changed. */
  offset: z.string().nullable(),
  probe: ProbeResult,
  mcp: McpStatus.nullable(),
});
export type ProbeNowResponse = z.infer<typeof ProbeNowResponse>;

// `/api/alerts/*` (services/edge/src/alerts-api.ts): admin only; secrets always masked.

const withStatus = { status: ChannelStatus.nullable() };
/** A channel as the edge shows it: the config with secrets masked, and how it has been doing. */
export const ChannelView = z.discriminatedUnion('type', [
  WebhookChannel.extend(withStatus),
  SlackChannel.extend(withStatus),
  PagerDutyChannel.extend(withStatus),
  EmailChannel.extend(withStatus),
]);
export type ChannelView = z.infer<typeof ChannelView>;

/** `GET /api/alerts/channels`: every channel, sorted by id. */
export const ChannelsResponse = z.object({ channels: z.array(ChannelView) });
export type ChannelsResponse = z.infer<typeof ChannelsResponse>;
/** `GET /api/alerts/channels/:id`, and the answer of a create or replace. */
export const ChannelResponse = z.object({
  channel: ChannelView,
  command_id: z.string().optional(),
});
export type ChannelResponse = z.infer<typeof ChannelResponse>;

/** `GET /api/alerts/rules`: every rule, sorted by id. */
export const RulesResponse = z.object({ rules: z.array(AlertRule) });
export type RulesResponse = z.infer<typeof RulesResponse>;
export const RuleResponse = z.object({ rule: AlertRule, command_id: z.string().optional() });
export type RuleResponse = z.infer<typeof RuleResponse>;

/** `GET /api/alerts/silences`: every silence as stored (whether one is active is the reader's). */
export const SilencesResponse = z.object({ silences: z.array(Silence) });
export type SilencesResponse = z.infer<typeof SilencesResponse>;
export const SilenceResponse = z.object({ silence: Silence, command_id: z.string().optional() });
export type SilenceResponse = z.infer<typeof SilenceResponse>;

/** `DELETE /api/alerts/{channels,rules,silences}/:id`. */
export const AlertDeletedResponse = z.object({ command_id: z.string(), deleted: z.string() });
export type AlertDeletedResponse = z.infer<typeof AlertDeletedResponse>;

/** `GET /api/alerts/history?limit=100`: newest first. */
export const HistoryResponse = z.object({ records: z.array(DeliveryRecord) });
export type HistoryResponse = z.infer<typeof HistoryResponse>;

/** `POST /api/alerts/channels/:id/test`: the receiver's answer to a sample notification. */
export const TestChannelResponse = z.object({ delivery: DeliveryResult });
export type TestChannelResponse = z.infer<typeof TestChannelResponse>;
