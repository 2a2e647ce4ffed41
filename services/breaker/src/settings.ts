// Breaker settings: global defaults (from env, see config.ts) overlaid with an MCP's own
// `breaker` overrides from its registration, resolved into one complete, consistent config.
import type { BreakerSettings, FailureKind, McpConfig } from '@beacon/protocol';

/** Every knob of one breaker, all present. */
export interface BreakerConfig {
  readonly window_type: 'count' | 'time';
  /** Calls (count window) or milliseconds (time window). */
  readonly window_size: number;
  /** Rates are only judged once the window holds this many calls. */
  readonly minimum_calls: number;
  /** Percent (0-100] of failed calls in the window that opens the circuit. */
  readonly failure_rate_threshold: number;
  /** A call at or above this latency is slow. */
  readonly slow_call_duration_ms: number;
  /** Percent (0-100] of slow calls in the window that opens the circuit. */
  readonly slow_call_rate_threshold: number;
  /** This many failures in a row open the circuit, whatever the window says. */
  readonly consecutive_failures: number;
  /** Wait in OPEN after the first opening; grows by the multiplier on each re-open, capped. */
  readonly wait_open_ms: number;
  readonly wait_open_multiplier: number;
  readonly wait_open_max_ms: number;
  /** Calls gateways may make while HALF_OPEN (a budget per half-open period). */
  readonly half_open_trial_calls: number;
  /** Successful trials that close the circuit; any failed (or slow) trial re-opens it. */
  readonly half_open_successes: number;
  /** Failure kinds that count as failures; a kind in neither list counts as a success. */
  readonly record: readonly FailureKind[];
  /** Failure kinds that count as nothing (only tallied); never also in `record`. */
  readonly ignore: readonly FailureKind[];
  /** The OPEN wait varies by ± this fraction (0-1). */
  readonly wait_open_jitter: number;
  /** `metrics_only`: reports what it would do (`would_open`), never opens by itself. */
  readonly mode: 'normal' | 'metrics_only';
}

/** Global defaults; the time window has its own default size since its unit differs. */
export interface BreakerDefaults extends Omit<BreakerConfig, 'window_size'> {
  readonly window_size_calls: number;
  readonly window_size_ms: number;
}

export const DEFAULTS: BreakerDefaults = {
  window_type: 'count',
  window_size_calls: 20,
  window_size_ms: 60_000,
  minimum_calls: 10,
  failure_rate_threshold: 50,
  slow_call_duration_ms: 5_000,
  slow_call_rate_threshold: 100,
  consecutive_failures: 5,
  wait_open_ms: 10_000,
  wait_open_multiplier: 2,
  wait_open_max_ms: 300_000,
  half_open_trial_calls: 3,
  half_open_successes: 2,
  // Credentials rejected says nothing about the server's health (Envoy ejects on 5xx, not 4xx):
  // tallied, not counted, unless an MCP records it.
  record: ['error', 'timeout', 'disconnected'],
  ignore: ['auth_failed'],
  wait_open_jitter: 0,
  mode: 'normal',
};

/**
 * Resolve one MCP's config. Precedence: `mcp.breaker.*` > the MCP's `slow_ms` (slow-call
 * duration only) > global defaults. Inconsistent combinations are repaired, not rejected, because
 * overrides and defaults come from different places: trial calls are raised to the successes
 * needed (else the circuit could never close), the wait cap to the base wait, and (count window)
 * minimum calls lowered to the window size (else rates would never be judged).
 */
export function resolveConfig(
  defaults: BreakerDefaults,
  mcp?: Pick<McpConfig, 'breaker' | 'slow_ms'>,
): BreakerConfig {
  const o: BreakerSettings = mcp?.breaker ?? {};
  const windowType = o.window_type ?? defaults.window_type;
  const windowSize =
    o.window_size ??
    (windowType === 'count' ? defaults.window_size_calls : defaults.window_size_ms);
  const minimumCalls = o.minimum_calls ?? defaults.minimum_calls;
  const waitOpen = o.wait_open_ms ?? defaults.wait_open_ms;
  const successes = o.half_open_successes ?? defaults.half_open_successes;
  // An MCP's own list wins over the other default list: recording auth_failed un-ignores it.
  const ignore = (o.ignore ?? defaults.ignore).filter((k) => !(o.record ?? []).includes(k));
  const recorded = (o.record ?? defaults.record).filter((k) => !ignore.includes(k));
  return {
    window_type: windowType,
    window_size: windowSize,
    minimum_calls: windowType === 'count' ? Math.min(minimumCalls, windowSize) : minimumCalls,
    failure_rate_threshold: o.failure_rate_threshold ?? defaults.failure_rate_threshold,
    slow_call_duration_ms:
      o.slow_call_duration_ms ?? mcp?.slow_ms ?? defaults.slow_call_duration_ms,
    slow_call_rate_threshold: o.slow_call_rate_threshold ?? defaults.slow_call_rate_threshold,
    consecutive_failures: o.consecutive_failures ?? defaults.consecutive_failures,
    wait_open_ms: waitOpen,
    wait_open_multiplier: o.wait_open_multiplier ?? defaults.wait_open_multiplier,
    wait_open_max_ms: Math.max(waitOpen, o.wait_open_max_ms ?? defaults.wait_open_max_ms),
    half_open_trial_calls: Math.max(
      successes,
      o.half_open_trial_calls ?? defaults.half_open_trial_calls,
    ),
    half_open_successes: successes,
    record: recorded,
    ignore,
    wait_open_jitter: o.wait_open_jitter ?? defaults.wait_open_jitter,
    mode: o.mode ?? defaults.mode,
  };
}

/** FNV-1a of a string, as a fraction in [0, 1): the breaker's only "randomness", reproducible. */
function unitHash(seed: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) {
    h ^= seed.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) / 0x1_0000_0000;
}

/**
 * Wait in OPEN for the n-th consecutive opening (n ≥ 1): exponential, capped, then varied by
 * ± wait_open_jitter. The variation is a hash of `seed` (the MCP and the opening time), not a
 * random draw, so that re-applying a batch after a crash reproduces the same due time.
 */
export function openWait(config: BreakerConfig, opens: number, seed = ''): number {
  const grown = config.wait_open_ms * Math.pow(config.wait_open_multiplier, Math.max(0, opens - 1));
  const capped = Math.min(grown, config.wait_open_max_ms);
  if (config.wait_open_jitter === 0) return Math.round(capped);
  const factor = 1 + config.wait_open_jitter * (2 * unitHash(seed) - 1);
  return Math.max(1, Math.round(capped * factor));
}
