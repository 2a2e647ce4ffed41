// One edge: the uWS app (WebSocket route, admin API, ops endpoints, dashboard assets), fed by a
// single event-log subscription whose events are folded into the mirror, serialized once and
// published to uWS topics. start() listens then subscribes; drain() stops accepting and sends
// every client 1012 so it resumes elsewhere; stop() also unsubscribes and removes the heartbeat.
import type { EventLog, RedisClient, SideMessage, Subscription } from '@beacon/event-log';
import { BeaconError, CloseCode, type SystemMetricsMessage } from '@beacon/protocol';
import {
  createMetrics,
  logThrottle,
  registerProcessMetrics,
  METRICS_CONTENT_TYPE,
  type Metrics,
} from '@beacon/runtime';
import type { Logger } from 'pino';
import type { us_listen_socket } from 'uWebSockets.js';
import { mountAdmin } from './admin.js';
import { mountAlertsApi } from './alerts-api.js';
import { createAuthenticator, isScoped, type Authenticator } from './auth.js';
import { createCommandBus } from './commands.js';
import type { EdgeSettings } from './config.js';
import { createCursorCodec } from './cursors.js';
import { createEdgeMetrics } from './edge-metrics.js';
import { createHeartbeat, type EdgeFigures } from './heartbeat.js';
import { createMirror } from './mirror.js';
import { hostPolicy } from './hosts.js';
import { forgetName } from './selection.js';
import { createScopedMetricsCache, rowsOf } from './scoped-metrics.js';
import { createSessions } from './sessions.js';
import type { ConnData } from './conn.js';
import { mountStatic } from './static-files.js';
import { mountUptimeApi } from './uptime-api.js';
import { loadUws, type LoadedUws } from './uws.js';
import { wsBehavior } from './ws-route.js';

/** Garbage on the bus is counted every time but logged at most 20 times a minute. */
const warnInvalid = logThrottle();

export interface EdgeOptions {
  readonly settings: EdgeSettings;
  readonly eventLog: EventLog;
  /** Connection for commands and heartbeats; default the event log's client. */
  readonly redis?: RedisClient;
  /** Pub/sub connection for the subscription; default a duplicate of the log's client. */
  readonly subscriber?: RedisClient;
  readonly logger: Logger;
  readonly metrics?: Metrics;
  readonly uws?: LoadedUws;
  readonly auth?: Authenticator;
}

export interface Edge {
  readonly port: number;
  readonly ready: boolean;
  readonly draining: boolean;
  readonly connections: number;
  figures(): EdgeFigures;
  start(): Promise<void>;
  /** Stop accepting, flush, and close every client with 1012 (service restart). */
  drain(): Promise<void>;
  /** drain(), then unsubscribe and remove this edge's heartbeat. Redis clients stay open. */
  stop(): Promise<void>;
}

const SWEEP_MS = 100;

export function createEdge(options: EdgeOptions): Edge {
  const { settings, eventLog, logger } = options;
  const log = logger.child({ component: 'edge' });
  const loaded = options.uws ?? loadUws();
  if (loaded.fallback && !settings.allowUwsFallback) {
    throw new BeaconError(
      'config',
      `uWebSockets.js fell back to its slow JS implementation (${loaded.reason ?? 'unknown'}); use a Node version with a native binary or set BEACON_ALLOW_UWS_FALLBACK=1`,
    );
  }
  const { uws } = loaded;
  const registry = options.metrics ?? createMetrics();
  registerProcessMetrics(registry);
  const metrics = createEdgeMetrics(registry);
  const redis = options.redis ?? eventLog.redis;
  const auth = options.auth ?? createAuthenticator(settings.auth);
  const mirror = createMirror({ ringSize: settings.ringSize });
  const commands = createCommandBus({
    redis,
    keys: eventLog.keys,
    timeoutMs: settings.commandTimeoutMs,
    logger,
  });
  const app = uws.App();
  // Scoped tokens: figures over the MCPs their claim allows, one serialization per claim.
  const scopedCache = createScopedMetricsCache(() => rowsOf(mirror));
  const scopedJson = (message: SystemMetricsMessage, conn: ConnData): string =>
    scopedCache.json(message, JSON.stringify(conn.principal.mcps), conn.principal.filter);
  const sessions = createSessions({
    app,
    mirror,
    eventLog,
    auth,
    settings,
    metrics,
    logger,
    onCountChange: () => heartbeat.nudge(),
    greeting: (conn) =>
      latestMetrics === null
        ? null
        : isScoped(conn.principal)
          ? scopedJson(latestMetrics, conn)
          : latestMetricsJson,
    scopedMetricsJson: (message, conn) => scopedJson(message, conn),
  });
  const startedAt = new Date().toISOString();
  let listenSocket: us_listen_socket | null = null;
  let port = 0;
  let draining = false;
  let drained: Promise<void> | null = null;
  let subscription: Subscription | null = null;
  let subState = 'connecting';
  /** The last system_metrics seen (serialized once): new connections get it at once. */
  let latestMetrics: SystemMetricsMessage | null = null;
  let latestMetricsJson: string | null = null;
  const keepMetrics = (message: SystemMetricsMessage): void => {
    latestMetrics = message;
    latestMetricsJson = JSON.stringify(message);
  };
  const timers: NodeJS.Timeout[] = [];

  const isReady = (): boolean =>
    mirror.ready && !draining && subState !== 'down' && subState !== 'closed';

  const figures = (): EdgeFigures => ({
    id: settings.edgeId,
    connections: sessions.count,
    messages_out: metrics.messagesOut.value,
    bytes_out: metrics.bytesOut.value,
    drops: metrics.closesOf('slow_consumer'),
    ready: isReady(),
    started_at: startedAt,
  });
  const heartbeat = createHeartbeat({
    redis,
    keys: eventLog.keys,
    id: settings.edgeId,
    intervalMs: settings.heartbeatMs,
    figures,
    logger,
  });

  registry.onCollect(() => {
    metrics.mirrorSize.set(mirror.size);
    metrics.ringLength.set(mirror.ringLength);
    metrics.ready.set(isReady() ? 1 : 0);
  });

  // /healthz, /readyz and /metrics are not checked: probes and scrapers call them by IP
  // (Kubernetes sends Host: <pod IP>:<port>), and they are never exposed (see README Security).
  const hosts = hostPolicy(settings.allowedHosts);
  app.ws(
    '/ws/mcp-status',
    wsBehavior({
      auth,
      sessions,
      allowedOrigins: settings.allowedOrigins,
      hosts,
      maxFrameBytes: settings.maxFrameBytes,
      maxBufferBytes: settings.maxBufferBytes,
      idleTimeoutS: settings.idleTimeoutS,
      accepting: () => {
        if (draining) return { ok: false, why: 'edge is draining; connect to another edge' };
        if (!mirror.ready) return { ok: false, why: 'edge is not synchronised with the log yet' };
        return { ok: true };
      },
      metrics,
      logger,
    }),
  );

  const plain = (status: string, type: string, body: string) =>
    ((res, _req) => {
      res.cork(() => res.writeStatus(status).writeHeader('content-type', type).end(body));
    }) as Parameters<typeof app.get>[1];

  app.get('/healthz', plain('200 OK', 'application/json', '{"status":"ok"}'));
  app.get('/readyz', (res) => {
    const ready = isReady();
    const why = draining ? 'draining' : !mirror.ready ? 'not synchronised' : `redis ${subState}`;
    res.cork(() =>
      res
        .writeStatus(ready ? '200 OK' : '503 Service Unavailable')
        .writeHeader('content-type', 'application/json')
        .end(JSON.stringify(ready ? { status: 'ready' } : { status: 'not_ready', reason: why })),
    );
  });
  app.get('/metrics', (res) => {
    const text = registry.render();
    res.cork(() =>
      res.writeStatus('200 OK').writeHeader('content-type', METRICS_CONTENT_TYPE).end(text),
    );
  });

  mountAlertsApi({
    app,
    redis,
    keys: eventLog.keys,
    commands,
    auth,
    allowedOrigins: settings.allowedOrigins,
    hosts,
    maxBodyBytes: settings.maxBodyBytes,
    commandTimeoutMs: settings.commandTimeoutMs,
    metrics,
    logger,
  });
  mountUptimeApi({
    app,
    redis,
    keys: eventLog.keys,
    mirror,
    auth,
    allowedOrigins: settings.allowedOrigins,
    hosts,
    maxBodyBytes: settings.maxBodyBytes,
    metrics,
    logger,
  });
  mountAdmin({
    app,
    mirror,
    eventLog,
    commands,
    auth,
    allowedOrigins: settings.allowedOrigins,
    hosts,
    cursors: createCursorCodec(redis, `${eventLog.keys.base}:cursor-key`),
    maxBodyBytes: settings.maxBodyBytes,
    commandTimeoutMs: settings.commandTimeoutMs,
    latestMetrics: () => latestMetrics,
    metrics,
    logger,
  });
  mountStatic(app, {
    dir: settings.dashboardDir,
    logger,
    metrics,
    hosts,
    connectSrc: settings.cspConnectSrc,
  });
  app.any('/*', (res, req) => {
    const method = req.getMethod().toUpperCase();
    res.cork(() =>
      res
        .writeStatus('404 Not Found')
        .writeHeader('content-type', 'application/json')
        .end(
          JSON.stringify({
            error: { code: 'not_found', message: `no route ${method} ${req.getUrl()}` },
          }),
        ),
    );
  });

  function onSide(message: SideMessage): void {
    metrics.sideMessages.inc();
    switch (message.type) {
      case 'system_metrics':
        keepMetrics(message);
        sessions.broadcastMetrics(message, latestMetricsJson as string);
        return;
      case 'command_result':
        commands.resolve(message);
        return;
      case 'probe_digest':
        mirror.applyProbes(message.probes);
        sessions.forwardProbes(message);
        return;
      default: {
        const never: never = message;
        log.warn({ message: never }, 'unknown side message');
      }
    }
  }

  async function subscribe(): Promise<Subscription> {
    return eventLog.subscribe(
      {
        onSnapshot(snapshot, reason) {
          mirror.reset(snapshot);
          for (const row of snapshot.mcps) sessions.noteName(row.name);
          if (reason !== 'initial') {
            metrics.resyncs.inc();
            log.warn(
              { reason, offset: snapshot.offset },
              'mirror replaced; clients resynchronised',
            );
            sessions.resyncAll();
          }
        },
        onEvent(stored) {
          const t0 = performance.now();
          metrics.busEvents.inc();
          sessions.noteName(stored.event.mcp_name);
          sessions.publish(mirror.apply(stored));
          if (stored.event.type === 'mcp_removed') forgetName(stored.event.mcp_name);
          metrics.fanout.observe((performance.now() - t0) / 1000);
        },
        onGap(info) {
          metrics.busGaps.inc();
          log.info(info, 'live stream gap repaired from the log');
        },
        onInvalid(raw, err) {
          metrics.busInvalid.inc();
          warnInvalid((suppressed) =>
            log.warn({ err, raw: raw.slice(0, 200), suppressed }, 'dropped malformed bus message'),
          );
        },
        onSide,
        onCheck() {
          metrics.subscriptionChecks.inc();
        },
        onState(state) {
          // The periodic check passes through repairing -> live every few seconds: counted above,
          // logged at debug. Going down, and coming back from down, is what an operator needs.
          const from = subState;
          subState = state;
          metrics.redisState(state);
          const matters =
            state === 'down' || state === 'closed' || from === 'down' || from === 'connecting';
          if (matters) log.info({ state, from }, 'event-log subscription state');
          else log.debug({ state, from }, 'event-log subscription state');
        },
      },
      options.subscriber === undefined ? {} : { subscriber: options.subscriber },
    );
  }

  function listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      app.listen(settings.host, settings.port, (socket) => {
        if (socket === false) {
          reject(
            new BeaconError(
              'config',
              `cannot listen on ${settings.host}:${settings.port} (in use?)`,
            ),
          );
          return;
        }
        listenSocket = socket;
        port = uws.us_socket_local_port(socket);
        resolve();
      });
    });
  }

  return {
    get port() {
      return port;
    },
    get ready() {
      return isReady();
    },
    get draining() {
      return draining;
    },
    get connections() {
      return sessions.count;
    },
    figures,

    async start() {
      await listen();
      log.info({ port, host: settings.host, binary: loaded.binary }, 'edge listening');
      // Read before subscribing, i.e. before the first client is accepted, so even the first
      // page gets figures at once rather than at the registry's next tick.
      const stored = await eventLog.latestMetrics().catch((err: unknown) => {
        log.warn({ err }, 'could not read the latest system_metrics');
        return null;
      });
      subscription = await subscribe();
      // One may have arrived live meanwhile: keep whichever is newer.
      if (stored !== null && (latestMetrics === null || stored.timestamp > latestMetrics.timestamp))
        keepMetrics(stored);
      const sweep = setInterval(() => sessions.sweep(Date.now()), SWEEP_MS);
      timers.push(sweep);
      if (settings.pingIntervalMs > 0) {
        timers.push(
          setInterval(
            () => sessions.broadcast(`{"type":"ping","timestamp":"${new Date().toISOString()}"}`),
            settings.pingIntervalMs,
          ),
        );
      }
      heartbeat.start();
      log.info(
        {
          port,
          edge: settings.edgeId,
          offset: mirror.offset,
          epoch: mirror.epoch,
          mcps: mirror.size,
        },
        'edge ready',
      );
    },

    drain() {
      drained ??= (async () => {
        draining = true;
        if (listenSocket !== null) uws.us_listen_socket_close(listenSocket);
        listenSocket = null;
        // Stop sending, let what is buffered reach the kernel, then send 1012: a close frame
        // stuck behind a user-space buffer would be lost when the process exits.
        sessions.quiesce();
        const deadline = Date.now() + Math.min(2_000, settings.drainTimeoutMs / 2);
        while (sessions.maxBuffered() > 0 && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 10));
        }
        const count = sessions.count;
        sessions.closeAll(
          CloseCode.serviceRestart,
          'edge restarting; resume on another edge',
          'drain',
        );
        commands.close('edge is shutting down');
        log.info({ closed: count }, 'drained: stopped accepting, clients told to reconnect (1012)');
      })();
      return drained;
    },

    async stop() {
      await this.drain();
      for (const t of timers) clearInterval(t);
      timers.length = 0;
      await heartbeat.stop();
      if (subscription !== null) await subscription.close();
      subscription = null;
    },
  };
}
