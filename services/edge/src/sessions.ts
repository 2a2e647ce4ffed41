// The WebSocket side of the edge: what each connection is sent on open (initial_status, or a
// resume from the ring / the stream), its topic subscriptions, client messages, and the
// periodic sweep that closes slow consumers and expired tokens. Handoff rule: a socket is
// subscribed to its topics in the same synchronous turn in which it is sent state up to the
// mirror's offset — which is always the offset of the last event published — so nothing falls
// between the snapshot and the live stream and nothing arrives twice.
import type { EventLog } from '@beacon/event-log';
import {
  BeaconError,
  CloseCode,
  compareOffsets,
  type ClientMessage,
  type ProbeDigestMessage,
  type StoredEvent,
} from '@beacon/protocol';
import type { Logger } from 'pino';
import type { TemplatedApp } from 'uWebSockets.js';
import type { Authenticator } from './auth.js';
import { errorJson, parseFrame } from './client-frames.js';
import { ALL, FLEET, mcpTopic, type ConnData, type Ws } from './conn.js';
import type { CloseReason, EdgeMetrics } from './edge-metrics.js';
import { wireJson, type Mirror, type RingEntry } from './mirror.js';
import { subscribeTo, unsubscribeFrom, viewOf } from './selection.js';

export interface SessionSettings {
  readonly maxFrameBytes: number;
  readonly maxBufferBytes: number;
  readonly rateLimit: number;
  readonly maxBadFrames: number;
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

const STREAM_BATCH = 1000;
/** How long a resume from an offset this edge has not seen yet may wait for it. */
const AHEAD_WAIT_MS = 5_000;

export function createSessions(deps: SessionsDeps): Sessions {
  const { app, mirror, eventLog, auth, settings, metrics } = deps;
  const log = deps.logger.child({ component: 'sessions' });
  const sockets = new Set<Ws>();
  /** Live sockets whose view uses globs: new MCP names must be checked against them. */
  const dynamic = new Set<Ws>();
  const known = new Set<string>();
  const { messagesOut, bytesOut } = metrics;

  function send(ws: Ws, json: string): void {
    ws.send(json, false);
    messagesOut.inc();
    bytesOut.inc(json.length);
  }

  function end(ws: Ws, code: number, reason: string, why: CloseReason): void {
    const conn = ws.getUserData();
    if (!conn.open) return;
    conn.closeReason = why;
    ws.end(code, reason);
  }

  /** Subscribe to exactly the topics of the connection's view. Call inside a cork. */
  function goLive(ws: Ws, conn: ConnData): void {
    // Subscribed only after the state was sent: uWS routes sends to subscribed sockets through
    // their buffer, and keeps that buffer's capacity (a whole initial_status) per socket.
    const want = new Set<string>([ALL]);
    if (conn.view.all) want.add(FLEET);
    else {
      const names = conn.view.exact ?? known;
      for (const n of names) if (conn.view.test(n)) want.add(mcpTopic(n));
    }
    for (const t of conn.topics) if (!want.has(t)) ws.unsubscribe(t);
    for (const t of want) if (!conn.topics.has(t)) ws.subscribe(t);
    conn.topics = want;
    conn.live = true;
    if (!conn.view.all && conn.view.exact === null) dynamic.add(ws);
    else dynamic.delete(ws);
  }

  function initialStatus(conn: ConnData, recovered?: boolean): string {
    const v = conn.view;
    return mirror.initialStatus(v.all ? null : v.test, v.key, recovered);
  }

  /**
   * Fresh state + live topics, in one synchronous turn. Not corked, and never called from
   * inside a uWS callback (see `later`): a large initial_status written while corked spills into
   * the socket's user-space buffer, whose capacity uWS keeps for the life of the connection.
   */
  function sendFresh(
    ws: Ws,
    conn: ConnData,
    recovered: boolean | undefined,
    prefix?: string,
  ): void {
    conn.generation++;
    if (prefix !== undefined) send(ws, prefix);
    send(ws, initialStatus(conn, recovered));
    goLive(ws, conn);
  }

  /**
   * Run `fn` right after the current uWS callback returns (one setImmediate per batch), unless
   * the socket closed meanwhile (a closed uWS socket must not be touched at all).
   */
  let deferred: [ConnData, () => void][] = [];
  let quiesced = false;
  function later(conn: ConnData, fn: () => void): void {
    if (deferred.length === 0) setImmediate(runDeferred);
    deferred.push([conn, fn]);
  }
  function runDeferred(): void {
    const batch = deferred;
    deferred = [];
    if (quiesced) return;
    for (const [conn, fn] of batch) if (conn.open) fn();
  }

  function sendEntries(ws: Ws, conn: ConnData, entries: readonly RingEntry[]): void {
    const test = conn.view.all ? null : conn.view.test;
    for (const e of entries) if (test === null || test(e.name)) send(ws, e.wire);
  }

  function resume(ws: Ws, conn: ConnData, since: string, epoch: string): void {
    if (epoch !== mirror.epoch) {
      metrics.connect('resume_failed');
      sendFresh(ws, conn, false);
      return;
    }
    const plan = mirror.resume(since);
    switch (plan.kind) {
      case 'current':
        metrics.connect('resume_current');
        ws.cork(() => goLive(ws, conn));
        return;
      case 'ring':
        metrics.connect('resume_ring');
        ws.cork(() => {
          sendEntries(ws, conn, plan.entries);
          goLive(ws, conn);
        });
        return;
      case 'invalid':
        metrics.connect('resume_failed');
        sendFresh(ws, conn, false);
        return;
      case 'ahead':
        void waitAhead(ws, conn, since);
        return;
      case 'older':
        metrics.connect('resume_stream');
        void catchUp(ws, conn, since);
        return;
    }
  }

  /**
   * The client saw events this edge has not mirrored yet (it came from a faster edge). Wait
   * for the mirror to get there, then resume from the ring; give up after AHEAD_WAIT_MS.
   */
  async function waitAhead(ws: Ws, conn: ConnData, since: string): Promise<void> {
    const generation = ++conn.generation;
    const epoch = mirror.epoch;
    const reached = await mirror.reached(since, AHEAD_WAIT_MS);
    if (!conn.open || conn.generation !== generation) return;
    const plan = reached && mirror.epoch === epoch ? mirror.resume(since) : null;
    if (plan?.kind === 'current' || plan?.kind === 'ring') {
      metrics.connect(plan.kind === 'ring' ? 'resume_ring' : 'resume_current');
      ws.cork(() => {
        if (plan.kind === 'ring') sendEntries(ws, conn, plan.entries);
        goLive(ws, conn);
      });
      return;
    }
    metrics.connect('resume_failed');
    sendFresh(ws, conn, false);
  }

  /**
   * Replay from the Redis stream until the ring can take over, then go live from the ring in
   * one synchronous turn. Events beyond the mirror's offset are left to the live topics.
   */
  async function catchUp(ws: Ws, conn: ConnData, since: string): Promise<void> {
    const generation = ++conn.generation;
    const epoch = mirror.epoch;
    let after = since;
    let replayed = 0;
    const stale = (): boolean => !conn.open || conn.generation !== generation;
    try {
      for (;;) {
        if (stale()) return;
        if (mirror.epoch !== epoch) {
          sendFresh(ws, conn, false);
          return;
        }
        const plan = mirror.resume(after);
        if (plan.kind === 'current' || plan.kind === 'ring') {
          ws.cork(() => {
            if (plan.kind === 'ring') sendEntries(ws, conn, plan.entries);
            goLive(ws, conn);
          });
          return;
        }
        if (plan.kind !== 'older' || replayed >= settings.resumeMaxEvents) {
          sendFresh(ws, conn, false);
          return;
        }
        metrics.streamReads.inc();
        const batch: StoredEvent[] = await eventLog.replay(after, STREAM_BATCH);
        if (stale()) return;
        if (mirror.epoch !== epoch || batch.length === 0 || batch[0]?.prev !== after) {
          // Trimmed from the stream (or the log was replaced): state, not history.
          sendFresh(ws, conn, false);
          return;
        }
        const test = conn.view.all ? null : conn.view.test;
        const epochJson = JSON.stringify(epoch);
        ws.cork(() => {
          for (const stored of batch) {
            if (compareOffsets(stored.offset, mirror.offset) > 0) break;
            if (stored.prev !== after) break;
            if (test === null || test(stored.event.mcp_name)) {
              send(ws, wireJson(stored.event, stored.offset, epochJson));
            }
            after = stored.offset;
            replayed++;
          }
        });
      }
    } catch (err) {
      if (stale()) return;
      log.warn({ err, since }, 'resume from the stream failed; sending a fresh initial_status');
      sendFresh(ws, conn, false);
    }
  }

  function handleMessage(ws: Ws, conn: ConnData, message: ClientMessage): void {
    switch (message.type) {
      case 'subscribe':
      case 'unsubscribe': {
        conn.selection =
          message.type === 'subscribe'
            ? subscribeTo(conn.selection, message.mcps)
            : unsubscribeFrom(conn.selection, message.mcps);
        conn.view = viewOf(conn.principal.mcps, conn.selection);
        const ack = JSON.stringify({
          type: 'ack',
          of: message.type,
          mcps: conn.selection.include,
        });
        // The visible set changed: replace the client's state at the current offset.
        later(conn, () => sendFresh(ws, conn, undefined, ack));
        return;
      }
      case 'auth':
        refreshToken(ws, conn, message.token);
        return;
      case 'ping':
        send(ws, 'pong');
        return;
    }
  }

  function refreshToken(ws: Ws, conn: ConnData, token: string): void {
    auth.verify(token).then(
      (principal) => {
        if (!conn.open) return;
        if (principal.sub !== conn.principal.sub) {
          ws.cork(() =>
            send(ws, errorJson('forbidden', 'the new token belongs to a different subject')),
          );
          return;
        }
        const changed = JSON.stringify(principal.mcps) !== JSON.stringify(conn.principal.mcps);
        conn.principal = principal;
        const ack = JSON.stringify({
          type: 'ack',
          of: 'auth',
          mcps: conn.selection.include,
          ...(principal.exp === null ? {} : { exp: principal.exp }),
        });
        if (changed) {
          conn.view = viewOf(principal.mcps, conn.selection);
          sendFresh(ws, conn, undefined, ack);
        } else ws.cork(() => send(ws, ack));
      },
      (err: unknown) => {
        if (!conn.open) return;
        const msg = err instanceof BeaconError ? err.message : 'invalid token';
        const code = msg === 'token expired' ? 'token_expired' : 'unauthorized';
        ws.cork(() => send(ws, errorJson(code, msg)));
      },
    );
  }

  function badFrame(ws: Ws, conn: ConnData, code: string, binary: boolean): void {
    conn.badFrames++;
    if (conn.badFrames >= settings.maxBadFrames) {
      metrics.frame('closed');
      end(
        ws,
        binary ? CloseCode.unsupportedData : CloseCode.policyViolation,
        `too many bad frames (last: ${code})`,
        'bad_frames',
      );
    }
  }

  return {
    get count() {
      return sockets.size;
    },
    sockets: () => sockets,

    open(ws) {
      const conn = ws.getUserData();
      conn.open = true;
      sockets.add(ws);
      metrics.connections.set(sockets.size);
      later(conn, () => {
        if (conn.resume === null) {
          metrics.connect('fresh');
          sendFresh(ws, conn, undefined);
        } else resume(ws, conn, conn.resume.since, conn.resume.epoch);
      });
    },

    message(ws, data, isBinary) {
      const conn = ws.getUserData();
      const now = Date.now();
      if (now - conn.windowStart >= 1000) {
        conn.windowStart = now;
        conn.windowCount = 0;
      }
      conn.windowCount++;
      if (conn.windowCount > settings.rateLimit) {
        metrics.frame('rate_limited');
        if (conn.windowCount > settings.rateLimit * 4) {
          end(ws, CloseCode.policyViolation, 'flood of frames', 'flood');
        } else if (conn.windowCount === settings.rateLimit + 1) {
          send(ws, errorJson('rate_limited', `over ${settings.rateLimit} frames per second`));
        }
        return;
      }
      const frame = parseFrame(data, isBinary, settings.maxFrameBytes);
      switch (frame.kind) {
        case 'pong':
          metrics.frame('ping');
          send(ws, 'pong');
          return;
        case 'error':
          metrics.frame(frame.code);
          if (frame.code === 'frame_too_large') {
            end(ws, CloseCode.tooBig, 'frame too large', 'too_big');
            return;
          }
          send(ws, errorJson(frame.code, frame.message));
          badFrame(ws, conn, frame.code, isBinary);
          return;
        case 'message':
          metrics.frame(frame.message.type);
          handleMessage(ws, conn, frame.message);
          return;
      }
    },

    closed(ws, code) {
      const conn = ws.getUserData();
      conn.open = false;
      conn.live = false;
      sockets.delete(ws);
      dynamic.delete(ws);
      metrics.connections.set(sockets.size);
      let why: CloseReason = conn.closeReason ?? 'other';
      if (conn.closeReason === null) {
        if (code === 1000 || code === 1001 || code === 1005) why = 'client';
        else if (code === 1006) why = 'abnormal';
      }
      metrics.close(why);
    },

    noteName(name) {
      if (known.has(name)) return;
      known.add(name);
      const topic = mcpTopic(name);
      for (const ws of dynamic) {
        const conn = ws.getUserData();
        if (conn.view.test(name) && !conn.topics.has(topic)) {
          ws.subscribe(topic);
          conn.topics.add(topic);
        }
      }
    },

    publish(entry) {
      const deliveries = app.numSubscribers(FLEET) + app.numSubscribers(mcpTopic(entry.name));
      app.publish(FLEET, entry.wire, false);
      app.publish(mcpTopic(entry.name), entry.wire, false);
      messagesOut.inc(deliveries);
      bytesOut.inc(deliveries * entry.wire.length);
    },

    broadcast(json) {
      const deliveries = app.numSubscribers(ALL);
      app.publish(ALL, json, false);
      messagesOut.inc(deliveries);
      bytesOut.inc(deliveries * json.length);
    },

    forwardProbes(message) {
      const whole = JSON.stringify(message);
      const deliveries = app.numSubscribers(FLEET);
      app.publish(FLEET, whole, false);
      messagesOut.inc(deliveries);
      bytesOut.inc(deliveries * whole.length);
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
      quiesced = true;
      for (const ws of sockets) {
        const conn = ws.getUserData();
        conn.generation++;
        conn.live = false;
        for (const t of conn.topics) ws.unsubscribe(t);
        conn.topics = new Set();
        dynamic.delete(ws);
      }
    },

    maxBuffered() {
      let max = 0;
      for (const ws of sockets) max = Math.max(max, ws.getBufferedAmount());
      return max;
    },
  };
}
