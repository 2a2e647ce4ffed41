// Latency history of one MCP over a chosen window (24 h … 365 d): p50, p95 and max per bucket of
// the uptime series (hours for 24h/7d, days otherwise) as three SVG lines, gaps where no probe
// was timed. The summary figures of the window go in the label and caption.
import type { UptimeResponse, UptimeWindow } from '@beacon/protocol';
import { memo } from 'react';
import { latency as fmt } from '../format.js';
import { latencyLines, utcDate, utcMinute, type LatencyLinePoint } from '../uptime-view.js';

const W = 560;
const H = 160;
const PAD = { left: 48, right: 12, top: 10, bottom: 22 };
const LINES = ['max', 'p95', 'p50'] as const;

export const LatencyHistoryChart = memo(function LatencyHistoryChart({
  uptime,
  window,
}: {
  uptime: UptimeResponse;
  window: UptimeWindow;
}) {
  const lines = latencyLines(uptime.series);
  if (lines.top === 0 && lines.p50.length === 0 && lines.max.length === 0) {
    return <p className="muted">No latency measured in this window.</p>;
  }
  const top = Math.max(1, lines.top);
  const x = (t: number): number =>
    PAD.left + ((t - lines.t0) / (lines.t1 - lines.t0)) * (W - PAD.left - PAD.right);
  const y = (v: number): number => PAD.top + (1 - v / top) * (H - PAD.top - PAD.bottom);
  const path = (run: readonly LatencyLinePoint[]): string =>
    run.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join('');
  const stamp = uptime.bucket === 'hour' ? utcMinute : utcDate;
  const l = uptime.latency_ms;
  const label = `Latency over the last ${window} by ${uptime.bucket}: p50 ${fmt(l.p50)}, p95 ${fmt(l.p95)}, max ${fmt(l.max)}`;
  return (
    <figure className="chart latency-history" data-window={window}>
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
          {fmt(top)}
        </text>
        <text className="tick" x={PAD.left - 6} y={H - PAD.bottom} textAnchor="end">
          0
        </text>
        <text className="tick" x={PAD.left} y={H - 6}>
          {stamp(new Date(lines.t0).toISOString())}
        </text>
        <text className="tick" x={W - PAD.right} y={H - 6} textAnchor="end">
          {stamp(new Date(lines.t1).toISOString())}
        </text>
        {LINES.map((k) =>
          lines[k].map((run, i) =>
            run.length === 1 ? (
              <circle
                key={`${k}${i}`}
                className={`dot line-${k}`}
                cx={x(run[0]!.t)}
                cy={y(run[0]!.v)}
                r={2}
              />
            ) : (
              <path key={`${k}${i}`} className={`line line-${k}`} d={path(run)} />
            ),
          ),
        )}
      </svg>
      <figcaption className="muted legend">
        <span className="key line-p50">p50</span> <span className="key line-p95">p95</span>{' '}
        <span className="key line-max">max</span> · one point per {uptime.bucket}, times in UTC
      </figcaption>
    </figure>
  );
});
