// The runtime-neutral half of the gateway outcome reporter: validation/encoding of one call
// outcome (the JSON of field `o` on the outcomes stream) and a bounded batching buffer that never
// blocks or throws on the hot path. The Node reporter (node/reporter.ts) gives it a Redis sink.
import { CallOutcome, parseOrThrow } from '@beacon/protocol';

export interface OutcomeReport {
  readonly mcp_name: string;
  /**
   * `auth_failed`: the server rejected the gateway's credentials (classified apart by the
   * breaker); `not_permitted`: the breaker refused the call (the Node reporter sends it itself).
   */
  readonly outcome: 'success' | 'failure' | 'timeout' | 'auth_failed' | 'not_permitted';
  readonly latency_ms: number;
  /** When the call finished (epoch ms); default now. */
  readonly at?: number;
  /** Which gateway saw it; default the reporter's own `gateway` option. */
  readonly gateway?: string;
}

/** Validate and encode; throws BeaconError('invalid') naming the bad field. */
export function encodeOutcome(report: OutcomeReport, gateway?: string): string {
  const value = {
    mcp_name: report.mcp_name,
    outcome: report.outcome,
    latency_ms: report.latency_ms,
    at: report.at ?? Date.now(),
    ...((report.gateway ?? gateway) === undefined ? {} : { gateway: report.gateway ?? gateway }),
  };
  return JSON.stringify(parseOrThrow(CallOutcome, value, 'call outcome'));
}

export interface OutcomeBufferOptions {
  /** Deliver a batch; a rejection keeps the batch for the next attempt. */
  readonly send: (batch: readonly string[]) => Promise<void>;
  /** Flush as soon as this many are waiting (default 256). */
  readonly batchSize?: number;
  /** ...or this long after the first one arrived (default 20 ms). */
  readonly flushIntervalMs?: number;
  /** Keep at most this many waiting; the oldest are dropped (and counted) beyond it. */
  readonly maxBuffered?: number;
  readonly onError?: (err: unknown) => void;
}

export interface OutcomeBufferStats {
  readonly sent: number;
  readonly dropped: number;
  readonly failedFlushes: number;
  readonly buffered: number;
}

export interface OutcomeBuffer {
  push(encoded: string): void;
  /** Send everything waiting now (resolves when sent, rejects if sending failed). */
  flush(): Promise<void>;
  /** Flush, then stop the timer; later pushes are dropped. */
  close(): Promise<void>;
  stats(): OutcomeBufferStats;
}

export function createOutcomeBuffer(options: OutcomeBufferOptions): OutcomeBuffer {
  const batchSize = options.batchSize ?? 256;
  const interval = options.flushIntervalMs ?? 20;
  const maxBuffered = options.maxBuffered ?? 100_000;
  let queue: string[] = [];
  let timer: ReturnType<typeof setTimeout> | null = null;
  let inFlight: Promise<void> | null = null;
  let closed = false;
  let sent = 0;
  let dropped = 0;
  let failedFlushes = 0;
  let failures = 0;

  function schedule(delay: number): void {
    if (timer !== null || closed) return;
    timer = setTimeout(() => {
      timer = null;
      void flush().catch(() => undefined);
    }, delay);
  }

  async function sendOnce(): Promise<void> {
    while (queue.length > 0) {
      // Taken out while in flight so that trimming by maxBuffered cannot touch it.
      const batch = queue.splice(0, Math.max(batchSize, 1_000));
      try {
        await options.send(batch);
      } catch (err) {
        queue = batch.concat(queue);
        trim();
        failedFlushes++;
        failures++;
        options.onError?.(err);
        // Back off (capped) and keep the batch: Redis may be restarting.
        schedule(Math.min(5_000, interval * 2 ** Math.min(failures, 8)));
        throw err;
      }
      failures = 0;
      sent += batch.length;
    }
  }

  function trim(): void {
    if (queue.length <= maxBuffered) return;
    const over = queue.length - maxBuffered;
    queue.splice(0, over);
    dropped += over;
  }

  function flush(): Promise<void> {
    if (inFlight !== null) return inFlight.then(() => (queue.length > 0 ? flush() : undefined));
    if (timer !== null) {
      clearTimeout(timer);
      timer = null;
    }
    inFlight = sendOnce().finally(() => {
      inFlight = null;
    });
    return inFlight;
  }

  return {
    push(encoded) {
      if (closed) {
        dropped++;
        return;
      }
      queue.push(encoded);
      trim();
      if (queue.length >= batchSize && inFlight === null && failures === 0)
        void flush().catch(() => undefined);
      else schedule(interval);
    },
    flush,
    async close() {
      try {
        await flush();
      } finally {
        closed = true;
        if (timer !== null) clearTimeout(timer);
        timer = null;
      }
    },
    stats: () => ({ sent, dropped, failedFlushes, buffered: queue.length }),
  };
}
