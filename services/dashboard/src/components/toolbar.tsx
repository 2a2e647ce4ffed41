// Filters, search, sort and view switch for the fleet overview. Every control has a visible or
// screen-reader label; the search box reacts as you type (filtering is cheap, see fleet-view.ts).
import { memo } from 'react';
import { CIRCUITS, SORT_LABELS, STATUSES, type FleetFilter, type SortKey } from '../fleet-view.js';
import { CIRCUIT_LABEL, STATUS_LABEL } from '../format.js';
import type { View } from '../prefs.js';

export const Toolbar = memo(function Toolbar({
  filter,
  onChange,
  tags,
  view,
  onView,
  shown,
  total,
}: {
  filter: FleetFilter;
  onChange: (f: FleetFilter) => void;
  tags: readonly string[];
  view: View;
  onView: (v: View) => void;
  shown: number;
  total: number;
}) {
  const set = (patch: Partial<FleetFilter>): void => onChange({ ...filter, ...patch });
  return (
    <div className="toolbar" role="search" aria-label="Filter the fleet">
      <label className="field grow">
        <span className="field-label">Search</span>
        <input
          type="search"
          placeholder="name or pattern, e.g. billing* "
          value={filter.search}
          onChange={(e) => set({ search: e.target.value })}
        />
      </label>
      <label className="field">
        <span className="field-label">Status</span>
        <select
          value={filter.status}
          onChange={(e) => set({ status: e.target.value as FleetFilter['status'] })}
        >
          <option value="all">All</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {STATUS_LABEL[s]}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span className="field-label">Circuit</span>
        <select
          value={filter.circuit}
          onChange={(e) => set({ circuit: e.target.value as FleetFilter['circuit'] })}
        >
          <option value="all">All</option>
          {CIRCUITS.map((c) => (
            <option key={c} value={c}>
              {CIRCUIT_LABEL[c]}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span className="field-label">Tag</span>
        <select value={filter.tag} onChange={(e) => set({ tag: e.target.value })}>
          <option value="all">All</option>
          {tags.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span className="field-label">Sort</span>
        <select value={filter.sort} onChange={(e) => set({ sort: e.target.value as SortKey })}>
          {(Object.keys(SORT_LABELS) as SortKey[]).map((k) => (
            <option key={k} value={k}>
              {SORT_LABELS[k]}
            </option>
          ))}
        </select>
      </label>
      <button
        type="button"
        className="icon-button"
        aria-label={
          filter.descending
            ? 'Sort descending (click for ascending)'
            : 'Sort ascending (click for descending)'
        }
        aria-pressed={filter.descending}
        onClick={() => set({ descending: !filter.descending })}
      >
        {filter.descending ? '↓' : '↑'}
      </button>
      <div className="segmented" role="group" aria-label="View">
        <button type="button" aria-pressed={view === 'cards'} onClick={() => onView('cards')}>
          Cards
        </button>
        <button type="button" aria-pressed={view === 'table'} onClick={() => onView('table')}>
          Table
        </button>
      </div>
      <output className="shown" aria-live="polite" data-shown={shown}>
        {shown === total ? `${total} MCPs` : `${shown} of ${total}`}
      </output>
    </div>
  );
});
