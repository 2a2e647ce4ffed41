// Create / edit dialogs for alert channels, rules and silences. Input is checked with the
// protocol's own schemas before it is sent; the edge's answer (or error) is shown as is. Secret
// fields of a channel being edited show the mask (***) and are sent back unchanged unless edited:
// the edge then keeps the stored values.
import {
  AlertRule,
  AlertTransition,
  ChannelConfig,
  Silence,
  describeIssues,
  issuesOf,
  type ChannelType,
  type ChannelView,
} from '@beacon/protocol';
import { useState, type ReactNode } from 'react';
import type { AlertKind, AlertsApi } from '../api.js';
import { useAction } from './admin-actions.js';
import { Dialog } from './dialog.js';

const list = (s: string): string[] =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
const opt = (s: string): string | undefined => (s.trim() === '' ? undefined : s.trim());
/** `30` → 30 (seconds); `5m` stays a string the schema understands. */
const duration = (s: string): number | string | undefined => {
  const t = s.trim();
  if (t === '') return undefined;
  return /^\d+$/.test(t) ? Number(t) : t;
};

function Field({
  label,
  value,
  onChange,
  ...rest
}: {
  label: string;
  value: string;
  onChange: (v: string) => void;
  placeholder?: string;
  required?: boolean;
  type?: string;
  name?: string;
}) {
  return (
    <label className="field">
      <span className="field-label">{label}</span>
      <input value={value} onChange={(e) => onChange(e.target.value)} {...rest} />
    </label>
  );
}

type Schema = { safeParse(v: unknown): { success: boolean; error?: unknown } };

/**
 * What every alert form shares: the dialog titled "New …" / "Edit … <id>", the Id field of a new
 * item, and submit = validate `value()` with `schema`, save, then close (or show the problem).
 */
function AlertDialog({
  api,
  kind,
  noun,
  editingId,
  onClose,
  onSaved,
  id,
  onId,
  idPlaceholder,
  schema,
  value,
  children,
}: {
  api: AlertsApi;
  kind: AlertKind;
  /** In the titles: [new, edit], e.g. ['alert rule', 'rule']. */
  noun: readonly [string, string];
  editingId: string | null;
  onClose: () => void;
  onSaved: () => void;
  id: string;
  onId: (id: string) => void;
  idPlaceholder: string;
  schema: Schema;
  value: () => Record<string, unknown>;
  children: ReactNode;
}) {
  const [problem, setProblem] = useState<string | null>(null);
  const { busy, run } = useAction();
  const submit = async (): Promise<void> => {
    const v = value();
    for (const k of Object.keys(v)) if (v[k] === undefined) delete v[k];
    const parsed = schema.safeParse(v);
    if (!parsed.success) {
      setProblem(describeIssues(issuesOf(parsed.error as Parameters<typeof issuesOf>[0])));
      return;
    }
    setProblem(null);
    let failure: string | null = null;
    const ok = await run('Save', async () => {
      try {
        await api.save(kind, editingId, v);
      } catch (err) {
        failure = err instanceof Error ? err.message : String(err);
        throw err;
      }
    });
    if (ok) {
      onSaved();
      onClose();
    } else setProblem(`Save failed: ${failure ?? 'unknown error'}`);
  };
  return (
    <Dialog
      title={editingId === null ? `New ${noun[0]}` : `Edit ${noun[1]} ${editingId}`}
      onClose={onClose}
      onSubmit={() => void submit()}
      problem={problem}
      busy={busy}
    >
      {editingId === null ? (
        <Field
          label="Id"
          name="id"
          required
          value={id}
          onChange={onId}
          placeholder={idPlaceholder}
        />
      ) : null}
      {children}
    </Dialog>
  );
}

// --- channels -------------------------------------------------------------------------------

interface ChannelFields {
  id: string;
  name: string;
  type: ChannelType;
  enabled: boolean;
  url: string;
  secret: string;
  headers: string;
  routing_key: string;
  host: string;
  port: string;
  security: 'starttls' | 'tls' | 'none';
  username: string;
  password: string;
  from: string;
  to: string;
}

function channelFields(c: ChannelView | null): ChannelFields {
  const f: ChannelFields = {
    id: c?.id ?? '',
    name: c?.name ?? '',
    type: c?.type ?? 'webhook',
    enabled: c?.enabled ?? true,
    url: '',
    secret: '',
    headers: '',
    routing_key: '',
    host: '',
    port: '587',
    security: 'starttls',
    username: '',
    password: '',
    from: '',
    to: '',
  };
  switch (c?.type) {
    case 'webhook':
      f.url = c.url;
      f.secret = c.secret ?? '';
      f.headers = Object.entries(c.headers ?? {})
        .map(([k, v]) => `${k}: ${v}`)
        .join('\n');
      break;
    case 'slack':
      f.url = c.webhook_url;
      break;
    case 'pagerduty':
      f.routing_key = c.routing_key;
      f.url = c.url ?? '';
      break;
    case 'email':
      Object.assign(f, {
        host: c.host,
        port: String(c.port),
        security: c.security,
        username: c.username ?? '',
        password: c.password ?? '',
        from: c.from,
        to: c.to.join(', '),
      });
      break;
    default:
      break;
  }
  return f;
}

function channelValue(f: ChannelFields): Record<string, unknown> {
  const common = { id: f.id.trim(), name: opt(f.name), enabled: f.enabled, type: f.type };
  switch (f.type) {
    case 'webhook': {
      const lines = f.headers.split('\n').filter((l) => l.trim() !== '');
      const headers = Object.fromEntries(
        lines.map((l) => {
          const i = l.indexOf(':');
          return i < 0 ? [l.trim(), ''] : [l.slice(0, i).trim(), l.slice(i + 1).trim()];
        }),
      );
      return {
        ...common,
        url: f.url.trim(),
        secret: opt(f.secret),
        headers: lines.length === 0 ? undefined : headers,
      };
    }
    case 'slack':
      return { ...common, webhook_url: f.url.trim() };
    case 'pagerduty':
      return { ...common, routing_key: f.routing_key.trim(), url: opt(f.url) };
    case 'email':
      return {
        ...common,
        host: f.host.trim(),
        port: Number(f.port),
        security: f.security,
        username: opt(f.username),
        password: opt(f.password),
        from: f.from.trim(),
        to: list(f.to),
      };
  }
}

export function ChannelForm({
  api,
  editing,
  onClose,
  onSaved,
}: {
  api: AlertsApi;
  editing: ChannelView | null;
  onClose: () => void;
  onSaved: () => void;
}) {
  const [f, setF] = useState<ChannelFields>(() => channelFields(editing));
  const set = (patch: Partial<ChannelFields>): void => setF((x) => ({ ...x, ...patch }));
  const masked = editing !== null ? ' (*** = keep the stored value)' : '';
  return (
    <AlertDialog
      api={api}
      kind="channels"
      noun={['alert channel', 'channel']}
      editingId={editing?.id ?? null}
      onClose={onClose}
      onSaved={onSaved}
      id={f.id}
      onId={(id) => set({ id })}
      idPlaceholder="ops-webhook"
      schema={ChannelConfig}
      value={() => channelValue(f)}
    >
      <Field label="Name" name="name" value={f.name} onChange={(name) => set({ name })} />
      <label className="field">
        <span className="field-label">Type</span>
        <select
          name="type"
          value={f.type}
          disabled={editing !== null}
          onChange={(e) => set({ type: e.target.value as ChannelType })}
        >
          <option value="webhook">Webhook (JSON, HMAC signature)</option>
          <option value="slack">Slack incoming webhook</option>
          <option value="pagerduty">PagerDuty Events v2</option>
          <option value="email">Email (SMTP)</option>
        </select>
      </label>
      {f.type === 'webhook' ? (
        <>
          <Field
            label={`URL${masked}`}
            name="url"
            required
            value={f.url}
            onChange={(url) => set({ url })}
            placeholder="https://hooks.example.com/beacon"
          />
          <Field
            label={`Signing secret (optional)${masked}`}
            name="secret"
            value={f.secret}
            onChange={(secret) => set({ secret })}
          />
          <label className="field">
            <span className="field-label">Headers, one per line (Name: value){masked}</span>
            <textarea
              name="headers"
              rows={3}
              value={f.headers}
              onChange={(e) => set({ headers: e.target.value })}
            />
          </label>
        </>
      ) : null}
      {f.type === 'slack' ? (
        <Field
          label={`Webhook URL${masked}`}
          name="url"
          required
          value={f.url}
          onChange={(url) => set({ url })}
          placeholder="https://hooks.slack.com/services/…"
        />
      ) : null}
      {f.type === 'pagerduty' ? (
        <>
          <Field
            label={`Routing key${masked}`}
            name="routing_key"
            required
            value={f.routing_key}
            onChange={(routing_key) => set({ routing_key })}
          />
          <Field
            label="Events API URL (optional)"
            name="url"
            value={f.url}
            onChange={(url) => set({ url })}
            placeholder="https://events.pagerduty.com/v2/enqueue"
          />
        </>
      ) : null}
      {f.type === 'email' ? (
        <>
          <div className="form-row">
            <Field
              label="SMTP host"
              name="host"
              required
              value={f.host}
              onChange={(host) => set({ host })}
            />
            <Field label="Port" name="port" value={f.port} onChange={(port) => set({ port })} />
            <label className="field">
              <span className="field-label">Security</span>
              <select
                name="security"
                value={f.security}
                onChange={(e) => set({ security: e.target.value as ChannelFields['security'] })}
              >
                <option value="starttls">STARTTLS</option>
                <option value="tls">TLS</option>
                <option value="none">none (tests only)</option>
              </select>
            </label>
          </div>
          <div className="form-row">
            <Field
              label="Username"
              name="username"
              value={f.username}
              onChange={(username) => set({ username })}
            />
            <Field
              label={`Password${masked}`}
              name="password"
              type="password"
              value={f.password}
              onChange={(password) => set({ password })}
            />
          </div>
          <Field
            label="From"
            name="from"
            required
            value={f.from}
            onChange={(from) => set({ from })}
            placeholder="beacon@example.com"
          />
          <Field
            label="To (comma-separated)"
            name="to"
            required
            value={f.to}
            onChange={(to) => set({ to })}
          />
        </>
      ) : null}
      <label className="check">
        <input
          type="checkbox"
          name="enabled"
          checked={f.enabled}
          onChange={(e) => set({ enabled: e.target.checked })}
        />{' '}
        Enabled
      </label>
    </AlertDialog>
  );
}

// --- rules ----------------------------------------------------------------------------------

const TRANSITIONS = AlertTransition.options;

export function RuleForm({
  api,
  editing,
  channels,
  onClose,
  onSaved,
}: {
  api: AlertsApi;
  editing: AlertRule | null;
  channels: readonly string[];
  onClose: () => void;
  onSaved: () => void;
}) {
  const [f, setF] = useState(() => ({
    id: editing?.id ?? '',
    name: editing?.name ?? '',
    enabled: editing?.enabled ?? true,
    mcps: (editing?.mcps ?? ['*']).join(', '),
    tags: (editing?.tags ?? []).join(', '),
    on: new Set<string>(editing?.on ?? ['down', 'auth_failed']),
    for: String(editing?.for ?? 0),
    repeat: editing?.repeat_every === undefined ? '' : String(editing.repeat_every),
    resolved: editing?.send_resolved ?? true,
    channels: new Set<string>(editing?.channels ?? []),
  }));
  type F = typeof f;
  const set = (patch: Partial<F>): void => setF((x) => ({ ...x, ...patch }));
  const toggle = (key: 'on' | 'channels', v: string, on: boolean): void =>
    setF((x) => {
      const next = new Set(x[key]);
      if (on) next.add(v);
      else next.delete(v);
      return { ...x, [key]: next };
    });
  const value = (): Record<string, unknown> => ({
    id: f.id.trim(),
    name: opt(f.name),
    enabled: f.enabled,
    mcps: list(f.mcps),
    tags: list(f.tags),
    on: TRANSITIONS.filter((t) => f.on.has(t)),
    for: duration(f.for) ?? 0,
    repeat_every: duration(f.repeat),
    send_resolved: f.resolved,
    channels: [...f.channels],
  });
  return (
    <AlertDialog
      api={api}
      kind="rules"
      noun={['alert rule', 'rule']}
      editingId={editing?.id ?? null}
      onClose={onClose}
      onSaved={onSaved}
      id={f.id}
      onId={(id) => set({ id })}
      idPlaceholder="page-ops"
      schema={AlertRule}
      value={value}
    >
      <Field label="Name" name="name" value={f.name} onChange={(name) => set({ name })} />
      <Field
        label="MCP name patterns (comma-separated, * globs)"
        name="mcps"
        value={f.mcps}
        onChange={(mcps) => set({ mcps })}
      />
      <Field
        label="Only MCPs with one of these tags (comma-separated, empty: any)"
        name="tags"
        value={f.tags}
        onChange={(tags) => set({ tags })}
      />
      <fieldset className="field">
        <legend className="field-label">Alert on</legend>
        {TRANSITIONS.map((t) => (
          <label key={t} className="check">
            <input
              type="checkbox"
              name={`on-${t}`}
              checked={f.on.has(t)}
              onChange={(e) => toggle('on', t, e.target.checked)}
            />{' '}
            {t.replace('_', ' ')}
          </label>
        ))}
      </fieldset>
      <div className="form-row">
        <Field
          label="For (s, or 30s / 5m)"
          name="for"
          value={f.for}
          onChange={(v) => set({ for: v })}
        />
        <Field
          label="Repeat every (empty: never)"
          name="repeat_every"
          value={f.repeat}
          onChange={(repeat) => set({ repeat })}
          placeholder="1h"
        />
      </div>
      <fieldset className="field">
        <legend className="field-label">Channels</legend>
        {channels.map((c) => (
          <label key={c} className="check">
            <input
              type="checkbox"
              name={`channel-${c}`}
              checked={f.channels.has(c)}
              onChange={(e) => toggle('channels', c, e.target.checked)}
            />{' '}
            {c}
          </label>
        ))}
      </fieldset>
      <label className="check">
        <input
          type="checkbox"
          name="send_resolved"
          checked={f.resolved}
          onChange={(e) => set({ resolved: e.target.checked })}
        />{' '}
        Send resolved
      </label>
      <label className="check">
        <input
          type="checkbox"
          name="enabled"
          checked={f.enabled}
          onChange={(e) => set({ enabled: e.target.checked })}
        />{' '}
        Enabled
      </label>
    </AlertDialog>
  );
}

// --- silences -------------------------------------------------------------------------------

/** `<input type="datetime-local">` holds local time without a zone. */
const toLocalInput = (iso: string | undefined): string => {
  if (iso === undefined) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
};
const fromLocalInput = (v: string): string | undefined => {
  if (v.trim() === '') return undefined;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? v : d.toISOString();
};

export function SilenceForm({
  api,
  editing,
  onClose,
  onSaved,
}: {
  api: AlertsApi;
  editing: Silence | null;
  onClose: () => void;
  onSaved: () => void;
}) {
  const [f, setF] = useState(() => ({
    id: editing?.id ?? '',
    recurring: editing?.cron !== undefined,
    from: toLocalInput(editing?.starts_at),
    until: toLocalInput(editing?.ends_at),
    cron: editing?.cron ?? '',
    duration: editing?.duration === undefined ? '' : String(editing.duration),
    mcps: (editing?.mcps ?? ['*']).join(', '),
    tags: (editing?.tags ?? []).join(', '),
    comment: editing?.comment ?? '',
  }));
  const set = (patch: Partial<typeof f>): void => setF((x) => ({ ...x, ...patch }));
  const value = (): Record<string, unknown> => ({
    id: f.id.trim(),
    comment: f.comment,
    mcps: list(f.mcps),
    tags: list(f.tags),
    ...(f.recurring
      ? { cron: opt(f.cron), duration: duration(f.duration) }
      : { starts_at: fromLocalInput(f.from), ends_at: fromLocalInput(f.until) }),
    ...(editing?.created_by === undefined ? {} : { created_by: editing.created_by }),
  });
  return (
    <AlertDialog
      api={api}
      kind="silences"
      noun={['silence', 'silence']}
      editingId={editing?.id ?? null}
      onClose={onClose}
      onSaved={onSaved}
      id={f.id}
      onId={(id) => set({ id })}
      idPlaceholder="db-maintenance"
      schema={Silence}
      value={value}
    >
      <fieldset className="field">
        <legend className="field-label">When</legend>
        <label className="check">
          <input
            type="radio"
            name="when"
            value="one-off"
            checked={!f.recurring}
            onChange={() => set({ recurring: false })}
          />{' '}
          One-off window
        </label>
        <label className="check">
          <input
            type="radio"
            name="when"
            value="recurring"
            checked={f.recurring}
            onChange={() => set({ recurring: true })}
          />{' '}
          Recurring (cron, UTC)
        </label>
      </fieldset>
      {f.recurring ? (
        <div className="form-row">
          <Field
            label="Cron (minute hour day month weekday)"
            name="cron"
            value={f.cron}
            onChange={(cron) => set({ cron })}
            placeholder="0 2 * * 0"
          />
          <Field
            label="Duration (s, or 30m / 2h)"
            name="duration"
            value={f.duration}
            onChange={(d) => set({ duration: d })}
            placeholder="2h"
          />
        </div>
      ) : (
        <div className="form-row">
          <Field
            label="From"
            name="starts_at"
            type="datetime-local"
            value={f.from}
            onChange={(from) => set({ from })}
          />
          <Field
            label="Until"
            name="ends_at"
            type="datetime-local"
            value={f.until}
            onChange={(until) => set({ until })}
          />
        </div>
      )}
      <Field
        label="MCP name patterns (comma-separated)"
        name="mcps"
        value={f.mcps}
        onChange={(mcps) => set({ mcps })}
      />
      <Field
        label="Tags (comma-separated, empty: any)"
        name="tags"
        value={f.tags}
        onChange={(tags) => set({ tags })}
      />
      <Field
        label="Comment"
        name="comment"
        value={f.comment}
        onChange={(comment) => set({ comment })}
      />
    </AlertDialog>
  );
}
