// PagerDuty Events API v2 (POST https://events.pagerduty.com/v2/enqueue, or the channel's url):
// firing and reminder → `trigger`, resolved → `resolve` (routing_key, dedup_key and event_action
// only), test → `trigger` with severity info. dedup_key is the notification's incident_key, the
// same from trigger to resolve, so PagerDuty folds reminders into the open alert and the resolve
// closes it (PagerDuty allows 255 characters: a longer key is replaced by a stable hash of it).
// PagerDuty answers 202 {status:"success", dedup_key}; 400 is an invalid event (not retried),
// 429 and 5xx are retried.
import { createHash } from 'node:crypto';
import type { DeliveryResult, Notification, PagerDutyChannel } from '@beacon/protocol';
import type { z } from 'zod';
import { cut, oneLine, safeLink } from './describe.js';
import { post } from './http.js';
import type { SendOptions } from './types.js';

export type PagerDutyChannelConfig = z.output<typeof PagerDutyChannel>;

export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

export type PagerDutySeverity = 'critical' | 'error' | 'warning' | 'info';

export interface PagerDutyEvent {
  readonly routing_key: string;
  readonly event_action: 'trigger' | 'resolve';
  readonly dedup_key: string;
  readonly payload?: {
    readonly summary: string;
    readonly source: string;
    readonly severity: PagerDutySeverity;
    readonly timestamp: string;
    readonly component: string;
    readonly group?: string;
    readonly class: string;
    readonly custom_details: Record<string, unknown>;
  };
  readonly client?: string;
  readonly client_url?: string;
  readonly links?: { href: string; text: string }[];
}

export function severityOf(n: Notification): PagerDutySeverity {
  switch (n.kind) {
    case 'down':
    case 'auth_failed':
    case 'auto_disabled':
      return 'critical';
    case 'circuit_opened':
      return 'warning';
    case 'recovered':
    case 'test':
      return 'info';
  }
}

/** PagerDuty's dedup_key (≤255): the incident key, or `beacon:<sha256>` of a longer one. */
export function dedupKeyOf(n: Notification): string {
  return n.incident_key.length <= 255
    ? n.incident_key
    : `beacon:${createHash('sha256').update(n.incident_key).digest('hex')}`;
}

export function pagerDutyEvent(routingKey: string, n: Notification): PagerDutyEvent {
  const dedup_key = dedupKeyOf(n);
  if (n.state === 'resolved')
    return { routing_key: routingKey, event_action: 'resolve', dedup_key };
  const link = safeLink(n.dashboard_url);
  const timestamp = Number.isNaN(Date.parse(n.started_at))
    ? new Date().toISOString()
    : n.started_at;
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key,
    payload: {
      summary: cut(oneLine(n.summary) || `${n.mcp_name}: ${n.kind}`, 1024),
      source: n.mcp_name,
      severity: severityOf(n),
      timestamp,
      component: n.mcp_name,
      ...(n.tags[0] === undefined ? {} : { group: n.tags[0] }),
      class: n.kind,
      custom_details: {
        state: n.state,
        kind: n.kind,
        status: n.status,
        error: n.error,
        started_at: n.started_at,
        ended_at: n.ended_at,
        rule_id: n.rule_id,
        offset: n.offset,
        idempotency_key: n.idempotency_key,
        tags: n.tags,
      },
    },
    client: 'Beacon',
    ...(link === null ? {} : { client_url: link, links: [{ href: link, text: 'Open in Beacon' }] }),
  };
}

export function sendPagerDuty(
  channel: PagerDutyChannelConfig,
  notification: Notification,
  options?: SendOptions,
): Promise<DeliveryResult> {
  return post(
    {
      url: channel.url ?? PAGERDUTY_EVENTS_URL,
      body: JSON.stringify(pagerDutyEvent(channel.routing_key, notification)),
      headers: { 'content-type': 'application/json' },
      secrets: [channel.routing_key],
    },
    options,
  );
}
