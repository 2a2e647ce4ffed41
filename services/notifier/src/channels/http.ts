// One HTTP POST for the HTTP channels (webhook, Slack, PagerDuty): fetch with the attempt's
// timeout combined with the caller's signal, redirects not followed (a 3xx is a non-retryable
// failure: a receiver that moved must be reconfigured, and following it could send the payload
// somewhere nobody approved), and at most 500 characters of the answer read from the stream, so a
// huge or endless body costs nothing. Never throws; nothing from the URL's path, query or
// userinfo, nor any secret, ends up in the result.
import { maskUrlPath, type DeliveryResult } from '@beacon/protocol';
import {
  cleanResponse,
  isRetryableStatus,
  networkReason,
  result,
  RESPONSE_MAX_CHARS,
  timeoutOf,
} from './result.js';
import type { SendOptions } from './types.js';

export interface PostRequest {
  readonly url: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Values to mask if the receiver echoes them (signing secret, routing key, header values). */
  readonly secrets: readonly string[];
}

const USER_AGENT = 'beacon-notifier/1';
// Bytes read at most: 500 characters of UTF-8 are at most 2,000 bytes.
const READ_MAX_BYTES = RESPONSE_MAX_CHARS * 4;

interface Target {
  readonly url: URL;
  /** `Basic …` from the URL's userinfo (fetch refuses URLs carrying credentials). */
  readonly authorization: string | null;
}

function parseTarget(raw: string): Target | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  let authorization: string | null = null;
  if (url.username !== '' || url.password !== '') {
    const user = decodeURIComponent(url.username);
    const pass = decodeURIComponent(url.password);
    authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
    url.username = '';
    url.password = '';
  }
  return { url, authorization };
}

/** Secrets of a URL a receiver might echo: its path + query and its userinfo. */
export function urlSecrets(raw: string): string[] {
  try {
    const u = new URL(raw);
    return [
      u.pathname.length > 1 ? u.pathname + u.search : u.search,
      u.search.slice(1),
      decodeURIComponent(u.username),
      decodeURIComponent(u.password),
      u.href,
    ].filter((s) => s !== '');
  } catch {
    return [raw];
  }
}

async function readCapped(body: ReadableStream<Uint8Array> | null): Promise<string> {
  if (body === null) return '';
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < READ_MAX_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // Cut mid-body (timeout, reset): what arrived is still the best account of the answer.
  } finally {
    // Stop the transfer: the rest of a huge body is neither read nor buffered.
    reader.cancel().catch(() => undefined);
  }
  const bytes = Buffer.concat(chunks).subarray(0, READ_MAX_BYTES);
  return new TextDecoder('utf-8', { fatal: false }).decode(bytes).slice(0, RESPONSE_MAX_CHARS);
}

function redirectReason(status: number, location: string | null, base: URL): string {
  if (location === null) return `redirect (${status}) not followed`;
  let where: string;
  try {
    where = maskUrlPath(new URL(location, base).href);
  } catch {
    where = 'an invalid location';
  }
  return `redirect (${status}) to ${where} not followed: configure the final URL`;
}

/**
 * POST `body`; `isOk(status, text)` judges an answer (default: any 2xx). The attempt's timeout
 * covers the whole exchange, the answer's body included.
 */
export async function post(
  req: PostRequest,
  options: SendOptions | undefined,
  isOk: (status: number, text: string) => boolean = (s) => s >= 200 && s < 300,
): Promise<DeliveryResult> {
  const started = performance.now();
  const target = parseTarget(req.url);
  if (target === null) {
    return result(started, {
      ok: false,
      status: null,
      response: 'invalid URL: must be http:// or https://',
      retryable: false,
    });
  }
  const secrets = [...req.secrets, ...urlSecrets(req.url)];
  const timeoutMs = timeoutOf(options?.timeoutMs);
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal =
    options?.signal === undefined ? timeout : AbortSignal.any([timeout, options.signal]);
  if (options?.signal?.aborted === true) {
    return result(started, { ok: false, status: null, response: 'aborted', retryable: true });
  }
  const headers = new Headers();
  headers.set('user-agent', USER_AGENT);
  for (const [k, v] of Object.entries(req.headers)) headers.set(k, v);
  if (target.authorization !== null && !headers.has('authorization')) {
    headers.set('authorization', target.authorization);
  }
  let res: Response;
  try {
    res = await fetch(target.url, {
      method: 'POST',
      body: req.body,
      headers,
      redirect: 'manual',
      signal,
    });
  } catch (err) {
    const reason = timeout.aborted
      ? `timeout after ${timeoutMs} ms`
      : signal.aborted
        ? 'aborted'
        : networkReason(err);
    return result(started, { ok: false, status: null, response: reason, retryable: true });
  }
  if (res.status >= 300 && res.status < 400) {
    res.body?.cancel().catch(() => undefined);
    return result(started, {
      ok: false,
      status: res.status,
      response: redirectReason(res.status, res.headers.get('location'), target.url),
      retryable: false,
    });
  }
  const text = cleanResponse(await readCapped(res.body), secrets);
  const ok = isOk(res.status, text);
  return result(started, {
    ok,
    status: res.status,
    response: text === '' ? `HTTP ${res.status}` : text,
    retryable: !ok && isRetryableStatus(res.status),
  });
}
