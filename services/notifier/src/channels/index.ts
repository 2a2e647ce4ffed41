// The channel implementations behind one Send: dispatch on the channel's type, and the sample
// notification the "test a channel" API delivers. A Send never throws: even a bug in a channel
// becomes a failed, non-retryable DeliveryResult.
import type { ChannelConfig, DeliveryResult, Notification } from '@beacon/protocol';
import { createEmailSender, type EmailSenderOptions } from './email.js';
import { sendPagerDuty } from './pagerduty.js';
import { result } from './result.js';
import { sendSlack } from './slack.js';
import type { Send, SendOptions } from './types.js';
import { sendWebhook } from './webhook.js';

export type { Send, SendOptions } from './types.js';
export { signWebhook, SIGNATURE_HEADER, TIMESTAMP_HEADER, IDEMPOTENCY_HEADER } from './webhook.js';
export { PAGERDUTY_EVENTS_URL } from './pagerduty.js';
export type { EmailSenderOptions } from './email.js';

export interface ChannelSender {
  readonly send: Send;
  /** Releases cached SMTP transports (shutdown). */
  close(): void;
}

export function createChannelSender(options: EmailSenderOptions = {}): ChannelSender {
  const email = createEmailSender(options);
  const send: Send = async (
    channel: ChannelConfig,
    notification: Notification,
    sendOptions?: SendOptions,
  ): Promise<DeliveryResult> => {
    const started = performance.now();
    try {
      switch (channel.type) {
        case 'webhook':
          return await sendWebhook(channel, notification, sendOptions);
        case 'slack':
          return await sendSlack(channel, notification, sendOptions);
        case 'pagerduty':
          return await sendPagerDuty(channel, notification, sendOptions);
        case 'email':
          return await email.send(channel, notification, sendOptions);
        default: {
          const unknown: never = channel;
          return result(started, {
            ok: false,
            status: null,
            response: `unknown channel type ${JSON.stringify((unknown as { type?: unknown }).type)}`,
            retryable: false,
          });
        }
      }
    } catch (err) {
      return result(started, {
        ok: false,
        status: null,
        response: `internal error: ${err instanceof Error ? err.name : 'unknown'}`,
        retryable: false,
      });
    }
  };
  return Object.freeze({ send, close: () => email.close() });
}

const shared = createChannelSender();

/** The process-wide sender (production trust store). */
export const send: Send = shared.send;
/** Releases the process-wide sender's SMTP transports. */
export const closeChannels = (): void => shared.close();

/** What `POST /api/alerts/channels/:id/test` delivers: clearly a test, on a unique key. */
export function sampleNotification(channel: ChannelConfig, now: Date): Notification {
  const at = Number.isNaN(now.getTime()) ? new Date() : now;
  const key = `test:${channel.id}:${at.getTime()}`;
  return {
    idempotency_key: key,
    incident_key: key,
    state: 'test',
    kind: 'test',
    rule_id: 'test',
    mcp_name: 'beacon_test',
    status: null,
    summary: `Test notification from Beacon for channel ${channel.id}: if you can read this, the channel works (nothing is down).`,
    error: null,
    started_at: at.toISOString(),
    ended_at: null,
    offset: '0-0',
    tags: [],
    dashboard_url: null,
  };
}
