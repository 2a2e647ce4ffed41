// Register / edit an MCP in a modal <dialog> (native focus trap and Esc). Input is validated with
// the protocol's own McpConfig / McpConfigPatch schemas before it is sent, and the edge's answer
// (or error) is shown as is. Edit sends only the fields that changed.
import {
  McpConfigInput,
  McpConfigPatch,
  describeIssues,
  issuesOf,
  type McpStatus,
} from '@beacon/protocol';
import { useState } from 'react';
import type { Api } from '../api.js';
import { useAction } from './admin-actions.js';
import { Dialog } from './dialog.js';

type TransportType = 'streamable-http' | 'sse' | 'stdio';

interface FormState {
  name: string;
  type: TransportType;
  url: string;
  command: string;
  args: string;
  probe: string;
  timeout: string;
  cycles: string;
  tags: string;
  enabled: boolean;
  breaker: string;
}

function fromRow(row: McpStatus | null): FormState {
  const c = row?.config;
  const t = c?.transport;
  return {
    name: row?.name ?? '',
    type: t?.type ?? 'streamable-http',
    url: t !== undefined && t.type !== 'stdio' ? t.url : '',
    command: t?.type === 'stdio' ? t.command : '',
    args: t?.type === 'stdio' ? t.args.join(' ') : '',
    probe: String(c?.probe_interval_ms ?? 10_000),
    timeout: String(c?.timeout_ms ?? 5_000),
    cycles: c?.failure_cycles_to_disable === undefined ? '' : String(c.failure_cycles_to_disable),
    tags: (row?.tags ?? []).join(', '),
    enabled: row?.enabled ?? true,
    breaker: c?.breaker === undefined ? '' : JSON.stringify(c.breaker),
  };
}

function toConfig(f: FormState): { value?: Record<string, unknown>; error?: string } {
  let breaker: unknown;
  if (f.breaker.trim() !== '') {
    try {
      breaker = JSON.parse(f.breaker);
    } catch {
      return { error: 'breaker: not valid JSON' };
    }
  }
  const num = (s: string): number | undefined => (s.trim() === '' ? undefined : Number(s));
  const transport =
    f.type === 'stdio'
      ? { type: 'stdio', command: f.command.trim(), args: f.args.split(/\s+/).filter(Boolean) }
      : { type: f.type, url: f.url.trim() };
  const value: Record<string, unknown> = {
    name: f.name.trim(),
    transport,
    probe_interval_ms: num(f.probe),
    timeout_ms: num(f.timeout),
    failure_cycles_to_disable: num(f.cycles),
    tags: f.tags
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean),
    enabled: f.enabled,
    breaker,
  };
  for (const k of Object.keys(value)) if (value[k] === undefined) delete value[k];
  return { value };
}

export function McpForm({
  api,
  editing,
  onClose,
}: {
  api: Api;
  /** null = register a new MCP. */
  editing: McpStatus | null;
  onClose: () => void;
}) {
  const [form, setForm] = useState<FormState>(() => fromRow(editing));
  const [invalid, setInvalid] = useState<string | null>(null);
  const { busy, outcome, run } = useAction();
  const set = (patch: Partial<FormState>): void => setForm((f) => ({ ...f, ...patch }));
  const original = fromRow(editing);

  const submit = async (): Promise<void> => {
    const built = toConfig(form);
    if (built.value === undefined) {
      setInvalid(built.error ?? 'invalid');
      return;
    }
    if (editing === null) {
      const parsed = McpConfigInput.safeParse(built.value);
      if (!parsed.success) {
        setInvalid(describeIssues(issuesOf(parsed.error)));
        return;
      }
      setInvalid(null);
      if (await run('Register', () => api.register(built.value))) onClose();
      return;
    }
    // Only what changed: untouched transports keep their (redacted) headers and env server-side.
    const before = toConfig(original).value ?? {};
    const patch: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(built.value)) {
      if (k !== 'name' && JSON.stringify(v) !== JSON.stringify(before[k])) patch[k] = v;
    }
    const parsed = McpConfigPatch.safeParse(patch);
    if (!parsed.success) {
      setInvalid(describeIssues(issuesOf(parsed.error)));
      return;
    }
    if (Object.keys(patch).length === 0) {
      setInvalid('nothing changed');
      return;
    }
    setInvalid(null);
    if (await run('Save', () => api.update(editing.name, patch))) onClose();
  };

  return (
    <Dialog
      title={editing === null ? 'Register an MCP' : `Edit ${editing.name}`}
      onClose={onClose}
      onSubmit={() => void submit()}
      problem={invalid ?? (outcome?.ok === false ? outcome.text : null)}
      busy={busy}
      submitLabel={editing === null ? 'Register' : 'Save'}
    >
      {editing === null ? (
        <label className="field">
          <span className="field-label">Name</span>
          <input
            required
            value={form.name}
            onChange={(e) => set({ name: e.target.value })}
            placeholder="billing_mcp"
          />
        </label>
      ) : null}
      <label className="field">
        <span className="field-label">Transport</span>
        <select value={form.type} onChange={(e) => set({ type: e.target.value as TransportType })}>
          <option value="streamable-http">Streamable HTTP</option>
          <option value="sse">SSE</option>
          <option value="stdio">stdio</option>
        </select>
      </label>
      {form.type === 'stdio' ? (
        <>
          <label className="field">
            <span className="field-label">Command</span>
            <input
              required
              value={form.command}
              onChange={(e) => set({ command: e.target.value })}
            />
          </label>
          <label className="field">
            <span className="field-label">Arguments (space-separated)</span>
            <input value={form.args} onChange={(e) => set({ args: e.target.value })} />
          </label>
        </>
      ) : (
        <label className="field">
          <span className="field-label">URL</span>
          <input
            required
            type="url"
            value={form.url}
            onChange={(e) => set({ url: e.target.value })}
            placeholder="http://127.0.0.1:7200/mcp"
          />
        </label>
      )}
      <div className="form-row">
        <label className="field">
          <span className="field-label">Probe interval (ms)</span>
          <input
            inputMode="numeric"
            value={form.probe}
            onChange={(e) => set({ probe: e.target.value })}
          />
        </label>
        <label className="field">
          <span className="field-label">Timeout (ms)</span>
          <input
            inputMode="numeric"
            value={form.timeout}
            onChange={(e) => set({ timeout: e.target.value })}
          />
        </label>
        <label className="field">
          <span className="field-label">Failure cycles to disable</span>
          <input
            inputMode="numeric"
            value={form.cycles}
            onChange={(e) => set({ cycles: e.target.value })}
            placeholder="default"
          />
        </label>
      </div>
      <label className="field">
        <span className="field-label">Tags (comma-separated)</span>
        <input value={form.tags} onChange={(e) => set({ tags: e.target.value })} />
      </label>
      <label className="field">
        <span className="field-label">Breaker overrides (JSON)</span>
        <input
          value={form.breaker}
          onChange={(e) => set({ breaker: e.target.value })}
          placeholder='{"consecutive_failures": 3, "wait_open_ms": 2000}'
        />
      </label>
      <label className="check">
        <input
          type="checkbox"
          checked={form.enabled}
          onChange={(e) => set({ enabled: e.target.checked })}
        />{' '}
        Enabled
      </label>
      {editing?.config?.transport.type !== 'stdio' && editing?.config?.transport.headers ? (
        <p className="muted">Changing the transport replaces its headers (they are not shown).</p>
      ) : null}
    </Dialog>
  );
}
