// @beacon/runtime: what every Beacon process needs around its core — validated config, the pino
// root logger, Redis clients, graceful shutdown, Prometheus metrics and the health endpoint.
export {
  baseConfig,
  BaseConfig,
  boolFromEnv,
  intFromEnv,
  loadConfig,
  loadConfigOrExit,
  type RedisConfig,
} from './config.js';
export { createLogger, REDACT_PATHS, type CreateLoggerOptions, type Logger } from './logger.js';
export { redactLogText } from './redact-text.js';
export { logThrottle, type Throttled } from './log-throttle.js';
export {
  createRedis,
  parseRedisUrls,
  retryDelay,
  type CreateRedisOptions,
  type RedisClient,
} from './redis.js';
export { sleep } from './sleep.js';
export {
  instanceId,
  runService,
  type RunningService,
  type RunServiceOptions,
  type Service,
  type ServiceContext,
  type ServiceDefinition,
} from './service.js';
export { installShutdown, type Shutdown, type ShutdownOptions } from './shutdown.js';
export {
  createMetrics,
  escapeHelp,
  escapeLabelValue,
  formatValue,
  LATENCY_BUCKETS,
  METRICS_CONTENT_TYPE,
  type Counter,
  type CounterChild,
  type Gauge,
  type GaugeChild,
  type Histogram,
  type HistogramChild,
  type Metrics,
} from './metrics.js';
export { PROCESS_METRICS, registerProcessMetrics } from './process-metrics.js';
export { startHealthServer, type HealthServer, type HealthServerOptions } from './health.js';
