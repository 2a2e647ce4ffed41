// The /ws/mcp-status upgrade: Host allow-list, Origin allow-list, resume parameters and token checks all happen
// before the 101, so a refused client gets a plain 401/403/400/503 and never a byte of data.
import { BeaconError, isOffset } from '@beacon/protocol';
import type { Logger } from 'pino';
import type { HttpResponse, us_socket_context_t, WebSocketBehavior } from 'uWebSockets.js';
import { extractToken, originAllowed, type Authenticator, type Principal } from './auth.js';
import type { ConnData } from './conn.js';
import type { EdgeMetrics } from './edge-metrics.js';
import type { HostPolicy } from './hosts.js';
import { errorReply, misdirectedReply, statusLine, type Reply } from './http.js';
import { EVERYTHING, viewOf } from './selection.js';
import type { Sessions } from './sessions.js';

export interface WsRouteDeps {
  readonly auth: Authenticator;
  readonly sessions: Sessions;
  readonly allowedOrigins: readonly string[];
  /** Host headers answered; others get 421 before anything else (DNS rebinding). */
  readonly hosts: HostPolicy;
  readonly maxFrameBytes: number;
  readonly maxBufferBytes: number;
  readonly idleTimeoutS: number;
  /** False while not ready (no mirror yet) or draining. */
  readonly accepting: () => { readonly ok: true } | { readonly ok: false; readonly why: string };
  readonly metrics: EdgeMetrics;
  readonly logger: Logger;
}

function refuse(res: HttpResponse, reply: Reply): void {
  res.writeStatus(statusLine(reply.status));
  if (reply.contentType !== undefined) res.writeHeader('content-type', reply.contentType);
  for (const [k, v] of Object.entries(reply.headers ?? {})) res.writeHeader(k, v);
  res.end(reply.body, true);
}

export function wsBehavior(deps: WsRouteDeps): WebSocketBehavior<ConnData> {
  const { auth, sessions, metrics } = deps;
  const log = deps.logger.child({ component: 'ws' });
  let nextId = 1;

  const connData = (principal: Principal, resume: ConnData['resume']): ConnData => ({
    id: nextId++,
    principal,
    selection: EVERYTHING,
    view: viewOf(principal.mcps, EVERYTHING),
    topics: new Set(),
    resume,
    open: false,
    live: false,
    greeted: false,
    generation: 0,
    badFrames: 0,
    windowStart: 0,
    windowCount: 0,
    slowStrikes: 0,
    closeReason: null,
  });

  return {
    // uWS closes frames over maxPayloadLength abruptly (1006); leave headroom so frames just
    // over our limit get a proper 1009 from the message handler.
    maxPayloadLength: deps.maxFrameBytes * 2,
    // The sweep (every 100 ms) closes sockets over maxBufferBytes with 4008. uWS's own limit is
    // only a safety net for bursts that outrun a sweep: it shuts the socket (1006, still
    // lossless on resume) rather than skipping a message.
    maxBackpressure: Math.max(deps.maxBufferBytes * 8, 16 * 1024 * 1024),
    // A boolean for uWS; this package's typings declare it as a number.
    closeOnBackpressureLimit: true as unknown as number,
    idleTimeout: deps.idleTimeoutS,
    sendPingsAutomatically: deps.idleTimeoutS > 0,
    compression: 0,

    upgrade(res, req, context: us_socket_context_t) {
      const key = req.getHeader('sec-websocket-key');
      const protocol = req.getHeader('sec-websocket-protocol');
      const extensions = req.getHeader('sec-websocket-extensions');
      const origin = req.getHeader('origin');
      const host = req.getHeader('host');
      const token = extractToken({
        authorization: req.getHeader('authorization'),
        queryToken: req.getQuery('token') ?? '',
        cookie: req.getHeader('cookie'),
      });
      const since = req.getQuery('since') ?? '';
      const epoch = req.getQuery('epoch') ?? '';

      const fail = (err: unknown): void => {
        const reply = errorReply(err, log);
        metrics.http(reply.status);
        refuse(res, reply);
      };
      if (!deps.hosts.allows(host)) {
        const reply = misdirectedReply(host);
        metrics.http(reply.status);
        return refuse(res, reply);
      }
      const state = deps.accepting();
      if (!state.ok) return fail(new BeaconError('unavailable', state.why));
      if (!originAllowed(origin, host, deps.allowedOrigins)) {
        return fail(new BeaconError('forbidden', `origin ${origin} is not allowed`));
      }
      let resume: ConnData['resume'] = null;
      if (since !== '' || epoch !== '') {
        if (!isOffset(since) || epoch === '' || epoch.length > 128) {
          return fail(
            new BeaconError(
              'invalid',
              'resume needs since=<offset "<ms>-<seq>"> and epoch=<epoch>',
            ),
          );
        }
        resume = { since, epoch };
      }
      const upgrade = (principal: Principal): void =>
        res.upgrade(connData(principal, resume), key, protocol, extensions, context);

      // Known tokens (and auth off) upgrade synchronously, inside uWS's own cork.
      let known: Principal | null;
      try {
        known = auth.cached(token);
      } catch (err) {
        return fail(err);
      }
      if (known !== null) return upgrade(known);
      let aborted = false;
      res.onAborted(() => {
        aborted = true;
      });
      auth.verify(token).then(
        (principal) => {
          if (aborted) return;
          const again = deps.accepting();
          // Deliberately not inside res.cork(): in this uWS build, upgrading inside
          // HttpResponse.cork() sometimes leaves the new WebSocket as the loop's corked socket
          // when the upgrade reallocates it, and everything later sent to it stays buffered.
          if (again.ok) upgrade(principal);
          else res.cork(() => fail(new BeaconError('unavailable', again.why)));
        },
        (err: unknown) => {
          if (aborted) return;
          res.cork(() => fail(err));
        },
      );
    },

    open: (ws) => sessions.open(ws),
    message: (ws, data, isBinary) => sessions.message(ws, data, isBinary),
    close: (ws, code) => sessions.closed(ws, code),
  };
}
