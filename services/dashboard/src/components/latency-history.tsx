// Latency history of one MCP over a chosen window (24 h … 365 d): p50, p95 and max per bucket of
// the uptime series (hours for 24h/7d, days otherwise) as three SVG lines, gaps where no probe
// was timed. The summary figures of the window go in the label and caption.
import type { UptimeResponse, UptimeWindow } from '@beacon/protocol';
import { memo } from 'react';
import { latency as fmt } from '../format.js';
import { latencyLines, utcDate, utcMinute } from '../uptime-view.js';
import { ChartFrame, chartScale, linePath } from './chart-frame.js';

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
  const scale = chartScale(lines.t0, lines.t1, top);
  const { x, y } = scale;
  const stamp = uptime.bucket === 'hour' ? utcMinute : utcDate;
  const l = uptime.latency_ms;
  const label = `Latency over the last ${window} by ${uptime.bucket}: p50 ${fmt(l.p50)}, p95 ${fmt(l.p95)}, max ${fmt(l.max)}`;
  return (
    <figure className="chart latency-history" data-window={window}>
      <ChartFrame
        label={label}
        top={fmt(top)}
        start={stamp(new Date(lines.t0).toISOString())}
        end={stamp(new Date(lines.t1).toISOString())}
      >
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
              <path key={`${k}${i}`} className={`line line-${k}`} d={linePath(run, scale)} />
            ),
          ),
        )}
      </ChartFrame>
      <figcaption className="muted legend">
        <span className="key line-p50">p50</span> <span className="key line-p95">p95</span>{' '}
        <span className="key line-max">max</span> · one point per {uptime.bucket}, times in UTC
      </figcaption>
    </figure>
  );
});
