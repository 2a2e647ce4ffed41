// A local Redis Cluster of N masters (no replicas) from redis-server binaries, for running the
// same suites in cluster mode. Slots are assigned by `redis-cli --cluster create`.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { freePortPair, waitFor } from './helpers.js';
import { findOnPath, startRedisServer, type RedisServer } from './redis-server.js';
import { redisCommand } from './resp.js';

const run = promisify(execFile);

export interface RedisClusterHandle {
  readonly nodes: readonly { readonly host: string; readonly port: number }[];
  /** URL of the first node (a seed; clients discover the others). */
  readonly url: string;
  /** Comma-separated URLs of every node: the REDIS_URL form for BEACON_REDIS_MODE=cluster. */
  readonly urls: string;
  stop(): Promise<void>;
  /** SIGKILL the node on this port; its dir (nodes.conf, AOF) stays for restartNode(). */
  killNode(port: number): Promise<void>;
  /** Start that node again with its data; resolves once the cluster reports ok again. */
  restartNode(port: number): Promise<void>;
}

export interface StartRedisClusterOptions {
  readonly masters?: number;
  readonly timeoutMs?: number;
  /** AOF persistence on every node (fsync always), so a killed node restarts with its data. */
  readonly appendonly?: boolean;
}

export async function startRedisCluster(
  options: StartRedisClusterOptions = {},
): Promise<RedisClusterHandle> {
  const masters = options.masters ?? 3;
  const timeoutMs = options.timeoutMs ?? 60_000;
  if (masters < 1) throw new Error('startRedisCluster: masters must be >= 1');
  if (findOnPath('redis-cli') === undefined) {
    throw new Error('redis-cli was not found on PATH (it ships with redis-server / redis-tools)');
  }
  const servers: RedisServer[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(servers.map((s) => s.stop()));
  };
  const clusterOk = (): Promise<boolean> =>
    waitFor(
      async () => {
        for (const s of servers) {
          const info = await redisCommand(s.host, s.port, ['CLUSTER', 'INFO']);
          if (!info.includes('cluster_state:ok')) return false;
          if (!info.includes(`cluster_known_nodes:${masters}`)) return false;
        }
        return true;
      },
      { timeoutMs, intervalMs: 100, message: 'cluster_state:ok on every node' },
    );
  const server = (port: number): RedisServer => {
    const found = servers.find((s) => s.port === port);
    if (found === undefined) throw new Error(`startRedisCluster: no node on port ${port}`);
    return found;
  };
  try {
    for (let i = 0; i < masters; i++) {
      // The cluster bus listens on port + 10000, so both must be free.
      const port = await freePortPair(10000);
      servers.push(
        await startRedisServer({
          port,
          args: [
            '--cluster-enabled', 'yes',
            '--cluster-config-file', 'nodes.conf',
            '--cluster-node-timeout', '5000',
            ...(options.appendonly === true
              ? ['--appendonly', 'yes', '--appendfsync', 'always']
              : []),
          ], // prettier-ignore
        }),
      );
    }
    const addresses = servers.map((s) => `${s.host}:${s.port}`);
    if (masters === 1) {
      // redis-cli refuses a one-node cluster; assign every slot ourselves.
      const s = servers[0]!;
      await redisCommand(s.host, s.port, ['CLUSTER', 'ADDSLOTSRANGE', '0', '16383']);
    } else {
      await run(
        'redis-cli',
        ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'],
        { timeout: timeoutMs },
      );
    }
    await clusterOk();
  } catch (err) {
    await stop();
    throw err;
  }
  const nodes = servers.map((s) => Object.freeze({ host: s.host, port: s.port }));
  const first = nodes[0]!;
  return Object.freeze({
    nodes,
    url: `redis://${first.host}:${first.port}`,
    urls: nodes.map((n) => `redis://${n.host}:${n.port}`).join(','),
    stop,
    killNode: (port: number) => server(port).kill(),
    restartNode: async (port: number) => {
      await server(port).restart();
      await clusterOk();
    },
  });
}
