// Retry delays, one curve for every retry loop: capped exponential growth, optionally with "equal
// jitter" (half fixed, half random) so a fleet that lost the same peer spreads its retries instead
// of stampeding. Pure and runtime-neutral: the browser client and the Node services share it.

/** Capped exponential delay for a 0-based attempt: min(maxMs, initialMs * factor^attempt). */
export function backoffDelay(
  attempt: number,
  initialMs: number,
  maxMs: number,
  factor = 2,
): number {
  return Math.min(maxMs, initialMs * factor ** attempt);
}

/** Equal jitter: half of `ms` fixed, the other half random, rounded to whole ms. */
export function equalJitter(ms: number, random: () => number = Math.random): number {
  return Math.round(ms / 2 + random() * (ms / 2));
}

/** Reconnect backoff with state (the client's): attempts grow until `reset()`. */
export interface BackoffOptions {
  /** First retry delay before jitter. Default 500 ms. */
  readonly initialMs?: number;
  /** Upper bound of any delay. Default 30 s. */
  readonly maxMs?: number;
  /** Growth per failed attempt. Default 2. */
  readonly factor?: number;
  /** A connection live this long resets the attempt count. Default 10 s. */
  readonly stableMs?: number;
  /** Delay window for fast reconnects (drain 1012, slow consumer 4008): 0..fastMs. Default 250. */
  readonly fastMs?: number;
}

export interface Backoff {
  readonly attempts: number;
  /** Delay before the next attempt; counts the attempt. */
  next(): number;
  /** Short random delay that does not grow (the server asked us to move, nothing is broken). */
  fast(): number;
  reset(): void;
  readonly stableMs: number;
}

export function createBackoff(
  options: BackoffOptions = {},
  random: () => number = Math.random,
): Backoff {
  const initialMs = options.initialMs ?? 500;
  const maxMs = options.maxMs ?? 30_000;
  const factor = options.factor ?? 2;
  const fastMs = options.fastMs ?? 250;
  if (!(initialMs > 0) || !(maxMs >= initialMs) || !(factor >= 1)) {
    throw new RangeError('backoff needs initialMs > 0, maxMs >= initialMs and factor >= 1');
  }
  let attempts = 0;
  return {
    get attempts() {
      return attempts;
    },
    stableMs: options.stableMs ?? 10_000,
    next() {
      const base = backoffDelay(attempts, initialMs, maxMs, factor);
      attempts += 1;
      return equalJitter(base, random);
    },
    fast: () => Math.round(random() * fastMs),
    reset() {
      attempts = 0;
    },
  };
}
