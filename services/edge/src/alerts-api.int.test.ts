// /api/alerts/* on a real edge, a real Redis and the real notifier process (built dist), with a
// real HTTP receiver on loopback for the channel test: auth (admin only, scoped tokens refused),
// validation naming the field, CRUD through notifier commands, secrets masked on every read and
// kept when sent back masked, the receiver's answer to a test, unreadable store entries skipped.
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  AlertDeletedResponse,
  ChannelResponse,
  ChannelsResponse,
  HistoryResponse,
  NOTIFIER_KEY,
  RulesResponse,
  SilencesResponse,
  TestChannelResponse,
} from '@beacon/protocol';
import { startService, type ProcessHandle } from '@beacon/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkRestAnswer,
  mintToken,
  startEdge,
  startTestBed,
  type InProcessEdge,
  type TestBed,
} from './test-support.js';

let bed: TestBed;
let edge: InProcessEdge;
/** An edge whose commands time out fast (no notifier reads its stream: another prefix). */
let lonely: InProcessEdge;
let notifier: ProcessHandle;
let admin: string;
let viewer: string;
let scoped: string;
let receiver: {
  server: Server;
  url: string;
  bodies: { url: string; headers: IncomingMessage['headers']; body: string }[];
  status: number;
};

beforeAll(async () => {
  bed = await startTestBed('edge-alerts', 1);
  edge = await bed.edge({ maxBodyBytes: 16 * 1024 });
  notifier = await startService('notifier', {
    env: {
      REDIS_URL: bed.redis.url,
      BEACON_REDIS_PREFIX: bed.prefix,
      BEACON_NOTIFIER_HTTP_PORT: '0',
      BEACON_NOTIFIER_HTTP_HOST: '127.0.0.1',
      BEACON_NOTIFIER_LEASE_TTL_MS: '1000',
      BEACON_NOTIFIER_SEND_TIMEOUT_MS: '2000',
      LOG_LEVEL: 'info',
    },
    readyLine: /notifier ready/,
    readyTimeoutMs: 60_000,
  });
  bed.cleanups.push(() => notifier.kill('SIGTERM'));
  await notifier.waitForLine(/"msg":"leading"/, 30_000);
  lonely = await startEdge(bed.redis.url, `${bed.prefix}-lonely`, { commandTimeoutMs: 500 });
  bed.cleanups.push(() => lonely.stop());

  const bodies: { url: string; headers: IncomingMessage['headers']; body: string }[] = [];
  const state = { status: 202 };
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      bodies.push({ url: req.url ?? '', headers: req.headers, body });
      res.writeHead(state.status, { 'content-type': 'text/plain' }).end(`got it (${state.status})`);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  receiver = {
    server,
    url: `http://127.0.0.1:${port}/hook/secret-path`,
    bodies,
    get status() {
      return state.status;
    },
    set status(s: number) {
      state.status = s;
    },
  };
  bed.cleanups.push(() => new Promise((r) => server.close(r)));

  admin = await mintToken({ sub: 'ada', role: 'admin' });
  viewer = await mintToken({ sub: 'vic', role: 'viewer' });
  scoped = await mintToken({ sub: 'sam', role: 'admin', mcps: ['billing_*'] });
}, 120_000);

afterAll(async () => {
  await bed?.stop();
});

interface Answer {
  readonly status: number;
  readonly json: Record<string, unknown>;
}

async function call(
  method: string,
  path: string,
  body?: unknown,
  options: { token?: string; raw?: string; base?: string } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { authorization: `Bearer ${options.token ?? admin}` };
  if (body !== undefined || options.raw !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${options.base ?? edge.http}${path}`, {
    method,
    headers,
    ...(options.raw !== undefined
      ? { body: options.raw }
      : body === undefined
        ? {}
        : { body: JSON.stringify(body) }),
  });
  if (res.status !== 404) {
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
  }
  const json = (await res.json()) as Record<string, unknown>;
  return { status: res.status, json: checkRestAnswer(method, path, res.status, json) };
}

const issuePaths = (a: Answer): string[] =>
  ((a.json.error as { issues?: { path: string }[] }).issues ?? []).map((i) => i.path);

const hook = () => ({
  id: 'ops-hook',
  name: 'Ops webhook',
  type: 'webhook',
  url: receiver.url,
  secret: 'signing-secret-1',
  headers: { 'x-api-key': 'header-secret' },
});

describe('/api/alerts auth', () => {
  it('refuses viewers, scoped admins and missing tokens on every route, reads included', async () => {
    for (const [method, path] of [
      ['GET', '/api/alerts/channels'],
      ['GET', '/api/alerts/rules'],
      ['GET', '/api/alerts/silences'],
      ['GET', '/api/alerts/history'],
      ['POST', '/api/alerts/channels'],
      ['DELETE', '/api/alerts/rules/x'],
      ['POST', '/api/alerts/channels/x/test'],
    ] as const) {
      const body = method === 'POST' ? hook() : undefined;
      const v = await call(method, path, body, { token: viewer });
      expect(v.status, `${method} ${path} viewer`).toBe(403);
      const s = await call(method, path, body, { token: scoped });
      expect(s.status, `${method} ${path} scoped`).toBe(403);
      expect(JSON.stringify(s.json)).toContain('mcps claim');
      const res = await fetch(`${edge.http}${path}`, { method });
      expect(res.status).toBe(401);
    }
  });

  it('answers 404 JSON for unknown alert routes and refuses foreign origins', async () => {
    expect((await call('GET', '/api/alerts/nope')).status).toBe(404);
    const res = await fetch(`${edge.http}/api/alerts/channels`, {
      headers: { authorization: `Bearer ${admin}`, origin: 'https://evil.example' },
    });
    expect(res.status).toBe(403);
  });
});

describe('/api/alerts validation', () => {
  it('names the bad field, refuses bad JSON, bad ids and oversized bodies', async () => {
    const badUrl = await call('POST', '/api/alerts/channels', { ...hook(), url: 'ftp://x' });
    expect(badUrl.status).toBe(400);
    expect(issuePaths(badUrl)).toContain('url');
    const badType = await call('POST', '/api/alerts/channels', { id: 'a', type: 'carrier-pigeon' });
    expect(badType.status).toBe(400);
    const extra = await call('POST', '/api/alerts/channels', { ...hook(), surprise: 1 });
    expect(extra.status).toBe(400);
    const notJson = await call('POST', '/api/alerts/channels', undefined, { raw: '{"id":' });
    expect(notJson.status).toBe(400);
    expect(JSON.stringify(notJson.json)).toContain('not valid JSON');
    const badId = await call('GET', '/api/alerts/channels/%2e%2e%2fetc');
    expect(badId.status).toBe(400);
    const huge = await call('POST', '/api/alerts/channels', {
      ...hook(),
      name: 'x'.repeat(20_000),
    });
    expect(huge.status).toBe(413);

    const badRule = await call('POST', '/api/alerts/rules', {
      id: 'r1',
      on: ['exploded'],
      channels: ['ops-hook'],
    });
    expect(badRule.status).toBe(400);
    expect(issuePaths(badRule)).toContain('on[0]');
    const unknownChannel = await call('POST', '/api/alerts/rules', {
      id: 'r1',
      channels: ['ghost'],
    });
    expect(unknownChannel.status).toBe(400);
    expect(issuePaths(unknownChannel)).toContain('channels[0]');

    const both = await call('POST', '/api/alerts/silences', {
      id: 's1',
      starts_at: '2026-01-01T00:00:00Z',
      ends_at: '2026-01-02T00:00:00Z',
      cron: '0 2 * * *',
      duration: '1h',
    });
    expect(both.status).toBe(400);
    const backwards = await call('POST', '/api/alerts/silences', {
      id: 's1',
      starts_at: '2026-01-02T00:00:00Z',
      ends_at: '2026-01-01T00:00:00Z',
    });
    expect(issuePaths(backwards)).toContain('ends_at');
    const shortCron = await call('POST', '/api/alerts/silences', {
      id: 's1',
      cron: '0 2 * *    ',
      duration: '1h',
    });
    expect(shortCron.status).toBe(400);
    expect(issuePaths(shortCron)).toContain('cron');

    const q = await call('GET', '/api/alerts/history?limit=5000');
    expect(q.status).toBe(400);
    expect(issuePaths(q)).toContain('limit');
  });

  it('answers 404 for unknown ids and 504 when no notifier answers', async () => {
    for (const path of ['channels/ghost', 'rules/ghost', 'silences/ghost']) {
      expect((await call('GET', `/api/alerts/${path}`)).status).toBe(404);
      expect((await call('DELETE', `/api/alerts/${path}`)).status).toBe(404);
    }
    expect(
      (await call('PUT', '/api/alerts/channels/ghost', { ...hook(), id: 'ghost' })).status,
    ).toBe(404);
    expect((await call('POST', '/api/alerts/channels/ghost/test')).status).toBe(404);
    const t = await call('POST', '/api/alerts/channels', hook(), { base: lonely.http });
    expect(t.status).toBe(504);
    expect(JSON.stringify(t.json)).toContain('notifier');
  });
});

describe('/api/alerts against the real notifier', () => {
  it('creates, reads masked, replaces keeping masked secrets, tests and deletes a channel', async () => {
    const created = await call('POST', '/api/alerts/channels', hook());
    expect(created.status).toBe(201);
    const view = ChannelResponse.parse(created.json).channel;
    expect(view).toMatchObject({
      id: 'ops-hook',
      type: 'webhook',
      url: `${new URL(receiver.url).origin}/***`,
      secret: '***',
      headers: { 'x-api-key': '***' },
      enabled: true,
    });
    expect(JSON.stringify(created.json)).not.toContain('signing-secret-1');
    expect(JSON.stringify(created.json)).not.toContain('secret-path');
    expect((await call('POST', '/api/alerts/channels', hook())).status).toBe(409);

    const list = ChannelsResponse.parse((await call('GET', '/api/alerts/channels')).json);
    expect(list.channels.map((c) => c.id)).toEqual(['ops-hook']);
    expect(JSON.stringify(list)).not.toContain('header-secret');

    // Send back what was read (masked), renamed: the stored URL, secret and header stay.
    const { status: _s, ...masked } = list.channels[0]!;
    const renamed = await call('PUT', '/api/alerts/channels/ops-hook', { ...masked, name: 'Ops' });
    expect(renamed.status).toBe(200);
    const stored = JSON.parse(
      (await bed.writer.redis.hget(
        `{${bed.prefix}}:notifier:${NOTIFIER_KEY.channels}`,
        'ops-hook',
      )) as string,
    ) as Record<string, unknown>;
    expect(stored).toMatchObject({
      name: 'Ops',
      url: receiver.url,
      secret: 'signing-secret-1',
      headers: { 'x-api-key': 'header-secret' },
    });
    // A mask with nothing behind it (a new header) is refused, naming the field.
    const newHeader = await call('PUT', '/api/alerts/channels/ops-hook', {
      ...masked,
      headers: { 'x-api-key': '***', 'x-other': '***' },
    });
    expect(newHeader.status).toBe(400);
    expect(issuePaths(newHeader)).toEqual(['headers.x-other']);
    const maskedCreate = await call('POST', '/api/alerts/channels', {
      ...hook(),
      id: 'copy',
      secret: '***',
    });
    expect(maskedCreate.status).toBe(400);
    expect(issuePaths(maskedCreate)).toEqual(['secret']);
    const mismatch = await call('PUT', '/api/alerts/channels/ops-hook', { ...masked, id: 'other' });
    expect(mismatch.status).toBe(400);
    expect(issuePaths(mismatch)).toContain('id');

    // The test reaches the real receiver with the real secret and answers with its response.
    const tested = await call('POST', '/api/alerts/channels/ops-hook/test');
    expect(tested.status).toBe(200);
    const { delivery } = TestChannelResponse.parse(tested.json);
    expect(delivery).toMatchObject({ ok: true, status: 202 });
    expect(delivery.response).toContain('got it (202)');
    const got = receiver.bodies.at(-1)!;
    // The stored (unmasked) URL, header and signing secret were used, not the masks.
    expect(got.url).toBe('/hook/secret-path');
    expect(got.headers['x-api-key']).toBe('header-secret');
    const ts = String(got.headers['x-beacon-timestamp']);
    const expected = createHmac('sha256', 'signing-secret-1')
      .update(`${ts}.${got.body}`)
      .digest('hex');
    expect(got.headers['x-beacon-signature']).toBe(`sha256=${expected}`);
    expect(JSON.parse(got.body)).toMatchObject({ state: 'test' });

    receiver.status = 500;
    const failing = TestChannelResponse.parse(
      (await call('POST', '/api/alerts/channels/ops-hook/test')).json,
    );
    expect(failing.delivery).toMatchObject({ ok: false, status: 500, retryable: true });
    receiver.status = 202;
  });

  it('creates, replaces, lists and deletes rules and silences; refusals map to statuses', async () => {
    const rule = {
      id: 'page-ops',
      mcps: ['billing_*'],
      tags: ['prod'],
      on: ['down', 'recovered'],
      for: '30s',
      repeat_every: '5m',
      channels: ['ops-hook'],
    };
    const created = await call('POST', '/api/alerts/rules', rule);
    expect(created.status).toBe(201);
    expect(created.json.rule).toMatchObject({ id: 'page-ops', for: 30, repeat_every: 300 });
    expect((await call('POST', '/api/alerts/rules', rule)).status).toBe(409);
    const replaced = await call('PUT', '/api/alerts/rules/page-ops', {
      ...rule,
      id: undefined,
      for: 0,
    });
    expect(replaced.status).toBe(200);
    const rules = RulesResponse.parse((await call('GET', '/api/alerts/rules')).json);
    expect(rules.rules).toEqual([expect.objectContaining({ id: 'page-ops', for: 0 })]);

    // The notifier refuses to delete a channel a rule uses: 409 with its message.
    const inUse = await call('DELETE', '/api/alerts/channels/ops-hook');
    expect(inUse.status).toBe(409);
    expect(JSON.stringify(inUse.json)).toContain('page-ops');

    const oneOff = {
      id: 'maint-1',
      comment: 'db upgrade',
      mcps: ['billing_*'],
      starts_at: '2030-01-01T00:00:00Z',
      ends_at: '2030-01-01T02:00:00Z',
    };
    const s1 = await call('POST', '/api/alerts/silences', oneOff);
    expect(s1.status).toBe(201);
    expect(s1.json.silence).toMatchObject({ id: 'maint-1', created_by: 'ada' });
    // A malformed cron with 5 fields: the notifier's refusal, 400.
    const badCron = await call('POST', '/api/alerts/silences', {
      id: 'nightly',
      cron: '99 99 * * *',
      duration: '1h',
    });
    expect(badCron.status).toBe(400);
    expect(JSON.stringify(badCron.json)).toContain('nightly');
    const nightly = await call('POST', '/api/alerts/silences', {
      id: 'nightly',
      cron: '0 2 * * *',
      duration: '1h',
    });
    expect(nightly.status).toBe(201);
    const silences = SilencesResponse.parse((await call('GET', '/api/alerts/silences')).json);
    expect(silences.silences.map((s) => s.id)).toEqual(['maint-1', 'nightly']);
    expect(silences.silences[1]).toMatchObject({ cron: '0 2 * * *', duration: 3600 });

    for (const path of [
      'silences/nightly',
      'silences/maint-1',
      'rules/page-ops',
      'channels/ops-hook',
    ]) {
      const del = await call('DELETE', `/api/alerts/${path}`);
      expect(del.status, path).toBe(200);
      AlertDeletedResponse.parse(del.json);
      expect((await call('GET', `/api/alerts/${path}`)).status).toBe(404);
    }
  });

  it('reads history newest first and skips unreadable store entries instead of failing', async () => {
    const r = bed.writer.redis;
    const k = (s: string) => `{${bed.prefix}}:notifier:${s}`;
    await r.hset(
      k(NOTIFIER_KEY.channels),
      'garbage',
      '{not json',
      'wrong',
      '{"id":"wrong","type":"fax"}',
    );
    await r.hset(k(NOTIFIER_KEY.rules), 'garbage', '[]');
    await r.hset(k(NOTIFIER_KEY.silences), 'garbage', 'null');
    await r.hset(k(NOTIFIER_KEY.channelStatus), 'garbage', 'oops');
    const history = (await call('GET', '/api/alerts/history?limit=1000')).json;
    const before = HistoryResponse.parse(history).records.length;
    await r.lpush(k(NOTIFIER_KEY.history), 'not json');
    await r.lpush(
      k(NOTIFIER_KEY.history),
      JSON.stringify({
        at: new Date().toISOString(),
        idempotency_key: '1-0:page-ops',
        rule_id: 'page-ops',
        mcp_name: 'billing_mcp',
        kind: 'down',
        state: 'firing',
        channel: null,
        result: 'silenced',
        silence_id: 'maint-1',
      }),
    );
    const page = await call('GET', '/api/alerts/history?limit=2');
    expect(page.status).toBe(200);
    const records = HistoryResponse.parse(page.json).records;
    expect(records[0]).toMatchObject({ result: 'silenced', silence_id: 'maint-1' });
    expect(records.length).toBeLessThanOrEqual(2);
    const all = HistoryResponse.parse((await call('GET', '/api/alerts/history?limit=1000')).json);
    expect(all.records.length).toBe(before + 1);

    const channels = await call('GET', '/api/alerts/channels');
    expect(channels.status).toBe(200);
    expect(ChannelsResponse.parse(channels.json).channels.map((c) => c.id)).not.toContain('wrong');
    expect((await call('GET', '/api/alerts/rules')).status).toBe(200);
    expect((await call('GET', '/api/alerts/silences')).status).toBe(200);
    expect((await call('GET', '/api/alerts/channels/garbage')).status).toBe(404);
  });
});
