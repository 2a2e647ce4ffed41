// Display formatting shared by every view: relative times, latencies, labels.
import type { CircuitState, HealthReason, HealthStatus } from '@beacon/protocol';

/** "12 s ago", "3 min ago", "2 h ago", "4 d ago"; "never" for null; "just now" under 1 s. */
export function ago(iso: string | null, now: number): string {
  if (iso === null) return 'never';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return 'unknown';
  const s = Math.floor((now - t) / 1000);
  if (s < 1) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
}

export function latency(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 10_000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(1)} s`;
}

export const STATUS_LABEL: Readonly<Record<HealthStatus, string>> = {
  healthy: 'Healthy',
  unhealthy: 'Unhealthy',
  disconnected: 'Disconnected',
  inactive: 'Inactive',
  unknown: 'Unknown',
};

/** Why a status is what it is (the row's health_reason), in words. */
export const REASON_LABEL: Readonly<Record<HealthReason, string>> = {
  timeout: 'timed out',
  error: 'error',
  slow: 'too slow',
  disconnected: 'connection failed',
  auth_failed: 'credentials rejected',
  health_check_disabled: 'health check off',
  auto_disabled: 'auto-disabled after failed cycles',
  manual: 'disabled by an admin',
};

/**
 * The status as a user should read it: a server that is up but refuses the configured
 * credentials is "Credentials rejected", not down; one never probed is "Not checked".
 */
export function statusLabel(status: HealthStatus, reason?: HealthReason | null): string {
  if (reason === 'auth_failed' && status === 'unhealthy') return 'Credentials rejected';
  if (reason === 'health_check_disabled' && status === 'unknown') return 'Not checked';
  return STATUS_LABEL[status];
}

/** "2026-07-28 (stateless)" / "2025-06-18 (initialize)"; "—" before the first probe. */
export function protocolText(version: string | null | undefined): string {
  if (version === null || version === undefined) return '—';
  return version >= '2026-07-28' ? `${version} (server/discover)` : `${version} (initialize)`;
}

export const CIRCUIT_LABEL: Readonly<Record<CircuitState, string>> = {
  closed: 'Closed',
  open: 'Open',
  half_open: 'Half-open',
};

export function clockTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleTimeString(undefined, { hour12: false });
}

export function count(n: number | undefined): string {
  return n === undefined ? '—' : n.toLocaleString('en-US');
}
