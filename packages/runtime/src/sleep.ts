// The one abortable pause for retry loops: resolves after `ms`, or at once when `signal` aborts.
// It never rejects (callers check `signal.aborted` themselves) and removes its abort listener
// when the timer fires, so a long-lived signal does not collect one listener per retry.
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
