// Latency over time as inline SVG: a line through measured latencies (gaps where the MCP gave no
// number), with failure points marked. Points come from status changes (history + live) and from
// probe digests (a sample every few seconds), merged by ../latency-points.ts. No chart library: a
// few hundred points need none.
import { memo } from 'react';
import { latency as fmt } from '../format.js';
import type { LatencyPoint } from '../latency-points.js';

const W = 560;
const H = 160;
const PAD = { left: 48, right: 12, top: 10, bottom: 22 };

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
  const x = (t: number): number => PAD.left + ((t - t0) / (t1 - t0)) * (W - PAD.left - PAD.right);
  const y = (v: number): number => PAD.top + (1 - v / max) * (H - PAD.top - PAD.bottom);

  // Break the line wherever latency is unknown (down, disconnected).
  const segments: string[] = [];
  let current = '';
  for (const p of points) {
    if (p.latency === null) {
      if (current) segments.push(current);
      current = '';
      continue;
    }
    current += `${current ? 'L' : 'M'}${x(p.t).toFixed(1)},${y(p.latency).toFixed(1)}`;
  }
  if (current) segments.push(current);

  const last = measured[measured.length - 1]?.latency ?? null;
  const min = measured.length ? Math.min(...measured.map((p) => p.latency ?? 0)) : null;
  const label =
    `Latency over time, ${points.length} points` +
    (min === null ? ', none measured' : `: min ${fmt(min)}, max ${fmt(max)}, latest ${fmt(last)}`);
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label} preserveAspectRatio="none">
        <line
          className="axis"
          x1={PAD.left}
          x2={W - PAD.right}
          y1={H - PAD.bottom}
          y2={H - PAD.bottom}
        />
        <line className="axis" x1={PAD.left} x2={PAD.left} y1={PAD.top} y2={H - PAD.bottom} />
        <text className="tick" x={PAD.left - 6} y={PAD.top + 8} textAnchor="end">
          {fmt(max)}
        </text>
        <text className="tick" x={PAD.left - 6} y={H - PAD.bottom} textAnchor="end">
          0
        </text>
        <text className="tick" x={PAD.left} y={H - 6}>
          {new Date(t0).toLocaleTimeString(undefined, { hour12: false })}
        </text>
        <text className="tick" x={W - PAD.right} y={H - 6} textAnchor="end">
          {new Date(t1).toLocaleTimeString(undefined, { hour12: false })}
        </text>
        {segments.map((d, i) => (
          <path key={i} className="line" d={d} />
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
      </svg>
      <figcaption className="muted">{label}</figcaption>
    </figure>
  );
});
