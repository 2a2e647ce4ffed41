// The Alerts page (admins with an unscoped token): notification channels with how each has been
// doing and a "Send test" button showing the receiver's answer, rules, silences, and the recent
// notification history. Create / edit / delete open the dialogs of alert-forms.tsx.
import type {
  AlertRule,
  ChannelStatus,
  ChannelView,
  DeliveryRecord,
  Silence,
} from '@beacon/protocol';
import { useCallback, useEffect, useState, type ReactNode } from 'react';
import type { AlertKind, AlertsApi } from '../api.js';
import { useAction } from './admin-actions.js';
import { Ago } from './ago.js';
import { ChannelForm, RuleForm, SilenceForm } from './alert-forms.js';

const HISTORY_LIMIT = 100;
const CHANNELS_POLL_MS = 10_000;

/** A table row's buttons: any extra ones first, then Edit and Delete. */
function RowActions({
  onEdit,
  onDelete,
  children,
}: {
  onEdit: () => void;
  onDelete: () => void;
  children?: ReactNode;
}) {
  return (
    <div className="button-row">
      {children}
      <button type="button" onClick={onEdit}>
        Edit
      </button>
      <button type="button" onClick={onDelete}>
        Delete
      </button>
    </div>
  );
}

/** Channels for the page and the header badge, polled (and refreshed after every write). */
export function useAlertChannels(
  api: AlertsApi,
  enabled: boolean,
): { channels: ChannelView[] | null; error: string | null; refresh: () => void } {
  const [channels, setChannels] = useState<ChannelView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const refresh = useCallback(() => setTick((t) => t + 1), []);
  useEffect(() => {
    if (!enabled) return;
    let cancelled = false;
    api.channels().then(
      (c) => {
        if (cancelled) return;
        setChannels(c);
        setError(null);
      },
      (err: unknown) => !cancelled && setError(err instanceof Error ? err.message : String(err)),
    );
    const t = setTimeout(refresh, CHANNELS_POLL_MS);
    return () => {
      cancelled = true;
      clearTimeout(t);
    };
  }, [api, enabled, tick, refresh]);
  return { channels, error, refresh };
}

export type ChannelState = 'ok' | 'failing' | 'never';
export function channelState(s: ChannelStatus | null): ChannelState {
  if (s === null || s.last_attempt_at === null) return 'never';
  return s.ok ? 'ok' : 'failing';
}

function ChannelBadge({ status }: { status: ChannelStatus | null }) {
  const state = channelState(status);
  if (state === 'never' || status === null) return <span className="badge">never used</span>;
  if (state === 'ok') return <span className="badge status-healthy">ok</span>;
  return (
    <span className="badge status-unhealthy" title={status.last_error ?? ''}>
      failing since <Ago iso={status.failing_since} />
      {status.last_error === null ? null : ` — ${status.last_error}`}
    </span>
  );
}

function target(c: ChannelView): string {
  switch (c.type) {
    case 'webhook':
      return c.url;
    case 'slack':
      return c.webhook_url;
    case 'pagerduty':
      return c.url ?? 'PagerDuty Events API v2';
    case 'email':
      return `${c.to.join(', ')} via ${c.host}:${c.port}`;
  }
}

function describeSilence(s: Silence, now: number): string {
  if (s.cron !== undefined) return `recurring: ${s.cron} for ${s.duration ?? 0} s`;
  const from = Date.parse(s.starts_at ?? '');
  const until = Date.parse(s.ends_at ?? '');
  const state = now < from ? 'scheduled' : now < until ? 'active' : 'ended';
  return `${state}: ${s.starts_at ?? '?'} → ${s.ends_at ?? '?'}`;
}

type Editing =
  | { readonly kind: 'channels'; readonly item: ChannelView | null }
  | { readonly kind: 'rules'; readonly item: AlertRule | null }
  | { readonly kind: 'silences'; readonly item: Silence | null };

export function AlertsPage({
  api,
  channels,
  channelsError,
  refreshChannels,
}: {
  api: AlertsApi;
  channels: ChannelView[] | null;
  channelsError: string | null;
  refreshChannels: () => void;
}) {
  const [rules, setRules] = useState<AlertRule[]>([]);
  const [silences, setSilences] = useState<Silence[]>([]);
  const [history, setHistory] = useState<DeliveryRecord[]>([]);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const [editing, setEditing] = useState<Editing | null>(null);
  const [tests, setTests] = useState<Record<string, { ok: boolean; text: string }>>({});
  const { busy, outcome, run } = useAction();
  const reload = useCallback(() => {
    setTick((t) => t + 1);
    refreshChannels();
  }, [refreshChannels]);

  useEffect(() => {
    let cancelled = false;
    Promise.all([api.rules(), api.silences(), api.history(HISTORY_LIMIT)]).then(
      ([r, s, h]) => {
        if (cancelled) return;
        setRules(r);
        setSilences(s);
        setHistory(h);
        setLoadError(null);
      },
      (err: unknown) =>
        !cancelled && setLoadError(err instanceof Error ? err.message : String(err)),
    );
    return () => {
      cancelled = true;
    };
  }, [api, tick]);

  const remove = (kind: AlertKind, id: string): void => {
    if (!window.confirm(`Delete ${kind.slice(0, -1)} ${id}?`)) return;
    void run(`Delete ${id}`, async () => {
      await api.remove(kind, id);
      reload();
    });
  };
  const test = (id: string): void => {
    void run(`Test ${id}`, async () => {
      const d = await api.test(id);
      const text = `${d.ok ? 'Delivered' : 'Failed'}${d.status === null ? '' : ` (${d.status})`} in ${Math.round(d.duration_ms)} ms: ${d.response || '(empty answer)'}`;
      setTests((t) => ({ ...t, [id]: { ok: d.ok, text } }));
      reload();
      return text;
    });
  };
  const now = Date.now();

  return (
    <main className="alerts-page" aria-label="Alerts" id="alerts">
      {loadError !== null || channelsError !== null ? (
        <p className="notice error" role="alert">
          {channelsError ?? loadError}
        </p>
      ) : null}
      <p className={outcome?.ok === false ? 'notice error' : 'muted'} role="status">
        {busy !== null ? `${busy}…` : (outcome?.text ?? '')}
      </p>

      <section className="alerts-section" data-alerts="channels" aria-label="Channels">
        <div className="section-head">
          <h2>Channels</h2>
          <button type="button" onClick={() => setEditing({ kind: 'channels', item: null })}>
            New channel
          </button>
        </div>
        <table className="alerts-table">
          <thead>
            <tr>
              <th>Channel</th>
              <th>Type</th>
              <th>Target</th>
              <th>Status</th>
              <th>Queued</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {(channels ?? []).map((c) => (
              <tr
                key={c.id}
                data-channel={c.id}
                data-state={channelState(c.status)}
                className={c.enabled ? '' : 'muted'}
              >
                <td>
                  <strong>{c.name ?? c.id}</strong> <span className="muted">{c.id}</span>
                  {c.enabled ? null : <span className="chip">disabled</span>}
                </td>
                <td>{c.type}</td>
                <td className="mono">{target(c)}</td>
                <td>
                  <ChannelBadge status={c.status} />
                  {tests[c.id] === undefined ? null : (
                    <div
                      className={tests[c.id]?.ok ? 'test-result' : 'test-result error'}
                      data-test-result={c.id}
                    >
                      {tests[c.id]?.text}
                    </div>
                  )}
                </td>
                <td>{c.status?.queued ?? 0}</td>
                <td>
                  <RowActions
                    onEdit={() => setEditing({ kind: 'channels', item: c })}
                    onDelete={() => remove('channels', c.id)}
                  >
                    <button type="button" onClick={() => test(c.id)} disabled={busy !== null}>
                      Send test
                    </button>
                  </RowActions>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {channels !== null && channels.length === 0 ? (
          <p className="muted">
            No channels yet: add a webhook, Slack, PagerDuty or email channel.
          </p>
        ) : null}
      </section>

      <section className="alerts-section" data-alerts="rules" aria-label="Rules">
        <div className="section-head">
          <h2>Rules</h2>
          <button
            type="button"
            onClick={() => setEditing({ kind: 'rules', item: null })}
            disabled={(channels ?? []).length === 0}
            title={(channels ?? []).length === 0 ? 'add a channel first' : undefined}
          >
            New rule
          </button>
        </div>
        <table className="alerts-table">
          <thead>
            <tr>
              <th>Rule</th>
              <th>MCPs / tags</th>
              <th>On</th>
              <th>For / repeat</th>
              <th>Channels</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {rules.map((r) => (
              <tr key={r.id} data-rule={r.id} className={r.enabled ? '' : 'muted'}>
                <td>
                  <strong>{r.name ?? r.id}</strong> <span className="muted">{r.id}</span>
                  {r.enabled ? null : <span className="chip">disabled</span>}
                </td>
                <td className="mono">
                  {r.mcps.join(', ')}
                  {r.tags.length > 0 ? ` · tags ${r.tags.join(', ')}` : ''}
                </td>
                <td>
                  {r.on.join(', ')}
                  {r.send_resolved ? ' (+ resolved)' : ''}
                </td>
                <td>
                  {r.for} s{r.repeat_every === undefined ? '' : ` · every ${r.repeat_every} s`}
                </td>
                <td>{r.channels.join(', ')}</td>
                <td>
                  <RowActions
                    onEdit={() => setEditing({ kind: 'rules', item: r })}
                    onDelete={() => remove('rules', r.id)}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <section className="alerts-section" data-alerts="silences" aria-label="Silences">
        <div className="section-head">
          <h2>Silences</h2>
          <button type="button" onClick={() => setEditing({ kind: 'silences', item: null })}>
            New silence
          </button>
        </div>
        <table className="alerts-table">
          <thead>
            <tr>
              <th>Silence</th>
              <th>When</th>
              <th>MCPs / tags</th>
              <th>Comment</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {silences.map((s) => (
              <tr key={s.id} data-silence={s.id}>
                <td>
                  <strong>{s.id}</strong>
                  {s.created_by === undefined ? null : (
                    <span className="muted"> by {s.created_by}</span>
                  )}
                </td>
                <td>{describeSilence(s, now)}</td>
                <td className="mono">
                  {s.mcps.join(', ')}
                  {s.tags.length > 0 ? ` · tags ${s.tags.join(', ')}` : ''}
                </td>
                <td>{s.comment}</td>
                <td>
                  <RowActions
                    onEdit={() => setEditing({ kind: 'silences', item: s })}
                    onDelete={() => remove('silences', s.id)}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <section className="alerts-section" data-alerts="history" aria-label="Recent notifications">
        <div className="section-head">
          <h2>Recent notifications</h2>
          <button type="button" onClick={reload}>
            Refresh
          </button>
        </div>
        <table className="alerts-table">
          <thead>
            <tr>
              <th>When</th>
              <th>MCP</th>
              <th>What</th>
              <th>Rule → channel</th>
              <th>Result</th>
              <th>Answer</th>
            </tr>
          </thead>
          <tbody>
            {history.map((h, i) => (
              <tr key={`${h.idempotency_key}:${h.channel ?? ''}:${i}`} data-result={h.result}>
                <td>
                  <Ago iso={h.at} />
                </td>
                <td>{h.mcp_name}</td>
                <td>
                  {h.kind} ({h.state})
                </td>
                <td>
                  {h.rule_id} → {h.channel ?? '—'}
                </td>
                <td>
                  <span className={`badge result-${h.result}`}>{h.result}</span>
                  {h.silence_id === null ? null : <span className="muted"> by {h.silence_id}</span>}
                </td>
                <td className="mono">
                  {h.status === null ? '' : `${h.status} `}
                  {h.response ?? ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {history.length === 0 ? <p className="muted">No notifications yet.</p> : null}
      </section>

      {editing?.kind === 'channels' ? (
        <ChannelForm
          api={api}
          editing={editing.item}
          onClose={() => setEditing(null)}
          onSaved={reload}
        />
      ) : null}
      {editing?.kind === 'rules' ? (
        <RuleForm
          api={api}
          editing={editing.item}
          channels={(channels ?? []).map((c) => c.id)}
          onClose={() => setEditing(null)}
          onSaved={reload}
        />
      ) : null}
      {editing?.kind === 'silences' ? (
        <SilenceForm
          api={api}
          editing={editing.item}
          onClose={() => setEditing(null)}
          onSaved={reload}
        />
      ) : null}
    </main>
  );
}
