// The HTTP surface against a real edge: a request under a Host the edge does not serve (a
// DNS-rebinding page) gets 421 on every dashboard, API and WebSocket route before auth; served
// hosts work; the dashboard carries a strict CSP, no-referrer and nosniff.
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedis, uniquePrefix, type RedisHandle } from '@beacon/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mcpName, registration } from './bench/seed.js';
import { logFor, mintToken, startEdge, type InProcessEdge } from './test-support.js';
import { McpListResponse } from '@beacon/protocol';

let redis: RedisHandle;
let edge: InProcessEdge;
let token: string;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  redis = await startRedis();
  const prefix = uniquePrefix('edge-hosts');
  const w = logFor(redis.url, prefix);
  cleanups.push(async () => w.redis.quit());
  await w.log.append(registration(mcpName(0)));
  const dashboard = mkdtempSync(join(tmpdir(), 'beacon-dash-'));
  mkdirSync(join(dashboard, 'assets'));
  writeFileSync(join(dashboard, 'index.html'), '<!doctype html><title>t</title>');
  writeFileSync(join(dashboard, 'assets', 'app.js'), 'export {};');
  edge = await startEdge(redis.url, prefix, {
    allowedHosts: ['beacon.example.com', 'localhost', '127.0.0.1'],
    cspConnectSrc: ['http://127.0.0.1:7100'],
    dashboardDir: dashboard,
  });
  cleanups.push(() => edge.stop());
  token = await mintToken({ role: 'admin' });
});
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  await redis.stop();
});

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** A raw request with any Host header (fetch would not let a test choose it). */
function ask(
  path: string,
  host: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: edge.port, path, method, headers: { host, ...headers } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: '' });
    });
    req.on('error', reject);
    req.end();
  });
}

const upgradeHeaders = {
  connection: 'Upgrade',
  upgrade: 'websocket',
  'sec-websocket-version': '13',
  'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
};

describe('Host allow-list (DNS rebinding)', () => {
  it('answers 421 under a foreign Host on the dashboard, the API and the WebSocket', async () => {
    const auth = { authorization: `Bearer ${token}` };
    for (const [path, headers, method] of [
      ['/', {}, 'GET'],
      ['/assets/app.js', {}, 'GET'],
      ['/api/mcps', auth, 'GET'],
      ['/api/session', auth, 'GET'],
      ['/api/nope', auth, 'GET'],
      ['/api/mcps', { ...auth, origin: 'http://evil.example:3001' }, 'OPTIONS'],
      [
        `/ws/mcp-status?token=${token}`,
        { ...upgradeHeaders, origin: 'http://evil.example:3001' },
        'GET',
      ],
    ] as const) {
      const a = await ask(path, 'evil.example:3001', headers, method);
      expect({ path, method, status: a.status }).toEqual({ path, method, status: 421 });
      if (a.body !== '') {
        expect(JSON.parse(a.body)).toEqual({
          error: {
            code: 'forbidden',
            message: 'host "evil.example:3001" is not served by this edge (BEACON_ALLOWED_HOSTS)',
          },
        });
      }
    }
  });

  it('serves the configured hosts (any port unless one is given), and probes by IP', async () => {
    const auth = { authorization: `Bearer ${token}` };
    expect((await ask('/api/mcps', 'beacon.example.com', auth)).status).toBe(200);
    expect((await ask('/api/mcps', 'BEACON.example.com.:443', auth)).status).toBe(200);
    expect((await ask('/', `localhost:${edge.port}`)).status).toBe(200);
    const ws = await ask(`/ws/mcp-status?token=${token}`, `127.0.0.1:${edge.port}`, upgradeHeaders);
    expect(ws.status).toBe(101);
    // Internal probes and scrapers call by IP under any name: not checked.
    expect((await ask('/healthz', '10.1.2.3:3001')).status).toBe(200);
    expect((await ask('/metrics', '10.1.2.3:3001')).status).toBe(200);
  });
});

describe('security headers', () => {
  it('the dashboard and its assets carry a strict CSP, no-referrer and nosniff', async () => {
    for (const path of ['/', '/assets/app.js', '/some/spa/route']) {
      const a = await ask(path, 'localhost');
      expect(a.status).toBe(200);
      expect(a.headers['content-security-policy']).toBe(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
          "connect-src 'self' http://127.0.0.1:7100; object-src 'none'; base-uri 'none'; " +
          "form-action 'self'; frame-ancestors 'none'",
      );
      expect(a.headers['referrer-policy']).toBe('no-referrer');
      expect(a.headers['x-content-type-options']).toBe('nosniff');
    }
  });

  it('API answers may do nothing in a browser and send no Referer', async () => {
    const a = await ask('/api/mcps', 'localhost', { authorization: `Bearer ${token}` });
    expect(a.status).toBe(200);
    McpListResponse.parse(JSON.parse(a.body));
    expect(a.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(a.headers['referrer-policy']).toBe('no-referrer');
    expect(a.headers['x-content-type-options']).toBe('nosniff');
  });
});
