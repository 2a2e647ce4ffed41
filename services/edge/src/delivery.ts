// How bytes reach one socket: counted sends, closes with a recorded reason, the topic set of a
// connection's view (`goLive`, which also greets a new connection with the latest
// system_metrics), fresh state (`sendFresh`), ring replays, and the deferral that keeps large
// writes out of uWS callbacks. Shared by the session, resume and inbound modules.
import type { TemplatedApp } from 'uWebSockets.js';
import { isScoped } from './auth.js';
import { ALL, FLEET, METRICS, mcpTopic, type ConnData, type Ws } from './conn.js';
import type { CloseReason, EdgeMetrics } from './edge-metrics.js';
import type { Mirror, RingEntry } from './mirror.js';

export interface Delivery {
  send(ws: Ws, json: string): void;
  end(ws: Ws, code: number, reason: string, why: CloseReason): void;
  /** Subscribe to exactly the topics of the connection's view; it is live from now on. */
  goLive(ws: Ws, conn: ConnData): void;
  /** Fresh initial_status (optionally after `prefix`) and live topics, in one turn. */
  sendFresh(ws: Ws, conn: ConnData, recovered: boolean | undefined, prefix?: string): void;
  /** Ring entries the connection may see. Call inside a cork. */
  sendEntries(ws: Ws, conn: ConnData, entries: readonly RingEntry[]): void;
  /** Run `fn` after the current uWS callback returns, unless the socket closed meanwhile. */
  later(conn: ConnData, fn: () => void): void;
  /** Drop deferred work and never run any again (drain). */
  stopDeferred(): void;
  /** Record an MCP name before its events are published (subscribes matching glob views). */
  noteName(name: string): void;
  /** The socket closed: forget it. */
  forget(ws: Ws): void;
}

export function createDelivery(deps: {
  readonly app: TemplatedApp;
  readonly mirror: Mirror;
  readonly metrics: EdgeMetrics;
  /** Non-replayable state a new connection should not wait for (latest system_metrics). */
  readonly greeting?: (conn: ConnData) => string | null;
}): Delivery {
  const { mirror } = deps;
  const { messagesOut, bytesOut } = deps.metrics;
  /** Live sockets whose view uses globs: new MCP names must be checked against them. */
  const dynamic = new Set<Ws>();
  const known = new Set<string>();
  let deferred: [ConnData, () => void][] = [];
  let stopped = false;

  function send(ws: Ws, json: string): void {
    ws.send(json, false);
    messagesOut.inc();
    bytesOut.inc(json.length);
  }

  function goLive(ws: Ws, conn: ConnData): void {
    if (!conn.greeted) {
      // Right after its state, before it hears the next broadcast on ALL: nothing newer can
      // slip in between within this synchronous turn.
      conn.greeted = true;
      const greeting = deps.greeting?.(conn) ?? null;
      if (greeting !== null) send(ws, greeting);
    }
    // Subscribed only after the state was sent: uWS routes sends to subscribed sockets through
    // their buffer, and keeps that buffer's capacity (a whole initial_status) per socket.
    const want = new Set<string>([ALL]);
    if (!isScoped(conn.principal)) want.add(METRICS);
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

  function runDeferred(): void {
    const batch = deferred;
    deferred = [];
    if (stopped) return;
    for (const [conn, fn] of batch) if (conn.open) fn();
  }

  return {
    send,
    goLive,
    end(ws, code, reason, why) {
      const conn = ws.getUserData();
      if (!conn.open) return;
      conn.closeReason = why;
      ws.end(code, reason);
    },
    // Not corked, and never called from inside a uWS callback (see `later`): a large
    // initial_status written while corked spills into the socket's user-space buffer, whose
    // capacity uWS keeps for the life of the connection.
    sendFresh(ws, conn, recovered, prefix) {
      conn.generation++;
      if (prefix !== undefined) send(ws, prefix);
      const v = conn.view;
      send(ws, mirror.initialStatus(v.all ? null : v.test, v.key, recovered));
      goLive(ws, conn);
    },
    sendEntries(ws, conn, entries) {
      const test = conn.view.all ? null : conn.view.test;
      for (const e of entries) if (test === null || test(e.name)) send(ws, e.wire);
    },
    later(conn, fn) {
      if (deferred.length === 0) setImmediate(runDeferred);
      deferred.push([conn, fn]);
    },
    stopDeferred() {
      stopped = true;
      deferred = [];
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
    forget(ws) {
      dynamic.delete(ws);
    },
  };
}
