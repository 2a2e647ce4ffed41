// Generic webhook: the Notification as a JSON POST, signed so the receiver can tell it came from
// this Beacon and was not replayed.
//
// Signature scheme (when the channel has a `secret`):
//   X-Beacon-Timestamp: <unix seconds when the attempt was made>
//   X-Beacon-Signature: sha256=<lowercase hex HMAC-SHA256(secret, `${timestamp}.${body}`)>
// where `body` is the exact bytes of the request body (UTF-8 JSON). To verify: read the raw body
// (before any JSON parsing), compute the HMAC over `<X-Beacon-Timestamp>.<raw body>`, compare it
// in constant time with the hex after `sha256=`, and reject timestamps more than 5 minutes away
// from your clock (replay). X-Beacon-Timestamp is sent without a secret too (unsigned).
// `Idempotency-Key: <notification.idempotency_key>` is the same on every retry of a delivery:
// dedupe on it. The channel's configured headers are added, but cannot replace content-type, the
// signature, timestamp or idempotency headers (nor host / content-length).
import { createHmac } from 'node:crypto';
import type { DeliveryResult, Notification, WebhookChannel } from '@beacon/protocol';
import type { z } from 'zod';
import { post } from './http.js';
import type { SendOptions } from './types.js';

export type WebhookChannelConfig = z.output<typeof WebhookChannel>;

export const SIGNATURE_HEADER = 'x-beacon-signature';
export const TIMESTAMP_HEADER = 'x-beacon-timestamp';
export const IDEMPOTENCY_HEADER = 'idempotency-key';

/** Headers a channel's configuration may not set (lower-case). */
const RESERVED = new Set([
  'content-type',
  'content-length',
  'transfer-encoding',
  'host',
  'connection',
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  IDEMPOTENCY_HEADER,
]);

/** `sha256=<hex>` over `<timestamp>.<body>`: what receivers recompute. */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export function webhookRequestHeaders(
  channel: WebhookChannelConfig,
  notification: Notification,
  body: string,
  nowMs: number,
): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(channel.headers ?? {})) {
    if (!RESERVED.has(name.toLowerCase())) headers[name.toLowerCase()] = value;
  }
  const timestamp = Math.floor(nowMs / 1000);
  headers['content-type'] = 'application/json';
  headers[TIMESTAMP_HEADER] = String(timestamp);
  headers[IDEMPOTENCY_HEADER] = notification.idempotency_key.replace(/[\r\n\0]/g, ' ');
  if (channel.secret !== undefined) {
    headers[SIGNATURE_HEADER] = signWebhook(channel.secret, timestamp, body);
  }
  return headers;
}

export function sendWebhook(
  channel: WebhookChannelConfig,
  notification: Notification,
  options?: SendOptions,
): Promise<DeliveryResult> {
  const body = JSON.stringify(notification);
  const headers = webhookRequestHeaders(channel, notification, body, Date.now());
  const secrets = [
    ...(channel.secret === undefined ? [] : [channel.secret]),
    ...Object.values(channel.headers ?? {}),
  ];
  // The signature itself is no secret but proves nothing to anyone reading results: mask it too.
  if (headers[SIGNATURE_HEADER] !== undefined) secrets.push(headers[SIGNATURE_HEADER].slice(7));
  return post({ url: channel.url, body, headers, secrets }, options);
}
