// The modal form shell every admin dialog of the dashboard uses (MCP registration, alert
// channels, rules, silences): a native <dialog> (focus trap, Esc closes), a titled form, the
// problem or busy line, and Save / Cancel.
import { useEffect, useId, useRef, type FormEvent, type ReactNode } from 'react';

export function Dialog({
  title,
  onClose,
  onSubmit,
  problem,
  busy,
  submitLabel = 'Save',
  children,
}: {
  title: string;
  /** The submit button's text (default Save). */
  submitLabel?: string;
  onClose: () => void;
  onSubmit: () => void;
  problem: string | null;
  busy: string | null;
  children: ReactNode;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const id = useId();
  useEffect(() => {
    const d = dialog.current;
    if (d !== null && !d.open) d.showModal();
  }, []);
  return (
    <dialog
      ref={dialog}
      className="modal"
      aria-labelledby={`${id}-title`}
      onClose={onClose}
      onCancel={onClose}
    >
      <form
        className="form"
        onSubmit={(e: FormEvent) => {
          e.preventDefault();
          onSubmit();
        }}
      >
        <h2 id={`${id}-title`}>{title}</h2>
        {children}
        <p className={problem !== null ? 'notice error' : 'muted'} role="alert">
          {problem ?? (busy !== null ? `${busy}…` : '')}
        </p>
        <div className="button-row">
          <button type="submit" className="primary" disabled={busy !== null}>
            {submitLabel}
          </button>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </dialog>
  );
}
