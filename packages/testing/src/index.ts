// @beacon/testing: real infrastructure for tests (Redis, Redis Cluster, child processes) and the
// small helpers every integration test uses. Test-only; never imported by services.
export {
  freePort,
  freePortPair,
  freePortRange,
  uniquePrefix,
  waitFor,
  WaitForAbort,
  type WaitForOptions,
} from './helpers.js';
export { sendCommand, type SendCommandOptions } from './commands.js';
export { mintToken, type TestTokenClaims } from './token.js';
export { startRedis, type RedisHandle, type StartRedisOptions } from './redis.js';
export {
  startRedisCluster,
  type RedisClusterHandle,
  type StartRedisClusterOptions,
} from './redis-cluster.js';
export {
  startProcess,
  type ExitInfo,
  type ProcessHandle,
  type StartProcessOptions,
} from './process.js';
export {
  serviceMain,
  startRegistryProcess,
  startService,
  type StartServiceOptions,
} from './service.js';
export { containerRuntimeAvailable } from './container-runtime.js';
export { startTcpGate, type TcpGate } from './tcp-gate.js';
export { BudgetExceeded, sloRun, withinBudget } from './budget.js';
export { redisCommand, pingOk } from './resp.js';
export { incidentBetween, incidentFixture } from './incidents.js';
export * from '@beacon/mcp-fixtures';
