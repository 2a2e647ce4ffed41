// Email over SMTP with nodemailer: one transport per channel (cached by channel id and a hash of
// its settings, released by close()), `security` starttls (STARTTLS required), tls (implicit
// TLS, port 465) or none (plain, for tests and local relays); AUTH when username/password are set.
// The message has a plain-text and an HTML part (everything from the notification escaped), the
// header X-Beacon-Idempotency-Key and a Message-ID derived from the idempotency key, so a retry
// of the same delivery carries the same Message-ID and receivers can dedupe; References ties the
// messages of one incident into a thread. SMTP 4xx replies are retried, 5xx are not; connection
// failures are retried. nodemailer cannot abort a transaction, so the attempt's timeout and the
// caller's signal end the wait (the result says so), and nodemailer's own connection, greeting and
// socket timeouts (the same timeoutMs) end the orphaned transaction soon after.
import { createHash } from 'node:crypto';
import type { DeliveryResult, EmailChannel, Notification } from '@beacon/protocol';
import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import type { z } from 'zod';
import { cut, KIND_LABEL, oneLine, safeLink, STATE_LABEL, titleOf } from './describe.js';
import { cleanResponse, networkReason, result, timeoutOf } from './result.js';
import type { SendOptions } from './types.js';

export type EmailChannelConfig = z.output<typeof EmailChannel>;

export interface EmailSenderOptions {
  /**
   * TEST ONLY: extra TLS trust for the SMTP server (a throwaway CA). Production uses the system
   * trust store; nothing in the notifier's configuration reaches this.
   */
  readonly testTls?: { readonly ca: string };
}

export interface EmailSender {
  send(
    channel: EmailChannelConfig,
    notification: Notification,
    options?: SendOptions,
  ): Promise<DeliveryResult>;
  /** Closes every cached transport. */
  close(): void;
}

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function domainOf(address: string): string {
  const domain = address.slice(address.lastIndexOf('@') + 1).toLowerCase();
  return /^[a-z0-9.-]{1,253}$/.test(domain) ? domain : 'beacon.invalid';
}

/** `<beacon.<sha256 of the key, 32 hex>@<from domain>>`: the same on every retry. */
export function messageIdOf(n: Notification, from: string): string {
  return `<beacon.${sha256(n.idempotency_key).slice(0, 32)}@${domainOf(from)}>`;
}

function incidentRefOf(n: Notification, from: string): string {
  return `<beacon.incident.${sha256(n.incident_key).slice(0, 32)}@${domainOf(from)}>`;
}

export function emailSubject(n: Notification): string {
  return cut(`[Beacon] ${titleOf(n)}`, 200);
}

function rows(n: Notification): [string, string][] {
  const r: [string, string][] = [
    ['MCP', n.mcp_name],
    ['State', `${STATE_LABEL[n.state]} (${KIND_LABEL[n.kind]})`],
    ['Status', n.status ?? 'n/a'],
    ['Error', n.error === null ? 'none' : oneLine(n.error)],
    ['Started', n.started_at],
  ];
  if (n.ended_at !== null) r.push(['Ended', n.ended_at]);
  if (n.tags.length > 0) r.push(['Tags', n.tags.join(', ')]);
  r.push(['Rule', n.rule_id], ['Idempotency key', n.idempotency_key]);
  return r;
}

export function emailBodies(n: Notification): { text: string; html: string } {
  const link = safeLink(n.dashboard_url);
  const r = rows(n);
  const text = [
    oneLine(n.summary),
    '',
    ...r.map(([k, v]) => `${k}: ${oneLine(v)}`),
    ...(link === null ? [] : ['', `Dashboard: ${link}`]),
    '',
    '-- ',
    'Sent by Beacon. Deliveries may repeat; dedupe on the idempotency key.',
    '',
  ].join('\n');
  const html = [
    '<!doctype html><html><body style="font-family:sans-serif">',
    `<h2>${escapeHtml(titleOf(n))}</h2>`,
    `<p>${escapeHtml(oneLine(n.summary))}</p>`,
    '<table cellpadding="4" style="border-collapse:collapse">',
    ...r.map(
      ([k, v]) =>
        `<tr><th align="left">${escapeHtml(k)}</th><td>${escapeHtml(oneLine(v))}</td></tr>`,
    ),
    '</table>',
    link === null ? '' : `<p><a href="${escapeHtml(link)}">Open in Beacon</a></p>`,
    '<p style="color:#666;font-size:small">Sent by Beacon. Deliveries may repeat; dedupe on the idempotency key.</p>',
    '</body></html>',
  ].join('\n');
  return { text, html };
}

function transportOptions(
  c: EmailChannelConfig,
  timeoutMs: number,
  testTls: EmailSenderOptions['testTls'],
): SMTPTransport.Options {
  return {
    host: c.host,
    port: c.port,
    secure: c.security === 'tls',
    requireTLS: c.security === 'starttls',
    ignoreTLS: c.security === 'none',
    ...(c.username !== undefined || c.password !== undefined
      ? { auth: { user: c.username ?? '', pass: c.password ?? '' } }
      : {}),
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    dnsTimeout: timeoutMs,
    // A TLS servername is only valid for host names, not IP literals.
    tls: {
      ...(/^[\d.]+$|:/.test(c.host) ? {} : { servername: c.host }),
      minVersion: 'TLSv1.2',
      ...(testTls === undefined ? {} : { ca: testTls.ca }),
    },
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}

/** The reply code at the start of an SMTP answer (`250 2.0.0 OK`). */
function replyCode(response: string | undefined): number | null {
  const m = /^([2-5]\d\d)[ -]/.exec(response ?? '');
  return m === null ? null : Number(m[1]);
}

interface SmtpError {
  readonly code?: string;
  readonly responseCode?: number;
  readonly response?: string;
}

function failure(started: number, err: unknown, secrets: readonly string[]): DeliveryResult {
  const e = (typeof err === 'object' && err !== null ? err : {}) as SmtpError;
  const status =
    typeof e.responseCode === 'number' && e.responseCode >= 200 && e.responseCode < 600
      ? e.responseCode
      : null;
  if (status !== null) {
    return result(started, {
      ok: false,
      status,
      response: cleanResponse(e.response ?? `SMTP ${status}`, secrets),
      // 4xx: transient (greylisting, mailbox busy, rate limit); 5xx: permanent.
      retryable: status < 500,
    });
  }
  if (e.code === 'EAUTH') {
    return result(started, {
      ok: false,
      status: null,
      response:
        'authentication failed (the server offers no usable AUTH method, or no credentials)',
      retryable: false,
    });
  }
  if (e.code === 'ETLS') {
    return result(started, {
      ok: false,
      status: null,
      response: 'STARTTLS failed or not offered by the server',
      retryable: true,
    });
  }
  return result(started, {
    ok: false,
    status: null,
    response: e.code === 'ETIMEDOUT' ? 'timeout' : networkReason(err),
    retryable: true,
  });
}

export function createEmailSender(senderOptions: EmailSenderOptions = {}): EmailSender {
  const transports = new Map<
    string,
    { hash: string; transport: Transporter<SMTPTransport.SentMessageInfo> }
  >();

  function transportFor(c: EmailChannelConfig, timeoutMs: number) {
    const opts = transportOptions(c, timeoutMs, senderOptions.testTls);
    const hash = sha256(JSON.stringify(opts));
    const cached = transports.get(c.id);
    if (cached !== undefined && cached.hash === hash) return cached.transport;
    cached?.transport.close();
    const transport = nodemailer.createTransport(opts);
    transports.set(c.id, { hash, transport });
    return transport;
  }

  async function send(
    channel: EmailChannelConfig,
    n: Notification,
    options?: SendOptions,
  ): Promise<DeliveryResult> {
    const started = performance.now();
    const secrets = [channel.password, channel.username].filter((s) => s !== undefined);
    if (options?.signal?.aborted === true) {
      return result(started, { ok: false, status: null, response: 'aborted', retryable: true });
    }
    const timeoutMs = timeoutOf(options?.timeoutMs);
    let transport: Transporter<SMTPTransport.SentMessageInfo>;
    try {
      transport = transportFor(channel, timeoutMs);
    } catch (err) {
      return failure(started, err, secrets);
    }
    const { text, html } = emailBodies(n);
    const sending = transport.sendMail({
      from: channel.from,
      to: channel.to,
      subject: emailSubject(n),
      text,
      html,
      messageId: messageIdOf(n, channel.from),
      references: incidentRefOf(n, channel.from),
      headers: {
        'X-Beacon-Idempotency-Key': oneLine(n.idempotency_key),
        'X-Beacon-Incident-Key': oneLine(n.incident_key),
      },
    });
    // The orphaned transaction of a timed-out attempt must not surface as an unhandled rejection.
    sending.catch(() => undefined);

    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const stopped = new Promise<DeliveryResult>((resolve) => {
      timer = setTimeout(
        () =>
          resolve(
            result(started, {
              ok: false,
              status: null,
              response: `timeout after ${timeoutMs} ms`,
              retryable: true,
            }),
          ),
        timeoutMs,
      );
      onAbort = () =>
        resolve(result(started, { ok: false, status: null, response: 'aborted', retryable: true }));
      options?.signal?.addEventListener('abort', onAbort, { once: true });
    });
    const delivered = sending.then(
      (info): DeliveryResult => {
        const accepted = info.accepted.length;
        const rejected = info.rejected.length;
        const response = cleanResponse(
          rejected === 0
            ? info.response
            : `${info.response} (${rejected} of ${accepted + rejected} recipients rejected)`,
          secrets,
        );
        return result(started, {
          ok: accepted > 0,
          status: replyCode(info.response),
          response,
          retryable: false,
        });
      },
      (err: unknown) => failure(started, err, secrets),
    );
    try {
      return await Promise.race([delivered, stopped]);
    } finally {
      clearTimeout(timer);
      if (onAbort !== undefined) options?.signal?.removeEventListener('abort', onAbort);
    }
  }

  return Object.freeze({
    send,
    close(): void {
      for (const { transport } of transports.values()) transport.close();
      transports.clear();
    },
  });
}
