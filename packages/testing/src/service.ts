// Runs one of this repository's built services (`node services/<name>/dist/main.js`) as a child
// process: the one place that knows where a service's entry point lives, so tests and benchmarks
// name the service instead of working out a path relative to their own file.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startProcess, type ProcessHandle, type StartProcessOptions } from './process.js';

// This module runs from packages/testing/src (tests) or packages/testing/dist: both 3 levels down.
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The built entry point of `services/<service>` (build it first: `tsc -b services/<service>`). */
export function serviceMain(service: string): string {
  return join(REPO_ROOT, 'services', service, 'dist', 'main.js');
}

export interface StartServiceOptions extends StartProcessOptions {
  /** Command-line arguments after the entry point. */
  readonly args?: readonly string[];
}

/** `startProcess` of a built service with this Node; `name` defaults to the service. */
export function startService(
  service: string,
  options: StartServiceOptions = {},
): Promise<ProcessHandle> {
  const { args = [], ...rest } = options;
  return startProcess(process.execPath, [serviceMain(service), ...args], {
    name: service,
    ...rest,
  });
}

/**
 * The real registry (`services/registry/dist/main.js`) on this Redis and prefix, its health
 * endpoint on a free loopback port unless `env` says otherwise; resolves once it has started.
 */
export function startRegistryProcess(
  redisUrl: string,
  prefix: string,
  env: Record<string, string> = {},
  name?: string,
): Promise<ProcessHandle> {
  return startService('registry', {
    ...(name === undefined ? {} : { name }),
    env: {
      REDIS_URL: redisUrl,
      BEACON_REDIS_PREFIX: prefix,
      LOG_LEVEL: 'info', // the ready line is at info
      BEACON_REGISTRY_HEALTH_PORT: '0',
      BEACON_REGISTRY_HEALTH_HOST: '127.0.0.1',
      ...env,
    },
    readyLine: /registry \S+ started/,
    readyTimeoutMs: 60_000,
  });
}
