// The detail panel's uptime part: the 90-day availability bar, the latency history over a chosen
// window, and the MCP's recent incidents. Read when the panel opens (and when the window changes);
// uptime history moves slowly, so no polling here.
import {
  UPTIME_WINDOWS,
  type Incident,
  type UptimeResponse,
  type UptimeWindow,
} from '@beacon/protocol';
import { useEffect, useState } from 'react';
import type { UptimeApi } from '../api.js';
import { formatAvailability, formatDuration } from '../uptime-view.js';
import { AvailabilityBar } from './availability-bar.js';
import { IncidentsTable } from './incidents-table.js';
import { LatencyHistoryChart } from './latency-history.js';

const RECENT_INCIDENTS = 10;

type Load<T> =
  | { readonly state: 'loading' }
  | { readonly state: 'error'; readonly error: string }
  | { readonly state: 'ok'; readonly value: T };

function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]): Load<T> {
  const [s, setS] = useState<Load<T>>({ state: 'loading' });
  useEffect(() => {
    let cancelled = false;
    setS({ state: 'loading' });
    load().then(
      (value) => !cancelled && setS({ state: 'ok', value }),
      (err: unknown) =>
        !cancelled &&
        setS({ state: 'error', error: err instanceof Error ? err.message : String(err) }),
    );
    return () => {
      cancelled = true;
    };
    // The caller lists what `load` reads in `deps`.
  }, deps);
  return s;
}

function Pending({ load, what }: { load: Load<unknown>; what: string }) {
  if (load.state === 'loading') return <p className="muted">Loading {what}…</p>;
  if (load.state === 'error')
    return (
      <p className="notice">
        {what} unavailable: {load.error}
      </p>
    );
  return null;
}

export function UptimeSection({ api, name }: { api: UptimeApi; name: string }) {
  const [window, setWindow] = useState<UptimeWindow>('24h');
  const bar = useLoad<UptimeResponse>(() => api.mcp(name, '90d'), [api, name]);
  const history = useLoad<UptimeResponse>(() => api.mcp(name, window), [api, name, window]);
  const incidents = useLoad<Incident[]>(
    async () => (await api.incidentsOf(name, RECENT_INCIDENTS)).incidents,
    [api, name],
  );
  return (
    <>
      <section aria-label="Availability, 90 days" data-uptime-section="bar">
        <h3>Availability, 90 days</h3>
        {bar.state === 'ok' ? (
          <>
            <p className="muted" data-uptime-total="90d">
              {formatAvailability(bar.value.availability)} available,{' '}
              {formatDuration(bar.value.downtime_s)} down, {bar.value.incidents} incident
              {bar.value.incidents === 1 ? '' : 's'}
            </p>
            <AvailabilityBar uptime={bar.value} />
          </>
        ) : (
          <Pending load={bar} what="uptime history" />
        )}
      </section>
      <section aria-label="Latency history" data-uptime-section="latency">
        <div className="section-head">
          <h3>Latency history</h3>
          <div className="tabs" role="group" aria-label="Window">
            {UPTIME_WINDOWS.map((w) => (
              <button
                key={w}
                type="button"
                aria-pressed={w === window}
                onClick={() => setWindow(w)}
              >
                {w}
              </button>
            ))}
          </div>
        </div>
        {history.state === 'ok' ? (
          <LatencyHistoryChart uptime={history.value} window={window} />
        ) : (
          <Pending load={history} what="latency history" />
        )}
      </section>
      <section aria-label="Recent incidents" data-uptime-section="incidents">
        <h3>Recent incidents</h3>
        {incidents.state === 'ok' ? (
          incidents.value.length === 0 ? (
            <p className="muted">No incidents recorded.</p>
          ) : (
            <IncidentsTable incidents={incidents.value} showMcp={false} />
          )
        ) : (
          <Pending load={incidents} what="incidents" />
        )}
      </section>
    </>
  );
}
