// The 90-day availability bar of one MCP: one segment per UTC day from its daily series, coloured
// by availability (gray: no data), each with its date, availability and downtime on hover. To
// assistive technology the bar is a list labelled with a summary of the period, one item per day
// named by the same text as the hover; the days are one tab stop (roving tabindex, the newest day
// first): arrow keys move a day (right/down: later), Home/End to the ends. The focused day's
// text also shows under the bar, for sighted keyboard users (hidden from screen readers, which
// already read the item's name).
import { memo, useRef, useState, type KeyboardEvent } from 'react';
import type { UptimeResponse } from '@beacon/protocol';
import { barSegments, nextBarIndex } from '../uptime-view.js';

export const AvailabilityBar = memo(function AvailabilityBar({
  uptime,
}: {
  uptime: UptimeResponse;
}) {
  const { segments, summary } = barSegments(uptime.series);
  const list = useRef<HTMLDivElement>(null);
  /** The tab stop, by date so a refresh that adds a day keeps the same one. */
  const [activeDate, setActiveDate] = useState<string | null>(null);
  const [focused, setFocused] = useState(false);
  if (segments.length === 0) return <p className="muted">No uptime history yet.</p>;
  const found = activeDate === null ? -1 : segments.findIndex((s) => s.date === activeDate);
  const active = found === -1 ? segments.length - 1 : found;

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>): void => {
    const to = nextBarIndex(active, segments.length, e.key);
    if (to === null) return;
    e.preventDefault();
    setActiveDate(segments[to]?.date ?? null);
    const el = list.current?.children[to];
    if (el instanceof HTMLElement) el.focus();
  };

  return (
    <figure className="availability">
      <div
        ref={list}
        className="availability-bar"
        role="list"
        aria-label={summary}
        data-days={segments.length}
        onKeyDown={onKeyDown}
        onFocus={() => setFocused(true)}
        onBlur={(e) => {
          if (!e.currentTarget.contains(e.relatedTarget)) setFocused(false);
        }}
      >
        {segments.map((s, i) => (
          <span
            key={s.date}
            role="listitem"
            tabIndex={i === active ? 0 : -1}
            aria-label={s.title}
            className={`day uptime-${s.level}`}
            data-day={s.date}
            data-level={s.level}
            title={s.title}
            onFocus={() => setActiveDate(s.date)}
          />
        ))}
      </div>
      <figcaption className="availability-axis muted">
        <span>{segments[0]?.date}</span>
        <span className="availability-focus" aria-hidden="true" data-bar-focus>
          {focused ? (segments[active]?.title ?? '') : ''}
        </span>
        <span>{segments[segments.length - 1]?.date}</span>
      </figcaption>
    </figure>
  );
});
