// The Incidents page: the fleet's down periods, newest first, filtered by MCP name pattern, state,
// period (a preset or a custom UTC range) and minimum duration, paged with the edge's cursor
// ("Load more"), and downloadable as CSV with the same filters — fetched with the Bearer token and
// saved as a Blob, since a plain link cannot carry the header. A preset period is resolved when
// the filters are applied, so the list, "Load more" and the CSV all ask for the same instants.
import type { Incident } from '@beacon/protocol';
import { useEffect, useState, type FormEvent } from 'react';
import type { IncidentQuery, UptimeApi } from '../api.js';
import {
  EMPTY_FILTERS,
  INCIDENT_RANGES,
  MAX_MIN_DURATION_MIN,
  MIN_DURATION_NOT_A_NUMBER,
  RANGE_LABELS,
  fieldOfEdgeError,
  incidentFilterQuery,
  type FilterField,
  type QueryField,
  type IncidentFilterDraft,
  type IncidentRange,
} from '../incident-filters.js';
import { settleInto } from '../settle.js';
import { IncidentsTable } from './incidents-table.js';

export const INCIDENTS_PAGE = 50;
/** Rows kept on screen at most, however often "Load more" is pressed. */
export const MAX_INCIDENT_ROWS = 5_000;

const ERROR_ID = 'incident-filter-error';
const STATUS_ID = 'incident-status';

export function IncidentsPage({
  api,
  onOpenMcp,
}: {
  api: UptimeApi;
  onOpenMcp: (name: string) => void;
}) {
  const [draft, setDraft] = useState<IncidentFilterDraft>(EMPTY_FILTERS);
  /** The applied filters as the edge takes them (no `limit`/`next`). */
  const [filters, setFilters] = useState<IncidentQuery>({});
  const [invalid, setInvalid] = useState<{ field: FilterField; message: string } | null>(null);
  const [incidents, setIncidents] = useState<Incident[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState('');
  const [tick, setTick] = useState(0);

  useEffect(() => {
    let cancelled = false;
    setLoading(true);
    settleInto(
      api.incidents({ ...filters, limit: INCIDENTS_PAGE }),
      () => cancelled,
      (r) => {
        setIncidents(r.incidents);
        setNext(r.next);
        setError(null);
      },
      setError,
      setLoading,
    );
    return () => {
      cancelled = true;
    };
  }, [api, filters, tick]);

  const loadMore = (): void => {
    if (next === null) return;
    setLoading(true);
    settleInto(
      api.incidents({ ...filters, limit: INCIDENTS_PAGE, next }),
      () => false,
      (r) => {
        setIncidents((list) => {
          const seen = new Set(list.map((i) => i.id));
          return [...list, ...r.incidents.filter((i) => !seen.has(i.id))].slice(
            0,
            MAX_INCIDENT_ROWS,
          );
        });
        setNext(r.next);
      },
      setError,
      setLoading,
    );
  };

  const download = (): void => {
    setNote('Preparing CSV…');
    api.incidentsCsv(filters).then(
      (blob) => {
        const url = URL.createObjectURL(blob);
        const a = document.createElement('a');
        a.href = url;
        a.download = `beacon-incidents-${new Date().toISOString().slice(0, 10)}.csv`;
        document.body.append(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(url), 10_000);
        setNote(`CSV downloaded (${blob.size.toLocaleString('en-US')} bytes).`);
      },
      (err: unknown) => setNote(`CSV failed: ${err instanceof Error ? err.message : String(err)}`),
    );
  };

  const apply = (e: FormEvent): void => {
    e.preventDefault();
    // A number input reports text it cannot read ("1e") as '': ask it rather than skip the filter.
    const typed = (e.currentTarget as HTMLFormElement).elements.namedItem('min_duration');
    if (typed instanceof HTMLInputElement && typed.validity.badInput) {
      setInvalid({ field: 'min_duration', message: MIN_DURATION_NOT_A_NUMBER });
      return;
    }
    const result = incidentFilterQuery(draft, Date.now());
    if (!result.ok) {
      setInvalid({ field: result.field, message: result.message });
      return;
    }
    setInvalid(null);
    setFilters(result.query);
    setTick((t) => t + 1);
  };
  const set = (patch: Partial<IncidentFilterDraft>): void => setDraft((d) => ({ ...d, ...patch }));
  // The edge's 400 names the bad parameter: flag that field too, described by the status line.
  const edgeField = error === null ? null : fieldOfEdgeError(error);
  /** aria-invalid and the message's id on the field a message names. */
  const flag = (field: QueryField) =>
    invalid?.field === field
      ? { 'aria-invalid': true as const, 'aria-describedby': ERROR_ID }
      : invalid === null && edgeField === field
        ? { 'aria-invalid': true as const, 'aria-describedby': STATUS_ID }
        : { 'aria-invalid': false as const };

  return (
    <main className="alerts-page incidents-page" aria-label="Incidents" id="incidents">
      <section className="alerts-section" aria-label="Incident filters">
        <div className="section-head">
          <h2>Incidents</h2>
          <button type="button" onClick={download} data-incidents-csv>
            Download CSV
          </button>
        </div>
        <form className="form-row incident-filters" onSubmit={apply} noValidate>
          <label className="field">
            MCP pattern{' '}
            <input
              name="mcp"
              value={draft.mcp}
              maxLength={512}
              placeholder="pay_*, search"
              {...flag('mcp')}
              onChange={(e) => set({ mcp: e.target.value })}
            />
          </label>
          <label className="field">
            State{' '}
            <select
              name="state"
              value={draft.state}
              onChange={(e) => set({ state: e.target.value as IncidentFilterDraft['state'] })}
              {...flag('state')}
            >
              <option value="">any</option>
              <option value="open">ongoing</option>
              <option value="resolved">resolved</option>
            </select>
          </label>
          <label className="field">
            Period{' '}
            <select
              name="range"
              value={draft.range}
              onChange={(e) => set({ range: e.target.value as IncidentRange })}
            >
              {INCIDENT_RANGES.map((r) => (
                <option key={r} value={r}>
                  {RANGE_LABELS[r]}
                </option>
              ))}
            </select>
          </label>
          {draft.range === 'custom' ? (
            <>
              <label className="field">
                From (UTC){' '}
                <input
                  type="datetime-local"
                  name="from"
                  value={draft.from}
                  onChange={(e) => set({ from: e.target.value })}
                  {...flag('from')}
                />
              </label>
              <label className="field">
                To (UTC){' '}
                <input
                  type="datetime-local"
                  name="to"
                  value={draft.to}
                  onChange={(e) => set({ to: e.target.value })}
                  {...flag('to')}
                />
              </label>
            </>
          ) : null}
          <label className="field">
            Min duration (min){' '}
            <input
              type="number"
              name="min_duration"
              inputMode="decimal"
              min={0}
              max={MAX_MIN_DURATION_MIN}
              step="any"
              value={draft.minMinutes}
              placeholder="0"
              onChange={(e) => set({ minMinutes: e.target.value })}
              {...flag('min_duration')}
            />
          </label>
          <button type="submit">Apply</button>
        </form>
        {invalid === null ? null : (
          <p className="notice error" role="alert" id={ERROR_ID} data-filter-error={invalid.field}>
            {invalid.message}
          </p>
        )}
        <p
          className={error === null ? 'muted' : 'notice error'}
          role="status"
          id={STATUS_ID}
          data-incidents-error={error === null ? undefined : (edgeField ?? '')}
        >
          {error ?? (loading ? 'Loading incidents…' : note)}
        </p>
      </section>
      <section className="alerts-section" aria-label="Incident list">
        <IncidentsTable incidents={incidents} onOpenMcp={onOpenMcp} />
        {!loading && incidents.length === 0 && error === null ? (
          <p className="muted">No incidents match.</p>
        ) : null}
        {next !== null && incidents.length < MAX_INCIDENT_ROWS ? (
          <button type="button" onClick={loadMore} disabled={loading} data-load-more>
            Load more
          </button>
        ) : null}
      </section>
    </main>
  );
}
