import { startRedis, startRedisCluster, uniquePrefix, waitFor } from '@beacon/testing';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';
import { createRedis } from './redis.js';

function capturingLogger() {
  const lines: string[] = [];
  const logger = createLogger({
    name: 'test',
    level: 'debug',
    destination: new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    }),
  });
  return { logger, lines };
}

describe('createRedis', () => {
  it('connects in standalone mode, names the connection, and survives a Redis restart', async () => {
    const server = await startRedis({ private: true, appendonly: true });
    const { logger, lines } = capturingLogger();
    const redis = createRedis(
      { REDIS_URL: server.url, BEACON_REDIS_MODE: 'standalone' },
      'test-conn',
      logger,
    );
    try {
      const key = `${uniquePrefix('runtime')}:k`;
      await redis.set(key, '1');
      expect(await redis.client('GETNAME')).toBe('test-conn');
      await server.kill();
      // The error is logged, not thrown at the process; a queued command waits for the restart.
      await waitFor(() => lines.some((l) => l.includes('redis error')), {
        timeoutMs: 10_000,
        message: 'the connection error to be logged',
      });
      const pending = redis.incr(key);
      await server.restart();
      expect(await pending).toBe(2);
    } finally {
      redis.disconnect();
      await server.stop();
    }
  });

  it('connects in cluster mode from a comma-separated node list with sharded pub/sub', async () => {
    const cluster = await startRedisCluster({ masters: 3 });
    const { logger } = capturingLogger();
    const redis = createRedis(
      { REDIS_URL: cluster.urls, BEACON_REDIS_MODE: 'cluster' },
      'c',
      logger,
    );
    const sub = createRedis(
      { REDIS_URL: cluster.urls, BEACON_REDIS_MODE: 'cluster' },
      'c-sub',
      logger,
    );
    try {
      const tag = uniquePrefix('cl');
      const channel = `{${tag}}:live`;
      const got: string[] = [];
      sub.on('smessage', (_ch: string, message: string) => got.push(message));
      await sub.ssubscribe(channel);
      await redis.set(`{${tag}}:a`, 'x');
      await redis.spublish(channel, 'hello');
      await waitFor(() => got.includes('hello'), { message: 'sharded message to arrive' });
    } finally {
      await Promise.allSettled([redis.quit(), sub.quit()]);
      await cluster.stop();
    }
  });
});
