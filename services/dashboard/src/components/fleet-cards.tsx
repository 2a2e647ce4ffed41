// Card grid of the fleet. Windowed like the table (fixed card height, whole rows of cards), so a
// wall display with thousands of MCPs keeps only what is on screen in the DOM.
import type { McpStatus } from '@beacon/protocol';
import { memo, useRef } from 'react';
import { CIRCUIT_LABEL, latency, statusLabel } from '../format.js';
import { useSize, useWindow } from '../hooks.js';
import { Ago } from './ago.js';
import { CircuitBadge, StatusBadge } from './badges.js';
import { fleetItemData, NoMatches, type FleetItemProps } from './fleet-item.js';
import { useListKeys } from './list-keys.js';
import { UptimeBadges, type RowUptime } from './uptime-badges.js';

const Card = memo(function Card({
  row,
  index,
  selected,
  uptime,
  onOpen,
  onKeyDown,
}: FleetItemProps) {
  return (
    <div
      role="listitem"
      className={`card status-edge-${row.health_status}${selected ? ' selected' : ''}${row.enabled ? '' : ' disabled'}`}
      {...fleetItemData(row)}
    >
      <button
        type="button"
        className="card-open"
        data-index={index}
        aria-label={`${row.name}: ${statusLabel(row.health_status, row.health_reason)}, circuit ${CIRCUIT_LABEL[row.circuit_state].toLowerCase()}. Open details`}
        onClick={() => onOpen(row.name)}
        onKeyDown={(e) => onKeyDown(e, index)}
      >
        <span className="card-name">{row.name}</span>
      </button>
      <div className="card-badges">
        <StatusBadge status={row.health_status} reason={row.health_reason} />
        <CircuitBadge circuit={row.circuit_state} />
        {row.auto_disabled ? <span className="chip">auto-disabled</span> : null}
        {!row.enabled && !row.auto_disabled ? <span className="chip">disabled</span> : null}
      </div>
      <div className="card-uptime">
        <UptimeBadges uptime={uptime} />
      </div>
      <dl className="card-facts">
        <div>
          <dt>Latency</dt>
          <dd>{latency(row.latency_ms)}</dd>
        </div>
        <div>
          <dt>Tools</dt>
          <dd>{row.tools_count ?? '—'}</dd>
        </div>
        <div>
          <dt>Checked</dt>
          <dd>
            <Ago iso={row.last_health_check} />
          </dd>
        </div>
        <div>
          <dt>Failures</dt>
          <dd>{row.failure_cycles}</dd>
        </div>
      </dl>
      <p className="card-error" title={row.last_error ?? ''}>
        {row.last_error ?? '\u00a0'}
      </p>
    </div>
  );
});

export function FleetCards({
  rows,
  selected,
  uptime,
  onOpen,
  cardHeight,
  minCardWidth,
}: {
  rows: readonly McpStatus[];
  selected: string | null;
  uptime: ReadonlyMap<string, RowUptime>;
  onOpen: (name: string) => void;
  cardHeight: number;
  minCardWidth: number;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const { width } = useSize(scroller);
  const gap = 12;
  const cols = Math.max(1, Math.floor((width - gap + gap) / (minCardWidth + gap)));
  const rowCount = Math.ceil(rows.length / cols);
  const win = useWindow(scroller, rowCount, cardHeight + gap, 2);
  const onKeyDown = useListKeys(scroller, rows.length, cardHeight + gap, cols);
  const visible = rows.slice(win.first * cols, win.last * cols);
  return (
    <div className="scroller cards-scroller" ref={scroller}>
      <div style={{ height: win.totalHeight, position: 'relative' }}>
        <div
          role="list"
          aria-label="MCP fleet"
          className="cards"
          style={{
            transform: `translateY(${win.offsetTop}px)`,
            gridTemplateColumns: `repeat(${cols}, minmax(0, 1fr))`,
            gridAutoRows: cardHeight,
            gap,
          }}
        >
          {visible.map((row, i) => (
            <Card
              key={row.name}
              row={row}
              index={win.first * cols + i}
              selected={row.name === selected}
              uptime={uptime.get(row.name)}
              onOpen={onOpen}
              onKeyDown={onKeyDown}
            />
          ))}
        </div>
      </div>
      {rows.length === 0 ? <NoMatches /> : null}
    </div>
  );
}
