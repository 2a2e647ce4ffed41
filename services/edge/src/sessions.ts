// The WebSocket side of the edge: connections opening (initial_status, or a resume), closing,
// events and broadcasts published to topics, resync after the mirror is replaced, and the
// periodic sweep that closes slow consumers and expired tokens. Handoff rule: a socket is
// subscribed to its topics in the same synchronous turn in which it is sent state up to the
// mirror's offset — which is always the offset of the last event published — so nothing falls
// between the snapshot and the live stream and nothing arrives twice.
import type { EventLog } from '@beacon/event-log';
import { CloseCode, type ProbeDigestMessage, type SystemMetricsMessage } from '@beacon/protocol';
import type { Logger } from 'pino';
import type { TemplatedApp } from 'uWebSockets.js';
import type { Authenticator } from './auth.js';
import { isScoped } from './auth.js';
import { ALL, FLEET, METRICS, mcpTopic, type ConnData, type Ws } from './conn.js';
import { createDelivery } from './delivery.js';
import type { CloseReason, EdgeMetrics } from './edge-metrics.js';
import { createInbound, type InboundSettings } from './inbound.js';
import type { Mirror, RingEntry } from './mirror.js';
import { createResume } from './resume.js';

export interface SessionSettings extends InboundSettings {
  readonly maxBufferBytes: number;
  readonly resumeMaxEvents: number;
}

export interface SessionsDeps {
  readonly app: TemplatedApp;
  readonly mirror: Mirror;
  readonly eventLog: Pick<EventLog, 'replay'>;
  readonly auth: Authenticator;
  readonly settings: SessionSettings;
  readonly metrics: EdgeMetrics;
  readonly logger: Logger;
  /** A connection opened or closed (the heartbeat reports the count soon). */
  readonly onCountChange?: () => void;
  /** Sent to each connection once, when it first goes live (the latest system_metrics). */
  readonly greeting?: (conn: ConnData) => string | null;
  /** system_metrics as a scoped token sees it (serialized once per scope). */
  readonly scopedMetricsJson?: (message: SystemMetricsMessage, conn: ConnData) => string;
}

export interface Sessions {
  readonly count: number;
  open(ws: Ws): void;
  message(ws: Ws, data: ArrayBuffer, isBinary: boolean): void;
  closed(ws: Ws, code: number): void;
  /** Record MCP names (snapshot rows or an event's name) before their events are published. */
  noteName(name: string): void;
  /** Publish one already-serialized event to its topics. */
  publish(entry: RingEntry): void;
  /** Publish a non-replayable message to every connection. */
  broadcast(json: string): void;
  /**
   * Fleet-wide system_metrics to unscoped tokens (one topic publish); scoped tokens get the
   * figures over what they may see.
   */
  broadcastMetrics(message: SystemMetricsMessage, json: string): void;
  /** Forward a probe digest: whole to connections that see everything, filtered to others. */
  forwardProbes(message: ProbeDigestMessage): void;
  /** The mirror was replaced: every connection gets a fresh initial_status (recovered: false). */
  resyncAll(): void;
  /** Close slow consumers and expired tokens; call every ~100 ms. */
  sweep(nowMs: number): void;
  closeAll(code: number, reason: string, why: CloseReason): void;
  /** Stop sending anything more to every socket (first step of a drain). */
  quiesce(): void;
  /** Largest send buffer among open sockets (bytes not yet accepted by the kernel). */
  maxBuffered(): number;
  /** Sockets currently open (for heartbeats and tests). */
  sockets(): ReadonlySet<Ws>;
}

export function createSessions(deps: SessionsDeps): Sessions {
  const { app, mirror, settings, metrics } = deps;
  const log = deps.logger.child({ component: 'sessions' });
  const sockets = new Set<Ws>();
  const { messagesOut, bytesOut } = metrics;
  const delivery = createDelivery({
    app,
    mirror,
    metrics,
    ...(deps.greeting === undefined ? {} : { greeting: deps.greeting }),
  });
  const { send, end, sendFresh, later } = delivery;
  const resume = createResume({
    mirror,
    eventLog: deps.eventLog,
    delivery,
    resumeMaxEvents: settings.resumeMaxEvents,
    metrics,
    logger: log,
  });
  const inbound = createInbound({ delivery, auth: deps.auth, settings, metrics });

  function publishTo(topic: string, json: string): void {
    const deliveries = app.numSubscribers(topic);
    app.publish(topic, json, false);
    messagesOut.inc(deliveries);
    bytesOut.inc(deliveries * json.length);
  }

  return {
    get count() {
      return sockets.size;
    },
    sockets: () => sockets,
    message: inbound,
    noteName: delivery.noteName,

    open(ws) {
      const conn = ws.getUserData();
      conn.open = true;
      sockets.add(ws);
      metrics.connections.set(sockets.size);
      deps.onCountChange?.();
      // Started after this uWS callback returns: see Delivery.sendFresh.
      later(conn, () => {
        if (conn.resume === null) {
          metrics.connect('fresh');
          sendFresh(ws, conn, undefined);
        } else resume(ws, conn, conn.resume.since, conn.resume.epoch);
      });
    },

    closed(ws, code) {
      const conn = ws.getUserData();
      conn.open = false;
      conn.live = false;
      sockets.delete(ws);
      delivery.forget(ws);
      metrics.connections.set(sockets.size);
      deps.onCountChange?.();
      let why: CloseReason = conn.closeReason ?? 'other';
      if (conn.closeReason === null) {
        if (code === 1000 || code === 1001 || code === 1005) why = 'client';
        else if (code === 1006) why = 'abnormal';
      }
      metrics.close(why);
    },

    publish(entry) {
      publishTo(FLEET, entry.wire);
      publishTo(mcpTopic(entry.name), entry.wire);
    },

    broadcast: (json) => publishTo(ALL, json),

    broadcastMetrics(message, json) {
      publishTo(METRICS, json);
      const scoped = deps.scopedMetricsJson;
      if (scoped === undefined) return;
      for (const ws of sockets) {
        const conn = ws.getUserData();
        if (conn.live && isScoped(conn.principal)) send(ws, scoped(message, conn));
      }
    },

    forwardProbes(message) {
      publishTo(FLEET, JSON.stringify(message));
      // Filtered connections: one serialization per distinct view, not per socket.
      const byView = new Map<string, string | null>();
      for (const ws of sockets) {
        const conn = ws.getUserData();
        if (!conn.live || conn.view.all) continue;
        let json = byView.get(conn.view.key);
        if (json === undefined) {
          const probes = message.probes.filter((p) => conn.view.test(p.name));
          json = probes.length === 0 ? null : JSON.stringify({ ...message, probes });
          byView.set(conn.view.key, json);
        }
        if (json !== null) send(ws, json);
      }
    },

    resyncAll() {
      for (const ws of sockets) {
        const conn = ws.getUserData();
        // Sockets not started yet will be served from the new mirror anyway.
        if (conn.live || conn.generation > 0) sendFresh(ws, conn, false);
      }
    },

    sweep(nowMs) {
      const soft = settings.maxBufferBytes;
      const nowS = nowMs / 1000;
      for (const ws of sockets) {
        const conn = ws.getUserData();
        const exp = conn.principal.exp;
        if (exp !== null && exp <= nowS) {
          end(ws, CloseCode.tokenExpired, 'token expired', 'token_expired');
          continue;
        }
        const buffered = ws.getBufferedAmount();
        if (buffered <= soft) {
          conn.slowStrikes = 0;
          continue;
        }
        // Over the limit on two sweeps in a row (or far over it): a slow consumer. It resumes
        // with `since` after the close, so nothing is lost.
        conn.slowStrikes++;
        if (conn.slowStrikes >= 2 || buffered > 2 * soft) {
          log.info({ id: conn.id, buffered }, 'closing slow consumer');
          end(ws, CloseCode.slowConsumer, 'slow consumer: resume with since', 'slow_consumer');
        }
      }
    },

    closeAll(code, reason, why) {
      for (const ws of [...sockets]) end(ws, code, reason, why);
    },

    quiesce() {
      delivery.stopDeferred();
      for (const ws of sockets) {
        const conn = ws.getUserData();
        conn.generation++;
        conn.live = false;
        for (const t of conn.topics) ws.unsubscribe(t);
        conn.topics = new Set();
        delivery.forget(ws);
      }
    },

    maxBuffered() {
      let max = 0;
      for (const ws of sockets) max = Math.max(max, ws.getBufferedAmount());
      return max;
    },
  };
}
