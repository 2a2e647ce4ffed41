// Latency over time as inline SVG: a line through measured latencies (gaps where the MCP gave no
// number), with failure points marked. Points come from status changes (history + live) and from
// probe digests (a sample every few seconds), merged by ../latency-points.ts. No chart library: a
// few hundred points need none.
import { memo } from 'react';
import { latency as fmt } from '../format.js';
import type { LatencyPoint } from '../latency-points.js';
import { ChartFrame, H, PAD, chartScale, linePath, type ChartPoint } from './chart-frame.js';

export const LatencyChart = memo(function LatencyChart({
  points,
}: {
  points: readonly LatencyPoint[];
}) {
  const measured = points.filter((p) => p.latency !== null);
  if (points.length === 0) {
    return <p className="muted">No latency measurements in the loaded history yet.</p>;
  }
  const t0 = points[0]?.t ?? 0;
  const t1 = Math.max(points[points.length - 1]?.t ?? 1, t0 + 1);
  const max = Math.max(1, ...measured.map((p) => p.latency ?? 0));
  const scale = chartScale(t0, t1, max);
  const { x, y } = scale;

  // Break the line wherever latency is unknown (down, disconnected).
  const runs: ChartPoint[][] = [];
  let current: ChartPoint[] = [];
  for (const p of points) {
    if (p.latency === null) {
      if (current.length > 0) runs.push(current);
      current = [];
      continue;
    }
    current.push({ t: p.t, v: p.latency });
  }
  if (current.length > 0) runs.push(current);

  const last = measured[measured.length - 1]?.latency ?? null;
  const min = measured.length ? Math.min(...measured.map((p) => p.latency ?? 0)) : null;
  const label =
    `Latency over time, ${points.length} points` +
    (min === null ? ', none measured' : `: min ${fmt(min)}, max ${fmt(max)}, latest ${fmt(last)}`);
  return (
    <figure className="chart">
      <ChartFrame
        label={label}
        top={fmt(max)}
        start={new Date(t0).toLocaleTimeString(undefined, { hour12: false })}
        end={new Date(t1).toLocaleTimeString(undefined, { hour12: false })}
      >
        {runs.map((run, i) => (
          <path key={i} className="line" d={linePath(run, scale)} />
        ))}
        {measured.map((p) => (
          <circle key={`m${p.key}`} className="dot" cx={x(p.t)} cy={y(p.latency ?? 0)} r={2.5} />
        ))}
        {points.map((p) =>
          p.status === 'healthy' ? null : (
            <circle
              key={p.key}
              className={`mark status-fill-${p.status}`}
              cx={x(p.t)}
              cy={p.latency === null ? H - PAD.bottom : y(p.latency)}
              r={3.5}
            >
              <title>{`${p.status === 'failed' ? 'probe failed' : p.status} at ${new Date(p.t).toLocaleTimeString()}`}</title>
            </circle>
          ),
        )}
      </ChartFrame>
      <figcaption className="muted">{label}</figcaption>
    </figure>
  );
});
