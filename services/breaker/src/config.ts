// Every environment variable the breaker worker reads, validated once at start-up (loadConfig
// names every bad variable at once). The BEACON_BREAKER_* defaults apply to every MCP unless its
// registration carries its own `breaker` settings.
import { baseConfig, intFromEnv } from '@beacon/runtime';
import { z } from 'zod';
import type { BreakerDefaults } from './settings.js';
import { DEFAULTS } from './settings.js';

const percent = (fallback: number) => z.coerce.number().gt(0).max(100).default(fallback);
const HOLDER = /^[A-Za-z0-9_.:-]{1,64}$/;

export const BreakerWorkerConfig = z.object({
  ...baseConfig,
  /** /healthz, /readyz, /metrics (0 = a free port, printed at start). */
  BEACON_BREAKER_HTTP_PORT: intFromEnv(9102, { min: 0, max: 65_535 }),
  BEACON_BREAKER_HTTP_HOST: z.string().min(1).default('0.0.0.0'),
  /** Identifies this process in the lease and logs; default `<hostname>-<pid>`. */
  BEACON_BREAKER_ID: z.string().regex(HOLDER, 'must be 1-64 of [A-Za-z0-9_.:-]').optional(),
  /** A standby takes over at most this long after the active breaker dies. */
  BEACON_BREAKER_LEASE_TTL_MS: intFromEnv(3_000, { min: 300, max: 600_000 }),
  /** Entries read per stream per batch (XREADGROUP COUNT). */
  BEACON_BREAKER_BATCH: intFromEnv(1_000, { min: 1, max: 10_000 }),
  /** Longest blocking read; shorter when an OPEN wait falls due sooner. */
  BEACON_BREAKER_BLOCK_MS: intFromEnv(500, { min: 1, max: 60_000 }),
  /** Admin commands issued longer ago than this are answered `timeout`, not applied. */
  BEACON_BREAKER_COMMAND_TTL_MS: intFromEnv(60_000, { min: 100 }),

  BEACON_BREAKER_WINDOW_TYPE: z.enum(['count', 'time']).default(DEFAULTS.window_type),
  BEACON_BREAKER_WINDOW_SIZE_CALLS: intFromEnv(DEFAULTS.window_size_calls, {
    min: 1,
    max: 1_000_000,
  }),
  BEACON_BREAKER_WINDOW_SIZE_MS: intFromEnv(DEFAULTS.window_size_ms, { min: 1, max: 86_400_000 }),
  BEACON_BREAKER_MINIMUM_CALLS: intFromEnv(DEFAULTS.minimum_calls, { min: 1, max: 1_000_000 }),
  BEACON_BREAKER_FAILURE_RATE_THRESHOLD: percent(DEFAULTS.failure_rate_threshold),
  BEACON_BREAKER_SLOW_CALL_DURATION_MS: intFromEnv(DEFAULTS.slow_call_duration_ms, { min: 1 }),
  BEACON_BREAKER_SLOW_CALL_RATE_THRESHOLD: percent(DEFAULTS.slow_call_rate_threshold),
  BEACON_BREAKER_CONSECUTIVE_FAILURES: intFromEnv(DEFAULTS.consecutive_failures, {
    min: 1,
    max: 1_000_000,
  }),
  BEACON_BREAKER_WAIT_OPEN_MS: intFromEnv(DEFAULTS.wait_open_ms, { min: 1, max: 86_400_000 }),
  BEACON_BREAKER_WAIT_OPEN_MULTIPLIER: z.coerce
    .number()
    .min(1)
    .max(100)
    .default(DEFAULTS.wait_open_multiplier),
  BEACON_BREAKER_WAIT_OPEN_MAX_MS: intFromEnv(DEFAULTS.wait_open_max_ms, {
    min: 1,
    max: 86_400_000,
  }),
  BEACON_BREAKER_HALF_OPEN_TRIAL_CALLS: intFromEnv(DEFAULTS.half_open_trial_calls, {
    min: 1,
    max: 10_000,
  }),
  BEACON_BREAKER_HALF_OPEN_SUCCESSES: intFromEnv(DEFAULTS.half_open_successes, {
    min: 1,
    max: 10_000,
  }),
});
export type BreakerWorkerConfig = z.output<typeof BreakerWorkerConfig>;

export function breakerDefaults(c: BreakerWorkerConfig): BreakerDefaults {
  return {
    window_type: c.BEACON_BREAKER_WINDOW_TYPE,
    window_size_calls: c.BEACON_BREAKER_WINDOW_SIZE_CALLS,
    window_size_ms: c.BEACON_BREAKER_WINDOW_SIZE_MS,
    minimum_calls: c.BEACON_BREAKER_MINIMUM_CALLS,
    failure_rate_threshold: c.BEACON_BREAKER_FAILURE_RATE_THRESHOLD,
    slow_call_duration_ms: c.BEACON_BREAKER_SLOW_CALL_DURATION_MS,
    slow_call_rate_threshold: c.BEACON_BREAKER_SLOW_CALL_RATE_THRESHOLD,
    consecutive_failures: c.BEACON_BREAKER_CONSECUTIVE_FAILURES,
    wait_open_ms: c.BEACON_BREAKER_WAIT_OPEN_MS,
    wait_open_multiplier: c.BEACON_BREAKER_WAIT_OPEN_MULTIPLIER,
    wait_open_max_ms: c.BEACON_BREAKER_WAIT_OPEN_MAX_MS,
    half_open_trial_calls: c.BEACON_BREAKER_HALF_OPEN_TRIAL_CALLS,
    half_open_successes: c.BEACON_BREAKER_HALF_OPEN_SUCCESSES,
  };
}
