// Breaker settings: global defaults (from env, see config.ts) overlaid with an MCP's own
// `breaker` overrides from its registration, resolved into one complete, consistent config.
import type { BreakerSettings, McpConfig } from '@beacon/protocol';

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
  };
}

/** Wait in OPEN for the n-th consecutive opening (n ≥ 1). */
export function openWait(config: BreakerConfig, opens: number): number {
  const grown = config.wait_open_ms * Math.pow(config.wait_open_multiplier, Math.max(0, opens - 1));
  return Math.round(Math.min(grown, config.wait_open_max_ms));
}
