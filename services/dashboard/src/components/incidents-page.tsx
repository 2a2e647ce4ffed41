// The Incidents page: the fleet's down periods, newest first, filtered by MCP name pattern and
// state, paged with the edge's cursor ("Load more"), and downloadable as CSV — fetched with the
// Bearer token and saved as a Blob, since a plain link cannot carry the header.
import type { Incident } from '@beacon/protocol';
import { useEffect, useState, type FormEvent } from 'react';
import type { IncidentQuery, UptimeApi } from '../api.js';
import { settleInto } from '../settle.js';
import { patternList } from '../uptime-view.js';
import { IncidentsTable } from './incidents-table.js';

export const INCIDENTS_PAGE = 50;
/** Rows kept on screen at most, however often "Load more" is pressed. */
export const MAX_INCIDENT_ROWS = 5_000;

interface Filters {
  readonly mcp: string;
  readonly state: '' | 'open' | 'resolved';
}

function queryOf(f: Filters): IncidentQuery {
  const mcp = patternList(f.mcp);
  return {
    limit: INCIDENTS_PAGE,
    ...(mcp === '' ? {} : { mcp }),
    ...(f.state === '' ? {} : { state: f.state }),
  };
}

export function IncidentsPage({
  api,
  onOpenMcp,
}: {
  api: UptimeApi;
  onOpenMcp: (name: string) => void;
}) {
  const [draft, setDraft] = useState<Filters>({ mcp: '', state: '' });
  const [filters, setFilters] = useState<Filters>(draft);
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
      api.incidents(queryOf(filters)),
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
      api.incidents({ ...queryOf(filters), next }),
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
    const { limit: _page, ...rest } = queryOf(filters);
    api.incidentsCsv(rest).then(
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
    setFilters(draft);
    setTick((t) => t + 1);
  };

  return (
    <main className="alerts-page incidents-page" aria-label="Incidents" id="incidents">
      <section className="alerts-section" aria-label="Incident filters">
        <div className="section-head">
          <h2>Incidents</h2>
          <button type="button" onClick={download} data-incidents-csv>
            Download CSV
          </button>
        </div>
        <form className="form-row incident-filters" onSubmit={apply}>
          <label className="field">
            MCP pattern{' '}
            <input
              name="mcp"
              value={draft.mcp}
              maxLength={512}
              placeholder="pay_*, search"
              onChange={(e) => setDraft((d) => ({ ...d, mcp: e.target.value }))}
            />
          </label>
          <label className="field">
            State{' '}
            <select
              name="state"
              value={draft.state}
              onChange={(e) =>
                setDraft((d) => ({ ...d, state: e.target.value as Filters['state'] }))
              }
            >
              <option value="">any</option>
              <option value="open">ongoing</option>
              <option value="resolved">resolved</option>
            </select>
          </label>
          <button type="submit">Apply</button>
        </form>
        <p className={error === null ? 'muted' : 'notice error'} role="status">
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
