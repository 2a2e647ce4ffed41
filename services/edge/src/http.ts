// uWS HTTP plumbing in one place: capture a request (uWS requests die when the handler
// returns), read a bounded body, answer once (never after abort, always corked), and map
// errors to statuses: BeaconError code → HTTP status, JSON body `{error:{code,message,issues?}}`.
import { BeaconError, type BeaconErrorCode } from '@beacon/protocol';
import type { Logger } from 'pino';
import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import { misdirected, type HostPolicy } from './hosts.js';

/** An error that must be answered with a specific status (413, 405, 415...). */
export class HttpProblem extends BeaconError {
  readonly status: number;
  constructor(status: number, code: BeaconErrorCode, message: string) {
    super(code, message);
    this.status = status;
  }
}

const STATUS_OF: Record<BeaconErrorCode, number> = {
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  fenced: 409,
  internal: 500,
  config: 500,
  unavailable: 503,
  timeout: 504,
};

const STATUS_TEXT: Record<number, string> = {
  200: '200 OK',
  201: '201 Created',
  204: '204 No Content',
  304: '304 Not Modified',
  400: '400 Bad Request',
  401: '401 Unauthorized',
  403: '403 Forbidden',
  404: '404 Not Found',
  405: '405 Method Not Allowed',
  409: '409 Conflict',
  413: '413 Payload Too Large',
  415: '415 Unsupported Media Type',
  421: '421 Misdirected Request',
  500: '500 Internal Server Error',
  503: '503 Service Unavailable',
  504: '504 Gateway Timeout',
};

export const statusLine = (status: number): string => STATUS_TEXT[status] ?? `${status} Status`;

export interface Reply {
  readonly status: number;
  readonly body: string | Buffer;
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Close the connection after answering (e.g. a body we refused to read). */
  readonly close?: boolean;
}

export const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * On every reply: no MIME sniffing, no Referer (URLs may carry `?token=`), and for anything that
 * is not the dashboard (which sets its own policy) a CSP that lets a response do nothing.
 */
const BASE_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};
const API_CSP = "default-src 'none'; frame-ancestors 'none'";

/** The 421 a request for a Host this edge does not serve gets (DNS rebinding). */
export function misdirectedReply(hostHeader: string): Reply {
  return { status: 421, body: misdirected(hostHeader), contentType: JSON_TYPE, close: true };
}

export function json(status: number, body: string): Reply {
  return { status, body, contentType: JSON_TYPE };
}

export function errorReply(err: unknown, log: Logger): Reply {
  if (err instanceof BeaconError) {
    const status = err instanceof HttpProblem ? err.status : STATUS_OF[err.code];
    if (status >= 500 && err.code !== 'timeout' && err.code !== 'unavailable') {
      log.error({ err }, 'request failed');
    }
    const error = {
      code: err.code,
      message: err.message,
      ...(err.issues.length > 0 ? { issues: err.issues } : {}),
    };
    const headers: Record<string, string> =
      status === 401 ? { 'www-authenticate': 'Bearer realm="beacon"' } : {};
    return {
      status,
      body: JSON.stringify({ error }),
      contentType: JSON_TYPE,
      headers,
      close: status === 413,
    };
  }
  log.error({ err }, 'unexpected error in request');
  return json(500, JSON.stringify({ error: { code: 'internal', message: 'internal error' } }));
}

export interface RequestInfo {
  readonly method: string;
  readonly url: string;
  readonly query: string;
  readonly params: readonly string[];
  header(name: string): string;
  q(name: string): string | null;
}

const CAPTURED_HEADERS = [
  'authorization',
  'origin',
  'host',
  'content-type',
  'accept',
  'if-none-match',
  'accept-encoding',
  'cookie',
] as const;

/** Copy what handlers need out of the stack-allocated uWS request. */
export function capture(req: HttpRequest, paramCount = 0): RequestInfo {
  const headers = new Map<string, string>();
  for (const h of CAPTURED_HEADERS) headers.set(h, req.getHeader(h));
  const params: string[] = [];
  for (let i = 0; i < paramCount; i++) params.push(req.getParameter(i));
  const query = req.getQuery() ?? '';
  let parsed: URLSearchParams | null = null;
  return {
    method: req.getMethod(),
    url: req.getUrl(),
    query,
    params,
    header: (name) => headers.get(name) ?? '',
    q: (name) => {
      parsed ??= new URLSearchParams(query);
      return parsed.get(name);
    },
  };
}

export interface Exchange {
  aborted: boolean;
  done: boolean;
}

/** Write a reply unless the client went away; always corked (may run after an await). */
export function send(
  res: HttpResponse,
  ex: Exchange,
  reply: Reply,
  extra?: Record<string, string>,
): void {
  if (ex.aborted || ex.done) return;
  ex.done = true;
  res.cork(() => {
    res.writeStatus(statusLine(reply.status));
    if (reply.contentType !== undefined) res.writeHeader('content-type', reply.contentType);
    for (const [k, v] of Object.entries(BASE_HEADERS)) res.writeHeader(k, v);
    if (reply.headers?.['content-security-policy'] === undefined) {
      res.writeHeader('content-security-policy', API_CSP);
    }
    for (const [k, v] of Object.entries(reply.headers ?? {})) res.writeHeader(k, v);
    for (const [k, v] of Object.entries(extra ?? {})) res.writeHeader(k, v);
    if (reply.status === 304 || reply.status === 204) res.endWithoutBody();
    else res.end(reply.body, reply.close === true);
  });
}

/**
 * Read the body, at most `limit` bytes; larger bodies are refused with 413 and the connection
 * closed. uWS neuters each chunk after the callback, so chunks are copied.
 */
export function readBody(res: HttpResponse, ex: Exchange, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    res.onData((chunk, isLast) => {
      if (failed || ex.aborted) return;
      size += chunk.byteLength;
      if (size > limit) {
        failed = true;
        reject(new HttpProblem(413, 'invalid', `request body over ${limit} bytes`));
        return;
      }
      chunks.push(Buffer.from(chunk.slice(0)));
      if (isLast) resolve(Buffer.concat(chunks, size));
    });
  });
}

export function parseJsonBody(body: Buffer, contentType: string): unknown {
  if (contentType !== '' && !/^application\/(.+\+)?json\b/i.test(contentType)) {
    throw new HttpProblem(415, 'invalid', `expected application/json, got ${contentType}`);
  }
  if (body.length === 0) throw new BeaconError('invalid', 'request body is empty (expected JSON)');
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch (err) {
    throw new BeaconError(
      'invalid',
      `request body is not valid JSON: ${err instanceof Error ? err.message : 'parse error'}`,
    );
  }
}

export interface HandleOptions {
  readonly paramCount?: number;
  /** Read a body of at most this many bytes; undefined = no body. */
  readonly bodyLimit?: number;
  readonly log: Logger;
  /** Headers added to every reply (CORS). */
  readonly extraHeaders?: (info: RequestInfo) => Record<string, string>;
  readonly onReply?: (status: number) => void;
  /** Refuse (421) requests whose Host this edge does not serve. */
  readonly hosts?: HostPolicy;
}

/**
 * Run an async handler for a uWS request: abort-safe, body-limited, errors mapped, reply corked.
 * Must be called synchronously from the uWS route callback.
 */
export function handle(
  res: HttpResponse,
  req: HttpRequest,
  options: HandleOptions,
  fn: (info: RequestInfo, body: Buffer | null) => Promise<Reply> | Reply,
): void {
  const ex: Exchange = { aborted: false, done: false };
  res.onAborted(() => {
    ex.aborted = true;
  });
  const info = capture(req, options.paramCount ?? 0);
  const finishNow = (reply: Reply): void => {
    options.onReply?.(reply.status);
    send(res, ex, reply);
  };
  if (options.hosts !== undefined && !options.hosts.allows(info.header('host'))) {
    // Before the body and before auth: nothing of this edge is answered under a foreign name.
    return finishNow(misdirectedReply(info.header('host')));
  }
  const body =
    options.bodyLimit === undefined ? Promise.resolve(null) : readBody(res, ex, options.bodyLimit);
  const finish = (reply: Reply): void => {
    options.onReply?.(reply.status);
    send(res, ex, reply, options.extraHeaders?.(info));
  };
  body
    .then((b) => fn(info, b))
    .then(finish, (err: unknown) => finish(errorReply(err, options.log)));
}
