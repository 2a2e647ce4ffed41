// The edge process refuses bad configurations at start-up, with a message naming the variable:
// auth on without a key, invalid values, and the uWebSockets.js JS fallback unless allowed.
import {
  freePort,
  startRedis,
  startService,
  uniquePrefix,
  type RedisHandle,
} from '@beacon/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let redis: RedisHandle;

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis.stop();
});

async function run(env: Record<string, string>, readyLine?: RegExp) {
  const port = await freePort();
  return startService('edge', {
    cleanEnv: true,
    env: {
      REDIS_URL: redis.url,
      BEACON_REDIS_PREFIX: uniquePrefix('edge-main'),
      BEACON_EDGE_PORT: String(port),
      BEACON_EDGE_HOST: '127.0.0.1',
      ...env,
    },
    ...(readyLine === undefined ? {} : { readyLine }),
  });
}

describe('edge start-up', () => {
  it('fails fast when auth is on without a key, listing every bad variable', async () => {
    const p = await run({ BEACON_WS_IDLE_TIMEOUT_S: '3', BEACON_EDGE_PORT: 'x' });
    const exit = await p.exited;
    expect(exit.code).toBe(1);
    expect(p.output()).toMatch(/BEACON_EDGE_PORT/);
    expect(p.output()).toMatch(/BEACON_WS_IDLE_TIMEOUT_S/);
    const noKey = await run({});
    expect((await noKey.exited).code).toBe(1);
    expect(noKey.output()).toMatch(/BEACON_JWT_SECRET: required while auth is on/);
  });

  it('refuses the uWebSockets.js JS fallback unless BEACON_ALLOW_UWS_FALLBACK=1', async () => {
    const refused = await run({ UWS_USE_FALLBACK: '1', BEACON_AUTH: 'off' });
    expect((await refused.exited).code).toBe(1);
    expect(refused.output()).toMatch(/fell back to its JS implementation/);
    const allowed = await run(
      { UWS_USE_FALLBACK: '1', BEACON_AUTH: 'off', BEACON_ALLOW_UWS_FALLBACK: '1' },
      /"msg":"edge ready"/,
    );
    expect(allowed.output()).toMatch(/JS fallback/);
    expect(allowed.output()).toMatch(/BEACON_AUTH=off/);
    const exit = await allowed.kill('SIGTERM');
    expect(exit.code).toBe(0);
  });
});
