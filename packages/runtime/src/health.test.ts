import { afterEach, describe, expect, it } from 'vitest';
import { startHealthServer, type HealthServer } from './health.js';
import { createMetrics } from './metrics.js';

let server: HealthServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('startHealthServer', () => {
  it('serves /healthz, /readyz (following ready()) and /metrics', async () => {
    let ready = false;
    const metrics = createMetrics();
    metrics.counter('beacon_test_total', 'A test counter.').inc(4);
    server = await startHealthServer({
      port: 0,
      host: '127.0.0.1',
      ready: () => ready,
      metrics: () => metrics.render(),
    });
    const base = `http://127.0.0.1:${server.port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(503);
    ready = true;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const res = await fetch(`${base}/metrics`);
    expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    expect(await res.text()).toContain('beacon_test_total 4');
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });

  it('answers 500 instead of crashing when a check throws', async () => {
    server = await startHealthServer({
      port: 0,
      host: '127.0.0.1',
      ready: () => {
        throw new Error('broken check');
      },
      metrics: () => '',
    });
    const res = await fetch(`http://127.0.0.1:${server.port}/readyz`);
    expect(res.status).toBe(500);
    expect(await res.text()).toContain('broken check');
  });
});
