// Status, circuit and connection badges. Colour is never the only signal: each badge also has a
// shape glyph and a text label (colour-blind users, wall displays seen from afar).
import type { ConnectionState } from '@beacon/client';
import type { CircuitState, HealthReason, HealthStatus } from '@beacon/protocol';
import { memo } from 'react';
import { CIRCUIT_LABEL, statusLabel } from '../format.js';

const STATUS_GLYPH: Readonly<Record<HealthStatus, string>> = {
  healthy: '●',
  unhealthy: '▲',
  disconnected: '■',
  inactive: '○',
  unknown: '◌',
};

export const StatusBadge = memo(function StatusBadge({
  status,
  reason,
}: {
  status: HealthStatus;
  /** The row's health_reason: credentials rejected reads differently from down. */
  reason?: HealthReason | null | undefined;
}) {
  const auth = reason === 'auth_failed' && status === 'unhealthy';
  return (
    <span
      className={`badge status-${status}${auth ? ' reason-auth_failed' : ''}`}
      data-status={status}
      {...(reason ? { 'data-reason': reason } : {})}
    >
      <span aria-hidden="true">{auth ? '⚿' : STATUS_GLYPH[status]}</span>{' '}
      {statusLabel(status, reason)}
    </span>
  );
});

export const CircuitBadge = memo(function CircuitBadge({ circuit }: { circuit: CircuitState }) {
  return (
    <span
      className={`badge circuit circuit-${circuit}`}
      data-circuit={circuit}
      title={`Circuit ${CIRCUIT_LABEL[circuit].toLowerCase()}`}
    >
      <span className="visually-hidden">Circuit </span>
      {CIRCUIT_LABEL[circuit]}
    </span>
  );
});

const CONNECTION_TEXT: Readonly<Record<ConnectionState, string>> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  resyncing: 'Resyncing…',
  offline: 'Offline',
};

export function ConnectionIndicator({
  state,
  resynced,
  detail,
}: {
  state: ConnectionState;
  /** State was replaced from a snapshot recently (a resume the edge could not serve). */
  resynced: boolean;
  detail: string;
}) {
  const text = state === 'live' && resynced ? 'Live (resynced)' : CONNECTION_TEXT[state];
  return (
    <div
      className={`connection connection-${state}`}
      role="status"
      aria-live="polite"
      data-connection={state}
      title={detail}
    >
      <span className="connection-dot" aria-hidden="true" />
      <span>{text}</span>
    </div>
  );
}
