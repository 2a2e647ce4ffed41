// The service bootstrap against a real Redis: bad config and broken cross-field rules exit 1
// naming the problem; a start-up failure closes what was opened and exits 1; shutdown stops the
// service first, then closes its health server and Redis connections, and exits 0.
import { startRedis, waitFor, type RedisHandle } from '@beacon/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { baseConfig, intFromEnv } from './config.js';
import type { RedisClient } from './redis.js';
import { instanceId, runService } from './service.js';

let redis: RedisHandle;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis.stop();
});

const Config = z.object({
  ...baseConfig,
  PORT_A: intFromEnv(0, { min: 0, max: 65_535 }),
  MODE: z.enum(['a', 'b']).default('a'),
  KEY: z.string().optional(),
});

function harness() {
  const exits: number[] = [];
  const errors: string[] = [];
  return {
    exits,
    errors,
    options: (env: Record<string, string>) => ({
      env: { LOG_LEVEL: 'silent', REDIS_URL: redis.url, ...env },
      exit: (code: number) => void exits.push(code),
      stderr: (text: string) => void errors.push(text),
      signals: [] as NodeJS.Signals[],
      onFatal: false,
    }),
  };
}

describe('runService', () => {
  it('exits 1 on bad variables, naming every one, before starting anything', async () => {
    const h = harness();
    let started = false;
    const result = await runService(
      {
        name: 't',
        config: Config,
        start: () => {
          started = true;
          return Promise.resolve({ stop: () => Promise.resolve() });
        },
      },
      h.options({ PORT_A: 'x', MODE: 'c' }),
    );
    expect(result).toBeNull();
    expect(started).toBe(false);
    expect(h.exits).toEqual([1]);
    expect(h.errors.join('')).toMatch(/PORT_A/);
    expect(h.errors.join('')).toMatch(/MODE/);
  });

  it('exits 1 on a broken cross-field rule', async () => {
    const h = harness();
    const result = await runService(
      {
        name: 't',
        config: Config,
        rules: (c) => (c.MODE === 'b' && c.KEY === undefined ? ['KEY: required in mode b'] : []),
        start: () => Promise.resolve({ stop: () => Promise.resolve() }),
      },
      h.options({ MODE: 'b' }),
    );
    expect(result).toBeNull();
    expect(h.exits).toEqual([1]);
    expect(h.errors.join('')).toMatch(/invalid configuration: KEY: required in mode b/);
  });

  it('closes what a failed start opened and exits 1', async () => {
    const h = harness();
    let conn: RedisClient | undefined;
    let port = 0;
    const result = await runService(
      {
        name: 't',
        config: Config,
        async start({ redis: connect, health }) {
          conn = connect('t-main');
          await conn.ping();
          port = (
            await health({ port: 0, host: '127.0.0.1', ready: () => true, metrics: () => '' })
          ).port;
          throw new Error('boom');
        },
      },
      h.options({}),
    );
    expect(result).toBeNull();
    expect(h.exits).toEqual([1]);
    await waitFor(() => conn?.status === 'end', { message: 'the Redis connection to be closed' });
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });

  it('on shutdown stops the service, then closes health and Redis, and exits 0', async () => {
    const h = harness();
    const order: string[] = [];
    let conn: RedisClient | undefined;
    let port = 0;
    const service = await runService(
      {
        name: 't',
        config: Config,
        id: () => 'worker-7',
        async start({ redis: connect, health, instanceId: id }) {
          order.push(`start ${id}`);
          conn = connect('t-main');
          port = (
            await health({ port: 0, host: '127.0.0.1', ready: () => true, metrics: () => '' })
          ).port;
          return {
            async stop() {
              // Still usable while the service drains.
              order.push(`stop ${await conn?.ping()}`);
              expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
            },
          };
        },
      },
      h.options({}),
    );
    expect(service).not.toBeNull();
    expect(await service?.shutdown.trigger('test')).toBe(0);
    service?.shutdown.uninstall();
    expect(order).toEqual(['start worker-7', 'stop PONG']);
    expect(h.exits).toEqual([0]);
    await waitFor(() => conn?.status === 'end', { message: 'the Redis connection to be closed' });
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });

  it('instanceId: the configured id, else a safe <hostname>-<pid>', () => {
    expect(instanceId('edge-1')).toBe('edge-1');
    const fallback = instanceId();
    expect(fallback).toMatch(/^[A-Za-z0-9_.:-]{1,64}$/);
    expect(fallback.endsWith(`-${process.pid}`)).toBe(true);
  });
});
