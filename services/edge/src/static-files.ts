// Serves the dashboard's built assets (Vite output) at `/`: content types, long-lived caching
// for hashed files under /assets/, revalidation for everything else, SPA fallback to
// index.html for extension-less paths, and no way out of the directory (.., %2e%2e, symlinks).
import { createHash } from 'node:crypto';
import { readFile, realpath, stat } from 'node:fs/promises';
import { extname, join, relative, resolve, sep, isAbsolute } from 'node:path';
import type { Logger } from 'pino';
import type { TemplatedApp } from 'uWebSockets.js';
import type { EdgeMetrics } from './edge-metrics.js';
import { handle, type Reply, type RequestInfo } from './http.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.wasm': 'application/wasm',
};

const MAX_FILE_BYTES = 32 * 1024 * 1024;

/**
 * The dashboard is built by Vite into same-origin scripts and stylesheets: no inline script, no
 * `<style>` element. `data:` images are the inline favicon. `connect-src 'self'` covers the
 * same-host ws:/wss: socket (CSP Level 3); loopback http is for the demo fleet's fault switches
 * (its control API runs on another local port, and is bound to 127.0.0.1 by compose).
 * No framing (clickjacking), no `<base>`, no plugins.
 */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self' http://127.0.0.1:* http://localhost:*",
  "base-uri 'none'",
  "object-src 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

interface Cached {
  readonly body: Buffer;
  readonly etag: string;
  readonly mtimeMs: number;
  readonly size: number;
}

const notFound = (what: string): Reply => ({
  status: 404,
  body: JSON.stringify({ error: { code: 'not_found', message: `${what} not found` } }),
  contentType: 'application/json; charset=utf-8',
});

/** Map a URL path to a file path inside `root`, or null if it would leave it. Pure. */
export function resolveInside(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const target = resolve(root, `.${decoded.startsWith('/') ? '' : '/'}${decoded}`);
  const rel = relative(root, target);
  if (rel.startsWith('..') || isAbsolute(rel)) return null;
  return target;
}

export function mountStatic(
  app: TemplatedApp,
  options: { readonly dir: string | null; readonly logger: Logger; readonly metrics: EdgeMetrics },
): void {
  const log = options.logger.child({ component: 'static' });
  const root = options.dir === null ? null : resolve(options.dir);
  const cache = new Map<string, Cached>();
  let realRoot: string | null = null;

  async function load(file: string): Promise<Cached | null> {
    if (root === null) return null;
    realRoot ??= await realpath(root);
    let real: string;
    try {
      real = await realpath(file);
    } catch {
      return null;
    }
    if (real !== realRoot && !real.startsWith(realRoot + sep)) return null; // symlink escape
    const st = await stat(real);
    if (!st.isFile() || st.size > MAX_FILE_BYTES) return null;
    const hit = cache.get(real);
    if (hit !== undefined && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit;
    const body = await readFile(real);
    const etag = `"${createHash('sha1').update(body).digest('base64url').slice(0, 20)}"`;
    const entry = { body, etag, mtimeMs: st.mtimeMs, size: st.size };
    cache.set(real, entry);
    return entry;
  }

  function reply(info: RequestInfo, file: string, entry: Cached): Reply {
    const immutable = relative(root as string, file).split(sep)[0] === 'assets';
    const headers = {
      etag: entry.etag,
      'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      'x-content-type-options': 'nosniff',
      'content-security-policy': DASHBOARD_CSP,
    };
    if (info.header('if-none-match') === entry.etag) return { status: 304, body: '', headers };
    const contentType = TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
    return { status: 200, body: info.method === 'head' ? '' : entry.body, contentType, headers };
  }

  async function serve(info: RequestInfo): Promise<Reply> {
    if (root === null) return notFound('dashboard (not built)');
    const path = info.url === '/' ? '/index.html' : info.url;
    const file = resolveInside(root, path);
    if (file === null) return notFound(info.url);
    const entry = await load(file).catch((err: unknown) => {
      log.warn({ err, file }, 'cannot read asset');
      return null;
    });
    if (entry !== null) return reply(info, file, entry);
    // SPA routes (no extension) get the app shell; missing assets stay 404.
    if (extname(path) === '') {
      const index = join(root, 'index.html');
      const shell = await load(index);
      if (shell !== null) return reply(info, index, shell);
    }
    return notFound(info.url);
  }

  const route = (
    res: Parameters<Parameters<TemplatedApp['get']>[1]>[0],
    req: Parameters<Parameters<TemplatedApp['get']>[1]>[1],
  ) => handle(res, req, { log, onReply: (s) => options.metrics.http(s) }, serve);
  app.get('/*', route);
  app.head('/*', route);
}
