import { Cluster, Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { startRedis, type RedisHandle } from './redis.js';
import { startRedisCluster, type RedisClusterHandle } from './redis-cluster.js';
import { startProcess } from './process.js';
import { freePort, uniquePrefix } from './helpers.js';
import { pingOk } from './resp.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

function client(url: string): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: null, lazyConnect: false });
  redis.on('error', () => undefined); // expected while the server is down
  cleanups.push(() => {
    redis.disconnect();
    return Promise.resolve();
  });
  return redis;
}

describe('startRedis', () => {
  it('starts a private redis-server that is not the machine default, and cleans up', async () => {
    const handle: RedisHandle = await startRedis({ private: true });
    expect(handle.port).not.toBe(6379);
    const redis = client(handle.url);
    const key = `${uniquePrefix('private')}:k`;
    await redis.set(key, 'v');
    expect(await redis.get(key)).toBe('v');
    await handle.stop();
    expect(await pingOk(handle.host, handle.port)).toBe(false);
    if (handle.kind === 'local') {
      const { existsSync } = await import('node:fs');
      expect(existsSync(handle.dir!)).toBe(false);
    }
  });

  it('keeps AOF data across kill -9 and restart on the same port', async () => {
    const handle = await startRedis({ private: true, appendonly: true });
    cleanups.push(() => handle.stop());
    const redis = client(handle.url);
    const key = `${uniquePrefix('aof')}:counter`;
    for (let i = 0; i < 100; i++) await redis.incr(key);
    // No explicit fsync: Redis write()s the AOF before replying, so an acknowledged write survives
    // a process kill even with appendfsync everysec (only an OS crash could lose the last second).
    await handle.kill();
    expect(await pingOk(handle.host, handle.port)).toBe(false);
    await handle.restart();
    expect(await redis.get(key)).toBe('100');
  });
});

describe('startRedisCluster', () => {
  it('comes up with 3 masters and accepts hash-tagged writes', async () => {
    const cluster: RedisClusterHandle = await startRedisCluster({ masters: 3 });
    cleanups.push(() => cluster.stop());
    expect(cluster.nodes).toHaveLength(3);
    const redis = new Cluster(cluster.nodes.map((n) => ({ host: n.host, port: n.port })));
    redis.on('error', () => undefined);
    cleanups.push(async () => {
      await redis.quit();
    });
    const tag = uniquePrefix('cluster');
    await redis.set(`{${tag}}:a`, '1');
    await redis.set(`{${tag}}:b`, '2');
    // Multi-key command in one slot only works because both keys share the hash tag.
    expect(await redis.mget(`{${tag}}:a`, `{${tag}}:b`)).toEqual(['1', '2']);
    expect((await redis.cluster('INFO')).toString()).toContain('cluster_state:ok');
  });
});

describe('startProcess', () => {
  it('waits for a ready line, captures output and kills the process group', async () => {
    const port = await freePort();
    const script = `
      const s = require('node:net').createServer().listen(${port}, '127.0.0.1', () => {
        console.log('listening on ' + ${port});
      });
      process.on('SIGTERM', () => { console.log('bye'); process.exit(0); });
    `;
    const proc = await startProcess(process.execPath, ['-e', script], {
      name: 'toy',
      readyLine: /listening on/,
    });
    expect(proc.running).toBe(true);
    const info = await proc.kill('SIGTERM');
    expect(info.code).toBe(0);
    expect(proc.output()).toContain('bye');
  });

  it('rejects with the output when the process dies before it is ready', async () => {
    await expect(
      startProcess(process.execPath, ['-e', 'console.error("boom"); process.exit(3)'], {
        name: 'dies',
        readyLine: /never/,
      }),
    ).rejects.toThrow(/dies exited before printing/);
  });
});
