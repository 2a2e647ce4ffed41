import { BeaconError } from '@beacon/protocol';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { baseConfig, intFromEnv, loadConfig } from './config.js';

const Schema = z.object({
  ...baseConfig,
  PORT: intFromEnv(8080, { min: 1, max: 65535 }),
  SECRET: z.string(),
});

describe('loadConfig', () => {
  it('applies defaults for an empty environment (empty strings count as unset)', () => {
    const config = loadConfig(z.object(baseConfig), { LOG_LEVEL: '' });
    expect(config).toEqual({
      REDIS_URL: 'redis://127.0.0.1:6379',
      BEACON_REDIS_PREFIX: 'beacon',
      BEACON_REDIS_MODE: 'standalone',
      LOG_LEVEL: 'info',
    });
  });

  it('accepts a comma-separated node list for cluster mode', () => {
    const config = loadConfig(z.object(baseConfig), {
      REDIS_URL: 'redis://10.0.0.1:7000, redis://10.0.0.2:7000',
      BEACON_REDIS_MODE: 'cluster',
    });
    expect(config.BEACON_REDIS_MODE).toBe('cluster');
  });

  it('names every bad variable in one BeaconError', () => {
    let caught: unknown;
    try {
      loadConfig(Schema, {
        REDIS_URL: 'http://nope',
        BEACON_REDIS_PREFIX: 'has space',
        BEACON_REDIS_MODE: 'sentinel',
        LOG_LEVEL: 'loud',
        PORT: '99999',
      });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(BeaconError);
    const error = caught as BeaconError;
    expect(error.code).toBe('config');
    for (const name of [
      'REDIS_URL',
      'BEACON_REDIS_PREFIX',
      'BEACON_REDIS_MODE',
      'LOG_LEVEL',
      'PORT',
      'SECRET',
    ]) {
      expect(error.message).toContain(name);
    }
    expect(error.message).toMatch(/SECRET: .*not set/);
    expect(error.issues.map((i) => i.path).sort()).toEqual([
      'BEACON_REDIS_MODE',
      'BEACON_REDIS_PREFIX',
      'LOG_LEVEL',
      'PORT',
      'REDIS_URL',
      'SECRET',
    ]);
  });

  it('coerces numbers and keeps unrelated variables out', () => {
    const config = loadConfig(Schema, { PORT: '9000', SECRET: 's', HOME: '/root' });
    expect(config.PORT).toBe(9000);
    expect(config).not.toHaveProperty('HOME');
  });
});
