// Entry point of one edge process (`pnpm --filter @beacon/edge start`): validated config
// (incl. cross-field rules), the uWS native-binary check, Redis, the event log, the edge, and
// drain on SIGTERM/SIGINT. The bootstrap (@beacon/runtime runService) owns config, logger,
// Redis and shutdown; the edge serves /healthz, /readyz and /metrics on its own port.
import { createEventLog } from '@beacon/event-log';
import { BeaconError } from '@beacon/protocol';
import { baseConfig, createMetrics, runService } from '@beacon/runtime';
import { z } from 'zod';
import { edgeConfigProblems, edgeConfigShape, edgeSettings } from './config.js';
import { createEdge } from './edge.js';
import { loadUws } from './uws.js';

await runService({
  name: 'edge',
  config: z.object({ ...baseConfig, ...edgeConfigShape }),
  rules: edgeConfigProblems,
  id: (env) => env.BEACON_EDGE_ID,
  logBase: (id) => ({ edge: id }),
  shutdownTimeoutMs: (env) => env.BEACON_DRAIN_TIMEOUT_MS,
  async start({ config: env, logger, instanceId, redis: connect }) {
    const settings = edgeSettings(env, instanceId);
    const uws = loadUws();
    if (uws.fallback) {
      if (!settings.allowUwsFallback) {
        throw new BeaconError(
          'config',
          `uWebSockets.js fell back to its JS implementation (${uws.reason ?? 'unknown'}; ABI ${process.versions.modules}, ${process.platform}); refusing to start. Use a Node version with a native binary or set BEACON_ALLOW_UWS_FALLBACK=1`,
        );
      }
      logger.warn(
        { reason: uws.reason },
        'running on the uWebSockets.js JS fallback (BEACON_ALLOW_UWS_FALLBACK=1): slow',
      );
    }
    if (!settings.auth.enabled) {
      logger.warn(
        'BEACON_AUTH=off: every client is an anonymous admin; never do this in production',
      );
    }
    const redis = connect(`edge:${settings.edgeId}`);
    const eventLog = createEventLog(redis, { prefix: env.BEACON_REDIS_PREFIX, logger });
    const edge = createEdge({ settings, eventLog, logger, metrics: createMetrics(), uws });
    await edge.start();
    return { stop: () => edge.stop() };
  },
});
