// The real Beacon stack for the dashboard's browser tests and benchmark: a private Redis, the
// edge (serving the built dashboard), and on request the demo MCP fleet, the registry and the
// breaker, each as its own process built from the repo. Tokens are minted with the edge's secret.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEventLog, type EventLog } from '@beacon/event-log';
import {
  freePort,
  mintToken,
  startProcess,
  startRedis,
  uniquePrefix,
  waitFor,
  type ProcessHandle,
  type RedisHandle,
} from '@beacon/testing';
import { Redis } from 'ioredis';

/** The repository root: the nearest directory above this file with pnpm-workspace.yaml (this
 * module runs from src/ in tests and from bench/dist/ in the benchmark). */
function findRepo(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'pnpm-workspace.yaml'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the repository root (pnpm-workspace.yaml)');
    dir = up;
  }
  return dir;
}
export const REPO = findRepo();
const main = (service: string): string => join(REPO, 'services', service, 'dist/main.js');
export const DASHBOARD_DIST = join(REPO, 'services/dashboard/dist');
const SECRET = `dashboard-test-${Math.random().toString(36).slice(2)}-secret`;

export interface StackOptions {
  /** Demo MCP servers (0 = none: no demo, registry or breaker). */
  readonly demoServers?: number;
  readonly probeIntervalMs?: number;
  readonly probeTimeoutMs?: number;
  /** Extra environment for the breaker (e.g. BEACON_BREAKER_CONSECUTIVE_FAILURES). */
  readonly breakerEnv?: Readonly<Record<string, string>>;
  readonly registryEnv?: Readonly<Record<string, string>>;
  readonly edgeEnv?: Readonly<Record<string, string>>;
}

export interface Stack {
  readonly redis: RedisHandle;
  readonly prefix: string;
  readonly log: EventLog;
  readonly edgePort: number;
  readonly baseUrl: string;
  readonly demoControlUrl: string | null;
  token(role: 'admin' | 'viewer', sub?: string, ttlS?: number): Promise<string>;
  /** SIGTERM the edge (it drains with 1012) and start it again on the same port. */
  restartEdge(between?: () => Promise<void>): Promise<void>;
  readonly processes: () => readonly ProcessHandle[];
  stop(): Promise<void>;
}

async function edgeReady(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/readyz`)).ok;
  } catch {
    return false;
  }
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const redis = await startRedis({ private: true });
  const prefix = uniquePrefix('dashboard');
  const conn = new Redis(redis.url);
  conn.on('error', () => undefined);
  const log = createEventLog(conn, { prefix });
  const work = await mkdtemp(join(tmpdir(), 'beacon-dash-stack-'));
  const procs: ProcessHandle[] = [];
  const common = { REDIS_URL: redis.url, BEACON_REDIS_PREFIX: prefix, LOG_LEVEL: 'info' };
  const edgePort = await freePort();
  let demoControlUrl: string | null = null;

  const stop = async (): Promise<void> => {
    for (const p of [...procs].reverse()) await p.kill('SIGTERM').catch(() => undefined);
    await conn.quit().catch(() => undefined);
    await redis.stop();
    await rm(work, { recursive: true, force: true });
  };

  const startEdge = async (): Promise<ProcessHandle> => {
    const edge = await startProcess(process.execPath, [main('edge')], {
      name: 'edge',
      env: {
        ...common,
        BEACON_EDGE_PORT: String(edgePort),
        BEACON_EDGE_HOST: '127.0.0.1',
        BEACON_JWT_SECRET: SECRET,
        BEACON_DASHBOARD_DIR: DASHBOARD_DIST,
        BEACON_HEARTBEAT_MS: '1000',
        // The dashboard's demo mode calls the control API: allow it in the CSP, as `pnpm start` does.
        ...(demoControlUrl === null ? {} : { BEACON_CSP_CONNECT_SRC: demoControlUrl }),
        ...options.edgeEnv,
      },
      readyLine: /edge listening/,
      readyTimeoutMs: 60_000,
    });
    await waitFor(() => edgeReady(edgePort), { timeoutMs: 30_000, message: 'edge /readyz' });
    return edge;
  };

  try {
    const demoCount = options.demoServers ?? 0;
    if (demoCount > 0) {
      const fleetFile = join(work, 'fleet.json');
      const demo = await startProcess(
        process.execPath,
        [main('demo-mcp'), '--write-fleet', fleetFile],
        {
          name: 'demo-mcp',
          env: {
            ...common,
            BEACON_DEMO_MCP_COUNT: String(demoCount),
            BEACON_DEMO_MCP_PORT: '0',
            BEACON_DEMO_CONTROL_PORT: '0',
            BEACON_DEMO_PROBE_INTERVAL_MS: String(options.probeIntervalMs ?? 500),
            BEACON_DEMO_TIMEOUT_MS: String(options.probeTimeoutMs ?? 400),
          },
          readyLine: /control API at http/,
          readyTimeoutMs: 60_000,
        },
      );
      procs.push(demo);
      const line = demo.lines().find((l) => /control API at http/.test(l)) ?? '';
      demoControlUrl = /control API at (http:\/\/[^\s"]+)/.exec(line)?.[1] ?? null;
      await demo.waitForLine(/fleet file written/, 30_000);
      procs.push(
        await startProcess(process.execPath, [main('registry')], {
          name: 'registry',
          env: {
            ...common,
            BEACON_FLEET_FILE: fleetFile,
            BEACON_REGISTRY_HEALTH_PORT: '0',
            BEACON_METRICS_INTERVAL_MS: '1000',
            ...options.registryEnv,
          },
        }),
      );
      procs.push(
        await startProcess(process.execPath, [main('breaker')], {
          name: 'breaker',
          env: { ...common, BEACON_BREAKER_HTTP_PORT: '0', ...options.breakerEnv },
        }),
      );
    }
    let edge = await startEdge();
    procs.push(edge);

    return {
      redis,
      prefix,
      log,
      edgePort,
      baseUrl: `http://127.0.0.1:${edgePort}`,
      demoControlUrl,
      processes: () => procs,
      token: (role, sub = `${role}-user`, ttlS = 3600) =>
        mintToken({ role, sub, expSeconds: ttlS }, SECRET),
      async restartEdge(between) {
        await edge.kill('SIGTERM');
        procs.splice(procs.indexOf(edge), 1);
        if (between !== undefined) await between();
        edge = await startEdge();
        procs.push(edge);
      },
      stop,
    };
  } catch (err) {
    for (const p of procs) p.dump();
    await stop();
    throw err;
  }
}
