// Live event timeline: newest first, filterable by kind and MCP name, each entry with its log
// offset. Reads the store's bounded ring; only visible entries are rendered.
import { memo, useMemo, useRef, useState } from 'react';
import { nameMatcher } from '../fleet-view.js';
import { clockTime } from '../format.js';
import { useWindow } from '../hooks.js';
import type { TimelineEntry } from '../live.js';

type Kind = 'all' | 'status' | 'health' | 'fleet' | 'problems';
const KIND_LABEL: Readonly<Record<Kind, string>> = {
  all: 'All events',
  status: 'Status changes',
  health: 'Health events',
  fleet: 'Fleet changes',
  problems: 'Problems only',
};
const PROBLEMS = new Set([
  'unhealthy',
  'disconnected',
  'failure',
  'circuit_opened',
  'auto_disabled',
  'inactive',
]);

function matchesKind(e: TimelineEntry, kind: Kind): boolean {
  switch (kind) {
    case 'all':
      return true;
    case 'status':
      return e.type === 'mcp_status_change';
    case 'health':
      return e.type === 'health_event';
    case 'fleet':
      return e.type.startsWith('mcp_') && e.type !== 'mcp_status_change';
    case 'problems':
      return PROBLEMS.has(e.what) || e.type === 'marker';
  }
}

const Entry = memo(function Entry({
  entry,
  onOpen,
}: {
  entry: TimelineEntry;
  onOpen: (name: string) => void;
}) {
  return (
    <li
      className={`tl-entry tl-${entry.type} tl-what-${entry.what}`}
      data-offset={entry.offset ?? undefined}
      data-mcp={entry.mcp}
    >
      <div className="tl-line">
        <time dateTime={entry.timestamp} className="tl-time">
          {clockTime(entry.timestamp)}
        </time>
        <span className="tl-what">{entry.what.replace(/_/g, ' ')}</span>
        {entry.mcp ? (
          <button type="button" className="link tl-mcp" onClick={() => onOpen(entry.mcp)}>
            {entry.mcp}
          </button>
        ) : null}
      </div>
      <div className="tl-line">
        <span className="tl-detail" title={entry.detail}>
          {entry.detail}
          {entry.actor ? ` · by ${entry.actor}` : ''}
        </span>
        <span className="tl-offset" title="log offset">
          {entry.offset ?? ''}
        </span>
      </div>
    </li>
  );
});

export function Timeline({
  entries,
  version,
  total,
  onOpen,
  itemHeight,
}: {
  entries: readonly TimelineEntry[];
  version: number;
  total: number;
  onOpen: (name: string) => void;
  itemHeight: number;
}) {
  const [kind, setKind] = useState<Kind>('all');
  const [search, setSearch] = useState('');
  const scroller = useRef<HTMLDivElement>(null);
  // Newest first. `version` changes whenever the ring does (it is appended in place).
  const shown = useMemo(() => {
    const match = nameMatcher(search);
    const out: TimelineEntry[] = [];
    for (let i = entries.length - 1; i >= 0; i--) {
      const e = entries[i];
      if (e !== undefined && matchesKind(e, kind) && (search === '' || match(e.mcp))) out.push(e);
    }
    return out;
  }, [entries, version, kind, search]);
  const win = useWindow(scroller, shown.length, itemHeight, 8);
  return (
    <section className="timeline" aria-label="Event timeline">
      <header className="panel-head">
        <h2>Timeline</h2>
        <span className="muted" data-events-total={total}>
          {total.toLocaleString('en-US')} events
        </span>
      </header>
      <div className="toolbar compact">
        <label className="field">
          <span className="field-label">Show</span>
          <select value={kind} onChange={(e) => setKind(e.target.value as Kind)}>
            {(Object.keys(KIND_LABEL) as Kind[]).map((k) => (
              <option key={k} value={k}>
                {KIND_LABEL[k]}
              </option>
            ))}
          </select>
        </label>
        <label className="field grow">
          <span className="field-label">MCP</span>
          <input
            type="search"
            value={search}
            placeholder="filter by name"
            onChange={(e) => setSearch(e.target.value)}
          />
        </label>
      </div>
      <div className="scroller" ref={scroller}>
        <div style={{ height: win.totalHeight, position: 'relative' }}>
          <ol
            className="tl-list"
            aria-label="Events, newest first"
            style={{ transform: `translateY(${win.offsetTop}px)` }}
          >
            {shown.slice(win.first, win.last).map((e, i) => (
              <Entry
                key={e.offset ?? `m${win.first + i}-${e.timestamp}`}
                entry={e}
                onOpen={onOpen}
              />
            ))}
          </ol>
        </div>
        {shown.length === 0 ? <p className="empty">No events yet.</p> : null}
      </div>
    </section>
  );
}
