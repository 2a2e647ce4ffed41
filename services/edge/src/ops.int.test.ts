// Operations surface of a real edge: health/readiness (incl. while draining), Prometheus
// metrics, the heartbeat in Redis, and the dashboard's static assets (types, caching, SPA
// fallback, no path traversal).
import { PROCESS_METRICS } from '@beacon/runtime';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keyspace, EdgeHeartbeat } from '@beacon/protocol';
import { startRedis, uniquePrefix, waitFor, type RedisHandle } from '@beacon/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mcpName, registration } from './bench/seed.js';
import { logFor, mintToken, record, startEdge, type InProcessEdge } from './test-support.js';

let redis: RedisHandle;
let edge: InProcessEdge;
let prefix: string;
let dir: string;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  redis = await startRedis();
  prefix = uniquePrefix('edge-ops');
  const w = logFor(redis.url, prefix);
  cleanups.push(async () => w.redis.quit());
  await w.log.append(registration(mcpName(0)));
  const outer = await mkdtemp(join(tmpdir(), 'edge-dash-'));
  cleanups.push(() => rm(outer, { recursive: true, force: true }));
  dir = join(outer, 'dist');
  await mkdir(join(dir, 'assets'), { recursive: true });
  await writeFile(join(outer, 'edge-secret.txt'), 'TOP-SECRET-CONTENT');
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>Beacon</title>');
  await writeFile(join(dir, 'assets', 'app-3f9a.js'), 'console.log("beacon")');
  await writeFile(join(dir, 'assets', 'app-3f9a.css'), 'body{}');
  await writeFile(join(dir, 'favicon.svg'), '<svg/>');
  edge = await startEdge(redis.url, prefix, { dashboardDir: dir, heartbeatMs: 300 });
  cleanups.push(() => edge.stop());
});
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  await redis.stop();
});

/** Raw GET (fetch normalises `..` away, which would hide traversal attempts). */
function rawGet(
  path: string,
  headers: Record<string, string> = {},
): Promise<{
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: edge.port, path, headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('dashboard assets', () => {
  it('serves files with content types and caching, SPA routes get index.html', async () => {
    const index = await rawGet('/');
    expect(index.status).toBe(200);
    expect(index.headers['content-type']).toMatch(/text\/html/);
    expect(index.headers['cache-control']).toBe('no-cache');
    const js = await rawGet('/assets/app-3f9a.js');
    expect(js.headers['content-type']).toMatch(/text\/javascript/);
    expect(js.headers['cache-control']).toMatch(/immutable/);
    expect((await rawGet('/assets/app-3f9a.css')).headers['content-type']).toMatch(/text\/css/);
    expect((await rawGet('/favicon.svg')).headers['content-type']).toBe('image/svg+xml');
    const spa = await rawGet('/mcps/billing');
    expect(spa.status).toBe(200);
    expect(spa.body).toContain('<title>Beacon</title>');
    expect((await rawGet('/assets/missing.js')).status).toBe(404);
    const etag = js.headers.etag as string;
    expect((await rawGet('/assets/app-3f9a.js', { 'if-none-match': etag })).status).toBe(304);
  });

  it('never leaves its directory', async () => {
    for (const path of [
      '/../edge-secret.txt',
      '/%2e%2e/edge-secret.txt',
      '/assets/..%2f..%2fedge-secret.txt',
      '/%00',
      '/..%5cedge-secret.txt',
    ]) {
      const res = await rawGet(path);
      expect(res.body).not.toContain('TOP-SECRET-CONTENT');
      expect([400, 404]).toContain(res.status === 200 ? 0 : res.status);
    }
  });
});

describe('health, readiness, metrics, heartbeat', () => {
  it('reports health and Prometheus figures, and heartbeats its figures to Redis', async () => {
    expect((await rawGet('/healthz')).status).toBe(200);
    expect((await rawGet('/readyz')).status).toBe(200);
    const token = await mintToken({});
    const r = record(edge.ws, { token });
    await r.waitFor((x) => x.of('initial_status').length === 1, 'initial_status');
    const metrics = await rawGet('/metrics');
    expect(metrics.headers['content-type']).toMatch(/text\/plain; version=0.0.4/);
    expect(metrics.body).toMatch(/beacon_edge_connections 1/);
    expect(metrics.body).toMatch(/beacon_edge_fanout_seconds_bucket/);
    expect(metrics.body).toMatch(/beacon_edge_redis_subscription_state\{state="live"\} 1/);
    for (const name of PROCESS_METRICS) expect(metrics.body).toContain(`\n# TYPE ${name} `);
    const keys = keyspace({ prefix });
    const id = edge.edge.figures().id;
    const beat = await waitFor(
      async () => {
        const raw = await edge.redis.hget(keys.edges, id);
        return raw !== null && (JSON.parse(raw) as { connections: number }).connections === 1
          ? raw
          : null;
      },
      { message: 'heartbeat with one connection' },
    );
    expect(EdgeHeartbeat.parse(JSON.parse(beat))).toMatchObject({
      id,
      connections: 1,
      ready: true,
    });
    expect(await edge.redis.pttl(keys.edge(id))).toBeGreaterThan(0);
    r.close();
  });

  it('is not ready while draining, and removes its heartbeat when stopped', async () => {
    const other = await startEdge(redis.url, prefix, { heartbeatMs: 300 });
    const keys = keyspace({ prefix });
    const id = other.edge.figures().id;
    await waitFor(async () => (await other.redis.exists(keys.edge(id))) === 1, {
      message: 'heartbeat',
    });
    const draining = other.edge.drain();
    const res = await fetch(`http://127.0.0.1:${other.port}/readyz`).catch(() => null);
    // Either refused (listen socket closed) or answered "not ready".
    if (res !== null) expect(res.status).toBe(503);
    await draining;
    await other.stop();
    expect(await edge.redis.exists(keys.edge(id))).toBe(0);
    expect(await edge.redis.hexists(keys.edges, id)).toBe(0);
  });
});
