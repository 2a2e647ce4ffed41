// Entry point of `pnpm --filter @beacon/breaker start`: one breaker process (active or standby).
import { runService } from '@beacon/runtime';
import { BreakerWorkerConfig } from './config.js';
import { startBreakerWorker } from './worker.js';

await runService({
  name: 'breaker',
  config: BreakerWorkerConfig,
  id: (config) => config.BEACON_BREAKER_ID,
  start: ({ config, logger, instanceId, redis, health }) =>
    startBreakerWorker(config, logger, {
      holder: instanceId,
      redis: (name) => redis(name),
      health,
    }),
});
