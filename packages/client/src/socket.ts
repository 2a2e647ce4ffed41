// The little of the WebSocket API the client uses, so browsers pass nothing (global WebSocket) and
// Node passes the `ws` package. Also builds the connection URL (token and resume parameters).

/** Minimal event shapes shared by browser WebSocket and `ws`. */
export interface SocketMessageEvent {
  readonly data: unknown;
}
export interface SocketCloseEvent {
  readonly code: number;
  readonly reason: string;
  readonly wasClean?: boolean;
}

export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: SocketMessageEvent) => void) | null;
  onclose: ((event: SocketCloseEvent) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

/** `globalThis.WebSocket` or `ws`'s `WebSocket` (cast: its handler types are narrower). */
export type WebSocketConstructor = new (url: string) => SocketLike;

export const OPEN = 1;

export interface UrlParts {
  readonly token?: string | null;
  readonly since?: string | null;
  readonly epoch?: string | null;
}

/**
 * `base` may be a ws(s) URL, an http(s) URL (mapped to ws(s)), or a path resolved against
 * `location` in a browser. Existing query parameters are kept; ours replace same-named ones.
 */
export function connectionUrl(base: string, parts: UrlParts, origin?: string): string {
  const url = new URL(base, origin);
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new TypeError(`not a WebSocket URL: ${base}`);
  }
  for (const key of ['token', 'since', 'epoch'] as const) url.searchParams.delete(key);
  if (parts.token) url.searchParams.set('token', parts.token);
  if (parts.since && parts.epoch) {
    url.searchParams.set('since', parts.since);
    url.searchParams.set('epoch', parts.epoch);
  }
  return url.toString();
}

/** Text payload of a message event, or null for binary frames (the edge never sends them). */
export function textOf(data: unknown): string | null {
  return typeof data === 'string' ? data : null;
}
