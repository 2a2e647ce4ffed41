// What clients send on /ws/mcp-status: rate limiting and flood cut-off, pings, bad frames
// (error message, then a close after too many), subscribe/unsubscribe (a fresh initial_status
// for the new view) and token refresh.
import { BeaconError, CloseCode, type ClientMessage } from '@beacon/protocol';
import { TokenExpired, type Authenticator } from './auth.js';
import { errorJson, parseFrame } from './client-frames.js';
import type { ConnData, Ws } from './conn.js';
import type { Delivery } from './delivery.js';
import type { EdgeMetrics } from './edge-metrics.js';
import { framePatternProblem, selectionProblem, type PatternCaps } from './pattern-caps.js';
import { subscribeTo, unsubscribeFrom, viewOf } from './selection.js';

export interface InboundSettings extends PatternCaps {
  readonly maxFrameBytes: number;
  readonly rateLimit: number;
  readonly maxBadFrames: number;
}

export type Inbound = (ws: Ws, data: ArrayBuffer, isBinary: boolean) => void;

export function createInbound(deps: {
  readonly delivery: Delivery;
  readonly auth: Authenticator;
  readonly settings: InboundSettings;
  readonly metrics: EdgeMetrics;
}): Inbound {
  const { auth, settings, metrics } = deps;
  const { send, end, sendFresh, later } = deps.delivery;

  function handleMessage(ws: Ws, conn: ConnData, message: ClientMessage): void {
    switch (message.type) {
      case 'subscribe':
      case 'unsubscribe': {
        const next =
          message.type === 'subscribe'
            ? subscribeTo(conn.selection, message.mcps)
            : unsubscribeFrom(conn.selection, message.mcps);
        const problem = selectionProblem(settings, next);
        if (problem !== null) {
          metrics.frame('limit_exceeded');
          send(ws, errorJson('limit_exceeded', problem));
          return;
        }
        metrics.frame(message.type);
        conn.selection = next;
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
        const code = err instanceof TokenExpired ? 'token_expired' : 'unauthorized';
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

  return function message(ws, data, isBinary) {
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
      case 'message': {
        const m = frame.message;
        // Checked before any pattern is compiled or the selection is touched.
        const problem =
          m.type === 'subscribe' || m.type === 'unsubscribe'
            ? framePatternProblem(settings, m.type, m.mcps)
            : null;
        if (problem !== null) {
          metrics.frame('limit_exceeded');
          send(ws, errorJson('limit_exceeded', problem));
          return;
        }
        // Counted once: by type when handled, as limit_exceeded when a cap refused it.
        if (m.type !== 'subscribe' && m.type !== 'unsubscribe') metrics.frame(m.type);
        handleMessage(ws, conn, m);
        return;
      }
    }
  };
}
