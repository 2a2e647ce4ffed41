// The HTTP channels against a real node:http receiver on loopback (no mocks): the webhook's
// signature and headers as a receiver verifies them, Slack's Block Kit shape, PagerDuty's
// trigger/resolve events, and how answers and failures become DeliveryResults: 500/429 retried,
// 400/302 not, a silent receiver times out, a closed port is refused, a huge answer is cut at 500
// characters without being downloaded, and no secret ever shows in a result.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DeliveryResult, Notification, type ChannelConfig } from '@beacon/protocol';
import { freePort } from '@beacon/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { notificationFixture } from '../test-support.js';
import { createChannelSender, sampleNotification } from './index.js';

interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}
type Handler = (req: Received, res: ServerResponse) => void;

let server: Server;
let base: string;
let received: Received[] = [];
let handler: Handler = (_req, res) => res.end('thanks');
let hugeWritten = 0;
const sender = createChannelSender();
const send = sender.send;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: Received = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      received.push(r);
      handler(r, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  sender.close();
});
beforeEach(() => {
  received = [];
  handler = (_req, res) => res.end('thanks');
});

const notification = notificationFixture;

function expectValidResult(r: DeliveryResult): void {
  expect(DeliveryResult.parse(r)).toEqual(r);
}

function verifySignature(secret: string, r: Received): boolean {
  const ts = String(r.headers['x-beacon-timestamp']);
  const sig = String(r.headers['x-beacon-signature']);
  const expected = `sha256=${createHmac('sha256', secret).update(`${ts}.${r.body}`).digest('hex')}`;
  return sig.length === expected.length && timingSafeEqual(Buffer.from(sig), Buffer.from(expected));
}

describe('webhook', () => {
  it('POSTs the notification as JSON, signed over <timestamp>.<body>, with the idempotency key and configured headers', async () => {
    const n = notification();
    const channel: ChannelConfig = {
      id: 'hook',
      enabled: true,
      type: 'webhook',
      url: `${base}/hooks/beacon`,
      secret: 'topsecret-signing-key',
      headers: {
        'X-Team': 'payments',
        'Content-Type': 'text/plain',
        'X-Beacon-Signature': 'sha256=forged',
        'Idempotency-Key': 'forged',
        'X-Beacon-Timestamp': '1',
      },
    };
    const before = Math.floor(Date.now() / 1000);
    const r = await send(channel, n);
    expectValidResult(r);
    expect(r).toMatchObject({ ok: true, status: 200, response: 'thanks', retryable: false });
    expect(received).toHaveLength(1);
    const got = received[0]!;
    expect(got.method).toBe('POST');
    expect(got.url).toBe('/hooks/beacon');
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.headers['idempotency-key']).toBe(n.idempotency_key);
    expect(got.headers['x-team']).toBe('payments');
    const ts = Number(got.headers['x-beacon-timestamp']);
    expect(ts).toBeGreaterThanOrEqual(before);
    expect(ts).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    expect(verifySignature('topsecret-signing-key', got)).toBe(true);
    expect(verifySignature('another-key', got)).toBe(false);
    // The body is exactly the notification.
    expect(JSON.parse(got.body)).toEqual(n);
  });

  it('sends no signature without a secret (the timestamp still)', async () => {
    const r = await send(
      { id: 'h', enabled: true, type: 'webhook', url: `${base}/x` },
      notification(),
    );
    expect(r.ok).toBe(true);
    expect(received[0]!.headers['x-beacon-signature']).toBeUndefined();
    expect(received[0]!.headers['x-beacon-timestamp']).toMatch(/^\d+$/);
  });

  it('turns URL userinfo into Basic auth and never echoes secrets, query or path into the result', async () => {
    handler = (req, res) =>
      res
        .writeHead(401)
        .end(
          `denied ${req.url} auth=${String(req.headers['authorization'])} ` +
            `key ${String(req.headers['x-api-key'])} sig ${String(req.headers['x-beacon-signature'])}`,
        );
    const channel: ChannelConfig = {
      id: 'h',
      enabled: true,
      type: 'webhook',
      url: `http://ops:hunter2pass@127.0.0.1:${new URL(base).port}/secret-path/T0?token=qwerty123`,
      secret: 'signing-secret-xyz',
      headers: { 'X-Api-Key': 'header-secret-value' },
    };
    const r = await send(channel, notification());
    expectValidResult(r);
    expect(r).toMatchObject({ ok: false, status: 401, retryable: false });
    expect(received[0]!.headers['authorization']).toBe(
      `Basic ${Buffer.from('ops:hunter2pass').toString('base64')}`,
    );
    expect(r.response).toContain('denied');
    for (const secret of [
      'hunter2pass',
      'qwerty123',
      'secret-path',
      'header-secret-value',
      'signing-secret-xyz',
      Buffer.from('ops:hunter2pass').toString('base64'),
      String(received[0]!.headers['x-beacon-signature']).slice(7),
    ]) {
      expect(r.response).not.toContain(secret);
    }
  });

  it('delivers the sample notification of the channel test', async () => {
    const channel: ChannelConfig = {
      id: 'hook-1',
      enabled: true,
      type: 'webhook',
      url: `${base}/t`,
    };
    const sample = sampleNotification(channel, new Date('2024-05-01T10:00:00Z'));
    expect(Notification.parse(sample)).toEqual(sample);
    expect(sample).toMatchObject({ state: 'test', kind: 'test', mcp_name: 'beacon_test' });
    const r = await send(channel, sample);
    expect(r.ok).toBe(true);
    expect(JSON.parse(received[0]!.body)).toEqual(sample);
  });
});

describe('slack', () => {
  const channel: ChannelConfig = {
    id: 'slack',
    enabled: true,
    type: 'slack',
    webhook_url: '',
  };
  const slack = (): ChannelConfig => ({ ...channel, webhook_url: `${base}/services/T0/B0/xyz` });

  it('posts a Block Kit message (text fallback, header, section fields, context with the key)', async () => {
    handler = (_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    const n = notification();
    const r = await send(slack(), n);
    expect(r).toMatchObject({ ok: true, status: 200, response: 'ok' });
    const got = received[0]!;
    expect(got.headers['content-type']).toMatch(/^application\/json/);
    const body = JSON.parse(got.body) as {
      text: unknown;
      blocks: {
        type: string;
        text?: { type: string; text: string };
        fields?: unknown[];
        elements?: unknown[];
      }[];
    };
    expect(Object.keys(body).sort()).toEqual(['blocks', 'text']);
    expect(typeof body.text).toBe('string');
    expect(body.text).toContain('billing_mcp is down');
    expect(body.blocks.map((b) => b.type)).toEqual(['header', 'section', 'section', 'context']);
    const [header, summary, details, context] = body.blocks;
    expect(header!.text!.type).toBe('plain_text');
    expect(header!.text!.text.length).toBeLessThanOrEqual(150);
    expect(header!.text!.text).toBe('FIRING billing_mcp is down: connection refused');
    expect(summary!.text!.type).toBe('mrkdwn');
    const fields = details!.fields as { type: string; text: string }[];
    expect(fields.length).toBeGreaterThan(0);
    expect(fields.length).toBeLessThanOrEqual(10);
    for (const f of fields) {
      expect(f.type).toBe('mrkdwn');
      expect(f.text.length).toBeLessThanOrEqual(2000);
    }
    const labels = fields.map((f) => f.text.split('\n')[0]);
    expect(labels).toEqual(
      expect.arrayContaining(['*MCP*', '*State*', '*Status*', '*Error*', '*Started*']),
    );
    // Text from the notification cannot become a mention.
    const error = fields.find((f) => f.text.startsWith('*Error*'))!.text;
    expect(error).toContain('&lt;!channel&gt; &amp; friends');
    expect(got.body).not.toContain('<!channel>');
    const elements = context!.elements as { type: string; text: string }[];
    expect(elements.length).toBeLessThanOrEqual(10);
    expect(elements[0]!.type).toBe('mrkdwn');
    expect(elements[0]!.text).toContain(n.idempotency_key);
    expect(elements[0]!.text).toContain(
      '<https://beacon.example.com/#/mcp/billing_mcp|Open in Beacon>',
    );
  });

  it('shows Ended for a resolved notification', async () => {
    handler = (_req, res) => res.end('ok');
    await send(
      slack(),
      notification({ state: 'resolved', kind: 'recovered', ended_at: '2024-01-01T00:05:00.000Z' }),
    );
    expect(received[0]!.body).toContain('*Ended*');
    expect(received[0]!.body).toContain('RESOLVED');
  });

  it("reports Slack's 4xx error text as not retryable", async () => {
    handler = (_req, res) => res.writeHead(400).end('invalid_payload');
    const r = await send(slack(), notification());
    expect(r).toMatchObject({
      ok: false,
      status: 400,
      response: 'invalid_payload',
      retryable: false,
    });
  });
});

describe('pagerduty', () => {
  const pd = (): ChannelConfig => ({
    id: 'pd',
    enabled: true,
    type: 'pagerduty',
    routing_key: 'R0UT1NGKEY0123456789abcdefabcdef',
    url: `${base}/v2/enqueue`,
  });
  beforeEach(() => {
    handler = (req, res) => {
      const { dedup_key } = JSON.parse(req.body) as { dedup_key: string };
      res
        .writeHead(202, { 'content-type': 'application/json' })
        .end(JSON.stringify({ status: 'success', message: 'Event processed', dedup_key }));
    };
  });

  it('triggers with a critical event and resolves with the same dedup key', async () => {
    const firing = notification();
    const resolved = notification({
      idempotency_key: '1700000009999-0:rule-a',
      state: 'resolved',
      kind: 'recovered',
      status: 'healthy',
      ended_at: '2024-01-01T00:05:00.000Z',
    });
    const r1 = await send(pd(), firing);
    const r2 = await send(pd(), resolved);
    expect(r1).toMatchObject({ ok: true, status: 202 });
    expect(r2).toMatchObject({ ok: true, status: 202 });
    const trigger = JSON.parse(received[0]!.body) as Record<string, unknown>;
    const resolve = JSON.parse(received[1]!.body) as Record<string, unknown>;
    expect(trigger).toMatchObject({
      routing_key: 'R0UT1NGKEY0123456789abcdefabcdef',
      event_action: 'trigger',
      dedup_key: firing.incident_key,
      payload: {
        summary: firing.summary,
        source: 'billing_mcp',
        severity: 'critical',
        timestamp: firing.started_at,
        component: 'billing_mcp',
        group: 'payments',
        custom_details: { error: firing.error, idempotency_key: firing.idempotency_key },
      },
      links: [{ href: firing.dashboard_url, text: 'Open in Beacon' }],
    });
    expect(resolve).toEqual({
      routing_key: 'R0UT1NGKEY0123456789abcdefabcdef',
      event_action: 'resolve',
      dedup_key: firing.incident_key,
    });
    // The routing key is in the request, never in the result.
    expect(r1.response).not.toContain('R0UT1NGKEY');
  });

  it('maps severities: circuit_opened warning, test info; reminders trigger again', async () => {
    await send(pd(), notification({ kind: 'circuit_opened' }));
    await send(pd(), notification({ kind: 'auth_failed', state: 'reminder' }));
    const channel = pd();
    await send(channel, sampleNotification(channel, new Date()));
    const bodies = received.map(
      (r) => JSON.parse(r.body) as { event_action: string; payload: { severity: string } },
    );
    expect(bodies.map((b) => [b.event_action, b.payload.severity])).toEqual([
      ['trigger', 'warning'],
      ['trigger', 'critical'],
      ['trigger', 'info'],
    ]);
  });

  it('keeps summary within 1024 and the dedup key within 255 (stably)', async () => {
    const long = notification({ summary: 'x'.repeat(1024), incident_key: 'k'.repeat(256) });
    await send(pd(), long);
    await send(pd(), { ...long, state: 'resolved' });
    const [a, b] = received.map(
      (r) => JSON.parse(r.body) as { dedup_key: string; payload?: { summary: string } },
    );
    expect(a!.payload!.summary.length).toBeLessThanOrEqual(1024);
    expect(a!.dedup_key.length).toBeLessThanOrEqual(255);
    expect(b!.dedup_key).toBe(a!.dedup_key);
  });

  it('400 is not retried, and the routing key echoed back is masked', async () => {
    handler = (req, res) =>
      res.writeHead(400).end(
        JSON.stringify({
          status: 'invalid event',
          errors: [
            `bad routing_key ${(JSON.parse(req.body) as { routing_key: string }).routing_key}`,
          ],
        }),
      );
    const r = await send(pd(), notification());
    expect(r).toMatchObject({ ok: false, status: 400, retryable: false });
    expect(r.response).toContain('invalid event');
    expect(r.response).not.toContain('R0UT1NGKEY0123456789abcdefabcdef');
  });
});

describe('answers and failures', () => {
  const hook = (path = '/x'): ChannelConfig => ({
    id: 'h',
    enabled: true,
    type: 'webhook',
    url: `${base}${path}`,
  });

  it.each([
    [500, true],
    [503, true],
    [429, true],
    [408, true],
    [400, false],
    [404, false],
  ])('HTTP %i → retryable %s', async (status, retryable) => {
    handler = (_req, res) => res.writeHead(status).end(`status ${status}`);
    const r = await send(hook(), notification());
    expectValidResult(r);
    expect(r).toMatchObject({ ok: false, status, retryable, response: `status ${status}` });
  });

  it('does not follow a redirect (302 is a non-retryable failure)', async () => {
    handler = (req, res) => {
      if (req.url === '/moved') res.writeHead(302, { location: '/elsewhere/secret?k=v' }).end();
      else res.end('should not be reached');
    };
    const r = await send(hook('/moved'), notification());
    expect(r).toMatchObject({ ok: false, status: 302, retryable: false });
    expect(r.response).toContain('not followed');
    expect(r.response).not.toContain('secret');
    expect(received.map((x) => x.url)).toEqual(['/moved']);
  });

  it('times out on a receiver that never answers', async () => {
    handler = () => undefined; // never answers
    const r = await send(hook(), notification(), { timeoutMs: 300 });
    expectValidResult(r);
    expect(r).toMatchObject({
      ok: false,
      status: null,
      retryable: true,
      response: 'timeout after 300 ms',
    });
    expect(r.duration_ms).toBeGreaterThanOrEqual(250);
    expect(r.duration_ms).toBeLessThan(3_000);
  });

  it("stops when the caller's signal aborts", async () => {
    handler = () => undefined;
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const r = await send(hook(), notification(), { signal: ac.signal, timeoutMs: 5_000 });
    expect(r).toMatchObject({ ok: false, status: null, retryable: true, response: 'aborted' });
    expect(r.duration_ms).toBeLessThan(3_000);
  });

  it('reports a closed port as connection refused', async () => {
    const port = await freePort();
    const r = await send(
      { id: 'h', enabled: true, type: 'webhook', url: `http://127.0.0.1:${port}/x` },
      notification(),
    );
    expectValidResult(r);
    expect(r).toMatchObject({
      ok: false,
      status: null,
      retryable: true,
      response: 'connection refused',
    });
  });

  it('reads at most 500 characters of a huge answer and stops the download', async () => {
    hugeWritten = 0;
    const total = 64 * 1024 * 1024;
    handler = (_req, res) => {
      const chunk = Buffer.alloc(64 * 1024, 'a');
      res.writeHead(500, { 'content-length': String(total) });
      const pump = (): void => {
        while (hugeWritten < total && !res.destroyed) {
          hugeWritten += chunk.length;
          if (!res.write(chunk)) {
            res.once('drain', pump);
            return;
          }
        }
        if (!res.destroyed) res.end();
      };
      pump();
    };
    const r = await send(hook(), notification());
    expectValidResult(r);
    expect(r).toMatchObject({ ok: false, status: 500, retryable: true });
    expect(r.response).toBe('a'.repeat(500));
    // The client hung up long before the 64 MB were sent.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(hugeWritten).toBeLessThan(total / 4);
  });
});
