// Words every human-facing channel (Slack, email) uses for a notification, so they read alike.
import type { Notification } from '@beacon/protocol';

export const STATE_LABEL: Readonly<Record<Notification['state'], string>> = {
  firing: 'FIRING',
  reminder: 'STILL FIRING',
  resolved: 'RESOLVED',
  test: 'TEST',
};

export const KIND_LABEL: Readonly<Record<Notification['kind'], string>> = {
  down: 'down',
  auth_failed: 'authentication failed',
  circuit_opened: 'circuit opened',
  auto_disabled: 'auto-disabled',
  recovered: 'recovered',
  test: 'test',
};

/** A one-line title: `FIRING billing_mcp is down: connection refused`. */
export function titleOf(n: Notification): string {
  const summary = n.summary.trim() === '' ? `${n.mcp_name}: ${KIND_LABEL[n.kind]}` : n.summary;
  return `${STATE_LABEL[n.state]} ${oneLine(summary)}`;
}

export function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
}

export function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** The dashboard link, only when it is a plain http(s) URL (it ends up in markup). */
export function safeLink(url: string | null): string | null {
  if (url === null || url.length > 2048) return null;
  return /^https?:\/\/[^\s<>"'|`\\]+$/i.test(url) ? url : null;
}
