// The one place a leader's work decides "fenced: stop" (isFenced) against "failed: retry". A
// worker's leadership loop (the breaker's batches, a command inbox's reads) runs its work again
// after each failure until the lease is lost (a fence refusal) or its signal aborts; a fenced
// worker must stop at once and leave its unacknowledged input to the next leader.
import { sleep } from '@beacon/runtime';
import { isFenced } from './errors.js';

export interface UntilFencedOptions {
  readonly signal: AbortSignal;
  /**
   * A failure that is neither a fence refusal nor after the abort: log/count it and return how
   * long to wait before the next attempt (0: at once).
   */
  onError(err: unknown): number;
  /** The work was refused by the fence (another holder leads); called once, then the run ends. */
  onFenced?(err: unknown): void;
}

/** Run `work` until the signal aborts ("aborted") or a write is refused by the fence ("fenced"). */
export async function runUntilFenced(
  work: () => Promise<void>,
  options: UntilFencedOptions,
): Promise<'aborted' | 'fenced'> {
  const { signal } = options;
  while (!signal.aborted) {
    try {
      await work();
    } catch (err) {
      if (isFenced(err)) {
        options.onFenced?.(err);
        return 'fenced';
      }
      if (signal.aborted) break;
      const delay = options.onError(err);
      if (delay > 0) await sleep(delay, signal);
    }
  }
  return 'aborted';
}
