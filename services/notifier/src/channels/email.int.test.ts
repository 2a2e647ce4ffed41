// The email channel against a real SMTP server (smtp-server) on loopback: STARTTLS with a
// throwaway CA (trusted only through the sender's test-only option; untrusted it fails), AUTH
// PLAIN and LOGIN checked by onAuth, the message as received (subject, both bodies with the HTML
// escaped, idempotency header, a Message-ID stable across retries), 550 not retried, 451
// retried, a wrong password, a server that never greets (timeout) and no server (refused).
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { ChannelConfig, DeliveryResult, Notification } from '@beacon/protocol';
import { createTestCa, freePort, type TestCa } from '@beacon/testing';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { notificationFixture } from '../test-support.js';
import { createChannelSender, type ChannelSender } from './index.js';

interface Mail {
  readonly raw: string;
  readonly secure: boolean;
  readonly user: string | undefined;
  readonly authMethod: string | undefined;
  readonly from: string | undefined;
  readonly to: string[];
}

let ca: TestCa;
let sender: ChannelSender;
const servers: { close(cb: () => void): void }[] = [];

beforeAll(async () => {
  ca = await createTestCa();
  sender = createChannelSender({ testTls: { ca: ca.caCert } });
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((r) => s.close(() => r()))));
});
afterAll(async () => {
  sender.close();
  await ca.remove();
});

function smtpError(message: string, responseCode: number): Error {
  return Object.assign(new Error(message), { responseCode });
}

async function startSmtp(
  options: Partial<SMTPServerOptions> = {},
): Promise<{ port: number; mails: Mail[] }> {
  const mails: Mail[] = [];
  // smtp-server ships its own types, whose TLS options (from a default import of node:tls) do not
  // resolve under this repo's settings: name the two it needs here.
  const tlsOptions: SMTPServerOptions & { key: string; cert: string } = {
    key: ca.key,
    cert: ca.cert,
    authMethods: ['PLAIN', 'LOGIN'],
    onAuth(auth, session, cb) {
      session.user = auth.username;
      (session as unknown as { beaconAuthMethod: string }).beaconAuthMethod = auth.method;
      if (auth.username === 'beacon' && auth.password === 'smtp-pass-123') {
        cb(null, { user: auth.username });
      } else {
        cb(smtpError('Invalid username or password', 535));
      }
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({
          raw: Buffer.concat(chunks).toString('utf8'),
          secure: session.secure,
          user: typeof session.user === 'string' ? session.user : undefined,
          authMethod: (session as unknown as { beaconAuthMethod?: string }).beaconAuthMethod,
          from: session.envelope.mailFrom === false ? undefined : session.envelope.mailFrom.address,
          to: session.envelope.rcptTo.map((r) => r.address),
        });
        cb();
      });
    },
    logger: false,
    ...options,
  };
  const server = new SMTPServer(tlsOptions);
  server.on('error', () => undefined);
  const port = await freePort();
  await new Promise<void>((resolve) => {
    server.listen(port, '127.0.0.1', resolve);
  });
  servers.push(server);
  return { port, mails };
}

function channel(port: number, over: Record<string, unknown> = {}): ChannelConfig {
  return ChannelConfig.parse({
    id: 'mail',
    enabled: true,
    type: 'email',
    host: '127.0.0.1',
    port,
    security: 'starttls',
    username: 'beacon',
    password: 'smtp-pass-123',
    from: 'beacon@alerts.example.com',
    to: ['ops@example.com', 'oncall@example.com'],
    ...over,
  });
}

/** The channel tests' notification, with a hostile HTML error and no tags or link. */
const notification = (over: Partial<Notification> = {}): Notification =>
  notificationFixture({
    summary: 'billing_mcp is down',
    error: '<script>alert(1)</script> & more',
    tags: [],
    dashboard_url: null,
    ...over,
  });

/** The raw message unfolded and with quoted-printable soft breaks removed, for searching. */
function flat(raw: string): string {
  return raw.replace(/=\r?\n/g, '').replace(/\r?\n[ \t]+/g, ' ');
}

describe('email over SMTP', () => {
  it('delivers over STARTTLS with AUTH PLAIN: subject, text + escaped HTML, idempotency header', async () => {
    const { port, mails } = await startSmtp();
    const r = await sender.send(channel(port), notification());
    expect(DeliveryResult.parse(r)).toEqual(r);
    expect(r).toMatchObject({ ok: true, status: 250, retryable: false });
    expect(mails).toHaveLength(1);
    const mail = mails[0]!;
    expect(mail.secure).toBe(true);
    expect(mail.user).toBe('beacon');
    expect(mail.authMethod).toBe('PLAIN');
    expect(mail.from).toBe('beacon@alerts.example.com');
    expect(mail.to).toEqual(['ops@example.com', 'oncall@example.com']);
    const raw = flat(mail.raw);
    expect(raw).toMatch(/^Subject: \[Beacon\] FIRING billing_mcp is down$/m);
    expect(raw).toMatch(/^X-Beacon-Idempotency-Key: 1700000000000-3:rule-a$/m);
    expect(raw).toMatch(/^Message-ID: <beacon\.[0-9a-f]{32}@alerts\.example\.com>$/m);
    expect(raw).toContain('Content-Type: text/plain');
    expect(raw).toContain('Content-Type: text/html');
    expect(raw).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; more');
    expect(raw).not.toContain('<script>alert(1)</script></td>');
    expect(raw).toContain('Idempotency key: 1700000000000-3:rule-a');
    expect(r.response).not.toContain('smtp-pass-123');
  });

  it('uses AUTH LOGIN when that is what the server offers', async () => {
    const { port, mails } = await startSmtp({ authMethods: ['LOGIN'] });
    const r = await sender.send(channel(port), notification());
    expect(r.ok).toBe(true);
    expect(mails[0]!.authMethod).toBe('LOGIN');
  });

  it('gives a retry the same Message-ID (receivers dedupe on it)', async () => {
    const { port, mails } = await startSmtp();
    const n = notification();
    await sender.send(channel(port), n);
    await sender.send(channel(port), n);
    await sender.send(channel(port), notification({ idempotency_key: 'other:rule-a' }));
    const ids = mails.map((m) => /^Message-ID: (.*)$/m.exec(flat(m.raw))?.[1]);
    expect(ids[0]).toBeDefined();
    expect(ids[1]).toBe(ids[0]);
    expect(ids[2]).not.toBe(ids[0]);
  });

  it('fails (retryably) on a certificate it does not trust: verification is on', async () => {
    const { port, mails } = await startSmtp();
    const untrusting = createChannelSender();
    try {
      const r = await untrusting.send(channel(port), notification(), { timeoutMs: 3_000 });
      expect(r).toMatchObject({ ok: false, status: null, retryable: true });
      expect(r.response).toBe('TLS: UNABLE_TO_VERIFY_LEAF_SIGNATURE');
      expect(mails).toHaveLength(0);
    } finally {
      untrusting.close();
    }
  });

  it('refuses to send in plain text when STARTTLS is required but not offered', async () => {
    const { port, mails } = await startSmtp({
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
    });
    const r = await sender.send(channel(port), notification(), { timeoutMs: 3_000 });
    expect(r.ok).toBe(false);
    expect(mails).toHaveLength(0);
  });

  it('sends in plain text with security none (no auth)', async () => {
    const { port, mails } = await startSmtp({ disabledCommands: ['STARTTLS', 'AUTH'] });
    const r = await sender.send(
      channel(port, { security: 'none', username: undefined, password: undefined }),
      notification({ state: 'resolved', kind: 'recovered', ended_at: '2024-01-01T00:05:00.000Z' }),
    );
    expect(r.ok).toBe(true);
    expect(mails[0]!.secure).toBe(false);
    expect(flat(mails[0]!.raw)).toMatch(/^Subject: \[Beacon\] RESOLVED billing_mcp is down$/m);
  });

  it('a wrong password is a 535, not retried', async () => {
    const { port } = await startSmtp();
    const r = await sender.send(channel(port, { password: 'wrong-password' }), notification());
    expect(r).toMatchObject({ ok: false, status: 535, retryable: false });
    expect(r.response).not.toContain('wrong-password');
  });

  it('550 from the server is not retried', async () => {
    const { port } = await startSmtp({
      onRcptTo(_addr, _session, cb) {
        cb(smtpError('Mailbox unavailable', 550));
      },
    });
    const r = await sender.send(channel(port), notification());
    expect(DeliveryResult.parse(r)).toEqual(r);
    expect(r).toMatchObject({ ok: false, status: 550, retryable: false });
    expect(r.response).toContain('Mailbox unavailable');
  });

  it('451 from the server is retried', async () => {
    const { port } = await startSmtp({
      onMailFrom(_addr, _session, cb) {
        cb(smtpError('Try again later', 451));
      },
    });
    const r = await sender.send(channel(port), notification());
    expect(r).toMatchObject({ ok: false, status: 451, retryable: true });
  });

  it('no server: connection refused, retried', async () => {
    const port = await freePort();
    const r = await sender.send(channel(port), notification());
    expect(DeliveryResult.parse(r)).toEqual(r);
    expect(r).toMatchObject({
      ok: false,
      status: null,
      retryable: true,
      response: 'connection refused',
    });
  });

  it('a server that never greets times out', async () => {
    const sockets: Socket[] = [];
    const silent: TcpServer = createTcpServer((s) => sockets.push(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    servers.push({
      close(cb) {
        for (const s of sockets) s.destroy();
        silent.close(cb);
      },
    });
    const port = (silent.address() as AddressInfo).port;
    const started = Date.now();
    const r = await sender.send(channel(port), notification(), { timeoutMs: 400 });
    expect(r).toMatchObject({ ok: false, status: null, retryable: true });
    expect(r.response).toMatch(/timeout/);
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});
