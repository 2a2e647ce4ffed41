// Closed vocabularies shared by every component: MCP health, circuit state, health event types.
import { z } from 'zod';

export const HealthStatus = z.enum(['healthy', 'unhealthy', 'disconnected', 'inactive', 'unknown']);
export type HealthStatus = z.infer<typeof HealthStatus>;

export const CircuitState = z.enum(['closed', 'open', 'half_open']);
export type CircuitState = z.infer<typeof CircuitState>;

export const HealthEventType = z.enum([
  'failure',
  'recovery',
  'circuit_opened',
  'circuit_half_open',
  'circuit_closed',
  'auto_disabled',
  /** Would have been auto-disabled, but BEACON_MAX_AUTO_DISABLED_PERCENT of the fleet already is. */
  'auto_disable_capped',
  're_enabled',
  'manually_disabled',
  'manually_enabled',
  'tools_changed',
]);
export type HealthEventType = z.infer<typeof HealthEventType>;

/**
 * Why an MCP has the status it has (the row's `health_reason`, a status change's
 * `metadata.health_reason`); null while healthy or before the first probe.
 *   timeout / error / slow / disconnected   the probe outcome that failed
 *   auth_failed             the server answered but rejected the credentials (HTTP 401/403, an MCP
 *                           auth error): up, but unusable with the configured headers/env
 *   health_check_disabled   `health_check: false`: registered and routable, never probed
 *   auto_disabled / manual  disabled by the registry after failed cycles / by an admin
 */
export const HealthReason = z.enum([
  'timeout',
  'error',
  'slow',
  'disconnected',
  'auth_failed',
  'health_check_disabled',
  'auto_disabled',
  'manual',
]);
export type HealthReason = z.infer<typeof HealthReason>;

/** An MCP protocol revision string as a server declares it (`2026-07-28`, `2025-06-18`). */
export const ProtocolVersion = z.string().min(1).max(64);

/** MCP names become Redis field names, uWS topics (`mcp/<name>`) and URL path segments. */
export const McpName = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/,
    'must be 1-128 characters of letters, digits, "_", "." or "-", starting with a letter or digit',
  );
export type McpName = z.infer<typeof McpName>;

/** ISO-8601 timestamp with timezone, as every wire message carries. */
export const Timestamp = z.iso.datetime({ offset: true });
