// At most `limit` log lines per window for one kind of event. Whoever can write garbage to the
// bus (or to a stream) could otherwise turn every message into a log line and flood the logs;
// the counters still count every one. The first line after a quiet spell says how many were
// left out.
export type Throttled = (emit: (suppressed: number) => void) => void;

export function logThrottle(
  limit = 20,
  windowMs = 60_000,
  now: () => number = Date.now,
): Throttled {
  let windowStart = -Infinity;
  let emitted = 0;
  let suppressed = 0;
  return (emit) => {
    const t = now();
    if (t - windowStart >= windowMs) {
      windowStart = t;
      emitted = 0;
    }
    if (emitted >= limit) {
      suppressed++;
      return;
    }
    emitted++;
    const dropped = suppressed;
    suppressed = 0;
    emit(dropped);
  };
}
