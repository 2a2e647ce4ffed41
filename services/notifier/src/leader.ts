// What the notifier does while it holds the lease: read the log from its stored position, decide
// (model.ts), and write the decision — alerts, queued notifications, history, the new position —
// in one fenced step; check due alerts (`for`, reminders, silence ends); and run one delivery
// loop per channel over that channel's queue (FIFO, retries with jittered backoff, a failing
// channel holds up only its own queue). A crash or failover loses nothing: what was decided but
// not written is decided again, identically; what was queued but not acknowledged is sent again
// by the successor with the same idempotency key.
import type { EventLog, Fence } from '@beacon/event-log';
import {
  backoffDelay,
  compareOffsets,
  equalJitter,
  keepMaskedSecrets,
  maskUrlPath,
  offsetTime,
  type AlertRule,
  type ChannelConfig,
  type ChannelStatus,
  type DeliveryRecord,
  type DeliveryResult,
  type Notification,
  type Silence,
  type StoredEvent,
} from '@beacon/protocol';
import { sleep, type Logger } from '@beacon/runtime';
import type { Send } from './channels/types.js';
import type { NotifierConfig } from './config.js';
import type { NotifierMetrics } from './metrics.js';
import {
  alertKey,
  decideDue,
  decideEvent,
  type AlertState,
  type Config,
  type Effects,
  type Fleet,
} from './model.js';
import type { NotifierBatch, NotifierStore, QueuedEntry, RetryState } from './store.js';

/** Events read and decided per fenced write. */
const BATCH = 200;
/** Queued notifications taken per delivery round, and sent at once (per channel). */
const DELIVERY_BATCH = 64;
const SEND_CONCURRENCY = 16;

export class Refused extends Error {
  override readonly name = 'Refused';
  constructor(
    readonly code: 'not_found' | 'conflict' | 'invalid',
    message: string,
  ) {
    super(message);
  }
}

export interface LeaderOptions {
  readonly log: EventLog;
  readonly store: NotifierStore;
  readonly send: Send;
  readonly settings: Pick<
    NotifierConfig,
    | 'BEACON_NOTIFIER_START'
    | 'BEACON_NOTIFIER_MAX_ATTEMPTS'
    | 'BEACON_NOTIFIER_RETRY_BASE_MS'
    | 'BEACON_NOTIFIER_RETRY_MAX_MS'
    | 'BEACON_NOTIFIER_SEND_TIMEOUT_MS'
    | 'BEACON_NOTIFIER_TICK_MS'
    | 'BEACON_DASHBOARD_URL'
  >;
  readonly metrics: NotifierMetrics;
  readonly logger: Logger;
}

export interface Leader {
  /** Runs until the signal aborts or the fence is lost (rejects with the fencing error). */
  run(fence: Fence, signal: AbortSignal): Promise<void>;
  /** New events may be in the log (the live subscription saw one). */
  wake(): void;
  /** Config writes (commands, the alerts file), applied in memory and in Redis, fenced. */
  putChannel(c: ChannelConfig): Promise<void>;
  deleteChannel(id: string): Promise<void>;
  testChannel(id: string, sample: (c: ChannelConfig) => Notification): Promise<DeliveryResult>;
  putRule(r: AlertRule): Promise<void>;
  deleteRule(id: string): Promise<void>;
  putSilence(s: Silence): Promise<void>;
  deleteSilence(id: string): Promise<void>;
  readonly leading: boolean;
  /** Resolves once the current leadership has loaded its state (config writes wait for it). */
  loaded(): Promise<void>;
}

function tagsOf(event: StoredEvent): readonly string[] | null | undefined {
  const e = event.event;
  if (e.type === 'mcp_registered') return e.config.tags;
  if (e.type === 'mcp_updated') return e.config?.tags;
  if (e.type === 'mcp_removed') return null;
  return undefined;
}

export function createLeader(o: LeaderOptions): Leader {
  const { log, store, metrics, settings } = o;
  const logger = o.logger.child({ component: 'leader' });

  const channels = new Map<string, ChannelConfig>();
  const rules = new Map<string, AlertRule>();
  const silences = new Map<string, Silence>();
  const alerts = new Map<string, AlertState>();
  const tags = new Map<string, readonly string[]>();
  const status = new Map<string, ChannelStatus>();
  const config: Config = { rules, silences, dashboardUrl: settings.BEACON_DASHBOARD_URL ?? null };
  const fleet: Fleet = { tags: (mcp) => tags.get(mcp) ?? [] };

  let fence: Fence | null = null;
  let stopSignal: AbortSignal | null = null;
  let wakeLoop: (() => void) | null = null;
  const channelWake = new Map<string, () => void>();
  const deliverers = new Map<string, Promise<void>>();
  let failure: ((err: unknown) => void) | null = null;
  let markLoaded: () => void = () => undefined;
  let loadedNow: Promise<void> = new Promise((resolve) => (markLoaded = resolve));

  const batch = (): NotifierBatch => {
    if (fence === null) throw new Refused('conflict', 'this notifier is not the leader');
    return store.batch(fence);
  };

  const apply = (b: NotifierBatch, effects: Effects): Set<string> => {
    const touched = new Set<string>();
    for (const key of effects.del) {
      alerts.delete(key);
      b.alert(key, null);
    }
    for (const a of effects.put) {
      const key = alertKey(a.rule, a.mcp, a.kind);
      alerts.set(key, a);
      b.alert(key, a);
    }
    for (const r of effects.records) {
      b.record(r);
      metrics.records.labels(r.result).inc();
    }
    for (const out of effects.send) {
      for (const id of out.channels) {
        const channel = channels.get(id);
        if (channel === undefined) {
          b.record(deliveryRecord(out.notification, id, 'failed', null, 'unknown channel'));
          metrics.deliveries.labels(id, 'failed').inc();
          continue;
        }
        b.enqueue(id, out.notification);
        touched.add(id);
      }
    }
    return touched;
  };

  const wakeChannels = (ids: Iterable<string>): void => {
    for (const id of ids) {
      ensureDeliverer(id);
      channelWake.get(id)?.();
    }
  };

  const countAlerts = (): void => {
    let pending = 0;
    for (const a of alerts.values()) if (a.phase === 'pending') pending++;
    metrics.alerts.labels('pending').set(pending);
    metrics.alerts.labels('firing').set(alerts.size - pending);
  };

  // ---- the log ---------------------------------------------------------------------------------
  async function start(): Promise<{ offset: string; epoch: string }> {
    const [cs, rs, ss, as, ts, st] = await Promise.all([
      store.channels(),
      store.rules(),
      store.silences(),
      store.alerts(),
      store.tags(),
      store.channelStatus(),
    ]);
    for (const [k, v] of cs.items) channels.set(k, v);
    for (const [k, v] of rs.items) rules.set(k, v);
    for (const [k, v] of ss.items) silences.set(k, v);
    for (const [k, v] of as) alerts.set(k, v);
    for (const [k, v] of ts) tags.set(k, v);
    for (const [k, v] of st) status.set(k, v);
    const bad = [...cs.bad, ...rs.bad, ...ss.bad];
    if (bad.length > 0)
      logger.warn({ ids: bad }, 'stored alert config that does not parse; skipped');

    const head = await log.head();
    const saved = await store.position();
    if (saved !== null && saved.epoch === head.epoch) return saved;
    // First start, or the log was reset (new epoch): begin at the head with the fleet's tags
    // as they are now, or at the beginning when configured so.
    const snapshot = await log.snapshot();
    const b = batch();
    for (const row of snapshot.mcps) {
      const t = row.config?.tags ?? [];
      tags.set(row.name, t);
      b.tags(row.name, t);
    }
    if (saved !== null) {
      logger.warn(
        { was: saved.epoch, now: snapshot.epoch },
        'the log has a new epoch; alerts reset',
      );
      for (const key of alerts.keys()) b.alert(key, null);
      alerts.clear();
    }
    const from =
      settings.BEACON_NOTIFIER_START === 'beginning' && saved === null ? '0-0' : snapshot.offset;
    b.position(from, snapshot.epoch);
    await b.commit();
    return { offset: from, epoch: snapshot.epoch };
  }

  async function processEvents(position: { offset: string; epoch: string }): Promise<number> {
    const events = await log.replay(position.offset, BATCH);
    if (events.length === 0) return 0;
    const b = batch();
    const touched = new Set<string>();
    let last = position.offset;
    for (const event of events) {
      if (compareOffsets(event.offset, last) <= 0) continue;
      const t = tagsOf(event);
      if (t !== undefined) {
        if (t === null) tags.delete(event.event.mcp_name);
        else tags.set(event.event.mcp_name, t);
        b.tags(event.event.mcp_name, t);
      }
      const effects = decideEvent(event, (k) => alerts.get(k), fleet, config);
      for (const id of apply(b, effects)) touched.add(id);
      last = event.offset;
      metrics.events.inc();
    }
    b.position(last, position.epoch);
    await b.commit();
    position.offset = last;
    countAlerts();
    wakeChannels(touched);
    return events.length;
  }

  async function processDue(now: number): Promise<void> {
    const due = [...alerts.values()].filter((a) => a.due !== null && a.due <= now);
    if (due.length === 0) return;
    const b = batch();
    const touched = new Set<string>();
    for (const a of due) {
      for (const id of apply(b, decideDue(a, now, fleet, config))) touched.add(id);
    }
    await b.commit();
    countAlerts();
    wakeChannels(touched);
  }

  // ---- delivery --------------------------------------------------------------------------------
  function deliveryRecord(
    n: Notification,
    channel: string,
    result: DeliveryRecord['result'],
    code: number | null,
    response: string | null,
  ): DeliveryRecord {
    return {
      at: new Date().toISOString(),
      idempotency_key: n.idempotency_key,
      rule_id: n.rule_id,
      mcp_name: n.mcp_name,
      kind: n.kind,
      state: n.state,
      channel,
      result,
      status: code,
      response: response === null ? null : response.slice(0, 600),
      silence_id: null,
    };
  }

  const retryDelay = (attempts: number): number =>
    equalJitter(
      backoffDelay(
        attempts,
        settings.BEACON_NOTIFIER_RETRY_BASE_MS,
        settings.BEACON_NOTIFIER_RETRY_MAX_MS,
      ),
    );

  function ensureDeliverer(id: string): void {
    if (fence === null || stopSignal === null || deliverers.has(id)) return;
    const p = deliver(id, stopSignal)
      .catch((err: unknown) => failure?.(err))
      .finally(() => {
        deliverers.delete(id);
        channelWake.delete(id);
      });
    deliverers.set(id, p);
  }

  async function waitFor(id: string, ms: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    const ctl = new AbortController();
    const onAbort = (): void => ctl.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    channelWake.set(id, () => ctl.abort());
    try {
      await sleep(Math.max(0, ms), ctl.signal).catch(() => undefined);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  /**
   * Send a batch of queued entries: up to SEND_CONCURRENCY at once, but one MCP's notifications
   * strictly in queue order (its firing before its resolved).
   */
  async function sendAll(
    channel: ChannelConfig,
    entries: readonly QueuedEntry[],
    signal: AbortSignal,
  ): Promise<(DeliveryResult | undefined)[]> {
    // undefined: not attempted, because an earlier notification of the same MCP failed.
    const results: (DeliveryResult | undefined)[] = new Array<DeliveryResult | undefined>(
      entries.length,
    );
    const perMcp = new Map<string, Promise<void>>();
    const blocked = new Set<string>();
    let inFlight = 0;
    const slots: (() => void)[] = [];
    const acquire = async (): Promise<void> => {
      if (inFlight < SEND_CONCURRENCY) {
        inFlight++;
        return;
      }
      await new Promise<void>((resolve) => slots.push(resolve));
    };
    const release = (): void => {
      const next = slots.shift();
      if (next !== undefined) next();
      else inFlight--;
    };
    const all = entries.map((entry, i) => {
      const mcp = entry.notification.mcp_name;
      const p = (perMcp.get(mcp) ?? Promise.resolve()).then(async () => {
        if (blocked.has(mcp)) return;
        await acquire();
        try {
          const r = await o.send(channel, entry.notification, {
            signal,
            timeoutMs: settings.BEACON_NOTIFIER_SEND_TIMEOUT_MS,
          });
          results[i] = r;
          if (!r.ok) blocked.add(mcp);
        } finally {
          release();
        }
      });
      perMcp.set(mcp, p);
      return p;
    });
    await Promise.all(all);
    return results;
  }

  async function deliver(id: string, signal: AbortSignal): Promise<void> {
    const retries: Map<string, RetryState> = await store.retries(id);
    while (!signal.aborted) {
      const { entries, bad } = await store.head(id, DELIVERY_BATCH);
      if (bad.length > 0) {
        const b = batch();
        for (const entryId of bad) b.dequeue(id, entryId);
        await b.commit();
        metrics.errors.labels('bad_queue_entry').inc();
        continue;
      }
      const first = entries[0];
      if (first === undefined) {
        metrics.queued.labels(id).set(0);
        if (!channels.has(id)) return; // deleted and drained
        await waitFor(id, 1_000, signal);
        continue;
      }
      const channel = channels.get(id);
      if (channel === undefined) {
        const b = batch();
        for (const e of entries) {
          b.dequeue(id, e.id).record(
            deliveryRecord(e.notification, id, 'failed', null, 'channel deleted'),
          );
        }
        await b.commit();
        metrics.deliveries.labels(id, 'failed').inc(entries.length);
        continue;
      }
      if (!channel.enabled) {
        await waitFor(id, 2_000, signal); // held, not dropped: sent once re-enabled
        continue;
      }
      // FIFO: an entry waiting for its retry holds up the queue behind it.
      const headRetry = retries.get(first.id);
      if (headRetry !== undefined && headRetry.next_at > Date.now()) {
        await waitFor(id, headRetry.next_at - Date.now(), signal);
        continue;
      }
      const now = Date.now();
      // Due now, and not behind a waiting notification of the same MCP (order per MCP holds).
      const waiting = new Set<string>();
      const due = entries.filter((e) => {
        const mcp = e.notification.mcp_name;
        if ((retries.get(e.id)?.next_at ?? 0) > now) waiting.add(mcp);
        return !waiting.has(mcp);
      });
      const results = await sendAll(channel, due, signal);
      if (signal.aborted && results.some((r) => r !== undefined && !r.ok)) return; // shutting down: stays queued

      const b = batch();
      let lastFailure: DeliveryResult | null = null;
      let failures = 0;
      let okCount = 0;
      let removed = 0;
      due.forEach((entry, i) => {
        const result = results[i];
        if (result === undefined) return; // behind a failed one of the same MCP: next round
        const n = entry.notification;
        const attempts = (retries.get(entry.id)?.attempts ?? 0) + 1;
        let outcome: DeliveryRecord['result'];
        if (result.ok) {
          outcome = 'sent';
          okCount++;
          removed++;
          b.dequeue(id, entry.id);
          retries.delete(entry.id);
          metrics.latency.observe(Math.max(0, Date.now() - offsetTime(n.offset)) / 1000);
        } else if (result.retryable && attempts < settings.BEACON_NOTIFIER_MAX_ATTEMPTS) {
          outcome = 'retrying';
          const next = { attempts, next_at: Date.now() + retryDelay(attempts) };
          retries.set(entry.id, next);
          b.retry(id, entry.id, next);
        } else {
          outcome = 'failed';
          removed++;
          b.dequeue(id, entry.id);
          retries.delete(entry.id);
        }
        if (!result.ok) {
          failures++;
          lastFailure = result;
        }
        b.record(deliveryRecord(n, id, outcome, result.status, result.response));
        metrics.deliveries.labels(id, outcome).inc();
      });
      const queued = Math.max(0, (await store.queued(id)) - removed);
      const at = new Date().toISOString();
      const prev = status.get(id);
      const failed = lastFailure as DeliveryResult | null;
      // The channel is failing when its latest attempts failed (a success resets the count).
      const next: ChannelStatus =
        failed === null ||
        (okCount > 0 && results.filter((r) => r !== undefined).at(-1)?.ok === true)
          ? {
              ok: true,
              consecutive_failures: 0,
              failing_since: null,
              last_error: null,
              last_ok_at: at,
              last_attempt_at: at,
              queued,
            }
          : {
              ok: false,
              consecutive_failures: (prev?.ok === false ? prev.consecutive_failures : 0) + failures,
              failing_since: prev?.ok === false ? prev.failing_since : at,
              last_error: `${failed.status ?? 'no answer'}: ${failed.response}`.slice(0, 600),
              last_ok_at: okCount > 0 ? at : (prev?.last_ok_at ?? null),
              last_attempt_at: at,
              queued,
            };
      status.set(id, next);
      b.channelStatus(id, next);
      await b.commit();
      metrics.failing.labels(id).set(next.ok ? 0 : 1);
      metrics.queued.labels(id).set(queued);
      if (!next.ok && (prev?.ok ?? true) && failed !== null) {
        logger.warn(
          {
            channel: id,
            target: targetOf(channel),
            status: failed.status,
            response: failed.response,
          },
          `alert channel ${id} is failing`,
        );
      } else if (next.ok && prev?.ok === false) {
        logger.info({ channel: id }, `alert channel ${id} delivers again`);
      }
    }
  }

  const targetOf = (c: ChannelConfig): string => {
    switch (c.type) {
      case 'webhook':
        return maskUrlPath(c.url);
      case 'slack':
        return maskUrlPath(c.webhook_url);
      case 'pagerduty':
        return maskUrlPath(c.url ?? 'https://events.pagerduty.com/v2/enqueue');
      case 'email':
        return `smtp://${c.host}:${c.port}`;
    }
  };

  // ---- the loop --------------------------------------------------------------------------------
  async function run(f: Fence, signal: AbortSignal): Promise<void> {
    fence = f;
    stopSignal = signal;
    let failed: unknown = null;
    const failedOut = new AbortController();
    failure = (err) => {
      failed ??= err;
      failedOut.abort();
    };
    const both = AbortSignal.any([signal, failedOut.signal]);
    try {
      const position = await start();
      markLoaded();
      logger.info(
        { offset: position.offset, channels: channels.size, rules: rules.size },
        'leading',
      );
      for (const id of channels.keys()) ensureDeliverer(id);
      countAlerts();
      while (!both.aborted) {
        const n = await processEvents(position);
        await processDue(Date.now());
        if (n >= BATCH) continue;
        const ctl = new AbortController();
        wakeLoop = () => ctl.abort();
        const onAbort = (): void => ctl.abort();
        both.addEventListener('abort', onAbort, { once: true });
        await sleep(settings.BEACON_NOTIFIER_TICK_MS, ctl.signal).catch(() => undefined);
        both.removeEventListener('abort', onAbort);
        wakeLoop = null;
      }
    } catch (err) {
      failed ??= err;
    } finally {
      failedOut.abort();
      for (const wake of channelWake.values()) wake();
      await Promise.allSettled([...deliverers.values()]);
      fence = null;
      stopSignal = null;
      failure = null;
      loadedNow = new Promise((resolve) => (markLoaded = resolve));
      channels.clear();
      rules.clear();
      silences.clear();
      alerts.clear();
      tags.clear();
      status.clear();
    }
    if (failed !== null && !signal.aborted) {
      throw failed instanceof Error
        ? failed
        : new Error('notifier leader failed', { cause: failed });
    }
  }

  // ---- config writes ---------------------------------------------------------------------------
  return {
    run,
    wake: () => wakeLoop?.(),
    loaded: () => loadedNow,
    get leading() {
      return fence !== null;
    },
    async putChannel(c) {
      const next = keepMaskedSecrets(c, channels.get(c.id));
      await batch().config('channels', c.id, JSON.stringify(next)).commit();
      channels.set(c.id, next);
      wakeChannels([c.id]);
    },
    async deleteChannel(id) {
      if (!channels.has(id)) throw new Refused('not_found', `no alert channel ${id}`);
      const users = [...rules.values()].filter((r) => r.channels.includes(id)).map((r) => r.id);
      if (users.length > 0) {
        throw new Refused('conflict', `channel ${id} is used by rule(s) ${users.join(', ')}`);
      }
      await batch().config('channels', id, null).channelStatus(id, null).commit();
      channels.delete(id);
      status.delete(id);
      metrics.failing.remove(id);
      wakeChannels([id]);
    },
    async testChannel(id, sample) {
      const channel = channels.get(id);
      if (channel === undefined) throw new Refused('not_found', `no alert channel ${id}`);
      return o.send(channel, sample(channel), {
        timeoutMs: settings.BEACON_NOTIFIER_SEND_TIMEOUT_MS,
      });
    },
    async putRule(r) {
      const unknown = r.channels.filter((c) => !channels.has(c));
      if (unknown.length > 0) {
        throw new Refused('invalid', `rule ${r.id}: unknown channel(s) ${unknown.join(', ')}`);
      }
      await batch().config('rules', r.id, JSON.stringify(r)).commit();
      rules.set(r.id, r);
    },
    async deleteRule(id) {
      if (!rules.has(id)) throw new Refused('not_found', `no alert rule ${id}`);
      const b = batch().config('rules', id, null);
      const gone = [...alerts.values()].filter((a) => a.rule === id);
      for (const a of gone) b.alert(alertKey(a.rule, a.mcp, a.kind), null);
      await b.commit();
      rules.delete(id);
      for (const a of gone) alerts.delete(alertKey(a.rule, a.mcp, a.kind));
      countAlerts();
    },
    async putSilence(s) {
      await batch().config('silences', s.id, JSON.stringify(s)).commit();
      silences.set(s.id, s);
    },
    async deleteSilence(id) {
      if (!silences.has(id)) throw new Refused('not_found', `no silence ${id}`);
      // Alerts held back by it are due now: the next check sends what is still firing.
      const b = batch().config('silences', id, null);
      const held: AlertState[] = [];
      for (const a of alerts.values()) {
        if (a.phase === 'firing' && !a.sent) {
          const next = { ...a, due: Date.now() };
          held.push(next);
          b.alert(alertKey(a.rule, a.mcp, a.kind), next);
        }
      }
      await b.commit();
      silences.delete(id);
      for (const a of held) alerts.set(alertKey(a.rule, a.mcp, a.kind), a);
    },
  };
}
