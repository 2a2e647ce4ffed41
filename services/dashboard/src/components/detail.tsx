// Per-MCP detail panel: current row, uptime history (90-day bar, latency history, incidents),
// breaker numbers from the projection, live latency chart and event history (from `/api/events`, then extended live from the store), and admin actions for admins.
import type { EventInfo } from '@beacon/client';
import { compareOffsets, type McpStatus } from '@beacon/protocol';
import { Fragment, useEffect, useMemo, useRef, useState } from 'react';
import type { Api, DemoServer, FaultMode, HistoryEntry } from '../api.js';
import { clockTime, latency, protocolText, REASON_LABEL } from '../format.js';
import { useLive, useNow } from '../hooks.js';
import type { LiveStore } from '../live.js';
import { AdminActions } from './admin-actions.js';
import { Ago } from './ago.js';
import { CircuitBadge, StatusBadge } from './badges.js';
import { mergeLatencyPoints, type LatencyPoint } from '../latency-points.js';
import { settleInto } from '../settle.js';
import { LatencyChart } from './latency-chart.js';
import { UptimeSection } from './uptime-section.js';

const HISTORY_LIMIT = 500;
/** Live events kept beyond the loaded history while the panel is open. */
const LIVE_LIMIT = 2_000;

function transportText(row: McpStatus): string {
  const t = row.config?.transport;
  if (t === undefined) return '—';
  return t.type === 'stdio' ? `stdio: ${t.command} ${t.args.join(' ')}` : `${t.type}: ${t.url}`;
}

function summary(h: HistoryEntry): string {
  const e = h.event;
  switch (e.type) {
    case 'mcp_status_change':
      return `${e.status}${e.metadata.error ? ` — ${e.metadata.error}` : ''}`;
    case 'health_event':
      return e.event_type.replace(/_/g, ' ');
    case 'mcp_registered':
      return 'registered';
    case 'mcp_updated':
      return `updated ${e.changes.join(', ')}`;
    case 'mcp_removed':
      return 'removed';
  }
}

/** Breaker numbers as sent; epoch-millisecond fields (`opened_at`, `open_until`) as times. */
function BreakerValue({ name, value }: { name: string; value: number | string | null }) {
  const now = useNow();
  if (value === null) return <>—</>;
  if (typeof value === 'number' && /(_at|until)$/.test(name) && value > 1e12) {
    const iso = new Date(value).toISOString();
    const s = Math.round((value - now) / 1000);
    return (
      <time dateTime={iso} title={iso}>
        {clockTime(iso)} {s > 0 ? `(in ${s} s)` : ''}
      </time>
    );
  }
  return <>{typeof value === 'number' ? String(Math.round(value * 100) / 100) : value}</>;
}

export function useHistory(
  api: Api,
  store: LiveStore,
  name: string,
): { entries: HistoryEntry[]; error: string | null; loading: boolean } {
  const [loaded, setLoaded] = useState<HistoryEntry[]>([]);
  const [live, setLive] = useState<HistoryEntry[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const buffer = useRef<HistoryEntry[]>([]);

  useEffect(() => {
    let cancelled = false;
    let frame = 0;
    setLoaded([]);
    setLive([]);
    setError(null);
    setLoading(true);
    buffer.current = [];
    // Subscribe before fetching so nothing falls between the history and the live events.
    const off = store.onEvent((info: EventInfo) => {
      if (info.message.mcp_name !== name) return;
      buffer.current.push({ offset: info.message.offset, event: info.message });
      if (frame === 0) {
        frame = requestAnimationFrame(() => {
          frame = 0;
          const add = buffer.current;
          buffer.current = [];
          setLive((l) => [...l, ...add].slice(-LIVE_LIMIT));
        });
      }
    });
    settleInto(api.history(name, HISTORY_LIMIT), () => cancelled, setLoaded, setError, setLoading);
    return () => {
      cancelled = true;
      off();
      if (frame !== 0) cancelAnimationFrame(frame);
    };
  }, [api, store, name]);

  const entries = useMemo(() => {
    const lastLoaded = loaded[loaded.length - 1]?.offset;
    const fresh =
      lastLoaded === undefined
        ? live
        : live.filter((l) => compareOffsets(l.offset, lastLoaded) > 0);
    return [...loaded, ...fresh];
  }, [loaded, live]);
  return { entries, error, loading };
}

export function Detail({
  row,
  name,
  api,
  store,
  admin,
  demo,
  onClose,
  onEdit,
}: {
  row: McpStatus | undefined;
  name: string;
  api: Api;
  store: LiveStore;
  admin: boolean;
  demo: { server: DemoServer; setFault: (mode: FaultMode) => Promise<void> } | null;
  onClose: () => void;
  onEdit: (row: McpStatus) => void;
}) {
  const { entries, error, loading } = useHistory(api, store, name);
  const closeRef = useRef<HTMLButtonElement>(null);
  useEffect(() => closeRef.current?.focus(), [name]);

  const changes = useMemo<LatencyPoint[]>(() => {
    const out: LatencyPoint[] = [];
    for (const h of entries) {
      const e = h.event;
      if (e.type !== 'mcp_status_change') continue;
      const t = Date.parse(e.metadata.checked_at ?? e.timestamp);
      out.push({ t, latency: e.metadata.latency_ms ?? null, status: e.status, key: h.offset });
    }
    return out;
  }, [entries]);
  // Probe samples change at most once per frame (the store applies digests at its flush); the
  // ring's array keeps its identity until this MCP gets a new sample.
  const { probesVersion } = useLive(store);
  const probes = useMemo(() => store.probePoints(name), [store, name, probesVersion]);
  const points = useMemo(() => mergeLatencyPoints(changes, probes), [changes, probes]);

  const breaker = row?.breaker ?? null;
  return (
    <aside
      className="detail"
      aria-label={`Details of ${name}`}
      data-detail={name}
      onKeyDown={(e) => {
        if (e.key === 'Escape') onClose();
      }}
    >
      <header className="panel-head">
        <h2 className="detail-name">{name}</h2>
        <button
          ref={closeRef}
          type="button"
          className="icon-button"
          onClick={onClose}
          aria-label="Close details"
        >
          ✕
        </button>
      </header>
      {row === undefined ? (
        <p className="notice">This MCP is no longer in the fleet.</p>
      ) : (
        <>
          <div className="card-badges">
            <StatusBadge status={row.health_status} reason={row.health_reason} />
            <CircuitBadge circuit={row.circuit_state} />
            {row.auto_disabled ? <span className="chip">auto-disabled</span> : null}
            {!row.enabled ? <span className="chip">disabled</span> : null}
          </div>
          <dl className="facts">
            <dt>Latency</dt>
            <dd>{latency(row.latency_ms)}</dd>
            <dt>Tools</dt>
            <dd>{row.tools_count ?? '—'}</dd>
            <dt>Last check</dt>
            <dd>
              <Ago iso={row.last_health_check} />
            </dd>
            <dt>Reason</dt>
            <dd data-health-reason={row.health_reason ?? ''}>
              {row.health_reason ? REASON_LABEL[row.health_reason] : '—'}
            </dd>
            <dt>Protocol</dt>
            <dd className="mono" data-protocol-version={row.protocol_version ?? ''}>
              {protocolText(row.protocol_version)}
            </dd>
            <dt>Probe method</dt>
            <dd>
              {row.config?.health_check === false
                ? 'none (health check off)'
                : (row.config?.probe_method ?? 'auto (discover, else ping)')}
            </dd>
            <dt>Failure cycles</dt>
            <dd>{row.failure_cycles}</dd>
            <dt>Last error</dt>
            <dd className="wrap">{row.last_error ?? 'none'}</dd>
            <dt>Transport</dt>
            <dd className="wrap">{transportText(row)}</dd>
            <dt>Probe every</dt>
            <dd>
              {row.config
                ? `${row.config.probe_interval_ms} ms (timeout ${row.config.timeout_ms} ms)`
                : '—'}
            </dd>
            <dt>Tags</dt>
            <dd>{row.tags.length ? row.tags.join(', ') : '—'}</dd>
            <dt>Updated at offset</dt>
            <dd className="mono">{row.updated_offset ?? '—'}</dd>
          </dl>
          <UptimeSection api={api.uptime} name={name} />
          <section aria-label="Latency">
            <h3>Latency, live</h3>
            <LatencyChart points={points} />
          </section>
          <section aria-label="Circuit breaker">
            <h3>Circuit breaker</h3>
            {breaker === null ? (
              <p className="muted">
                No breaker numbers reported yet (circuit {row.circuit_state}).
              </p>
            ) : (
              <dl className="facts breaker">
                {Object.entries(breaker).map(([k, v]) => (
                  <Fragment key={k}>
                    <dt>{k.replace(/_/g, ' ')}</dt>
                    <dd className="mono">
                      <BreakerValue name={k} value={v} />
                    </dd>
                  </Fragment>
                ))}
              </dl>
            )}
          </section>
          {admin || demo ? (
            <AdminActions row={row} api={api} admin={admin} demo={demo} onEdit={onEdit} />
          ) : null}
        </>
      )}
      <section aria-label="History">
        <h3>History</h3>
        {error !== null ? <p className="notice">History unavailable: {error}</p> : null}
        {loading ? <p className="muted">Loading history…</p> : null}
        <ol className="history">
          {[...entries].reverse().map((h) => (
            <li key={h.offset} data-offset={h.offset}>
              <time dateTime={h.event.timestamp}>{clockTime(h.event.timestamp)}</time>
              <span>{summary(h)}</span>
              <span className="mono muted">{h.offset}</span>
            </li>
          ))}
        </ol>
      </section>
    </aside>
  );
}
