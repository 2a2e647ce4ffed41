// What an MCP registration looks like (admin API body, fleet file entry, registry event) and the
// projected per-MCP state every dashboard sees.
import { z } from 'zod';
import {
  CircuitState,
  HealthReason,
  HealthStatus,
  McpName,
  ProtocolVersion,
  Timestamp,
} from './status.js';

/**
 * Per-field caps: a config is stored in the log, kept in every edge's mirror and re-sent with
 * every event about its MCP, so none may grow without bound (a 917 KB config was accepted once).
 */
export const CONFIG_LIMITS = Object.freeze({
  urlLength: 2_048,
  headers: 32,
  headerKeyLength: 128,
  headerValueLength: 4_096,
  env: 64,
  envKeyLength: 128,
  envValueLength: 4_096,
  args: 64,
  argLength: 1_024,
  commandLength: 4_096,
  cwdLength: 4_096,
  /** The whole config as JSON, in UTF-16 code units (≈ bytes for ASCII). */
  totalLength: 16_384,
});
const L = CONFIG_LIMITS;

/** A string-to-string map with capped entry count, key and value lengths. */
function cappedMap(what: string, entries: number, keyLength: number, valueLength: number) {
  return z
    .record(
      z.string().min(1).max(keyLength, `${what} names are at most ${keyLength} characters`),
      z.string().max(valueLength, `${what} values are at most ${valueLength} characters`),
    )
    .refine((m) => Object.keys(m).length <= entries, `at most ${entries} ${what} entries`);
}
const HeaderMap = cappedMap('header', L.headers, L.headerKeyLength, L.headerValueLength);
const HttpUrl = z.url({ protocol: /^https?$/ }).max(L.urlLength);

export const StreamableHttpTransport = z.strictObject({
  type: z.literal('streamable-http'),
  url: HttpUrl,
  headers: HeaderMap.optional(),
});
export const SseTransport = z.strictObject({
  type: z.literal('sse'),
  url: HttpUrl,
  headers: HeaderMap.optional(),
});
/**
 * A process the registry runs on its own host, as its own user. Registered through the API or
 * the command stream, `command` names an entry of the registry host's BEACON_STDIO_COMMANDS file
 * and `args`/`env` are checked against that entry; only the fleet file may give a free command.
 */
export const StdioTransport = z.strictObject({
  type: z.literal('stdio'),
  command: z.string().min(1).max(L.commandLength),
  args: z.array(z.string().max(L.argLength)).max(L.args).default([]),
  env: cappedMap('env', L.env, L.envKeyLength, L.envValueLength).optional(),
  cwd: z.string().max(L.cwdLength).optional(),
});
export type StdioTransport = z.output<typeof StdioTransport>;
export const Transport = z.discriminatedUnion('type', [
  StreamableHttpTransport,
  SseTransport,
  StdioTransport,
]);
export type Transport = z.infer<typeof Transport>;

/** Per-MCP breaker overrides; every field optional, defaults live in the breaker worker. */
/**
 * How a failed call or probe failed, for the breaker's outcome classification: `error` (the
 * server answered with an error; a gateway's `failure`), `timeout`, `disconnected` (could not
 * connect, or the connection dropped), `auth_failed` (credentials rejected: HTTP 401/403 or an
 * MCP auth error).
 */
export const FAILURE_KINDS = ['error', 'timeout', 'disconnected', 'auth_failed'] as const;
export const FailureKind = z.enum(FAILURE_KINDS);
export type FailureKind = z.infer<typeof FailureKind>;

export const BreakerSettings = z
  .strictObject({
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
    /**
     * Outcome kinds that count as failures (default error, timeout, disconnected); a kind in
     * neither list counts as a success (resilience4j's recordExceptions).
     */
    record: z.array(FailureKind).max(FAILURE_KINDS.length).optional(),
    /** Outcome kinds that count as nothing: not in the window, only tallied (default auth_failed). */
    ignore: z.array(FailureKind).max(FAILURE_KINDS.length).optional(),
    /** The OPEN wait varies by ± this fraction (0-1), so circuits opened together re-try apart. */
    wait_open_jitter: z.number().min(0).max(1).optional(),
    /** `metrics_only`: thresholds are computed and reported (`would_open`), the circuit never opens. */
    mode: z.enum(['normal', 'metrics_only']).optional(),
  })
  .superRefine((b, ctx) => {
    const both = (b.record ?? []).filter((k) => (b.ignore ?? []).includes(k));
    if (both.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['ignore'],
        message: `${both.join(', ')} cannot be both recorded and ignored`,
      });
    }
  });
export type BreakerSettings = z.infer<typeof BreakerSettings>;

/**
 * What a probe sends: `discover` (`server/discover`, protocol 2026-07-28 and later), `ping`
 * (`initialize` + `ping`, the 2025 revisions) or `tools_list` (`tools/list`, either generation).
 * Absent: the cheapest the server supports (discover, else ping), found by trying the new
 * revision first and remembered per MCP.
 */
export const ProbeMethod = z.enum(['discover', 'ping', 'tools_list']);
export type ProbeMethod = z.infer<typeof ProbeMethod>;

/** Refuses a config (or patch) whose JSON exceeds the total cap, naming its largest field. */
function totalCap(value: Record<string, unknown>, ctx: z.RefinementCtx): void {
  const size = JSON.stringify(value).length;
  if (size <= L.totalLength) return;
  let largest = '';
  let largestSize = -1;
  for (const [k, v] of Object.entries(value)) {
    const n = JSON.stringify(v ?? null).length;
    if (n > largestSize) [largest, largestSize] = [k, n];
  }
  ctx.addIssue({
    code: 'custom',
    path: largest === '' ? [] : [largest],
    message: `config is ${size} characters as JSON, over the ${L.totalLength} cap (largest field: ${largest}, ${largestSize})`,
  });
}

export const McpConfigInput = z
  .strictObject({
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
    probe_method: ProbeMethod.optional(),
    /** false: registered and routable, never probed (health_reason `health_check_disabled`). */
    health_check: z.boolean().optional(),
  })
  .superRefine(totalCap);
/** A validated registration with defaults filled in. */
export type McpConfig = z.output<typeof McpConfigInput>;
export const McpConfig = McpConfigInput;

/**
 * Partial update (PATCH): any field but `name`. Absent fields keep their current value, so no
 * defaults here (`.partial()` of McpConfigInput would fill them in and reset the config).
 */
export const McpConfigPatch = z
  .strictObject({
    transport: Transport.optional(),
    probe_interval_ms: z.number().int().min(100).max(86_400_000).optional(),
    timeout_ms: z.number().int().min(10).max(600_000).optional(),
    slow_ms: z.number().int().positive().optional(),
    failure_cycles_to_disable: z.number().int().min(1).max(1_000_000).optional(),
    tags: z.array(z.string().min(1).max(64)).max(64).optional(),
    enabled: z.boolean().optional(),
    breaker: BreakerSettings.optional(),
    probe_method: ProbeMethod.optional(),
    health_check: z.boolean().optional(),
  })
  .superRefine(totalCap);
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
  /** Why the status is what it is (null while healthy or before the first probe). */
  health_reason: HealthReason.nullable().optional(),
  /** The revision the probe last spoke with the server (`2026-07-28`, `2025-06-18`, …). */
  protocol_version: ProtocolVersion.nullable().optional(),
  /** Hash of the server's tool names and input schemas (tool drift), as last seen. */
  tools_hash: z.string().max(128).nullable().optional(),
  /** Offset of the last event that changed this row. */
  updated_offset: z.string().optional(),
});
export type McpStatus = z.infer<typeof McpStatus>;

const REDACTED = '***';

/**
 * A URL as shown to clients: the userinfo password and every query-string value become `***`
 * (`http://svc:***@host/mcp?api_key=***`); scheme, host, path and parameter names stay readable.
 */
export function redactUrl(raw: string): string {
  // String work, not URL: this package runs in browsers and Node alike without DOM/Node types.
  const hashAt = raw.indexOf('#');
  const beforeHash = hashAt < 0 ? raw : raw.slice(0, hashAt);
  const queryAt = beforeHash.indexOf('?');
  let head = queryAt < 0 ? beforeHash : beforeHash.slice(0, queryAt);
  const query = queryAt < 0 ? null : beforeHash.slice(queryAt + 1);
  const schemeEnd = head.indexOf('://');
  if (schemeEnd >= 0) {
    const authStart = schemeEnd + 3;
    const slash = head.indexOf('/', authStart);
    const authEnd = slash < 0 ? head.length : slash;
    const authority = head.slice(authStart, authEnd);
    const at = authority.lastIndexOf('@');
    const colon = at < 0 ? -1 : authority.slice(0, at).indexOf(':');
    if (colon >= 0) {
      head = `${head.slice(0, authStart + colon + 1)}${REDACTED}${head.slice(authStart + at)}`;
    }
  }
  const masked =
    query === null
      ? ''
      : `?${query
          .split('&')
          .map((part) => {
            const eq = part.indexOf('=');
            return eq < 0 ? (part === '' ? '' : REDACTED) : `${part.slice(0, eq)}=${REDACTED}`;
          })
          .join('&')}`;
  return `${head}${masked}${hashAt < 0 ? '' : `#${REDACTED}`}`;
}

/**
 * The config as shown to clients: header and env values, URL passwords and query values, and
 * stdio args never leave the server side. Args are all masked (not only caller-supplied ones):
 * a client cannot tell a flag from a token, and the count stays visible. `command` (a name of
 * the registry host's allow-list, or a fleet-file path) and `cwd` stay readable.
 */
export function redactConfig(config: McpConfig): McpConfig {
  const t = config.transport;
  const hide = (m: Record<string, string> | undefined): Record<string, string> | undefined =>
    m === undefined ? undefined : Object.fromEntries(Object.keys(m).map((k) => [k, REDACTED]));
  switch (t.type) {
    case 'stdio':
      return {
        ...config,
        transport: { ...t, args: t.args.map(() => REDACTED), env: hide(t.env) },
      };
    case 'sse':
    case 'streamable-http':
      return {
        ...config,
        transport: { ...t, url: redactUrl(t.url), headers: hide(t.headers) },
      };
  }
}
