// The 90-day availability bar of one MCP: one segment per UTC day from its daily series, coloured
// by availability (gray: no data), each with its date, availability and downtime on hover. The
// whole bar is one image to assistive technology, labelled with a summary of the period.
import { memo } from 'react';
import type { UptimeResponse } from '@beacon/protocol';
import { barSegments } from '../uptime-view.js';

export const AvailabilityBar = memo(function AvailabilityBar({
  uptime,
}: {
  uptime: UptimeResponse;
}) {
  const { segments, summary } = barSegments(uptime.series);
  if (segments.length === 0) return <p className="muted">No uptime history yet.</p>;
  return (
    <figure className="availability">
      <div className="availability-bar" role="img" aria-label={summary} data-days={segments.length}>
        {segments.map((s) => (
          <span
            key={s.date}
            className={`day uptime-${s.level}`}
            data-day={s.date}
            data-level={s.level}
            title={s.title}
          />
        ))}
      </div>
      <figcaption className="availability-axis muted">
        <span>{segments[0]?.date}</span>
        <span>{segments[segments.length - 1]?.date}</span>
      </figcaption>
    </figure>
  );
});
