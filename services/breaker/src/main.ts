// Entry point of `pnpm --filter @beacon/breaker start`: one breaker process (active or standby).
import { createLogger, installShutdown, loadConfigOrExit } from '@beacon/runtime';
import { BreakerWorkerConfig } from './config.js';
import { startBreakerWorker } from './worker.js';

const config = loadConfigOrExit(BreakerWorkerConfig);
const logger = createLogger({ name: 'breaker', level: config.LOG_LEVEL });

try {
  const worker = await startBreakerWorker(config, logger);
  installShutdown(logger, () => worker.stop(), { timeoutMs: 10_000 });
} catch (err) {
  logger.fatal({ err }, 'breaker failed to start');
  logger.flush();
  process.exit(1);
}
