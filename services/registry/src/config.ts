// Every environment variable the registry reads, validated once at start-up (loadConfig names
// every bad variable at once).
import { baseConfig, intFromEnv } from '@beacon/runtime';
import { z } from 'zod';
import { DEFAULT_DENY_CIDRS, parseCidrList, type Cidr } from './destination-policy.js';
import { readStdioAllowList } from './stdio-commands.js';
import { readCaFile } from './tls-trust.js';

const HOLDER = /^[A-Za-z0-9_.:-]{1,64}$/;

/** A comma-separated CIDR/IP list; a bad entry fails start-up naming the variable and entry. */
const cidrList = (keywords: boolean) =>
  z.string().transform((text, ctx): Cidr[] => {
    try {
      return parseCidrList(text, keywords);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: err instanceof Error ? err.message : String(err) });
      return z.NEVER;
    }
  });

export const RegistryConfig = z.object({
  ...baseConfig,
  /** Fleet file (YAML or JSON), watched and reconciled; optional. */
  BEACON_FLEET_FILE: z.string().min(1).optional(),
  /** A bigger fleet file is refused (logged, current fleet kept) before it is read. */
  BEACON_FLEET_FILE_MAX_BYTES: intFromEnv(4 * 1024 * 1024, { min: 1, max: 256 * 1024 * 1024 }),
  /** /healthz, /readyz, /metrics (0 = a free port, logged at start). */
  BEACON_REGISTRY_HEALTH_PORT: intFromEnv(9101, { min: 0, max: 65_535 }),
  BEACON_REGISTRY_HEALTH_HOST: z.string().min(1).default('0.0.0.0'),
  /** Identifies this process in the lease, the command consumer group and logs. */
  BEACON_REGISTRY_ID: z.string().regex(HOLDER, 'must be 1-64 of [A-Za-z0-9_.:-]').optional(),
  /** A standby takes over at most this long after the active registry dies. */
  BEACON_REGISTRY_LEASE_TTL_MS: intFromEnv(3_000, { min: 300, max: 600_000 }),
  /** Consecutive failed probe cycles before an MCP is auto-disabled (per-MCP override wins). */
  BEACON_FAILURE_CYCLES_TO_DISABLE: intFromEnv(5, { min: 1, max: 1_000_000 }),
  /**
   * Never auto-disable more than this share of the fleet at once (Envoy's max ejection
   * percent; at least one MCP may always be auto-disabled). 100 = no cap.
   */
  BEACON_MAX_AUTO_DISABLED_PERCENT: z.coerce.number().min(0).max(100).default(100),
  /** First re-probe of an auto-disabled MCP; doubles per failure up to the max. */
  BEACON_REPROBE_BASE_MS: intFromEnv(5_000, { min: 10, max: 86_400_000 }),
  BEACON_REPROBE_MAX_MS: intFromEnv(300_000, { min: 10, max: 86_400_000 }),
  /** Probes in flight at once, across the fleet. */
  BEACON_PROBE_CONCURRENCY: intFromEnv(64, { min: 1, max: 10_000 }),
  /** Re-list a 2026-07-28 server's tools this often (they announce no changes between probes). */
  BEACON_TOOLS_REFRESH_MS: intFromEnv(60_000, { min: 100, max: 86_400_000 }),
  /** Approximate length kept of the probe-result stream the breaker reads. */
  BEACON_PROBES_MAXLEN: intFromEnv(100_000, { min: 100, max: 100_000_000 }),
  /** system_metrics cadence (also published on change, at most every 250 ms). */
  BEACON_METRICS_INTERVAL_MS: intFromEnv(5_000, { min: 100, max: 3_600_000 }),
  /**
   * `probe_digest` cadence: the latest probe result per MCP, so "last checked" and latency stay
   * live between status changes. 0 turns digests off.
   */
  BEACON_PROBE_DIGEST_INTERVAL_MS: intFromEnv(2_000, { min: 0, max: 3_600_000 }).refine(
    (ms) => ms === 0 || ms >= 100,
    'must be 0 (off) or at least 100',
  ),
  /** Admin commands issued longer ago than this are answered `timeout`, not applied. */
  BEACON_REGISTRY_COMMAND_TTL_MS: intFromEnv(60_000, { min: 100 }),
  /**
   * PEM file of extra CA certificates trusted for https MCP servers (streamable HTTP), besides
   * Node's default roots and NODE_EXTRA_CA_CERTS. Read and checked once, here, at start-up.
   */
  BEACON_MCP_CA_FILE: z
    .string()
    .min(1)
    .transform((file, ctx) => {
      try {
        return { file, certificates: readCaFile(file) };
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: err instanceof Error ? err.message : String(err) });
        return z.NEVER;
      }
    })
    .optional(),
  /**
   * Destinations the registry never connects to (checked on the resolved addresses of every
   * connection). Setting it replaces the default; `default` in the list keeps it, `none` empties
   * it.
   */
  BEACON_MCP_DENY_CIDRS: cidrList(true).default(() => parseCidrList(DEFAULT_DENY_CIDRS.join(','))),
  /** When set, only destinations inside these may be connected to (the deny list still wins). */
  BEACON_MCP_ALLOW_CIDRS: cidrList(false).optional(),
  /**
   * The stdio allow-list (YAML/JSON, see stdio-commands.ts): the only commands an API or
   * command-stream registration may run. Unset: such stdio registrations are refused.
   */
  BEACON_STDIO_COMMANDS: z
    .string()
    .min(1)
    .transform((file, ctx) => {
      try {
        return readStdioAllowList(file);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: err instanceof Error ? err.message : String(err) });
        return z.NEVER;
      }
    })
    .optional(),
});
export type RegistryConfig = z.output<typeof RegistryConfig>;
