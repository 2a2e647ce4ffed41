// What every channel implementation provides: deliver one notification to one configured
// channel and say how it went. Never throws: a receiver that is down, slow or answers garbage is
// a DeliveryResult with ok false (and retryable when trying again may help).
import type { ChannelConfig, DeliveryResult, Notification } from '@beacon/protocol';

export interface SendOptions {
  /** Aborts the attempt (shutdown, or the per-attempt timeout). */
  readonly signal?: AbortSignal;
  /** Per-attempt timeout; default 10 s. */
  readonly timeoutMs?: number;
}

export type Send = (
  channel: ChannelConfig,
  notification: Notification,
  options?: SendOptions,
) => Promise<DeliveryResult>;
