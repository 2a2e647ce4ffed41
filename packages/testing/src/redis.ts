// startRedis(): the one way tests get a Redis. Order: REDIS_URL (shared, not restartable) unless
// a private one is asked for → a container when a runtime answers → a private redis-server.
// The machine-wide Redis on 127.0.0.1:6379 is never used: other people's data lives there.
import { containerRuntimeAvailable } from './container-runtime.js';
import { freePort, waitFor } from './helpers.js';
import { startRedisServer } from './redis-server.js';
import { pingOk } from './resp.js';

export interface StartRedisOptions {
  /** Always start a fresh Redis of our own (ignore REDIS_URL). */
  readonly private?: boolean;
  /** Turn on AOF persistence (fsync every second), so kill() + restart() keeps the data. */
  readonly appendonly?: boolean;
  /** Extra redis-server arguments. */
  readonly args?: readonly string[];
}

export interface RedisHandle {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly kind: 'external' | 'container' | 'local';
  /** Data dir of a local redis-server. */
  readonly dir?: string;
  /** Stop and clean up (no-op for an external Redis: we did not start it). */
  stop(): Promise<void>;
  /** SIGKILL the server; data on disk stays (AOF) for restart(). */
  kill(): Promise<void>;
  /** Start it again on the same port and data; resolves once it answers PING. */
  restart(): Promise<void>;
}

function isMachineDefault(url: URL): boolean {
  const port = url.port === '' ? 6379 : Number(url.port);
  return (
    port === 6379 && ['127.0.0.1', 'localhost', '[::1]', '::1', '0.0.0.0'].includes(url.hostname)
  );
}

let warnedDefault = false;

function external(raw: string): RedisHandle | undefined {
  let url: URL;
  try {
    url = new URL(raw.split(',')[0]?.trim() ?? '');
  } catch {
    throw new Error(`startRedis: REDIS_URL is not a URL: ${JSON.stringify(raw)}`);
  }
  if (isMachineDefault(url)) {
    if (!warnedDefault) {
      warnedDefault = true;
      process.stderr.write(
        `startRedis: ignoring REDIS_URL=${raw} (the shared default Redis); starting a private one\n`,
      );
    }
    return undefined;
  }
  const notOurs = (what: string) => () =>
    Promise.reject(
      new Error(
        `startRedis: cannot ${what} the external Redis at REDIS_URL; ` +
          'use startRedis({ private: true }) for fault-injection tests',
      ),
    );
  return Object.freeze({
    url: url.toString(),
    host: url.hostname,
    port: url.port === '' ? 6379 : Number(url.port),
    kind: 'external' as const,
    stop: () => Promise.resolve(),
    kill: notOurs('kill'),
    restart: notOurs('restart'),
  });
}

async function inContainer(options: StartRedisOptions): Promise<RedisHandle> {
  const { GenericContainer, Wait } = await import('testcontainers');
  // A fixed host port keeps the URL valid across restart() (Docker re-maps random ports).
  const hostPort = await freePort();
  const command = [
    'redis-server',
    '--save',
    '',
    '--appendonly',
    options.appendonly === true ? 'yes' : 'no',
    '--appendfsync',
    'everysec',
    ...(options.args ?? []),
  ];
  const container = await new GenericContainer('redis:7')
    .withCommand(command)
    .withExposedPorts({ container: 6379, host: hostPort })
    .withWaitStrategy(Wait.forLogMessage('Ready to accept connections'))
    .start();
  const host = container.getHost();
  const port = container.getMappedPort(6379);
  let stopped = false;
  return Object.freeze({
    url: `redis://${host}:${port}`,
    host,
    port,
    kind: 'container' as const,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await container.stop({ timeout: 0 });
    },
    kill: async () => {
      // timeout 0: Docker sends SIGKILL straight away; remove: false keeps the AOF.
      await container.stop({ timeout: 0, remove: false });
    },
    restart: async () => {
      await container.restart({ timeout: 0 });
      await waitFor(() => pingOk(host, port), {
        timeoutMs: 30_000,
        message: `restarted container Redis ${host}:${port} to answer PING`,
      });
    },
  });
}

export async function startRedis(options: StartRedisOptions = {}): Promise<RedisHandle> {
  const fromEnv = process.env.REDIS_URL;
  if (options.private !== true && fromEnv !== undefined && fromEnv.trim() !== '') {
    const handle = external(fromEnv);
    if (handle !== undefined) return handle;
  }
  if (await containerRuntimeAvailable()) return inContainer(options);
  const server = await startRedisServer({
    ...(options.appendonly === undefined ? {} : { appendonly: options.appendonly }),
    ...(options.args === undefined ? {} : { args: options.args }),
  });
  return Object.freeze({
    url: `redis://${server.host}:${server.port}`,
    host: server.host,
    port: server.port,
    kind: 'local' as const,
    dir: server.dir,
    stop: () => server.stop(),
    kill: () => server.kill(),
    restart: () => server.restart(),
  });
}
