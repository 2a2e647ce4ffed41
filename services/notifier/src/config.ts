// Every environment variable the notifier reads, validated once at start-up (every bad variable
// named at once).
import { baseConfig, intFromEnv } from '@beacon/runtime';
import { z } from 'zod';

const HOLDER = /^[A-Za-z0-9_.:-]{1,64}$/;

export const NotifierConfig = z.object({
  ...baseConfig,
  /** /healthz, /readyz, /metrics (0 = a free port, printed at start). */
  BEACON_NOTIFIER_HTTP_PORT: intFromEnv(9103, { min: 0, max: 65_535 }),
  BEACON_NOTIFIER_HTTP_HOST: z.string().min(1).default('0.0.0.0'),
  /** Identifies this process in the lease and logs; default `<hostname>-<pid>`. */
  BEACON_NOTIFIER_ID: z.string().regex(HOLDER, 'must be 1-64 of [A-Za-z0-9_.:-]').optional(),
  /** A standby takes over at most this long after the active notifier dies. */
  BEACON_NOTIFIER_LEASE_TTL_MS: intFromEnv(3_000, { min: 300, max: 600_000 }),
  /** Admin commands issued longer ago than this are answered `timeout`. */
  BEACON_NOTIFIER_COMMAND_TTL_MS: intFromEnv(60_000, { min: 100 }),
  /** Channels, rules and silences from a file (YAML or JSON), like the registry's fleet file. */
  BEACON_ALERTS_FILE: z.string().min(1).optional(),
  BEACON_ALERTS_FILE_MAX_BYTES: intFromEnv(4 * 1024 * 1024, { min: 1_024, max: 64 * 1024 * 1024 }),
  /** Where a first start begins reading the log: `now` (the head) or `beginning`. */
  BEACON_NOTIFIER_START: z.enum(['now', 'beginning']).default('now'),
  /** Delivery attempts per notification before it is reported failed and dropped. */
  BEACON_NOTIFIER_MAX_ATTEMPTS: intFromEnv(20, { min: 1, max: 10_000 }),
  /** Retry backoff: base doubling to max, with jitter. */
  BEACON_NOTIFIER_RETRY_BASE_MS: intFromEnv(1_000, { min: 10, max: 3_600_000 }),
  BEACON_NOTIFIER_RETRY_MAX_MS: intFromEnv(300_000, { min: 10, max: 86_400_000 }),
  /** Per-attempt timeout of a delivery. */
  BEACON_NOTIFIER_SEND_TIMEOUT_MS: intFromEnv(10_000, { min: 100, max: 600_000 }),
  /** How often `for` waits, reminders and silence ends are checked. */
  BEACON_NOTIFIER_TICK_MS: intFromEnv(250, { min: 10, max: 60_000 }),
  /** Notification history kept (newest first). */
  BEACON_NOTIFIER_HISTORY: intFromEnv(1_000, { min: 10, max: 1_000_000 }),
  /** Linked from notifications (e.g. https://beacon.example.com/). */
  BEACON_DASHBOARD_URL: z.url().optional(),
  /** The uptime projector (rollups and incidents for /api/…/uptime and /api/incidents). */
  BEACON_UPTIME: z.enum(['on', 'off']).default('on'),
  /** Days hourly uptime buckets are kept. */
  BEACON_UPTIME_RETENTION_DAYS: intFromEnv(90, { min: 1, max: 3_650 }),
  /** Days daily uptime buckets and incidents are kept. */
  BEACON_UPTIME_DAILY_RETENTION_DAYS: intFromEnv(400, { min: 1, max: 36_500 }),
  /** How often every MCP's time is credited up to now (stored figures lag by at most this). */
  BEACON_UPTIME_TICK_MS: intFromEnv(10_000, { min: 50, max: 3_600_000 }),
});
export type NotifierConfig = z.output<typeof NotifierConfig>;
