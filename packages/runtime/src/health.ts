// The operational HTTP endpoint every service exposes: /healthz (process alive), /readyz
// (ready for traffic: dependencies connected, state loaded) and /metrics (Prometheus text).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { METRICS_CONTENT_TYPE } from './metrics.js';

export interface HealthServerOptions {
  /** 0 picks a free port (see the returned `port`). */
  readonly port: number;
  readonly host?: string;
  readonly ready: () => boolean;
  readonly metrics: () => string;
  /** Optional liveness check; default always live. */
  readonly live?: () => boolean;
}

export interface HealthServer {
  readonly port: number;
  readonly server: Server;
  close(): Promise<void>;
}

export function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, body: string, type = 'text/plain; charset=utf-8'): void => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed\n');
    // A failing check must answer 500/503, never take the process down.
    try {
      switch (path) {
        case '/healthz':
        case '/livez': {
          const live = options.live?.() ?? true;
          return send(live ? 200 : 503, live ? 'ok\n' : 'not live\n');
        }
        case '/readyz': {
          const ready = options.ready();
          return send(ready ? 200 : 503, ready ? 'ready\n' : 'not ready\n');
        }
        case '/metrics':
          return send(200, options.metrics(), METRICS_CONTENT_TYPE);
        default:
          return send(404, 'not found\n');
      }
    } catch (err) {
      return send(500, `error: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  });
  server.keepAliveTimeout = 5000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      const port = (server.address() as AddressInfo).port;
      resolve({
        port,
        server,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
