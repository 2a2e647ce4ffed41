// The Beacon client: one WebSocket to `/ws/mcp-status`, kept alive across edge restarts, drains,
// slow-consumer kicks and token expiry. It validates every frame, folds events into its fleet
// state, resumes from the last offset, and reports everything through typed events. No polling:
// the only timers are backoff, the dead-connection watchdog and the token refresh.
import {
  CloseCode,
  TEXT_PING,
  type InitialStatusMessage,
  type SystemMetricsMessage,
} from '@beacon/protocol';
import { createBackoff } from './backoff.js';
import { createEmitter } from './emitter.js';
import { createFleetState, isEventMessage, type EventMessage } from './fleet-state.js';
import { parseServerFrame } from './frames.js';
import {
  OPEN,
  connectionUrl,
  type SocketCloseEvent,
  type SocketLike,
  type WebSocketConstructor,
} from './socket.js';
import { tokenExpiry } from './token.js';
import type { BeaconClient, BeaconClientOptions, ClientEvents, ConnectionState } from './types.js';

type Timer = ReturnType<typeof setTimeout>;

export function createBeaconClient(options: BeaconClientOptions): BeaconClient {
  const WS =
    options.WebSocket ??
    (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket ??
    (() => {
      throw new TypeError('no WebSocket implementation: pass options.WebSocket (e.g. from "ws")');
    })();
  const deadAfterMs = options.deadAfterMs ?? 45_000;
  const keepAliveMs = Math.min(options.keepAliveMs ?? 15_000, deadAfterMs / 2);
  const refreshBeforeMs = options.refreshBeforeMs ?? 60_000;
  const backoff = createBackoff(options.backoff, options.random);
  // A throwing listener must not stop the client: report it as an `error` event, once (an
  // `error` listener that throws itself is not reported again, so this cannot loop).
  let reportingListenerError = false;
  const emitter = createEmitter<ClientEvents>((error) => {
    if (reportingListenerError || !emitter.has('error')) return;
    reportingListenerError = true;
    try {
      emitter.emit('error', { code: 'listener', message: String(error), fatal: false });
    } finally {
      reportingListenerError = false;
    }
  });
  const fleet = createFleetState();
  const stats = { messages: 0, events: 0, invalid: 0, duplicates: 0, connects: 0, snapshots: 0 };

  let state: ConnectionState = 'offline';
  let started = false;
  let stopped = false;
  let socket: SocketLike | null = null;
  let generation = 0;
  let token: string | null = null;
  let metrics: SystemMetricsMessage | null = null;
  let lastFrameAt = 0;
  let retryTimer: Timer | undefined;
  let watchdog: Timer | undefined;
  let stableTimer: Timer | undefined;
  let refreshTimer: Timer | undefined;

  const setState = (next: ConnectionState): void => {
    if (next === state) return;
    const previous = state;
    state = next;
    emitter.emit('state', { state: next, previous });
  };
  const fail = (code: string, message: string, fatal = false): void => {
    emitter.emit('error', { code, message, fatal });
  };
  const clearTimers = (): void => {
    for (const t of [watchdog, stableTimer, refreshTimer]) if (t !== undefined) clearTimeout(t);
    watchdog = stableTimer = refreshTimer = undefined;
  };

  /**
   * Forget the current socket without waiting for its close handshake (it may be dead). `code`
   * undefined: it is already closed.
   */
  const drop = (code: number | undefined, reason = ''): void => {
    const s = socket;
    socket = null;
    generation += 1;
    clearTimers();
    if (s === null) return;
    s.onopen = s.onmessage = s.onclose = s.onerror = null;
    if (code === undefined) return;
    try {
      s.close(code, reason);
    } catch {
      // Closing a socket that never opened can throw in some implementations; it is gone anyway.
    }
  };

  const schedule = (delayMs: number): void => {
    if (stopped) return;
    if (retryTimer !== undefined) clearTimeout(retryTimer);
    setState(fleet.epoch === null ? 'connecting' : 'reconnecting');
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      void connect();
    }, delayMs);
  };

  /**
   * One lazy timer per socket: frames only stamp `lastFrameAt`, and the timer re-checks when it
   * fires, so a busy connection costs no timer churn. After `keepAliveMs` of silence it sends a
   * text `ping`; after `deadAfterMs` it gives the connection up.
   */
  const watch = (delayMs: number): void => {
    watchdog = setTimeout(
      () => {
        const silent = Date.now() - lastFrameAt;
        if (silent >= deadAfterMs) {
          fail('dead_connection', `no frame for ${silent} ms; reconnecting`);
          drop(4000, 'dead connection');
          schedule(backoff.next());
          return;
        }
        if (silent >= keepAliveMs && socket?.readyState === OPEN) socket.send(TEXT_PING);
        watch(silent >= keepAliveMs ? deadAfterMs - silent : keepAliveMs - silent);
      },
      Math.max(delayMs, 10),
    );
  };

  const scheduleRefresh = (): void => {
    if (refreshTimer !== undefined) clearTimeout(refreshTimer);
    refreshTimer = undefined;
    if (options.getToken === undefined || token === null) return;
    const exp = tokenExpiry(token);
    if (exp === null) return;
    const gen = generation;
    refreshTimer = setTimeout(
      () => {
        refreshTimer = undefined;
        void refresh(gen, exp);
      },
      Math.max(exp - refreshBeforeMs - Date.now(), 1_000),
    );
  };

  const refresh = async (gen: number, oldExp: number): Promise<void> => {
    let fresh: string | null;
    try {
      fresh = (await options.getToken?.()) ?? null;
    } catch (error) {
      fail('token', `getToken failed: ${String(error)}`);
      return;
    }
    if (gen !== generation || socket === null || fresh === null) return;
    const exp = tokenExpiry(fresh);
    // Same (or older) token: nothing to send; the edge closes with 4001 at expiry and we retry.
    if (fresh === token || (exp !== null && exp <= oldExp)) return;
    token = fresh;
    if (socket.readyState === OPEN) socket.send(JSON.stringify({ type: 'auth', token: fresh }));
    scheduleRefresh();
  };

  const goLive = (): void => {
    if (state === 'live') return;
    setState('live');
    if (stableTimer !== undefined) clearTimeout(stableTimer);
    stableTimer = setTimeout(() => backoff.reset(), backoff.stableMs);
  };

  const onInitial = (message: InitialStatusMessage): void => {
    const hadState = fleet.epoch !== null;
    const reason = !hadState
      ? 'initial'
      : message.recovered === false
        ? 'not_recovered'
        : message.epoch !== fleet.epoch
          ? 'epoch_changed'
          : 'reconnect';
    fleet.replace(message);
    stats.snapshots += 1;
    emitter.emit('snapshot', { message, reason });
    goLive();
  };

  const onEvent = (message: EventMessage): void => {
    const result = fleet.fold(message);
    if (result.kind === 'duplicate') {
      stats.duplicates += 1;
      return;
    }
    if (result.kind === 'epoch_mismatch') {
      // The log was recreated under us: our offsets are meaningless; start over with a snapshot.
      fail('epoch_changed', `event from epoch ${message.epoch}, state is ${fleet.epoch ?? '-'}`);
      fleet.clear();
      drop(CloseCode.normal, 'epoch changed');
      schedule(0);
      return;
    }
    stats.events += 1;
    const info = { message, row: result.row, previous: result.previous };
    emitter.emit('event', info);
    switch (message.type) {
      case 'mcp_status_change':
        emitter.emit('status', { ...info, message });
        break;
      case 'health_event':
        emitter.emit('health', { ...info, message });
        break;
      case 'mcp_registered':
      case 'mcp_updated':
      case 'mcp_removed':
        emitter.emit('fleet', { ...info, message });
        break;
    }
  };

  const onFrame = (s: SocketLike, data: unknown): void => {
    lastFrameAt = Date.now();
    stats.messages += 1;
    const frame = parseServerFrame(data);
    if (frame.kind === 'pong') {
      if (state === 'resyncing') goLive();
      return;
    }
    if (frame.kind === 'invalid') {
      stats.invalid += 1;
      emitter.emit('invalid', { raw: frame.raw, error: frame.error, count: stats.invalid });
      return;
    }
    const message = frame.message;
    if (isEventMessage(message)) {
      if (state === 'resyncing') goLive();
      onEvent(message);
      return;
    }
    switch (message.type) {
      case 'initial_status':
        onInitial(message);
        return;
      case 'system_metrics':
        metrics = message;
        emitter.emit('metrics', message);
        return;
      case 'probe_digest':
        emitter.emit('probes', {
          message,
          samples: message.probes,
          rows: fleet.probes(message.probes),
        });
        return;
      case 'ping':
        // Answer the JSON keep-alive so the edge sees this client as alive too.
        if (s.readyState === OPEN) s.send(TEXT_PING);
        if (state === 'resyncing') goLive();
        return;
      case 'ack':
        emitter.emit('ack', message);
        return;
      case 'error':
        fail(message.code, message.message);
        return;
    }
  };

  const onClose = (event: SocketCloseEvent, opened: boolean, lastError: string): void => {
    drop(undefined);
    emitter.emit('close', { code: event.code, reason: event.reason });
    if (stopped) return;
    if (!opened) {
      // Upgrade refused (401/403 look like 1006 to a browser) or the edge is unreachable.
      fail('connect', `connection failed (${event.code}${lastError ? `: ${lastError}` : ''})`);
    }
    switch (event.code) {
      case CloseCode.policyViolation:
        fail('policy', `edge closed the connection (1008 ${event.reason})`, true);
        setState('offline');
        return;
      case CloseCode.serviceRestart:
      case CloseCode.slowConsumer:
      case CloseCode.idleTimeout:
        // The edge asked us to move (drain) or caught up (slow consumer): resume at once.
        schedule(backoff.fast());
        return;
      case CloseCode.tokenExpired:
        // connect() asks getToken() for a fresh one; no growing delay for an expected event.
        schedule(backoff.fast());
        return;
      default:
        schedule(backoff.next());
    }
  };

  const connect = async (): Promise<void> => {
    if (stopped) return;
    const gen = ++generation;
    if (options.getToken !== undefined) {
      try {
        token = (await options.getToken()) ?? null;
      } catch (error) {
        fail('token', `getToken failed: ${String(error)}`);
        schedule(backoff.next());
        return;
      }
      if (gen !== generation || stopped) return;
      const exp = token === null ? null : tokenExpiry(token);
      if (exp !== null && exp <= Date.now())
        fail('token_expired', 'getToken returned an expired token');
    }
    const resuming = fleet.offset !== null && fleet.epoch !== null;
    let s: SocketLike;
    try {
      const origin = (globalThis as { location?: { href: string } }).location?.href;
      const url = connectionUrl(
        options.url,
        { token, since: fleet.offset, epoch: fleet.epoch },
        origin,
      );
      s = new WS(url);
    } catch (error) {
      fail('connect', `cannot connect: ${String(error)}`, true);
      setState('offline');
      return;
    }
    socket = s;
    stats.connects += 1;
    let opened = false;
    let lastError = '';
    s.onopen = () => {
      opened = true;
      lastFrameAt = Date.now();
      watch(keepAliveMs);
      scheduleRefresh();
      if (options.mcps !== undefined)
        s.send(JSON.stringify({ type: 'subscribe', mcps: options.mcps }));
      if (resuming) {
        setState('resyncing');
        // The `pong` arrives after whatever the edge replays first: then we are live.
        s.send(TEXT_PING);
      }
    };
    s.onmessage = (event) => {
      if (socket !== s) return;
      onFrame(s, event.data);
    };
    s.onclose = (event) => {
      if (socket === s) onClose(event, opened, lastError);
    };
    s.onerror = (event) => {
      // A close event always follows; keep what `ws` says (e.g. "Unexpected server response: 401").
      const m = (event as { message?: unknown } | null)?.message;
      if (typeof m === 'string') lastError = m;
    };
  };

  return {
    get state() {
      return state;
    },
    get fleet() {
      return fleet.rows;
    },
    get offset() {
      return fleet.offset;
    },
    get epoch() {
      return fleet.epoch;
    },
    get metrics() {
      return metrics;
    },
    get stats() {
      return { ...stats, attempts: backoff.attempts };
    },
    on: emitter.on,
    off: emitter.off,
    start() {
      // Also restarts after close() (React StrictMode mounts, stops and mounts again), keeping
      // the fleet state so the new connection resumes.
      if (started && !stopped) return;
      started = true;
      stopped = false;
      backoff.reset();
      setState(fleet.epoch === null ? 'connecting' : 'reconnecting');
      void connect();
    },
    close() {
      stopped = true;
      if (retryTimer !== undefined) clearTimeout(retryTimer);
      retryTimer = undefined;
      drop(CloseCode.normal, 'client closed');
      setState('offline');
    },
    reconnectNow() {
      if (stopped || !started) return;
      drop(CloseCode.normal, 'reconnect');
      backoff.reset();
      schedule(0);
    },
  };
}
