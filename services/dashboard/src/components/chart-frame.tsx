// The frame both latency charts draw in (live points in the detail view, uptime history by
// window): SVG box and padding, the time and value scales, the two axes with their end ticks,
// and the "M…L…" path through one unbroken run of points. Kept in one place so the two charts
// stay the same size and read the same way.
import type { ReactNode } from 'react';

export const W = 560;
export const H = 160;
export const PAD = { left: 48, right: 12, top: 10, bottom: 22 } as const;

export interface ChartPoint {
  readonly t: number;
  readonly v: number;
}

export interface ChartScale {
  readonly x: (t: number) => number;
  readonly y: (v: number) => number;
}

/** Time t0…t1 across the plot, 0…top up it (callers keep t1 > t0 and top > 0). */
export function chartScale(t0: number, t1: number, top: number): ChartScale {
  return {
    x: (t) => PAD.left + ((t - t0) / (t1 - t0)) * (W - PAD.left - PAD.right),
    y: (v) => PAD.top + (1 - v / top) * (H - PAD.top - PAD.bottom),
  };
}

/** SVG path data through one run of points; a gap in the data is a new run, so a new path. */
export function linePath(run: readonly ChartPoint[], { x, y }: ChartScale): string {
  return run
    .map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`)
    .join('');
}

/** The SVG with its axes and tick labels (top value, 0, start and end time); the lines go inside. */
export function ChartFrame({
  label,
  top,
  start,
  end,
  children,
}: {
  label: string;
  top: string;
  start: string;
  end: string;
  children: ReactNode;
}) {
  return (
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
        {top}
      </text>
      <text className="tick" x={PAD.left - 6} y={H - PAD.bottom} textAnchor="end">
        0
      </text>
      <text className="tick" x={PAD.left} y={H - 6}>
        {start}
      </text>
      <text className="tick" x={W - PAD.right} y={H - 6} textAnchor="end">
        {end}
      </text>
      {children}
    </svg>
  );
}
