// Every environment variable the breaker worker reads, validated once at start-up (loadConfig
// names every bad variable at once). The BEACON_BREAKER_* defaults apply to every MCP unless its
// registration carries its own `breaker` settings.
import { FAILURE_KINDS, FailureKind } from '@beacon/protocol';
import { baseConfig, intFromEnv } from '@beacon/runtime';
import { z } from 'zod';
import type { BreakerDefaults } from './settings.js';
import { DEFAULTS } from './settings.js';

const percent = (fallback: number) => z.coerce.number().gt(0).max(100).default(fallback);
const HOLDER = /^[A-Za-z0-9_.:-]{1,64}$/;

/** A comma-separated list of failure kinds; `none` (or `-`) for the empty list. */
const kinds = (fallback: readonly FailureKind[]) =>
  z
    .string()
    .transform((v, ctx) => {
      const parts = v
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '' && s !== 'none' && s !== '-');
      const out: FailureKind[] = [];
      for (const part of parts) {
        const k = FailureKind.safeParse(part);
        if (!k.success) {
          ctx.addIssue({
            code: 'custom',
            message: `unknown outcome kind "${part.slice(0, 40)}" (expected ${FAILURE_KINDS.join(', ')} or none)`,
          });
          return z.NEVER;
        }
        if (!out.includes(k.data)) out.push(k.data);
      }
      return out;
    })
    .default([...fallback]);

export const BreakerWorkerConfig = z
  .object({
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
    /** Comma-separated failure kinds that count as failures (`none` for none). */
    BEACON_BREAKER_RECORD: kinds(DEFAULTS.record),
    /** Comma-separated failure kinds that count as nothing, only tallied (`none` for none). */
    BEACON_BREAKER_IGNORE: kinds(DEFAULTS.ignore),
    BEACON_BREAKER_WAIT_OPEN_JITTER: z.coerce
      .number()
      .min(0)
      .max(1)
      .default(DEFAULTS.wait_open_jitter),
    BEACON_BREAKER_MODE: z.enum(['normal', 'metrics_only']).default(DEFAULTS.mode),
  })
  .superRefine((c, ctx) => {
    const both = c.BEACON_BREAKER_RECORD.filter((k) => c.BEACON_BREAKER_IGNORE.includes(k));
    if (both.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['BEACON_BREAKER_IGNORE'],
        message: `${both.join(', ')} is also in BEACON_BREAKER_RECORD (a kind is either recorded or ignored)`,
      });
    }
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
    record: c.BEACON_BREAKER_RECORD,
    ignore: c.BEACON_BREAKER_IGNORE,
    wait_open_jitter: c.BEACON_BREAKER_WAIT_OPEN_JITTER,
    mode: c.BEACON_BREAKER_MODE,
  };
}
