// The latency chart's data: status-change points (history + live events) and probe-digest
// samples merged into one time series, with the window the chart shows.
import type { HealthStatus } from '@beacon/protocol';
import type { ProbePoint } from './probe-history.js';

export interface LatencyPoint {
  readonly t: number;
  readonly latency: number | null;
  /** A status change's status; a probe sample is `healthy` when it succeeded, else `failed`. */
  readonly status: HealthStatus | 'failed';
  /** Unique within one chart (an offset, or `p<time>` for a probe sample). */
  readonly key: string;
}

/** With live samples the chart shows at least this much recent time, not the whole history. */
export const LIVE_WINDOW_MS = 15 * 60_000;

/**
 * Status-change points and probe samples in time order. A sample at the same time as a status
 * change is the same probe and is dropped. With samples present the window is the samples' span
 * or the last `LIVE_WINDOW_MS`, whichever is longer (older changes stay in the history list);
 * without samples, everything loaded.
 */
export function mergeLatencyPoints(
  changes: readonly LatencyPoint[],
  probes: readonly ProbePoint[],
): LatencyPoint[] {
  if (probes.length === 0) return [...changes].sort((a, b) => a.t - b.t);
  const changeTimes = new Set(changes.map((c) => c.t));
  const out: LatencyPoint[] = changes.slice();
  for (const p of probes) {
    if (changeTimes.has(p.t)) continue;
    out.push({
      t: p.t,
      latency: p.latency,
      status: p.ok ? 'healthy' : 'failed',
      key: `p${p.t}`,
    });
  }
  out.sort((a, b) => a.t - b.t);
  const newest = out[out.length - 1]!.t;
  const from = Math.min(probes[0]!.t, newest - LIVE_WINDOW_MS);
  const first = out.findIndex((p) => p.t >= from);
  return first <= 0 ? out : out.slice(first);
}
