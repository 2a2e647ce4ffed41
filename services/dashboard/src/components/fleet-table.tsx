// Compact table for fleets of thousands: only the rows in view exist in the DOM (fixed row
// height), each row is memoized on its immutable McpStatus object, and the "ago" column ticks on
// its own. ARIA table semantics with aria-rowindex so screen readers know where they are.
import type { McpStatus } from '@beacon/protocol';
import { memo, useRef } from 'react';
import type { SortKey } from '../fleet-view.js';
import { latency } from '../format.js';
import { useWindow } from '../hooks.js';
import { Ago } from './ago.js';
import { CircuitBadge, StatusBadge } from './badges.js';
import { fleetItemData, NoMatches, type FleetItemProps } from './fleet-item.js';
import { useListKeys } from './list-keys.js';
import { UptimeBadge, type RowUptime } from './uptime-badges.js';

/** Column headers; the sortable ones sort the fleet when activated. */
const COLUMNS: readonly { label: string; sort?: SortKey }[] = [
  { label: 'Name', sort: 'name' },
  { label: 'Status', sort: 'severity' },
  { label: 'Circuit', sort: 'circuit' },
  { label: 'Latency', sort: 'latency' },
  { label: 'Up 24 h' },
  { label: 'Up 30 d' },
  { label: 'Tools' },
  { label: 'Last check', sort: 'checked' },
  { label: 'Failures', sort: 'failures' },
  { label: 'Last error' },
];

const Row = memo(function Row({ row, index, selected, uptime, onOpen, onKeyDown }: FleetItemProps) {
  return (
    <div
      role="row"
      aria-rowindex={index + 2}
      aria-selected={selected}
      tabIndex={0}
      data-index={index}
      {...fleetItemData(row)}
      className={`trow${selected ? ' selected' : ''}${row.enabled ? '' : ' disabled'}`}
      onClick={() => onOpen(row.name)}
      onKeyDown={(e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          onOpen(row.name);
        } else onKeyDown(e, index);
      }}
    >
      <span role="cell" className="c-name" title={row.name}>
        {row.name}
        {row.auto_disabled ? <span className="chip">auto-disabled</span> : null}
      </span>
      <span role="cell">
        <StatusBadge status={row.health_status} reason={row.health_reason} />
      </span>
      <span role="cell">
        <CircuitBadge circuit={row.circuit_state} />
      </span>
      <span role="cell" className="num">
        {latency(row.latency_ms)}
      </span>
      <span role="cell">
        <UptimeBadge window="24h" figures={uptime?.day} compact />
      </span>
      <span role="cell">
        <UptimeBadge window="30d" figures={uptime?.month} compact />
      </span>
      <span role="cell" className="num">
        {row.tools_count ?? '—'}
      </span>
      <span role="cell">
        <Ago iso={row.last_health_check} />
      </span>
      <span role="cell" className="num">
        {row.failure_cycles}
      </span>
      <span role="cell" className="c-error" title={row.last_error ?? ''}>
        {row.last_error ?? ''}
      </span>
    </div>
  );
});

export function FleetTable({
  rows,
  selected,
  uptime,
  onOpen,
  rowHeight,
  sort,
  descending,
  onSort,
}: {
  rows: readonly McpStatus[];
  selected: string | null;
  uptime: ReadonlyMap<string, RowUptime>;
  onOpen: (name: string) => void;
  rowHeight: number;
  sort: SortKey;
  descending: boolean;
  /** Same key again flips the direction. */
  onSort: (key: SortKey) => void;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const win = useWindow(scroller, rows.length, rowHeight);
  const onKeyDown = useListKeys(scroller, rows.length, rowHeight);
  const visible = rows.slice(win.first, win.last);
  return (
    <div className="table" role="table" aria-label="MCP fleet" aria-rowcount={rows.length + 1}>
      <div role="rowgroup" className="thead">
        <div role="row" aria-rowindex={1} className="trow head">
          {COLUMNS.map((c) => (
            <span
              role="columnheader"
              key={c.label}
              aria-sort={
                c.sort !== undefined && c.sort === sort
                  ? descending
                    ? 'descending'
                    : 'ascending'
                  : undefined
              }
            >
              {c.sort === undefined ? (
                c.label
              ) : (
                <button type="button" className="th-sort" onClick={() => onSort(c.sort!)}>
                  {c.label}
                  <span aria-hidden="true">
                    {c.sort === sort ? (descending ? ' ↓' : ' ↑') : ''}
                  </span>
                </button>
              )}
            </span>
          ))}
        </div>
      </div>
      <div className="scroller" ref={scroller} role="rowgroup" tabIndex={-1}>
        <div style={{ height: win.totalHeight, position: 'relative' }}>
          <div style={{ transform: `translateY(${win.offsetTop}px)` }}>
            {visible.map((row, i) => (
              <Row
                key={row.name}
                row={row}
                index={win.first + i}
                selected={row.name === selected}
                uptime={uptime.get(row.name)}
                onOpen={onOpen}
                onKeyDown={onKeyDown}
              />
            ))}
          </div>
        </div>
      </div>
      {rows.length === 0 ? <NoMatches /> : null}
    </div>
  );
}
