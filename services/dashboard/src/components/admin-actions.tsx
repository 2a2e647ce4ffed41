// Admin controls for one MCP (enable/disable, edit, remove, circuit force/reset) and, in demo
// mode, its demo server's fault switch. Rendered only for admin tokens; the edge enforces the
// same rule server-side, this just keeps viewers from seeing buttons that would fail.
import type { McpStatus, ProbeResult } from '@beacon/protocol';
import { useState } from 'react';
import {
  FAULT_MODES,
  type Api,
  type CircuitAction,
  type DemoServer,
  type FaultMode,
} from '../api.js';

type Outcome = { readonly ok: boolean; readonly text: string } | null;

export function useAction(): {
  busy: string | null;
  outcome: Outcome;
  /** `fn` may resolve with the text to show; default `<label>: done`. */
  run: (label: string, fn: () => Promise<unknown>) => Promise<boolean>;
} {
  const [busy, setBusy] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<Outcome>(null);
  const run = async (label: string, fn: () => Promise<unknown>): Promise<boolean> => {
    setBusy(label);
    setOutcome(null);
    try {
      const text = await fn();
      setOutcome({ ok: true, text: typeof text === 'string' ? text : `${label}: done` });
      return true;
    } catch (err) {
      setOutcome({
        ok: false,
        text: `${label} failed: ${err instanceof Error ? err.message : String(err)}`,
      });
      return false;
    } finally {
      setBusy(null);
    }
  };
  return { busy, outcome, run };
}

/** What one probe on request found, in a line. */
export function describeProbe(p: ProbeResult): string {
  const took = p.latency_ms === null ? '' : ` in ${Math.round(p.latency_ms)} ms`;
  if (p.ok) return `Recheck: healthy${took}${p.outcome === 'slow' ? ' (slow)' : ''}`;
  if (p.outcome === 'auth_failed') return `Recheck: credentials rejected${took}`;
  return `Recheck: ${p.status}${took}${p.error === null ? '' : ` — ${p.error}`}`;
}

const CIRCUIT_ACTIONS: readonly { action: CircuitAction; label: string }[] = [
  { action: 'force_open', label: 'Force open' },
  { action: 'force_closed', label: 'Force closed' },
  { action: 'reset', label: 'Reset' },
];

export function AdminActions({
  row,
  api,
  admin,
  demo,
  onEdit,
}: {
  row: McpStatus;
  api: Api;
  admin: boolean;
  demo: { server: DemoServer; setFault: (mode: FaultMode) => Promise<void> } | null;
  onEdit: (row: McpStatus) => void;
}) {
  const { busy, outcome, run } = useAction();
  const [confirming, setConfirming] = useState(false);
  const name = row.name;
  return (
    <section className="admin" aria-label="Actions">
      {admin ? (
        <>
          <h3>Admin</h3>
          <div className="button-row" data-admin-controls="mcp">
            <button
              type="button"
              disabled={busy !== null}
              onClick={() =>
                void run(row.enabled ? 'Disable' : 'Enable', () =>
                  api.update(name, { enabled: !row.enabled }),
                )
              }
            >
              {row.enabled ? 'Disable' : 'Enable'}
            </button>
            <button
              type="button"
              disabled={busy !== null || (!row.enabled && !row.auto_disabled)}
              title={
                row.enabled || row.auto_disabled ? 'Probe this MCP now' : 'Enable it to probe it'
              }
              data-action="recheck"
              onClick={() =>
                void run('Recheck', async () => describeProbe((await api.probe(name)).probe))
              }
            >
              Recheck now
            </button>
            <button type="button" disabled={busy !== null} onClick={() => onEdit(row)}>
              Edit…
            </button>
            {confirming ? (
              <>
                <button
                  type="button"
                  className="danger"
                  disabled={busy !== null}
                  onClick={() => {
                    setConfirming(false);
                    void run('Remove', () => api.remove(name));
                  }}
                >
                  Really remove {name}
                </button>
                <button type="button" onClick={() => setConfirming(false)}>
                  Keep
                </button>
              </>
            ) : (
              <button
                type="button"
                className="danger"
                disabled={busy !== null}
                onClick={() => setConfirming(true)}
              >
                Remove…
              </button>
            )}
          </div>
          <div
            className="button-row"
            role="group"
            aria-label="Circuit breaker"
            data-admin-controls="circuit"
          >
            <span className="muted">Circuit:</span>
            {CIRCUIT_ACTIONS.map(({ action, label }) => (
              <button
                key={action}
                type="button"
                disabled={busy !== null}
                onClick={() =>
                  void run(`Circuit ${label.toLowerCase()}`, () => api.circuit(name, action))
                }
              >
                {label}
              </button>
            ))}
          </div>
        </>
      ) : null}
      {demo !== null ? (
        <div
          className="button-row"
          role="group"
          aria-label="Demo fault switch"
          data-demo-controls={name}
        >
          <span className="muted">Demo fault (now {demo.server.fault.mode}):</span>
          {FAULT_MODES.map((mode) => (
            <button
              key={mode}
              type="button"
              aria-pressed={demo.server.fault.mode === mode}
              disabled={busy !== null}
              data-fault={mode}
              onClick={() => void run(`Fault ${mode}`, () => demo.setFault(mode))}
            >
              {mode}
            </button>
          ))}
        </div>
      ) : null}
      <p
        className={outcome?.ok === false ? 'notice error' : 'muted'}
        role={outcome?.ok === false ? 'alert' : 'status'}
      >
        {busy !== null ? `${busy}…` : (outcome?.text ?? '')}
      </p>
    </section>
  );
}
