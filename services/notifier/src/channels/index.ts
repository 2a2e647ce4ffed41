// Placeholder until the channel implementations land: webhook only (JSON POST).
import type { ChannelConfig, DeliveryResult, Notification } from '@beacon/protocol';
import type { Send } from './types.js';

export const send: Send = async (channel, n, options) => {
  const t0 = performance.now();
  const fail = (
    response: string,
    retryable: boolean,
    status: number | null = null,
  ): DeliveryResult => ({
    ok: false,
    status,
    response,
    retryable,
    duration_ms: performance.now() - t0,
  });
  if (channel.type !== 'webhook') return fail(`${channel.type} not available yet`, false);
  try {
    const signals = [AbortSignal.timeout(options?.timeoutMs ?? 10_000)];
    if (options?.signal !== undefined) signals.push(options.signal);
    const res = await fetch(channel.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': n.idempotency_key },
      body: JSON.stringify(n),
      redirect: 'manual',
      signal: AbortSignal.any(signals),
    });
    const text = (await res.text()).slice(0, 500);
    if (res.ok)
      return {
        ok: true,
        status: res.status,
        response: text,
        retryable: false,
        duration_ms: performance.now() - t0,
      };
    return fail(text, res.status >= 500 || res.status === 429 || res.status === 408, res.status);
  } catch (err) {
    return fail((err as Error).message, true);
  }
};

export function sampleNotification(channel: ChannelConfig, now = Date.now()): Notification {
  const at = new Date(now).toISOString();
  return {
    idempotency_key: `test:${channel.id}:${now}`,
    incident_key: `test:${channel.id}`,
    state: 'test',
    kind: 'test',
    rule_id: 'test',
    mcp_name: 'beacon_test',
    status: null,
    summary: `Beacon test notification for channel ${channel.id}`,
    error: null,
    started_at: at,
    ended_at: null,
    offset: `${now}-0`,
    tags: [],
    dashboard_url: null,
  };
}
