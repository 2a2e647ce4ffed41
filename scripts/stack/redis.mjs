// The local stack's Redis: the one at REDIS_URL when set, else a private redis-server on a free
// port with its own temp dir, stopped and removed with the stack. The machine's Redis on 6379
// is never used implicitly: it may hold somebody else's data.
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { redisPing, startChild, waitUntil } from './children.mjs';

export function findOnPath(binary) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, binary);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1', exclusive: true }, () => {
      const { port } = server.address();
      server.close(() => (port === 6379 ? resolve(freePort()) : resolve(port)));
    });
  });
}

// redis-server's start-up chatter, even at --loglevel warning; real warnings still show.
const NOISE = /oO0OoO0OoO0Oo|Redis version=|Configuration loaded|Server initialized|overcommit/;

export class MissingRedisError extends Error {
  name = 'MissingRedisError';
}

export const INSTALL_HINT =
  'redis-server was not found on PATH. Install it (Debian/Ubuntu: `sudo apt-get install -y ' +
  'redis-server`; macOS: `brew install redis`) or point REDIS_URL at a Redis you run ' +
  '(e.g. REDIS_URL=redis://127.0.0.1:6380 pnpm start).';

/**
 * Start a private redis-server. Returns `{ url, port, dir, child, stop() }`; `stop` shuts it
 * down and removes its directory.
 */
export async function startPrivateRedis({ onLine, onExit, watchdog }) {
  const binary = findOnPath('redis-server');
  if (binary === undefined) throw new MissingRedisError(INSTALL_HINT);
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'beacon-stack-redis-'));
  watchdog?.trackDir(dir);
  const child = startChild({
    name: 'redis',
    command: binary,
    // No persistence: the private Redis lives and dies with this run.
    args: [
      '--port', String(port),
      '--bind', '127.0.0.1',
      '--dir', dir,
      '--save', '',
      '--appendonly', 'no',
      '--daemonize', 'no',
      '--loglevel', 'warning',
    ], // prettier-ignore
    env: process.env,
    onLine: (name, line) => {
      if (!NOISE.test(line)) onLine(name, line);
    },
    onExit,
    watchdog,
  });
  const removeDir = () => {
    rmSync(dir, { recursive: true, force: true });
    watchdog?.untrackDir(dir);
  };
  try {
    await waitUntil(() => redisPing('127.0.0.1', port), {
      timeoutMs: 15_000,
      what: `redis-server on port ${port} to answer PING`,
      child,
    });
  } catch (err) {
    await child.stop(2000);
    removeDir();
    throw err;
  }
  return Object.freeze({
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    child,
    async stop(timeoutMs = 5000) {
      await child.stop(timeoutMs);
      removeDir();
    },
    /** For process 'exit': kill without waiting, remove the directory. */
    killNow() {
      child.killNow();
      removeDir();
    },
  });
}
