// What an MCP registration looks like (admin API body, fleet file entry, registry event) and the
// projected per-MCP state every dashboard sees.
import { z } from 'zod';
import { CircuitState, HealthStatus, McpName, Timestamp } from './status.js';

const HeaderMap = z.record(z.string().min(1), z.string());

export const StreamableHttpTransport = z.strictObject({
  type: z.literal('streamable-http'),
  url: z.url({ protocol: /^https?$/ }),
  headers: HeaderMap.optional(),
});
export const SseTransport = z.strictObject({
  type: z.literal('sse'),
  url: z.url({ protocol: /^https?$/ }),
  headers: HeaderMap.optional(),
});
export const StdioTransport = z.strictObject({
  type: z.literal('stdio'),
  command: z.string().min(1),
  args: z.array(z.string()).default([]),
  env: z.record(z.string().min(1), z.string()).optional(),
  cwd: z.string().optional(),
});
export const Transport = z.discriminatedUnion('type', [
  StreamableHttpTransport,
  SseTransport,
  StdioTransport,
]);
export type Transport = z.infer<typeof Transport>;

/** Per-MCP breaker overrides; every field optional, defaults live in the breaker worker. */
export const BreakerSettings = z.strictObject({
  window_type: z.enum(['count', 'time']).optional(),
  /** Calls (count window) or milliseconds (time window). */
  window_size: z.number().int().positive().max(1_000_000).optional(),
  minimum_calls: z.number().int().positive().max(1_000_000).optional(),
  /** Percent of failed calls in the window that opens the circuit. */
  failure_rate_threshold: z.number().gt(0).max(100).optional(),
  slow_call_duration_ms: z.number().int().positive().optional(),
  slow_call_rate_threshold: z.number().gt(0).max(100).optional(),
  consecutive_failures: z.number().int().positive().max(1_000_000).optional(),
  wait_open_ms: z.number().int().positive().max(86_400_000).optional(),
  wait_open_multiplier: z.number().min(1).max(100).optional(),
  wait_open_max_ms: z.number().int().positive().max(86_400_000).optional(),
  half_open_trial_calls: z.number().int().positive().max(10_000).optional(),
  half_open_successes: z.number().int().positive().max(10_000).optional(),
});
export type BreakerSettings = z.infer<typeof BreakerSettings>;

export const McpConfigInput = z.strictObject({
  name: McpName,
  transport: Transport,
  probe_interval_ms: z.number().int().min(100).max(86_400_000).default(10_000),
  timeout_ms: z.number().int().min(10).max(600_000).default(5_000),
  /** A probe slower than this counts as unhealthy ("too slow"). Defaults to timeout_ms. */
  slow_ms: z.number().int().positive().optional(),
  failure_cycles_to_disable: z.number().int().min(1).max(1_000_000).optional(),
  tags: z.array(z.string().min(1).max(64)).max(64).default([]),
  enabled: z.boolean().default(true),
  breaker: BreakerSettings.optional(),
});
/** A validated registration with defaults filled in. */
export type McpConfig = z.output<typeof McpConfigInput>;
export const McpConfig = McpConfigInput;

/**
 * Partial update (PATCH): any field but `name`. Absent fields keep their current value, so no
 * defaults here (`.partial()` of McpConfigInput would fill them in and reset the config).
 */
export const McpConfigPatch = z.strictObject({
  transport: Transport.optional(),
  probe_interval_ms: z.number().int().min(100).max(86_400_000).optional(),
  timeout_ms: z.number().int().min(10).max(600_000).optional(),
  slow_ms: z.number().int().positive().optional(),
  failure_cycles_to_disable: z.number().int().min(1).max(1_000_000).optional(),
  tags: z.array(z.string().min(1).max(64)).max(64).optional(),
  enabled: z.boolean().optional(),
  breaker: BreakerSettings.optional(),
});
export type McpConfigPatch = z.infer<typeof McpConfigPatch>;

/** Numbers a breaker exposes in the projection (for the detail view). */
export const BreakerNumbers = z.record(z.string(), z.union([z.number(), z.string(), z.null()]));

/** One MCP as every dashboard sees it (the projection row; `initial_status.mcps[]`). */
export const McpStatus = z.object({
  name: McpName,
  health_status: HealthStatus,
  circuit_state: CircuitState,
  last_health_check: Timestamp.nullable(),
  enabled: z.boolean(),
  latency_ms: z.number().nonnegative().nullable(),
  tools_count: z.number().int().nonnegative().nullable(),
  failure_cycles: z.number().int().nonnegative(),
  last_error: z.string().nullable(),
  auto_disabled: z.boolean(),
  tags: z.array(z.string()),
  config: McpConfig.optional(),
  breaker: BreakerNumbers.nullable().optional(),
  /** Offset of the last event that changed this row. */
  updated_offset: z.string().optional(),
});
export type McpStatus = z.infer<typeof McpStatus>;

const REDACTED = '***';

/** The config as shown to clients: header and env values never leave the server side. */
export function redactConfig(config: McpConfig): McpConfig {
  const t = config.transport;
  const hide = (m: Record<string, string> | undefined): Record<string, string> | undefined =>
    m === undefined ? undefined : Object.fromEntries(Object.keys(m).map((k) => [k, REDACTED]));
  switch (t.type) {
    case 'stdio':
      return { ...config, transport: { ...t, env: hide(t.env) } };
    case 'sse':
    case 'streamable-http':
      return { ...config, transport: { ...t, headers: hide(t.headers) } };
  }
}
