// How a component's fetch lands in its state: the value, or the failure's message, then loading
// off — and nothing at all once the effect that started it was cleaned up, so a slow answer for
// an earlier MCP or filter never overwrites the current one.

export function settleInto<T>(
  promise: Promise<T>,
  isCancelled: () => boolean,
  onValue: (value: T) => void,
  setError: (message: string) => void,
  setLoading: (loading: boolean) => void,
): void {
  promise.then(
    (value) => {
      if (isCancelled()) return;
      onValue(value);
      setLoading(false);
    },
    (err: unknown) => {
      if (isCancelled()) return;
      setError(err instanceof Error ? err.message : String(err));
      setLoading(false);
    },
  );
}
