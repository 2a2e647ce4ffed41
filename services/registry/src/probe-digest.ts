// `probe_digest`: the latest probe result per MCP since the last digest, published on the side
// channel every few seconds by the leading registry. Status changes are appended only on a real
// change, so without this a dashboard's "last checked" and latency would only move on changes.
// Memory is bounded by the fleet: one sample per MCP name, cleared by each digest.
import type { EventLog } from '@beacon/event-log';
import type { ProbeResult, ProbeSample } from '@beacon/protocol';
import type { Logger } from 'pino';

/** Samples per message: keeps one frame small even for a very large fleet. */
export const DIGEST_CHUNK = 5_000;

export interface ProbeCollector {
  /** Keep this result as its MCP's latest sample (an older result never replaces a newer one). */
  record(result: ProbeResult): void;
  /** The samples collected since the last take, and forget them. */
  take(): ProbeSample[];
  readonly size: number;
}

export function createProbeCollector(): ProbeCollector {
  let latest = new Map<string, ProbeResult>();
  return {
    record(result) {
      const before = latest.get(result.mcp_name);
      if (before !== undefined && before.at > result.at) return;
      latest.set(result.mcp_name, result);
    },
    take() {
      const taken = latest;
      latest = new Map();
      return [...taken.values()].map((r) => ({
        name: r.mcp_name,
        checked_at: new Date(r.at).toISOString(),
        latency_ms: r.latency_ms,
        ok: r.ok,
      }));
    },
    get size() {
      return latest.size;
    },
  };
}

export interface ProbeDigestPublisher {
  record(result: ProbeResult): void;
  stop(): void;
}

/** `intervalMs` 0: digests are off, `record` does nothing. */
export function startProbeDigest(options: {
  readonly eventLog: EventLog;
  readonly intervalMs: number;
  readonly logger: Logger;
}): ProbeDigestPublisher {
  if (options.intervalMs <= 0) return { record: () => undefined, stop: () => undefined };
  const log = options.logger.child({ component: 'probe-digest' });
  const collector = createProbeCollector();
  let stopped = false;
  let publishing = false;

  const publish = async (): Promise<void> => {
    const samples = collector.take();
    for (let i = 0; i < samples.length && !stopped; i += DIGEST_CHUNK) {
      await options.eventLog.publishSide({
        type: 'probe_digest',
        probes: samples.slice(i, i + DIGEST_CHUNK),
        timestamp: new Date().toISOString(),
      });
    }
  };

  const interval = setInterval(() => {
    // A slow Redis: skip this tick and keep collecting (still one sample per MCP) rather than
    // queueing publishes behind each other.
    if (stopped || publishing || collector.size === 0) return;
    publishing = true;
    publish()
      .catch((err: unknown) => log.warn({ err }, 'probe_digest publish failed'))
      .finally(() => {
        publishing = false;
      });
  }, options.intervalMs);

  return {
    record(result) {
      if (!stopped) collector.record(result);
    },
    stop() {
      stopped = true;
      clearInterval(interval);
    },
  };
}
