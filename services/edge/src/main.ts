// Entry point of one edge process (`pnpm --filter @beacon/edge start`): validated config,
// the uWS native-binary check, Redis, the event log, the edge, and drain on SIGTERM/SIGINT.
import { hostname } from 'node:os';
import { createEventLog } from '@beacon/event-log';
import { BeaconError } from '@beacon/protocol';
import {
  baseConfig,
  createLogger,
  createMetrics,
  createRedis,
  installShutdown,
  loadConfigOrExit,
} from '@beacon/runtime';
import { z } from 'zod';
import { edgeConfigProblems, edgeConfigShape, edgeSettings } from './config.js';
import { createEdge } from './edge.js';
import { loadUws } from './uws.js';

const env = loadConfigOrExit(z.object({ ...baseConfig, ...edgeConfigShape }));
const problems = edgeConfigProblems(env);
if (problems.length > 0) {
  process.stderr.write(`invalid configuration: ${problems.join('; ')}\n`);
  process.exit(1);
}
const fallbackId = `${hostname()}-${process.pid}`.replace(/[^A-Za-z0-9_.:-]/g, '-').slice(0, 64);
const settings = edgeSettings(env, fallbackId);
const logger = createLogger({
  name: 'edge',
  level: env.LOG_LEVEL,
  base: { edge: settings.edgeId },
});

const uws = loadUws();
if (uws.fallback) {
  if (!settings.allowUwsFallback) {
    logger.fatal(
      { reason: uws.reason, abi: process.versions.modules, platform: process.platform },
      `uWebSockets.js fell back to its JS implementation (${uws.reason ?? 'unknown'}); refusing to start. Use a Node version with a native binary or set BEACON_ALLOW_UWS_FALLBACK=1`,
    );
    logger.flush();
    process.exit(1);
  }
  logger.warn(
    { reason: uws.reason },
    'running on the uWebSockets.js JS fallback (BEACON_ALLOW_UWS_FALLBACK=1): slow',
  );
}
if (!settings.auth.enabled) {
  logger.warn('BEACON_AUTH=off: every client is an anonymous admin; never do this in production');
}

const redis = createRedis(env, `edge:${settings.edgeId}`, logger);
const eventLog = createEventLog(redis, { prefix: env.BEACON_REDIS_PREFIX, logger });
let edge;
try {
  edge = createEdge({ settings, eventLog, logger, metrics: createMetrics(), uws });
} catch (err) {
  logger.fatal({ err }, err instanceof BeaconError ? err.message : 'cannot create the edge');
  logger.flush();
  process.exit(1);
}
const running = edge;
installShutdown(
  logger,
  async () => {
    await running.stop();
    await redis.quit().catch(() => undefined);
  },
  { timeoutMs: settings.drainTimeoutMs },
);
try {
  await running.start();
} catch (err) {
  logger.fatal({ err }, 'edge failed to start');
  logger.flush();
  process.exit(1);
}
