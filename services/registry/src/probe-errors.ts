// How a failed probe looks to a user: its outcome (reachable-but-failing is `unhealthy`,
// cannot-connect or dropped is `disconnected`) and the `last_error` text every viewer reads.
// That text comes from a small fixed vocabulary, never from an error's own message: a registered
// URL may point anywhere, and quoting what it answered (a response body, a reason phrase, an
// address, refused-vs-reset) would turn the registry into a reader of internal services and a
// port scanner for whoever may register URLs. The full error goes to the registry's debug log.
//
//   connection failed                 could not connect, or the connection ended before an MCP
//                                     session existed (refused, reset, unreachable, DNS, closed)
//   connection lost                   an initialized MCP session's connection ended
//   destination not allowed by policy BEACON_MCP_DENY_CIDRS / BEACON_MCP_ALLOW_CIDRS refused it
//   TLS: untrusted certificate (is its CA in BEACON_MCP_CA_FILE?)
//   TLS: invalid certificate          expired, not yet valid, revoked, wrong host name, signature
//   TLS: handshake failed             any other TLS failure (e.g. plain HTTP on the port)
//   HTTP <status> <standard reason>   an HTTP error answer (the reason is Node's table, not the
//                                     server's phrase)
//   invalid response                  an answer that is not MCP (bad JSON, wrong content type, …)
//   MCP error <code>                  a JSON-RPC error before the session was initialized
//   MCP error <code>: <message>       a JSON-RPC error from an initialized MCP server (it proved it
//                                     speaks MCP; its own explanation helps operators), ≤ 200 chars
//   request timed out / no answer within <n> ms / slow: …   timeouts (ours)
//   server/discover not supported …   probe_method discover on a 2025-revision server
//   probe failed                      anything else
//
// HTTP 401/403 and MCP errors that say the credentials were refused have the outcome
// `auth_failed` (the server is up; the configured headers/env are wrong), with the same texts.
import { STATUS_CODES } from 'node:http';
import { SseError } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { ProbeResult } from '@beacon/protocol';
import { isCertificateErrorCode, isTlsErrorCode, isUntrustedIssuerCode } from './tls-trust.js';

type Outcome = ProbeResult['outcome'];

export interface Failure {
  readonly outcome: Outcome;
  readonly message: string;
  /** The session is unusable: drop it (and try one fresh connect when it was an old one). */
  readonly dropSession: boolean;
}

export const CONNECTION_FAILED = 'connection failed';
export const CONNECTION_LOST = 'connection lost';
export const POLICY_DENIED = 'destination not allowed by policy';
export const INVALID_RESPONSE = 'invalid response';
export const PROBE_FAILED = 'probe failed';
const MAX_MCP_MESSAGE = 200;

/** The probe's own deadline (the message is ours). */
export class ProbeDeadline extends Error {
  override readonly name = 'ProbeDeadline';
}

/** `probe_method: discover` against a server that answered as a 2025-revision one. */
export class DiscoverUnsupported extends Error {
  override readonly name = 'DiscoverUnsupported';
  constructor() {
    super(DISCOVER_UNSUPPORTED);
  }
}
export const DISCOVER_UNSUPPORTED =
  'server/discover not supported (a 2025-revision server: use probe_method ping or tools_list)';

const AUTH_STATUS = new Set([401, 403]);
/** What MCP servers say when they refuse credentials in a JSON-RPC error (no standard code). */
const AUTH_MESSAGE =
  /\b(unauthori[sz]ed|forbidden|authentication (failed|required)|not authenticated|invalid (api[ _-]?key|token|credentials)|access denied)\b/i;

/** Whether an MCP error message says the credentials were refused. */
export const isAuthMessage = (text: string): boolean => AUTH_MESSAGE.test(text);

/** Wraps what failed while connecting: no MCP session existed yet, so nothing is quoted. */
export class ConnectFailure extends Error {
  override readonly name = 'ConnectFailure';
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
  }
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'EPIPE',
  'ENOENT',
  'EACCES',
  'EADDRNOTAVAIL',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
]);

function errorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function hasCode(err: unknown, wanted: string): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; depth++) {
    if ((e as { code?: unknown }).code === wanted) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** The destination policy refused the connection (anywhere in the cause chain). */
export const isPolicyDenied = (err: unknown): boolean => hasCode(err, 'ERR_DESTINATION_DENIED');

/** `HTTP 405 Method Not Allowed`: the status and Node's standard phrase for it. */
export function httpStatusText(status: number | undefined): string {
  if (status === undefined || !Number.isInteger(status) || status < 100 || status > 599) {
    return 'HTTP ?';
  }
  const reason = STATUS_CODES[status];
  return reason === undefined ? `HTTP ${status}` : `HTTP ${status} ${reason}`;
}

function mcpMessage(err: McpError): string {
  const text = err.message
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .trim();
  return text.length > MAX_MCP_MESSAGE ? `${text.slice(0, MAX_MCP_MESSAGE)}…` : text;
}

const INVALID_SHAPES =
  /protocol version is not supported|Endpoint origin does not match|response larger than|SSE line too long|Unexpected content type/i;

/** Classifies a probe failure; `ConnectFailure` marks failures before the session existed. */
export function classify(err: unknown): Failure {
  if (err instanceof ConnectFailure) return classifyIn(err.cause, false);
  return classifyIn(err, true);
}

function classifyIn(err: unknown, established: boolean): Failure {
  const cut = established ? CONNECTION_LOST : CONNECTION_FAILED;
  const disconnected = (message: string): Failure => ({
    outcome: 'disconnected',
    message,
    dropSession: true,
  });
  if (err instanceof ProbeDeadline) {
    return { outcome: 'timeout', message: err.message, dropSession: false };
  }
  if (isPolicyDenied(err)) return disconnected(POLICY_DENIED);
  if (err instanceof DiscoverUnsupported) {
    return { outcome: 'error', message: DISCOVER_UNSUPPORTED, dropSession: true };
  }
  if (err instanceof McpError) {
    if (err.code === (ErrorCode.RequestTimeout as number)) {
      return { outcome: 'timeout', message: 'request timed out', dropSession: false };
    }
    if (err.code === (ErrorCode.ConnectionClosed as number)) return disconnected(cut);
    const message = established ? mcpMessage(err) : `MCP error ${err.code}`;
    const outcome = isAuthMessage(err.message) ? 'auth_failed' : 'error';
    return { outcome, message, dropSession: outcome === 'auth_failed' && !established };
  }
  if (err instanceof SseError) {
    // The SSE stream could not be opened or was lost. An HTTP status means the server answered
    // (reachable but failing; 2xx: not an event stream); none means the connection failed.
    if (err.code === undefined) return disconnected(cut);
    if (AUTH_STATUS.has(err.code)) {
      return { outcome: 'auth_failed', message: httpStatusText(err.code), dropSession: true };
    }
    const message = err.code >= 200 && err.code < 300 ? INVALID_RESPONSE : httpStatusText(err.code);
    return { outcome: 'error', message, dropSession: true };
  }
  if (err instanceof StreamableHTTPError) {
    if (err.code === undefined || err.code < 100) {
      return { outcome: 'error', message: INVALID_RESPONSE, dropSession: true };
    }
    if (AUTH_STATUS.has(err.code)) {
      return { outcome: 'auth_failed', message: httpStatusText(err.code), dropSession: true };
    }
    // 404/400: the server forgot our session (it restarted); the fresh connect decides.
    const gone = err.code === 404 || err.code === 400;
    return { outcome: 'error', message: httpStatusText(err.code), dropSession: gone };
  }
  const code = errorCode(err);
  if (code !== undefined && NETWORK_CODES.has(code)) return disconnected(cut);
  if (code !== undefined && isTlsErrorCode(code)) {
    if (isUntrustedIssuerCode(code)) {
      return disconnected('TLS: untrusted certificate (is its CA in BEACON_MCP_CA_FILE?)');
    }
    return disconnected(
      isCertificateErrorCode(code) ? 'TLS: invalid certificate' : 'TLS: handshake failed',
    );
  }
  if (!(err instanceof Error))
    return { outcome: 'error', message: PROBE_FAILED, dropSession: true };
  // The SDK's SSE transport reports a refused POST as a plain Error naming the status.
  const posted = /^Error POSTing to endpoint \(HTTP (\d{3})\)/.exec(err.message);
  if (posted !== null) {
    const status = Number(posted[1]);
    const outcome = AUTH_STATUS.has(status) ? 'auth_failed' : 'error';
    return { outcome, message: httpStatusText(status), dropSession: true };
  }
  if (err instanceof TypeError && /fetch failed|terminated|other side closed/i.test(err.message)) {
    return disconnected(cut);
  }
  if (/not connected|connection closed|stream ended|socket hang up/i.test(err.message)) {
    return disconnected(cut);
  }
  if (
    err instanceof SyntaxError ||
    err.name.includes('ZodError') ||
    INVALID_SHAPES.test(err.message)
  ) {
    return { outcome: 'error', message: INVALID_RESPONSE, dropSession: true };
  }
  return { outcome: 'error', message: PROBE_FAILED, dropSession: true };
}
