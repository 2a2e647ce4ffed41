// Building DeliveryResults the same way for every channel: the receiver's answer cut to 500
// characters with the channel's secrets masked, network failures as a short reason
// (`connection refused`, `timeout after 10000 ms`), and the retry verdict by status.
import { redactLogText } from '@beacon/runtime';
import type { DeliveryResult } from '@beacon/protocol';

export const RESPONSE_MAX_CHARS = 500;
export const DEFAULT_TIMEOUT_MS = 10_000;

/** The per-attempt timeout: a positive finite number of ms, else the 10 s default. */
export function timeoutOf(timeoutMs: number | undefined): number {
  return timeoutMs !== undefined && Number.isFinite(timeoutMs) && timeoutMs > 0
    ? Math.min(Math.floor(timeoutMs), 600_000)
    : DEFAULT_TIMEOUT_MS;
}

/**
 * `text` safe to store and show: every secret (and its URL-encoded form) replaced by `***`, then
 * the generic log redaction (tokens, `password=…`, query values), cut to 500 characters.
 */
export function cleanResponse(text: string, secrets: readonly string[]): string {
  let out = text.length > 4 * RESPONSE_MAX_CHARS ? text.slice(0, 4 * RESPONSE_MAX_CHARS) : text;
  const forms = new Set<string>();
  for (const s of secrets) {
    // Short values (a 1-2 character header value) would mask half the answer; they are no secret.
    if (s.length < 4) continue;
    forms.add(s);
    forms.add(encodeURIComponent(s));
  }
  // Longest first, so a secret containing another is masked whole.
  for (const s of [...forms].sort((a, b) => b.length - a.length)) out = out.split(s).join('***');
  out = redactLogText(out, 4 * RESPONSE_MAX_CHARS);
  // eslint-disable-next-line no-control-regex
  out = out.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, ' ');
  return out.length > RESPONSE_MAX_CHARS ? out.slice(0, RESPONSE_MAX_CHARS) : out;
}

/** 2xx ok; 408, 429 and 5xx worth retrying; 3xx (redirects are not followed) and other 4xx not. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

export function result(
  started: number,
  fields: Omit<DeliveryResult, 'duration_ms'>,
): DeliveryResult {
  return { ...fields, duration_ms: Math.max(0, Math.round(performance.now() - started)) };
}

const CODE_REASONS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found (DNS lookup failed)',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_HEADERS_TIMEOUT: 'timed out waiting for the response headers',
  UND_ERR_BODY_TIMEOUT: 'timed out reading the response',
  UND_ERR_SOCKET: 'connection closed',
};

// nodemailer's wrappers: the socket's code, when there is one, is in the message.
const GENERIC_REASONS: Readonly<Record<string, string>> = {
  ECONNECTION: 'connection failed',
  ESOCKET: 'connection failed',
  EDNS: 'host not found',
};

/** Error codes along an error's cause chain (undici wraps the socket error as `cause`). */
function codesOf(err: unknown): string[] {
  const codes: string[] = [];
  let e: unknown = err;
  for (let depth = 0; depth < 5 && typeof e === 'object' && e !== null; depth++) {
    // nodemailer keeps the socket's own code (ECONNREFUSED, a TLS verify error) as originalCode.
    for (const key of ['originalCode', 'code'] as const) {
      const code = (e as Record<string, unknown>)[key];
      if (typeof code === 'string') codes.push(code);
    }
    e = (e as { cause?: unknown }).cause;
  }
  return codes;
}

/**
 * A short reason for a request that got no answer, never the error's full text (which may name
 * the URL). TLS failures keep their code (`TLS: CERT_HAS_EXPIRED`), as that is what to fix.
 */
export function networkReason(err: unknown): string {
  const codes = codesOf(err);
  for (const code of codes) {
    const reason = CODE_REASONS[code];
    if (reason !== undefined) return reason;
  }
  const tls = codes.find((c) => /CERT|SSL|TLS|ERR_TLS|SELF_SIGNED|UNABLE_TO/i.test(c));
  if (tls !== undefined) return `TLS: ${tls}`;
  const message = err instanceof Error ? err.message : String(err);
  // Codes nodemailer and Node put only in the message.
  for (const code of Object.keys(CODE_REASONS)) {
    if (message.includes(code)) return CODE_REASONS[code] ?? code;
  }
  for (const code of codes) {
    const reason = GENERIC_REASONS[code];
    if (reason !== undefined) return reason;
  }
  return codes[0] !== undefined ? `request failed (${codes[0]})` : 'request failed';
}
