// Runs a private `redis-server` child process: free port, own temp dir, own process group (so a
// SIGKILL reaches it and the reaper can clean it up), with stop / kill -9 / restart on the same
// port and dir — what fault-injection tests need.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { freePort, waitFor, WaitForAbort } from './helpers.js';
import { killGroup, removeDir, trackDir, trackGroup, untrackDir, untrackGroup } from './reaper.js';
import { pingOk } from './resp.js';

export const HOST = '127.0.0.1';

export interface RedisServerOptions {
  /** Fixed port; default: a free one (retried if another process grabs it first). */
  readonly port?: number;
  readonly appendonly?: boolean;
  /** Extra `redis-server` arguments, e.g. `['--cluster-enabled', 'yes']`. */
  readonly args?: readonly string[];
  readonly startTimeoutMs?: number;
}

export interface RedisServer {
  readonly host: string;
  readonly port: number;
  readonly dir: string;
  readonly running: boolean;
  /** Recent server output, for error messages. */
  output(): string;
  /** SIGKILL, then delete the temp dir. Idempotent. */
  stop(): Promise<void>;
  /** SIGKILL; the dir (and AOF) stay for restart(). */
  kill(): Promise<void>;
  /** Start again on the same port and dir; resolves once it answers PING (AOF loaded). */
  restart(): Promise<void>;
}

const INSTALL_HINT =
  'redis-server (>= 7) was not found on PATH. Install it: `sudo apt-get install -y redis-server` ' +
  '(Debian/Ubuntu), `brew install redis` (macOS); or point tests at a Redis with REDIS_URL.';

let binaryChecked = false;

export function findOnPath(binary: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, binary);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not in this PATH entry.
    }
  }
  return undefined;
}

function assertBinary(): void {
  if (binaryChecked) return;
  if (findOnPath('redis-server') === undefined) throw new Error(INSTALL_HINT);
  binaryChecked = true;
}

interface Running {
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  assertBinary();
  const dir = mkdtempSync(join(tmpdir(), 'beacon-redis-'));
  trackDir(dir);
  const startTimeoutMs = options.startTimeoutMs ?? 30_000;
  const lines: string[] = [];
  const remember = (chunk: Buffer): void => {
    for (const line of chunk.toString('utf8').split('\n')) if (line !== '') lines.push(line);
    if (lines.length > 200) lines.splice(0, lines.length - 200);
  };
  let port = options.port ?? (await freePort(HOST));
  let current: Running | undefined;
  let stopped = false;

  const launch = (): Running => {
    const args = [
      '--port', String(port),
      '--bind', HOST,
      '--dir', dir,
      '--save', '',
      '--appendonly', options.appendonly === true ? 'yes' : 'no',
      '--appendfsync', 'everysec',
      '--daemonize', 'no',
      '--logfile', '',
      ...(options.args ?? []),
    ]; // prettier-ignore
    const child = spawn('redis-server', args, {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', remember);
    child.stderr?.on('data', remember);
    const exited = new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.once('error', (err) => {
        lines.push(`spawn error: ${err.message}`);
        resolve();
      });
    });
    if (child.pid !== undefined) trackGroup(child.pid);
    void exited.then(() => {
      if (child.pid !== undefined) untrackGroup(child.pid);
    });
    return { child, exited };
  };

  const waitReady = async (run: Running): Promise<void> => {
    let exitedEarly = false;
    void run.exited.then(() => (exitedEarly = true));
    await waitFor(
      async () => {
        if (exitedEarly)
          throw new WaitForAbort(`redis-server exited:\n${lines.slice(-20).join('\n')}`);
        return pingOk(HOST, port);
      },
      { timeoutMs: startTimeoutMs, intervalMs: 20, message: `redis-server on ${HOST}:${port}` },
    );
  };

  const terminate = async (signal: NodeJS.Signals): Promise<void> => {
    const run = current;
    if (run === undefined) return;
    current = undefined;
    if (run.child.pid !== undefined) killGroup(run.child.pid, signal);
    const timer = setTimeout(() => {
      if (run.child.pid !== undefined) killGroup(run.child.pid, 'SIGKILL');
    }, 5000);
    await run.exited;
    clearTimeout(timer);
  };

  // First start: if we picked the port ourselves and lost a race for it, pick another.
  for (let attempt = 0; ; attempt++) {
    current = launch();
    try {
      await waitReady(current);
      break;
    } catch (err) {
      await terminate('SIGKILL');
      const raced = lines.some((l) => /Address already in use/i.test(l));
      if (options.port === undefined && raced && attempt < 3) {
        port = await freePort(HOST);
        continue;
      }
      removeDir(dir);
      untrackDir(dir);
      throw err;
    }
  }

  return Object.freeze({
    host: HOST,
    get port() {
      return port;
    },
    dir,
    get running() {
      return current !== undefined;
    },
    output: () => lines.join('\n'),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await terminate('SIGKILL');
      removeDir(dir);
      untrackDir(dir);
    },
    kill: async () => {
      if (stopped) throw new Error('redis-server was stopped');
      await terminate('SIGKILL');
    },
    restart: async () => {
      if (stopped) throw new Error('redis-server was stopped; start a new one');
      // A restart of a live server is a clean one (SIGTERM lets it fsync the AOF).
      await terminate('SIGTERM');
      current = launch();
      await waitReady(current);
    },
  });
}
