// Demo mode: every demo MCP server with its fault switch (ok / down / slow / error / flap), in a
// modal dialog. Talks to the demo fleet's control API directly (it allows the dashboard origin).
import { useEffect, useId, useRef, useState } from 'react';
import { FAULT_MODES, type FaultMode } from '../api.js';
import type { Demo } from '../demo.js';

export function DemoPanel({ demo, onClose }: { demo: Demo; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const id = useId();
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const d = dialog.current;
    if (d !== null && !d.open) d.showModal();
  }, []);
  const servers = [...demo.servers.values()].sort((a, b) => a.name.localeCompare(b.name));
  const set = (name: string, mode: FaultMode): void => {
    setError(null);
    demo
      .setFault(name, mode)
      .catch((err: unknown) => setError(err instanceof Error ? err.message : String(err)));
  };
  return (
    <dialog
      ref={dialog}
      className="modal wide"
      aria-labelledby={`${id}-t`}
      onClose={onClose}
      onCancel={onClose}
    >
      <div className="form">
        <h2 id={`${id}-t`}>Demo fault switches</h2>
        <p className="muted">Control API: {demo.url}</p>
        {(demo.error ?? error) ? (
          <p className="notice error" role="alert">
            {error ?? demo.error}
          </p>
        ) : null}
        <table className="numbers demo-table">
          <thead>
            <tr>
              <th scope="col">Server</th>
              <th scope="col">Fault</th>
            </tr>
          </thead>
          <tbody>
            {servers.map((s) => (
              <tr key={s.name}>
                <th scope="row">{s.name}</th>
                <td>
                  <div className="segmented" role="group" aria-label={`Fault for ${s.name}`}>
                    {FAULT_MODES.map((mode) => (
                      <button
                        key={mode}
                        type="button"
                        aria-pressed={s.fault.mode === mode}
                        onClick={() => set(s.name, mode)}
                      >
                        {mode}
                      </button>
                    ))}
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <div className="button-row">
          <button type="button" onClick={() => demo.refresh()}>
            Reload
          </button>
          <button type="button" className="primary" onClick={onClose}>
            Close
          </button>
        </div>
      </div>
    </dialog>
  );
}
