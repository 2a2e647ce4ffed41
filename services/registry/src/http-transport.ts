// A lean MCP streamable-HTTP client transport on node:http(s) with shared keep-alive agents, for
// probing thousands of servers from one process. The SDK's StreamableHTTPClientTransport costs
// ~95 KB of heap per idle session (measured, `bench-sessions.js`): an undici Pool per origin (its
// 16 KB request queue alone), up to four undici Clients, and for the standalone GET stream a
// web-streams pipeline (fetch body → TextDecoderStream → EventSourceParserStream). This one keeps
// the same wire behaviour the registry relies on — POST per message (JSON or SSE answers),
// `mcp-session-id` / `mcp-protocol-version` headers, the standalone GET SSE stream for server
// notifications opened after `notifications/initialized` (405 = none; reopened once after 1 s if
// it ends), DELETE to end a session, StreamableHTTPError for HTTP failures — without auth or
// redirects (the registry never configured either: redirects were already refused; node:http
// follows none). https servers signed by a private CA are trusted through
// createHttpAgents({ extraCa }); every connection obeys the destination policy (http-agents.ts).
// An HTTP error's body is never read into an error: last_error must not quote what a URL says.
import * as http from 'node:http';
import * as https from 'node:https';
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  isInitializedNotification,
  JSONRPCMessageSchema,
  type JSONRPCMessage,
} from '@modelcontextprotocol/sdk/types.js';
import { createHttpAgents, type HttpAgents } from './http-agents.js';

/** Largest JSON answer we read (a huge tools/list is still well below). */
const MAX_BODY_BYTES = 8 * 1024 * 1024;
const STREAM_RETRY_MS = 1_000;

export { createHttpAgents, type HttpAgents, type HttpAgentsOptions } from './http-agents.js';

/** Agents trusting Node's default store under the default destination policy, for transports
 * not given their own. */
export const defaultHttpAgents = createHttpAgents();

export interface LeanHttpTransportOptions {
  readonly headers?: Readonly<Record<string, string>>;
  /** Default: shared agents trusting Node's default CA store. */
  readonly agents?: HttpAgents;
}

/**
 * An HTTP error answer to a modern-revision (2026-07-28) request: the status, and the JSON-RPC
 * error code (and `data`) of its body when it has one — never its message, which stays unread.
 * The era decision needs the code (modern.ts); nothing else of the body is kept.
 */
export class HttpRpcError extends StreamableHTTPError {
  constructor(
    status: number,
    readonly rpcCode: number | undefined,
    readonly rpcData: unknown,
  ) {
    super(status, `Error POSTing to endpoint: HTTP ${status}`);
  }
}

/** Largest error body read for its JSON-RPC code (modern requests only). */
const MAX_ERROR_BODY = 16 * 1024;

export interface LeanHttpTransport extends Transport {
  /** Best-effort DELETE of the server session. */
  terminateSession(): Promise<void>;
}

/** Incremental text/event-stream parser: calls `onEvent` per dispatched event. */
export function createSseParser(
  onEvent: (event: { readonly event: string; readonly data: string; readonly id?: string }) => void,
): (chunk: string) => void {
  let buffer = '';
  let data: string[] = [];
  let event = '';
  let id: string | undefined;
  const line = (l: string): void => {
    if (l === '') {
      if (data.length > 0) onEvent({ event: event || 'message', data: data.join('\n'), id });
      data = [];
      event = '';
      return;
    }
    if (l.startsWith(':')) return;
    const colon = l.indexOf(':');
    const field = colon === -1 ? l : l.slice(0, colon);
    let value = colon === -1 ? '' : l.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
    else if (field === 'id' && !value.includes('\0')) id = value;
  };
  return (chunk) => {
    buffer += chunk;
    let start = 0;
    for (;;) {
      const cr = buffer.indexOf('\r', start);
      const lf = buffer.indexOf('\n', start);
      const end = cr === -1 ? lf : lf === -1 ? cr : Math.min(cr, lf);
      if (end === -1) break;
      // A lone \r at the chunk end may be half of \r\n: wait for the next chunk.
      if (end === cr && cr === buffer.length - 1) break;
      line(buffer.slice(start, end));
      start = end + (buffer[end] === '\r' && buffer[end + 1] === '\n' ? 2 : 1);
    }
    buffer = buffer.slice(start);
    if (buffer.length > MAX_BODY_BYTES) throw new Error('SSE line too long');
  };
}

function mediaType(res: http.IncomingMessage): string {
  return (res.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

function readText(res: http.IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      text += chunk;
      if (text.length > limit) res.destroy(new Error(`response larger than ${limit} bytes`));
    });
    res.once('end', () => resolve(text));
    res.once('error', reject);
    res.once('close', () => {
      if (res.complete) resolve(text);
      // Worded so that classify() reads it as a dropped connection.
      else reject(new Error('connection closed before the answer ended'));
    });
  });
}

export function createLeanHttpTransport(
  url: URL,
  options: LeanHttpTransportOptions = {},
): LeanHttpTransport {
  const agents = options.agents ?? defaultHttpAgents;
  const family = url.protocol === 'https:' ? agents['https:'] : agents['http:'];
  const lib = url.protocol === 'https:' ? https : http;
  const active = new Set<http.ClientRequest>();
  let sessionId: string | undefined;
  let protocolVersion: string | undefined;
  let started = false;
  let closed = false;
  let retryTimer: NodeJS.Timeout | undefined;

  const modern = (): boolean => protocolVersion !== undefined && protocolVersion >= '2026-07-28';
  const headers = (extra: Record<string, string>): Record<string, string> => ({
    ...(sessionId === undefined ? {} : { 'mcp-session-id': sessionId }),
    ...(protocolVersion === undefined ? {} : { 'mcp-protocol-version': protocolVersion }),
    ...options.headers,
    ...extra,
  });

  const deliver = (raw: unknown): void => {
    const list: unknown[] = Array.isArray(raw) ? raw : [raw];
    for (const m of list) {
      const parsed = JSONRPCMessageSchema.safeParse(m);
      if (parsed.success) self.onmessage?.(parsed.data);
      else self.onerror?.(new Error(`invalid JSON-RPC message: ${parsed.error.message}`));
    }
  };

  /** One HTTP exchange; a reused keep-alive socket that fails before any answer is retried once. */
  const request = (
    method: string,
    hdrs: Record<string, string>,
    body: string | undefined,
    agent: http.Agent,
    retried = false,
  ): Promise<http.IncomingMessage> =>
    new Promise((resolve, reject) => {
      if (closed) {
        reject(new Error('Not connected'));
        return;
      }
      const req = lib.request(url, { method, headers: hdrs, agent });
      active.add(req);
      req.once('close', () => active.delete(req));
      req.once('response', resolve);
      req.once('error', (err: NodeJS.ErrnoException) => {
        active.delete(req);
        if (!retried && !closed && req.reusedSocket && err.code === 'ECONNRESET') {
          request(method, hdrs, body, agent, true).then(resolve, reject);
        } else reject(err);
      });
      req.end(body);
    });

  const consumeSse = (res: http.IncomingMessage, onId: (id: string) => void): Promise<void> =>
    new Promise((resolve, reject) => {
      const parse = createSseParser((e) => {
        if (e.id !== undefined) onId(e.id);
        if (e.event !== 'message' || e.data === '') return;
        try {
          deliver(JSON.parse(e.data));
        } catch (err) {
          self.onerror?.(err instanceof Error ? err : new Error(String(err)));
        }
      });
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        try {
          parse(chunk);
        } catch (err) {
          res.destroy(err instanceof Error ? err : new Error(String(err)));
        }
      });
      res.once('end', resolve);
      res.once('error', reject);
      res.once('close', () => (res.complete ? resolve() : reject(new Error('SSE stream ended'))));
    });

  const openStream = async (lastEventId: string | undefined, attempt: number): Promise<void> => {
    let lastId = lastEventId;
    const res = await request(
      'GET',
      headers({
        accept: 'text/event-stream',
        ...(lastId === undefined ? {} : { 'last-event-id': lastId }),
      }),
      undefined,
      family.stream,
    );
    if (res.statusCode === 405) {
      res.resume();
      return;
    }
    if (res.statusCode !== 200) {
      res.resume();
      throw new StreamableHTTPError(
        res.statusCode ?? -1,
        `Failed to open SSE stream: HTTP ${res.statusCode ?? -1}`,
      );
    }
    // Streamed in the background: the caller only waits for the stream to be open.
    void consumeSse(res, (id) => (lastId = id))
      .catch((err: unknown) => {
        if (!closed) self.onerror?.(new Error(`SSE stream disconnected: ${String(err)}`));
      })
      .finally(() => {
        if (closed) return;
        if (attempt >= 1) {
          self.onerror?.(new Error('Maximum reconnection attempts (1) exceeded.'));
          return;
        }
        retryTimer = setTimeout(() => {
          retryTimer = undefined;
          openStream(lastId, attempt + 1).catch((err: unknown) =>
            self.onerror?.(
              new Error(
                `Failed to reconnect SSE stream: ${err instanceof Error ? err.message : String(err)}`,
              ),
            ),
          );
        }, STREAM_RETRY_MS);
      });
  };

  const send = async (message: JSONRPCMessage): Promise<void> => {
    try {
      const body = JSON.stringify(message);
      // The 2026-07-28 revision routes on the method without parsing the body (Mcp-Method).
      const method: Record<string, string> =
        modern() && 'method' in message && typeof message.method === 'string'
          ? { 'mcp-method': message.method }
          : {};
      const res = await request(
        'POST',
        headers({
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'content-length': String(Buffer.byteLength(body)),
          ...method,
        }),
        body,
        family.request,
      );
      const sid = res.headers['mcp-session-id'];
      if (typeof sid === 'string' && sid !== '') sessionId = sid;
      const status = res.statusCode ?? 0;
      if (status < 200 || status > 299) {
        if (modern() && status >= 400 && status < 500 && mediaType(res) === 'application/json') {
          // Read for its JSON-RPC error code only (the era decision); the text goes nowhere.
          const code = await readText(res, MAX_ERROR_BODY)
            .then(
              (text) => {
                const e = (JSON.parse(text) as { error?: { code?: unknown; data?: unknown } })
                  .error;
                return typeof e?.code === 'number' ? { code: e.code, data: e.data } : undefined;
              },
              () => undefined,
            )
            .catch(() => undefined);
          throw new HttpRpcError(status, code?.code, code?.data);
        }
        // The body is never read: whatever a URL answers must not reach last_error (SSRF).
        res.resume();
        throw new StreamableHTTPError(status, `Error POSTing to endpoint: HTTP ${status}`);
      }
      if (status === 202) {
        res.resume();
        if (isInitializedNotification(message)) {
          openStream(undefined, 0).catch((err: unknown) =>
            self.onerror?.(err instanceof Error ? err : new Error(String(err))),
          );
        }
        return;
      }
      const hasRequests = 'method' in message && 'id' in message;
      const type = mediaType(res);
      if (!hasRequests) {
        res.resume();
      } else if (type === 'text/event-stream') {
        void consumeSse(res, () => undefined).catch((err: unknown) =>
          self.onerror?.(new Error(`SSE stream disconnected: ${String(err)}`)),
        );
      } else if (type === 'application/json') {
        deliver(JSON.parse(await readText(res, MAX_BODY_BYTES)));
      } else {
        res.resume();
        throw new StreamableHTTPError(-1, `Unexpected content type: ${type}`);
      }
    } catch (err) {
      self.onerror?.(err instanceof Error ? err : new Error(String(err)));
      throw err;
    }
  };

  const self: LeanHttpTransport = {
    start() {
      if (started) return Promise.reject(new Error('transport already started'));
      started = true;
      return Promise.resolve();
    },
    send,
    close() {
      if (closed) return Promise.resolve();
      closed = true;
      clearTimeout(retryTimer);
      for (const req of active) req.destroy();
      active.clear();
      self.onclose?.();
      return Promise.resolve();
    },
    async terminateSession() {
      if (sessionId === undefined || closed) return;
      const res = await request('DELETE', headers({}), undefined, family.request);
      res.resume();
      const status = res.statusCode ?? 0;
      if ((status < 200 || status > 299) && status !== 405) {
        throw new StreamableHTTPError(status, `Failed to terminate session: ${status}`);
      }
      sessionId = undefined;
    },
    setProtocolVersion(version: string) {
      protocolVersion = version;
    },
    get sessionId() {
      return sessionId;
    },
  };
  return self;
}
