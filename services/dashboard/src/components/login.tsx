// Sign-in by token: paste the JWT an operator was given (the local stack prints a link with one).
// It is kept in localStorage on this browser until "Sign out".
import { useId, useState, type FormEvent } from 'react';

export function Login({
  error,
  onSignIn,
}: {
  error: string | null;
  onSignIn: (token: string) => void;
}) {
  const [token, setToken] = useState('');
  const id = useId();
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    if (token.trim() !== '') onSignIn(token.trim());
  };
  return (
    <main className="login">
      <form className="form login-form" onSubmit={submit} aria-labelledby={`${id}-h`}>
        <h1 id={`${id}-h`}>Beacon</h1>
        <p className="muted">MCP fleet health, live. Sign in with your access token.</p>
        <label className="field">
          <span className="field-label">Access token</span>
          <input
            type="password"
            autoComplete="off"
            spellCheck={false}
            value={token}
            onChange={(e) => setToken(e.target.value)}
            aria-describedby={error ? `${id}-err` : undefined}
            autoFocus
          />
        </label>
        {error ? (
          <p id={`${id}-err`} className="notice error" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit" className="primary">
          Sign in
        </button>
      </form>
    </main>
  );
}
