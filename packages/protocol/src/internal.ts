// Messages on Beacon's internal streams: probe results (registry → breaker), gateway call
// outcomes (gateways → breaker), admin commands (edge → workers) and their results.
import { z } from 'zod';
import { DeliveryResult } from './alerts.js';
import { McpConfig, McpConfigPatch } from './mcp.js';
import { HealthStatus, McpName, ProtocolVersion } from './status.js';

export const ProbeResult = z.object({
  mcp_name: McpName,
  ok: z.boolean(),
  /**
   * What the probe saw; `slow` = answered but over the MCP's slow threshold; `auth_failed` = the
   * server answered but rejected the credentials (HTTP 401/403, an MCP auth error).
   */
  outcome: z.enum(['success', 'error', 'timeout', 'slow', 'disconnected', 'auth_failed']),
  status: HealthStatus,
  latency_ms: z.number().nonnegative().nullable(),
  error: z.string().nullable().default(null),
  tools_count: z.number().int().nonnegative().nullable().default(null),
  /** Epoch milliseconds when the probe finished. */
  at: z.number().int().nonnegative(),
  /** The protocol revision spoken (discover's chosen version, or initialize's negotiated one). */
  protocol_version: ProtocolVersion.nullable().optional(),
  /** Hash of tool names + input schemas (successful probes with a tool list only). */
  tools_hash: z.string().max(128).nullable().optional(),
  /** What changed since the prober's previous tool list (names, capped). */
  tools_diff: z
    .object({
      added: z.array(z.string().max(128)).max(50),
      removed: z.array(z.string().max(128)).max(50),
      changed: z.array(z.string().max(128)).max(50),
    })
    .optional(),
});
export type ProbeResult = z.infer<typeof ProbeResult>;

/**
 * A gateway's report of one call to an MCP server. Stream `<base>:outcomes`, one field `o`
 * holding this JSON. Documented in the README for gateways not written in TypeScript.
 */
export const CallOutcome = z.object({
  mcp_name: McpName,
  /**
   * `auth_failed`: the server rejected the gateway's credentials; `not_permitted`: the gateway
   * did not call because the breaker refused the call (counted, never a failure).
   */
  outcome: z.enum(['success', 'failure', 'timeout', 'auth_failed', 'not_permitted']),
  latency_ms: z.number().nonnegative(),
  at: z.number().int().nonnegative(),
  gateway: z.string().max(256).optional(),
});
export type CallOutcome = z.infer<typeof CallOutcome>;

const CommandCommon = {
  command_id: z.string().min(1).max(128),
  actor: z.string().min(1).max(256),
  /** Epoch ms the command was issued; workers ignore commands older than their TTL. */
  issued_at: z.number().int().nonnegative(),
  /**
   * The actor's token is scoped (an `mcps` claim). Workers refuse such actors any stdio change,
   * as the edge does; absent means unscoped (a hand-written XADD still meets the stdio allow-list).
   */
  scoped: z.boolean().optional(),
};

export const RegistryCommand = z.discriminatedUnion('type', [
  z.object({ type: z.literal('register'), config: McpConfig, ...CommandCommon }),
  z.object({ type: z.literal('update'), name: McpName, patch: McpConfigPatch, ...CommandCommon }),
  z.object({ type: z.literal('remove'), name: McpName, ...CommandCommon }),
  z.object({ type: z.literal('enable'), name: McpName, ...CommandCommon }),
  z.object({ type: z.literal('disable'), name: McpName, ...CommandCommon }),
  /** Probe now (`POST /api/mcps/:name/probe`); answered with the probe's result. */
  z.object({ type: z.literal('probe'), name: McpName, ...CommandCommon }),
]);
export type RegistryCommand = z.infer<typeof RegistryCommand>;

export const BreakerCommand = z.discriminatedUnion('type', [
  z.object({ type: z.literal('force_open'), name: McpName, ...CommandCommon }),
  z.object({ type: z.literal('force_closed'), name: McpName, ...CommandCommon }),
  z.object({ type: z.literal('reset'), name: McpName, ...CommandCommon }),
]);
export type BreakerCommand = z.infer<typeof BreakerCommand>;

export const CommandErrorCode = z.enum([
  'not_found',
  'forbidden',
  'conflict',
  'invalid',
  'not_leader',
  'internal',
  'timeout',
]);
export type CommandErrorCode = z.infer<typeof CommandErrorCode>;

/** Published on the side channel by a worker once a command's effects are in the log. */
export const CommandResult = z.object({
  type: z.literal('command_result'),
  command_id: z.string(),
  ok: z.boolean(),
  /** Offset of the last event the command appended (absent when it changed nothing). */
  offset: z.string().optional(),
  error: z.object({ code: CommandErrorCode, message: z.string() }).optional(),
  /** A `probe` command's result. */
  probe: ProbeResult.optional(),
  /** A notifier `test_channel` command's delivery. */
  delivery: DeliveryResult.optional(),
});
export type CommandResult = z.infer<typeof CommandResult>;
