// The page: sign-in gate (token → `GET /api/session`), then the live dashboard — header with the
// connection indicator, summary bar, fleet (cards or table), timeline and the detail panel.
import type { McpStatus } from '@beacon/protocol';
import { useCallback, useDeferredValue, useEffect, useMemo, useRef, useState } from 'react';
import { ApiError, createApi, type Api, type Session } from './api.js';
import { storeToken } from './auth.js';
import { AlertsPage, channelState, useAlertChannels } from './components/alerts-page.js';
import { ConnectionIndicator } from './components/badges.js';
import { DemoPanel } from './components/demo-panel.js';
import { Detail } from './components/detail.js';
import { FleetCards } from './components/fleet-cards.js';
import { FleetTable } from './components/fleet-table.js';
import { IncidentsPage } from './components/incidents-page.js';
import { Login } from './components/login.js';
import { McpForm } from './components/mcp-form.js';
import { SummaryBar } from './components/summary-bar.js';
import { Timeline } from './components/timeline.js';
import { Toolbar } from './components/toolbar.js';
import { useFleetUptime } from './components/uptime-badges.js';
import { demoControlUrl, useDemo } from './demo.js';
import { exposeDiagnostics } from './diagnostics.js';
import {
  DEFAULT_FILTER,
  allTags,
  countFleet,
  viewFleet,
  type FleetFilter,
  type SortKey,
} from './fleet-view.js';
import { useLive } from './hooks.js';
import { createLiveStore, type LiveStore } from './live.js';
import { usePrefs, type Theme } from './prefs.js';

type Gate =
  | { readonly phase: 'checking' }
  | { readonly phase: 'login'; readonly error: string | null }
  | { readonly phase: 'unreachable'; readonly error: string }
  | { readonly phase: 'in'; readonly session: Session };

const THEME_NEXT: Readonly<Record<Theme, Theme>> = {
  system: 'light',
  light: 'dark',
  dark: 'system',
};
const RESYNC_NOTICE_MS = 10_000;

export function App({ initialToken }: { initialToken: string | null }) {
  const [token, setToken] = useState<string | null>(initialToken);
  const tokenRef = useRef(token);
  tokenRef.current = token;
  const api = useMemo(() => createApi(window.location.href, () => tokenRef.current), []);
  const [gate, setGate] = useState<Gate>({ phase: 'checking' });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let cancelled = false;
    setGate({ phase: 'checking' });
    api.session().then(
      (session) => !cancelled && setGate({ phase: 'in', session }),
      (err: unknown) => {
        if (cancelled) return;
        if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
          setGate({
            phase: 'login',
            error: token === null ? null : `Token rejected: ${err.message}`,
          });
        } else {
          setGate({
            phase: 'unreachable',
            error: err instanceof Error ? err.message : String(err),
          });
        }
      },
    );
    return () => {
      cancelled = true;
    };
  }, [api, token, attempt]);

  const signIn = useCallback((t: string | null) => {
    storeToken(t);
    setToken(t);
  }, []);

  const authLost = useCallback(
    (message: string) => setGate({ phase: 'login', error: message }),
    [],
  );

  // The edge closes the socket when the token expires; send the user back to sign-in then.
  const exp = gate.phase === 'in' ? gate.session.exp : null;
  useEffect(() => {
    if (exp === null || exp === undefined) return;
    const ms = exp * 1000 - Date.now();
    const expire = (): void =>
      setGate({ phase: 'login', error: 'Your token expired. Sign in again.' });
    if (ms <= 0) {
      expire();
      return;
    }
    const t = setTimeout(expire, Math.min(ms, 2 ** 31 - 1));
    return () => clearTimeout(t);
  }, [exp]);

  switch (gate.phase) {
    case 'checking':
      return (
        <p className="splash" role="status">
          Connecting to Beacon…
        </p>
      );
    case 'login':
      return <Login error={gate.error} onSignIn={signIn} />;
    case 'unreachable':
      return (
        <main className="login">
          <div className="form">
            <h1>Beacon</h1>
            <p className="notice error" role="alert">
              Cannot reach the edge: {gate.error}
            </p>
            <button type="button" className="primary" onClick={() => setAttempt((a) => a + 1)}>
              Try again
            </button>
          </div>
        </main>
      );
    case 'in':
      return (
        <Dashboard
          key={token ?? 'anonymous'}
          api={api}
          session={gate.session}
          getToken={() => tokenRef.current}
          onSignOut={() => signIn(null)}
          onAuthLost={authLost}
        />
      );
  }
}

function Dashboard({
  api,
  session,
  getToken,
  onSignOut,
  onAuthLost,
}: {
  api: Api;
  session: Session;
  getToken: () => string | null;
  onSignOut: () => void;
  /** The edge no longer accepts the token (revoked, secret rotated): back to sign-in. */
  onAuthLost: (message: string) => void;
}) {
  // One store per signed-in session (the component is keyed on the token); getToken reads the
  // current token on every (re)connect.
  const [store] = useState<LiveStore>(() =>
    createLiveStore({ url: new URL('ws/mcp-status', window.location.href).toString(), getToken }),
  );
  useEffect(() => {
    // Read-only diagnostics for tests, the benchmark and curious operators (devtools console).
    exposeDiagnostics(store);
    // The edge sends the latest system_metrics right after initial_status: no read needed here.
    store.start();
    const online = (): void => store.client.reconnectNow();
    window.addEventListener('online', online);
    return () => {
      window.removeEventListener('online', online);
      store.stop();
    };
  }, [store]);

  // A browser cannot see why an upgrade failed (401 looks like 1006). After repeated failed
  // connects, ask the edge once whether the token is still good: the answer is either "sign in
  // again" or "keep retrying" (edge down). Checked again every 10th failure, never while live.
  useEffect(() => {
    let failures = 0;
    const offError = store.client.on('error', (e) => {
      if (e.code !== 'connect' && e.code !== 'token_expired') return;
      failures += 1;
      if (failures !== 3 && failures % 10 !== 0) return;
      api.session().then(
        () => undefined,
        (err: unknown) => {
          if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
            onAuthLost(`Signed out: ${err.message}`);
          }
        },
      );
    });
    const offState = store.client.on('state', (s) => {
      if (s.state === 'live') failures = 0;
    });
    return () => {
      offError();
      offState();
    };
  }, [store, api, onAuthLost]);

  const live = useLive(store);
  const prefs = usePrefs();
  const admin = session.role === 'admin';
  const [demoUrl] = useState(() => demoControlUrl());
  const demo = useDemo(admin ? demoUrl : null);
  const [filter, setFilter] = useState<FleetFilter>(DEFAULT_FILTER);
  const deferredFilter = useDeferredValue(filter);
  const [selected, setSelected] = useState<string | null>(null);
  const [form, setForm] = useState<{ editing: McpStatus | null } | null>(null);
  const [demoOpen, setDemoOpen] = useState(false);
  // Alerting is fleet-wide: admins whose token is not limited to some MCPs (the edge refuses others).
  const alertsAllowed = admin && (session.mcps === null || session.mcps.includes('*'));
  const [page, setPage] = useState<'fleet' | 'alerts' | 'incidents'>('fleet');
  const alertChannels = useAlertChannels(api.alerts, alertsAllowed);
  const failingChannels = (alertChannels.channels ?? []).filter(
    (c) => channelState(c.status) === 'failing',
  ).length;
  const onAlerts = alertsAllowed && page === 'alerts';
  const onIncidents = page === 'incidents';
  const uptime = useFleetUptime(api.uptime);
  const openMcp = useCallback((name: string) => {
    setPage('fleet');
    setSelected(name);
  }, []);

  // `live.rows` is a new array exactly when some row changed (once per frame at most).
  const shown = useMemo(() => viewFleet(live.rows, deferredFilter), [live.rows, deferredFilter]);
  const tags = useMemo(() => allTags(live.rows), [live.rows]);
  const local = useMemo(() => countFleet(live.rows), [live.rows]);
  const open = useCallback((name: string) => setSelected(name), []);
  const onSort = useCallback(
    (sort: SortKey) =>
      setFilter((f) =>
        f.sort === sort ? { ...f, descending: !f.descending } : { ...f, sort, descending: false },
      ),
    [],
  );
  const wall = prefs.layout === 'wall';

  const resynced = live.resyncedAt !== null && Date.now() - live.resyncedAt < RESYNC_NOTICE_MS;
  const [, force] = useState(0);
  useEffect(() => {
    if (live.resyncedAt === null) return;
    const t = setTimeout(() => force((n) => n + 1), RESYNC_NOTICE_MS);
    return () => clearTimeout(t);
  }, [live.resyncedAt]);

  const detail =
    `offset ${live.offset ?? '—'} · epoch ${live.epoch ?? '—'} · ${live.eventsApplied} events` +
    (live.invalidFrames > 0 ? ` · ${live.invalidFrames} invalid frames dropped` : '') +
    (live.lastError ? ` · last error: ${live.lastError.message}` : '');

  const demoServer = selected !== null ? demo?.servers.get(selected) : undefined;
  return (
    <div className={`app${selected !== null ? ' with-detail' : ''}`}>
      <a className="skip-link" href="#fleet">
        Skip to the fleet
      </a>
      <header className="topbar">
        <h1 className="brand">Beacon</h1>
        <ConnectionIndicator state={live.connection} resynced={resynced} detail={detail} />
        {live.connection === 'offline' && live.lastError?.fatal ? (
          <span className="notice error" role="alert">
            {live.lastError.message}
          </span>
        ) : null}
        <nav className="tabs" aria-label="Pages">
          <button
            type="button"
            aria-pressed={!onAlerts && !onIncidents}
            onClick={() => setPage('fleet')}
          >
            Fleet
          </button>
          <button
            type="button"
            aria-pressed={onIncidents}
            onClick={() => setPage('incidents')}
            data-page="incidents"
          >
            Incidents
          </button>
          {alertsAllowed ? (
            <button
              type="button"
              aria-pressed={onAlerts}
              onClick={() => setPage('alerts')}
              data-admin-controls="alerts"
            >
              Alerts
            </button>
          ) : null}
          {alertsAllowed && failingChannels > 0 ? (
            <button
              type="button"
              className="badge status-unhealthy"
              data-failing-channels={failingChannels}
              onClick={() => setPage('alerts')}
            >
              {failingChannels} alert channel{failingChannels === 1 ? '' : 's'} failing
            </button>
          ) : null}
        </nav>
        <span className="spacer" />
        {admin ? (
          <button
            type="button"
            onClick={() => setForm({ editing: null })}
            data-admin-controls="register"
          >
            Register MCP
          </button>
        ) : null}
        {admin && demo !== null ? (
          <button
            type="button"
            aria-pressed={demoOpen}
            onClick={() => setDemoOpen((o) => !o)}
            data-admin-controls="demo"
          >
            Demo faults
          </button>
        ) : null}
        <button
          type="button"
          onClick={() => prefs.setTheme(THEME_NEXT[prefs.theme])}
          aria-label={`Colour theme: ${prefs.theme}. Switch to ${THEME_NEXT[prefs.theme]}`}
        >
          Theme: {prefs.theme}
        </button>
        <button
          type="button"
          aria-pressed={wall}
          onClick={() => prefs.setLayout(wall ? 'laptop' : 'wall')}
        >
          Wall display
        </button>
        <span className="user" data-role={session.role}>
          {session.sub} <span className="chip">{session.role}</span>
        </span>
        {session.auth === false ? null : (
          <button type="button" onClick={onSignOut}>
            Sign out
          </button>
        )}
      </header>
      <SummaryBar metrics={live.metrics} local={local} />
      {onIncidents ? (
        <IncidentsPage api={api.uptime} onOpenMcp={openMcp} />
      ) : onAlerts ? (
        <AlertsPage
          api={api.alerts}
          channels={alertChannels.channels}
          channelsError={alertChannels.error}
          refreshChannels={alertChannels.refresh}
        />
      ) : !live.hasSnapshot ? (
        <p className="splash" role="status">
          {live.connection === 'offline' ? 'Not connected.' : 'Waiting for the fleet…'}
        </p>
      ) : (
        <main className="main">
          <section className="fleet" aria-label="Fleet" id="fleet" tabIndex={-1}>
            {uptime.error !== null ? (
              <p className="notice uptime-error" role="status">
                Uptime figures unavailable: {uptime.error}
              </p>
            ) : null}
            {wall ? null : (
              <Toolbar
                filter={filter}
                onChange={setFilter}
                tags={tags}
                view={prefs.view}
                onView={prefs.setView}
                shown={shown.length}
                total={live.rows.length}
              />
            )}
            {prefs.view === 'table' && !wall ? (
              <FleetTable
                rows={shown}
                selected={selected}
                uptime={uptime.byName}
                onOpen={open}
                rowHeight={34}
                sort={filter.sort}
                descending={filter.descending}
                onSort={onSort}
              />
            ) : (
              <FleetCards
                rows={shown}
                selected={selected}
                uptime={uptime.byName}
                onOpen={open}
                cardHeight={wall ? 196 : 160}
                minCardWidth={wall ? 300 : 240}
              />
            )}
          </section>
          <Timeline
            entries={live.timeline}
            version={live.timelineVersion}
            total={live.eventsApplied}
            onOpen={open}
            itemHeight={wall ? 56 : 46}
          />
          {selected !== null ? (
            <Detail
              key={selected}
              name={selected}
              row={live.byName.get(selected)}
              api={api}
              store={store}
              admin={admin}
              demo={
                admin && demo !== null && demoServer !== undefined
                  ? { server: demoServer, setFault: (mode) => demo.setFault(selected, mode) }
                  : null
              }
              onClose={() => setSelected(null)}
              onEdit={(row) => setForm({ editing: row })}
            />
          ) : null}
        </main>
      )}
      {form !== null && admin ? (
        <McpForm api={api} editing={form.editing} onClose={() => setForm(null)} />
      ) : null}
      {demoOpen && demo !== null && admin ? (
        <DemoPanel demo={demo} onClose={() => setDemoOpen(false)} />
      ) : null}
    </div>
  );
}
